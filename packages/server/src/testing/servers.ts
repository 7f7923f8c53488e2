// Real Canyu server processes (`node bin/canyu.js start`) on a test database, for tests that must
// prove behaviour across several servers sharing one PostgreSQL. Each listens on 127.0.0.1, runs
// the TypeScript sources (CANYU_SOURCE=1, no build needed) and is one process (CANYU_WORKERS=1)
// unless `env` says otherwise.
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { freePort } from '../db/embedded.ts';
import { TEST_MASTER_KEY } from './app.ts';

const root = path.resolve(import.meta.dirname, '../../../..');

export type ServerProcess = { url: string; child: ChildProcess; stderr: () => string };

export async function startServers(n: number, env: Record<string, string>, timeoutMs = 60_000): Promise<{ servers: ServerProcess[]; stop(): Promise<void> }> {
  const servers: ServerProcess[] = [];
  const stop = async () => {
    await Promise.all(
      servers.map(
        (s) =>
          new Promise<void>((resolve) => {
            if (s.child.exitCode !== null || s.child.signalCode !== null) return resolve();
            const timer = setTimeout(() => s.child.kill('SIGKILL'), 15_000);
            s.child.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            s.child.kill('SIGTERM');
          }),
      ),
    );
  };
  try {
    for (let i = 0; i < n; i++) {
      const port = await freePort();
      let err = '';
      const child = spawn(process.execPath, ['bin/canyu.js', 'start'], {
        cwd: root,
        env: { ...process.env, CANYU_SOURCE: '1', CANYU_WORKERS: '1', HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn', CANYU_BOOTSTRAP: 'false', CANYU_JOBS: 'false', CANYU_RATE_LIMIT_KEY: '10000000', CANYU_RATE_LIMIT_USER: '10000000', CANYU_SECRET_KEY: TEST_MASTER_KEY, ...env },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      child.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
      servers.push({ url: `http://127.0.0.1:${port}`, child, stderr: () => err });
    }
    const until = Date.now() + timeoutMs;
    for (const s of servers) {
      for (;;) {
        const up = await fetch(`${s.url}/health`).then(
          (r) => r.ok,
          () => false,
        );
        if (up) break;
        if (s.child.exitCode !== null) throw new Error(`server exited with ${s.child.exitCode}: ${s.stderr()}`);
        if (Date.now() > until) throw new Error(`server ${s.url} not healthy within ${timeoutMs} ms: ${s.stderr()}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { servers, stop };
}

/** A JSON POST over a keep-alive agent (bounded sockets, so thousands of calls queue instead of opening thousands of sockets). */
export function poster(maxSockets: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  const post = (url: string, headers: Record<string, string>, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> =>
    new Promise((resolve, reject) => {
      const data = JSON.stringify(body);
      const req = http.request(url, { method: 'POST', agent, headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          try {
            resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) as Record<string, unknown> });
          } catch {
            resolve({ status: res.statusCode ?? 0, json: { raw: text } });
          }
        });
      });
      req.on('error', reject);
      req.end(data);
    });
  return { post, close: () => agent.destroy() };
}
