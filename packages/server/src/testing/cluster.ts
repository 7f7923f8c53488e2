// `canyu start` with several workers (CANYU_WORKERS) as a real process tree on a test database,
// with its JSON log lines collected, and a steady event load for crash and shutdown tests. It runs
// the compiled build, as production does (bin/canyu.js rebuilds it first if the sources changed):
// workers start about twice as fast as through tsx, which matters when a test restarts them.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import readline from 'node:readline';
import { freePort } from '../db/embedded.ts';
import { TEST_MASTER_KEY } from './app.ts';
import type { TestDatabase } from './db.ts';
import { waitFor } from './wait.ts';

const root = path.resolve(import.meta.dirname, '../../../..');

export type Line = { msg?: string; pid?: number; role?: string };

/** `canyu start` with CANYU_WORKERS=n, its JSON log lines collected. */
export async function startCluster(n: number, env: Record<string, string>) {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, ['bin/canyu.js', 'start'], {
    cwd: root,
    env: { ...process.env, CANYU_SOURCE: '', CANYU_WORKERS: String(n), HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'info', CANYU_BOOTSTRAP: 'false', CANYU_SECRET_KEY: TEST_MASTER_KEY, CANYU_RATE_LIMIT_KEY: '10000000', CANYU_RATE_LIMIT_USER: '10000000', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Line[] = [];
  let errText = '';
  readline.createInterface({ input: child.stdout! }).on('line', (l) => {
    try {
      lines.push(JSON.parse(l) as Line);
    } catch {
      // the bootstrap banner or progress: not a log line
    }
  });
  child.stderr!.on('data', (d: Buffer) => (errText = (errText + d.toString()).slice(-4000)));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const serving = () => [...new Set(lines.filter((l) => l.msg === 'Canyu is serving').map((l) => l.pid!))];
  await waitFor(`${n} workers serving (${errText})`, () => (child.exitCode !== null ? assert.fail(`exited: ${errText}`) : serving().length >= n), { timeoutMs: 120_000 });
  return { url: `http://127.0.0.1:${port}`, child, lines, exited, serving, stderr: () => errText };
}

/** Posts batches of events over `sockets` keep-alive connections (spread over the workers) until stop(). */
export function eventLoad(url: string, key: string, sockets: number, prefix: string) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: sockets });
  const acknowledged: string[] = [];
  let failed = 0;
  let running = true;
  let n = 0;
  const post = (ids: string[]) =>
    new Promise<number>((resolve) => {
      const body = JSON.stringify({ events: ids.map((id) => ({ event_id: id, user_id: 'u1', name: 'tap' })) });
      const req = http.request(`${url}/v1/events`, { method: 'POST', agent, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', () => resolve(0));
      // A client gives up on a silent server, as real ones do: a connection the primary was handing
      // to a worker at the moment it was SIGKILLed can stay open unanswered (Node's round-robin
      // cluster scheduling); such a request is simply not acknowledged.
      req.setTimeout(10_000, () => req.destroy(new Error('no answer within 10 s')));
      req.end(body);
    });
  const loops = Array.from({ length: sockets }, async () => {
    while (running) {
      const ids = Array.from({ length: 20 }, () => `${prefix}-${n++}`);
      const status = await post(ids);
      if (status === 200) acknowledged.push(...ids);
      else {
        failed++;
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  });
  return {
    acknowledged,
    failed: () => failed,
    async stop() {
      running = false;
      await Promise.all(loops);
      agent.destroy();
    },
  };
}

export async function storedOf(database: TestDatabase, appId: string, ids: string[]): Promise<number> {
  const { rows } = await database.pool.query<{ n: number }>('select count(*)::int as n from ev_events where app_id = $1 and event_id = any($2::text[])', [appId, ids]);
  return rows[0]!.n;
}

