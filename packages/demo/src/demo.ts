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
  pages: { video: string; feedback: string; daily: string; shop: string; ugc: string; creations: string; core: string; workload: string };
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
  '/shop.html': 'shop.html',
  '/ugc.html': 'ugc.html',
  '/creations.html': 'creations.html',
  '/core.html': 'core.html',
  '/workload.html': 'workload.html',
  '/app.js': 'app.js',
  '/style.css': 'style.css',
};
const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml' };

/** The host's product photos, drawn: cat-paw cups (Starbucks) and shoes (Nike By You). */
const CUP_COLOURS = ['#f8b4c8', '#c8e6c9', '#ffe0b2', '#d1c4e9'];
const SHOE_COLOURS: [string, string][] = [['#ff2e88', '#1e90ff'], ['#222222', '#e8e4da'], ['#111111', '#ffffff'], ['#ff8c00', '#fff3c4'], ['#ffb7c5', '#f5f5f5'], ['#00c48c', '#0b1f33'], ['#7b61ff', '#ffd166'], ['#ef476f', '#06d6a0']];
function image(name: string): string | null {
  const cup = /^cup-(\d)$/.exec(name);
  if (cup) {
    const c = CUP_COLOURS[Number(cup[1]) % CUP_COLOURS.length]!;
    return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 160"><rect width="200" height="160" fill="#f3ece4"/><path d="M60 40h80l-8 96a10 10 0 0 1-10 9H78a10 10 0 0 1-10-9z" fill="#fff" stroke="#d9cfc4" stroke-width="3"/><path d="M140 60c22 0 22 40 0 40" fill="none" stroke="#d9cfc4" stroke-width="6"/><circle cx="100" cy="100" r="18" fill="${c}"/><circle cx="82" cy="76" r="7" fill="${c}"/><circle cx="96" cy="70" r="7" fill="${c}"/><circle cx="110" cy="70" r="7" fill="${c}"/><circle cx="122" cy="78" r="7" fill="${c}"/></svg>`;
  }
  const shoe = /^shoe-(\d+)$/.exec(name);
  if (shoe) {
    const [a, b] = SHOE_COLOURS[Number(shoe[1]) % SHOE_COLOURS.length]!;
    return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 120"><rect width="200" height="120" fill="#f5f5f5"/><path d="M20 82c0-18 12-30 30-34l40-10c10 8 30 14 60 18 18 3 30 12 30 26z" fill="${a}"/><path d="M20 82h160v10a8 8 0 0 1-8 8H28a8 8 0 0 1-8-8z" fill="${b}" stroke="#ccc"/><path d="M70 50c15 10 40 16 70 20" stroke="${b}" stroke-width="6" fill="none"/></svg>`;
  }
  return null;
}

