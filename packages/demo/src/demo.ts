// The demo host app (issue 17): what a product team's own site looks like once it plugs Canyu in.
// startDemo() starts Canyu as a separate process (`canyu start`, embedded PostgreSQL in a temp
// data dir), creates an app and an operator with the CLI, configures and seeds the app through the
// HTTP API (seed.ts), and serves the host: static playbook pages that use only the SDK's browser
// build and the widgets' dist files, plus a tiny backend that signs user tokens and receives
// signed webhooks with the SDK's Node entry. Canyu is called directly from the pages (the app
// lists the host's origin: CORS per app).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import * as esbuild from 'esbuild';
// The SDK's sources (the `canyu-source` condition), as the widgets use them: no build needed.
import { signUserToken, verifyWebhook, type WebhookEvent } from '../../sdk/src/node.ts';
import { ensureBuilt, widgetsDistDir } from '../../../scripts/build.js';
import { seedDemo, type SeedResult } from './seed.ts';

const root = path.resolve(import.meta.dirname, '..', '..', '..');
const publicDir = path.resolve(import.meta.dirname, '..', 'public');

export type DemoOptions = {
  /** Port of the demo host (0 = any free port). Canyu gets a free port of its own. */
  port?: number;
  /** Seeded users (default 200) and days of events up to now (default 7). */
  users?: number;
  days?: number;
  log?: (message: string) => void;
  onProgress?: (step: string, done: number, total: number) => void;
};

export type Demo = {
  /** The host's pages. */
  url: string;
  pages: { video: string; feedback: string; daily: string };
  /** Canyu itself (API, /docs, /console/). */
  canyuUrl: string;
  appId: string;
  secretKey: string;
  publishableKey: string;
  operator: { email: string; password: string };
  seed: SeedResult;
  /** Webhook events received and verified by the host's backend, newest last. */
  webhooks: WebhookEvent[];
  banner: string;
  stop(): Promise<void>;
};

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [path.join(root, 'bin', 'canyu.js'), ...args], { env, cwd: root, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`canyu ${args.join(' ')} failed: ${stderr || err.message}`));
      const line = stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop();
      if (!line) return reject(new Error(`canyu ${args.join(' ')} printed no JSON: ${stdout}`));
      resolve(JSON.parse(line) as Record<string, unknown>);
    });
  });
}

/** Waits until Canyu answers /health, or fails with the end of its log when it exits first. */
async function waitHealthy(url: string, child: ChildProcess, logFile: string, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let delay = 50;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      const tail = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n') : '';
      throw new Error(`Canyu exited (${child.exitCode ?? child.signalCode}) while starting:\n${tail}`);
    }
    try {
      const r = await fetch(`${url}/health`);
      if (r.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`Canyu did not answer ${url}/health within ${timeoutMs / 1000} s (log: ${logFile})`);
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 500);
  }
}

function stopChild(child: ChildProcess, graceMs = 15_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

const STATIC: Record<string, string> = {
  '/': 'index.html',
  '/index.html': 'index.html',
  '/video.html': 'video.html',
  '/feedback.html': 'feedback.html',
  '/daily.html': 'daily.html',
  '/app.js': 'app.js',
  '/style.css': 'style.css',
};
const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };

export async function startDemo(o: DemoOptions = {}): Promise<Demo> {
  const log = o.log ?? (() => {});
  const progress = o.onProgress ?? (() => {});
  const cleanups: (() => Promise<void> | void)[] = [];
  const cleanup = async () => {
    for (const c of cleanups.splice(0).reverse()) await Promise.resolve(c()).catch(() => {});
  };
  try {
    progress('Building the server, console and widgets 构建', 0, 1);
    await ensureBuilt(() => {});
    // The SDK's browser entry as one ESM file, the way a host's bundler would ship it.
    const sdk = await esbuild.build({ entryPoints: [path.join(root, 'packages', 'sdk', 'src', 'browser.ts')], bundle: true, format: 'esm', platform: 'browser', target: 'es2022', minify: true, write: false, conditions: ['canyu-source'], logLevel: 'silent' });
    const sdkJs = sdk.outputFiles[0]!.contents;

    // The host first: Canyu must know its origin (CORS) and its webhook URL.
    const webhooks: WebhookEvent[] = [];
    const state: { config: Record<string, unknown> | null; secretKey: string; webhookSecret: string } = { config: null, secretKey: '', webhookSecret: '' };
    const server = http.createServer((req, res) => void handle(req, res));
    const send = (res: http.ServerResponse, status: number, body: string | Uint8Array, type = 'application/json; charset=utf-8') => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
      res.end(body);
    };
    async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
      const url = new URL(req.url ?? '/', 'http://host');
      const p = url.pathname;
      try {
        if (req.method === 'GET' && STATIC[p]) {
          const file = path.join(publicDir, STATIC[p]);
          return send(res, 200, fs.readFileSync(file), TYPES[path.extname(file)]);
        }
        if (req.method === 'GET' && p === '/sdk/browser.js') return send(res, 200, sdkJs, TYPES['.js']);
        if (req.method === 'GET' && p.startsWith('/widgets/')) {
          const file = path.resolve(widgetsDistDir, `.${p.slice('/widgets'.length)}`);
          if (file.startsWith(widgetsDistDir + path.sep) && file.endsWith('.js') && fs.existsSync(file)) return send(res, 200, fs.readFileSync(file), TYPES['.js']);
          return send(res, 404, '{"error":"not found"}');
        }
        if (req.method === 'GET' && p === '/api/config') {
          if (!state.config) return send(res, 503, '{"error":"the demo is still starting"}');
          return send(res, 200, JSON.stringify(state.config));
        }
        // The host's own sign-in is a picker here; a real backend signs for the session's user.
        if (req.method === 'GET' && p === '/api/token') {
          const user = url.searchParams.get('user') ?? '';
          if (!state.secretKey) return send(res, 503, '{"error":"the demo is still starting"}');
          try {
            return send(res, 200, signUserToken(user, state.secretKey, 3600), 'text/plain; charset=utf-8');
          } catch (err) {
            return send(res, 400, JSON.stringify({ error: (err as Error).message }));
          }
        }
        if (req.method === 'POST' && p === '/api/webhooks') {
          const chunks: Buffer[] = [];
          for await (const c of req) chunks.push(c as Buffer);
          try {
            const event = verifyWebhook(Buffer.concat(chunks).toString('utf8'), req.headers, state.webhookSecret);
            if (!webhooks.some((w) => w.id === event.id)) {
              webhooks.push(event);
              if (webhooks.length > 200) webhooks.shift();
            }
            return send(res, 200, '{"ok":true}');
          } catch (err) {
            return send(res, 400, JSON.stringify({ error: (err as Error).message }));
          }
        }
        if (req.method === 'GET' && p === '/api/webhooks') return send(res, 200, JSON.stringify({ data: webhooks.slice(-30).reverse().map((w) => ({ id: w.id, type: w.type, created_at: w.created_at ?? null, data: w.data })) }));
        return send(res, 404, '{"error":"not found"}');
      } catch (err) {
        return send(res, 500, JSON.stringify({ error: (err as Error).message }));
      }
    }
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(o.port ?? 0, '127.0.0.1', () => resolve());
    });
    cleanups.push(() => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }));
    const a = server.address();
    const hostPort = typeof a === 'object' && a ? a.port : 0;
    const url = `http://127.0.0.1:${hostPort}`;

    // Canyu, on its own data dir and ports.
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'canyu-demo-'));
    fs.chmodSync(dataDir, 0o755); // run as root, PostgreSQL runs as another user and must reach it
    cleanups.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
    const canyuPort = await freePort();
    const canyuUrl = `http://127.0.0.1:${canyuPort}`;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PORT: String(canyuPort),
      HOST: '127.0.0.1',
      CANYU_DATA_DIR: dataDir,
      CANYU_WORKERS: '1',
      CANYU_BOOTSTRAP: 'false',
      CANYU_PUBLIC_URL: canyuUrl,
      CANYU_WEBHOOK_ALLOW_PRIVATE: '127.0.0.1',
      LOG_LEVEL: process.env.DEMO_CANYU_LOG_LEVEL ?? 'warn',
    };
    delete env.DATABASE_URL;
    delete env.CANYU_PG_PORT;
    const logFile = path.join(dataDir, 'canyu.log');
    const logFd = fs.openSync(logFile, 'a');
    progress('Starting Canyu 启动 Canyu（内置 PostgreSQL）', 0, 1);
    const child = spawn(process.execPath, [path.join(root, 'bin', 'canyu.js'), 'start'], { env, cwd: root, stdio: ['ignore', logFd, logFd] });
    fs.closeSync(logFd);
    cleanups.push(() => stopChild(child));
    await waitHealthy(canyuUrl, child, logFile);

    // An app and its owner, made with the CLI (it attaches to the running PostgreSQL).
    const app = (await runCli(['app', 'create', '--name', '参与演示 Canyu demo', '--json'], env)) as { id: string; secretKey: string; publishableKey: string };
    const operator = { email: 'demo@canyu.local', password: randomBytes(9).toString('base64url') };
    await runCli(['operator', 'create', '--email', operator.email, '--password', operator.password, '--name', 'Demo', '--app', app.id, '--role', 'owner', '--json'], env);
    state.secretKey = app.secretKey;

    const seed = await seedDemo({
      canyuUrl,
      appId: app.id,
      secretKey: app.secretKey,
      operator,
      origins: [url, `http://localhost:${hostPort}`],
      webhookUrl: `${url}/api/webhooks`,
      users: o.users ?? 200,
      days: o.days ?? 7,
      progress,
    });
    state.webhookSecret = seed.webhookSecret;
    state.config = { canyuUrl, publishableKey: app.publishableKey, users: seed.pickerUsers, videos: seed.videos, products: seed.products, room: seed.roomId, poll: seed.pollId, board: seed.boardId, lottery: seed.lotteryId };

    const pages = { video: `${url}/video.html`, feedback: `${url}/feedback.html`, daily: `${url}/daily.html` };
    const banner = [
      ' Canyu demo 参与演示',
      `   Video 视频页 (Bilibili)      ${pages.video}`,
      `   Feedback 反馈页 (MIUI)       ${pages.feedback}`,
      `   Daily 每日页 (check-in)      ${pages.daily}`,
      `   Canyu API                     ${canyuUrl}  (docs ${canyuUrl}/docs)`,
      `   Console 运营后台              ${canyuUrl}/console/  ${operator.email} / ${operator.password}`,
      `   Seeded 已生成: ${seed.counts.users} users, ${seed.counts.events} events, ${seed.counts.likes} likes, ${seed.counts.comments} comments`,
      `   Data 数据 (deleted on exit 退出时删除): ${dataDir}`,
      ' Ctrl-C to stop 按 Ctrl-C 停止',
    ].join('\n');
    log(`Demo ready at ${url}`);
    return {
      url,
      pages,
      canyuUrl,
      appId: app.id,
      secretKey: app.secretKey,
      publishableKey: app.publishableKey,
      operator,
      seed,
      webhooks,
      banner,
      stop: cleanup,
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