async function readJson(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  const v: unknown = text ? JSON.parse(text) : {};
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw Object.assign(new Error('a JSON object is expected'), { status: 400 });
  return v as Record<string, unknown>;
}

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
    const state: { config: Record<string, unknown> | null; secretKey: string; webhookSecret: string; canyuUrl: string; hostUrl: string; seed: SeedResult | null; operatorNames: Record<string, string> } = { config: null, secretKey: '', webhookSecret: '', canyuUrl: '', hostUrl: '', seed: null, operatorNames: {} };
    /** The host's backend calling Canyu with the secret key (what the pages may not hold). */
    const canyu = async (method: string, p: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> => {
      const r = await fetch(`${state.canyuUrl}${p}`, { method, headers: { authorization: `Bearer ${state.secretKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
      const text = await r.text();
      return { status: r.status, json: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
    };
    const relay = async (res: http.ServerResponse, method: string, p: string, body?: unknown) => {
      const r = await canyu(method, p, body);
      return send(res, r.status, JSON.stringify(r.json));
    };
    /** The demo's sign-in is the user picker: the backend takes the user the page names. */
    const userOf = (url: URL) => {
      const u = url.searchParams.get('user') ?? '';
      if (!/^[\w-]{1,64}$/.test(u)) throw Object.assign(new Error('user is required'), { status: 400 });
      return u;
    };
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
        if (req.method === 'GET' && p.startsWith('/img/') && p.endsWith('.svg')) {
          const svg = image(p.slice('/img/'.length, -'.svg'.length));
          return svg ? send(res, 200, svg, TYPES['.svg']) : send(res, 404, '{"error":"not found"}');
        }
        if (p.startsWith('/api/') && p !== '/api/config' && p !== '/api/token' && p !== '/api/webhooks' && !state.seed) return send(res, 503, '{"error":"the demo is still starting"}');
        const pb = state.seed?.playbooks;
        // Shop (Pinduoduo/Meituan): what only the host's backend may see or do.
        if (req.method === 'GET' && p === '/api/shop/teams') {
          const q = url.searchParams.get('mine') ? `user_id=${encodeURIComponent(userOf(url))}` : 'status=open';
          return relay(res, 'GET', `/v1/campaigns/${pb!.shop.groupBuy.id}/group-buy/teams?limit=20&${q}`);
        }
        if (req.method === 'GET' && p === '/api/shop/bargains') {
          const q = url.searchParams.get('mine') ? `user_id=${encodeURIComponent(userOf(url))}` : 'status=active';
          return relay(res, 'GET', `/v1/campaigns/${pb!.shop.bargain.id}/bargains?limit=20&${q}`);
        }
        // The member paid the host's order: the backend confirms the seat (the N-th completes the team).
        if (req.method === 'POST' && p === '/api/shop/pay') {
          const user = userOf(url);
          const team = url.searchParams.get('team') ?? '';
          if (!/^[\w-]{1,64}$/.test(team)) return send(res, 400, '{"error":"team is required"}');
          return relay(res, 'POST', `/v1/group-buy/teams/${team}/members/${encodeURIComponent(user)}/confirm`, { order_ref: `order-${team}-${user}` });
        }
        // Nike By You: a creation is the host's content; the backend registers it as a subject.
        if (req.method === 'POST' && p === '/api/creations') {
          const user = userOf(url);
          const b = await readJson(req);
          const title = typeof b.title === 'string' ? b.title.trim().slice(0, 80) : '';
          const model = typeof b.model === 'string' ? b.model.slice(0, 40) : 'Air Max 90';
          const colour = Number.isInteger(b.colour) ? Math.abs(b.colour as number) % SHOE_COLOURS.length : 0;
          if (!title) return send(res, 400, '{"error":"title is required"}');
          const id = `nby-${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
          return relay(res, 'PUT', `/v1/subjects/${pb!.creations.kind}/${id}`, { title, author_id: user, tags: [model], metadata: { model, colors: SHOE_COLOURS[colour], image: `${state.hostUrl}/img/shoe-${colour}.svg` } });
        }
        // Xiaomi MIUI: the core users (by frequency, duration and spend) with the host's names.
        if (req.method === 'GET' && p === '/api/core-users') {
          const r = await canyu('GET', '/v1/segments/core/users?limit=100');
          if (r.status !== 200) return send(res, r.status, JSON.stringify(r.json));
          const data = (r.json.data as Record<string, unknown>[]).map((u) => ({ ...u, name: state.seed!.names[u.user_id as string] ?? null }));
          return send(res, 200, JSON.stringify({ data, summary: pb!.core }));
        }
        // The core-user group: its pinned weekly update and posts, and whether this visitor is in it.
        if (req.method === 'GET' && p === '/api/core-group') {
          const user = userOf(url);
          const [posts, member] = await Promise.all([canyu('GET', `/v1/communities/${pb!.core.group}/posts?limit=10`), canyu('GET', `/v1/communities/${pb!.core.group}/members/${encodeURIComponent(user)}`)]);
          if (posts.status !== 200) return send(res, posts.status, JSON.stringify(posts.json));
          return send(res, 200, JSON.stringify({ posts: posts.json.data, member: member.status === 200 ? member.json : null }));
        }
        // Only a core user gets the invite: the backend checks the ranking, then joins them with the code.
        if (req.method === 'POST' && p === '/api/core-group/join') {
          const user = userOf(url);
          const r = await canyu('GET', `/v1/segments/core/users?core_only=true&limit=100`);
          if (r.status !== 200) return send(res, r.status, JSON.stringify(r.json));
          if (!(r.json.data as { user_id: string }[]).some((u) => u.user_id === user)) return send(res, 403, '{"error":"only core users are invited"}');
          return relay(res, 'POST', `/v1/communities/${pb!.core.group}/join`, { user_id: user, invite: pb!.core.invite });
        }
        // QQ Mail 1000/100/10: the operators' workload this month, with their names.
        if (req.method === 'GET' && p === '/api/workload') {
          const month = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit' }).format(new Date()).slice(0, 7);
          const r = await canyu('GET', `/v1/feedback/workload?month=${month}&tz=Asia%2FShanghai`);
          if (r.status !== 200) return send(res, r.status, JSON.stringify(r.json));
          const operators = (r.json.operators as Record<string, unknown>[]).map((o) => ({ ...o, name: state.operatorNames[o.operator_id as string] ?? o.operator_id }));
          return send(res, 200, JSON.stringify({ ...r.json, operators }));
        }
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
        // A bad request (no user, a body that is not JSON) is the caller's; the rest is ours.
        const status = (err as { status?: number }).status ?? (err instanceof SyntaxError ? 400 : 500);
        return send(res, status, JSON.stringify({ error: (err as Error).message }));
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
    state.hostUrl = url;

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
    const agent = { email: 'support@canyu.local', password: randomBytes(9).toString('base64url') };
    const [owner, support] = (await Promise.all([
      runCli(['operator', 'create', '--email', operator.email, '--password', operator.password, '--name', 'Demo', '--app', app.id, '--role', 'owner', '--json'], env),
      runCli(['operator', 'create', '--email', agent.email, '--password', agent.password, '--name', '客服小王', '--app', app.id, '--role', 'operator', '--json'], env),
    ])) as { id: string }[];
    state.secretKey = app.secretKey;
    state.canyuUrl = canyuUrl;
    state.operatorNames = { [owner!.id]: 'Demo (owner 负责人)', [support!.id]: '客服小王 (support)' };

    const seed = await seedDemo({
      canyuUrl,
      appId: app.id,
      secretKey: app.secretKey,
      operator,
      staff: [{ id: owner!.id, ...operator }, { id: support!.id, ...agent }],
      origins: [url, `http://localhost:${hostPort}`],
      webhookUrl: `${url}/api/webhooks`,
      users: o.users ?? 200,
      days: o.days ?? 7,
      progress,
    });
    state.webhookSecret = seed.webhookSecret;
    state.seed = seed;
    const pb = seed.playbooks;
    state.config = { canyuUrl, publishableKey: app.publishableKey, users: seed.pickerUsers, names: seed.names, videos: seed.videos, products: seed.products, room: seed.roomId, poll: seed.pollId, board: seed.boardId, lottery: seed.lotteryId, shop: pb.shop, ugc: pb.ugc, creations: pb.creations };

    const pages = { video: `${url}/video.html`, feedback: `${url}/feedback.html`, daily: `${url}/daily.html`, shop: `${url}/shop.html`, ugc: `${url}/ugc.html`, creations: `${url}/creations.html`, core: `${url}/core.html`, workload: `${url}/workload.html` };
    const banner = [
      ' Canyu demo 参与演示',
      `   Video 视频页 (Bilibili)      ${pages.video}`,
      `   Feedback 反馈页 (MIUI)       ${pages.feedback}`,
      `   Daily 每日页 (check-in)      ${pages.daily}`,
      `   Shop 商城 (拼团 砍价 红包)    ${pages.shop}`,
      `   UGC 话题征集 (Starbucks)     ${pages.ugc}`,
      `   Creations 晒设计 (Nike)      ${pages.creations}`,
      `   Core users 核心用户 (MIUI)   ${pages.core}`,
      `   Workload 工作量 (QQ Mail)    ${pages.workload}`,
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
