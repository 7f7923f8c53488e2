// The server as a newcomer runs it: first-start bootstrap, real HTTP, and a graceful stop.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from './config.ts';
import { startServer } from './main.ts';
import { createTestDatabase, type TestDatabase } from './testing/db.ts';

const root = path.resolve(import.meta.dirname, '../../..');
let db: TestDatabase;
before(async () => {
  db = await createTestDatabase({ poolSize: 2 });
});
after(() => db.close());

describe('startServer on an external database (DATABASE_URL)', () => {
  it('bootstraps once, serves real HTTP, and stops cleanly', async () => {
    const printed: string[] = [];
    // With DATABASE_URL and no CANYU_SECRET_KEY, the master key is generated into the data dir too.
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'canyu-main-'));
    const config = { ...loadConfig({ DATABASE_URL: db.url, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', CANYU_DATA_DIR: dataDir }) };
    const server = await startServer(config, { handleSignals: false, print: (s) => printed.push(s) });
    try {
      assert.match(fs.readFileSync(path.join(dataDir, 'secret.key'), 'utf8'), /^[0-9a-f]{64}\n$/);
      const banner = printed.join('\n');
      const sk = /sk_[A-Za-z0-9]+/.exec(banner)?.[0];
      assert.ok(sk, 'banner shows the secret key');
      assert.match(banner, /pk_[A-Za-z0-9]+/);
      assert.match(banner, /owner@canyu\.local/);
      assert.match(banner, /curl -s -X POST/);

      const health = await fetch(`${server.url}/health`);
      assert.equal(health.status, 200);
      assert.equal(((await health.json()) as { database: { ok: boolean } }).database.ok, true);

      const res = await fetch(`${server.url}/v1/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${sk}`, 'content-type': 'application/json' },
        body: JSON.stringify({ events: [{ event_id: 'first', user_id: 'u1', name: 'app.opened' }] }),
      });
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), { accepted: 1, duplicates: 0 });
    } finally {
      await server.stop();
    }

    // A second start on the same database does not bootstrap again.
    const again: string[] = [];
    const second = await startServer(config, { handleSignals: false, print: (s) => again.push(s) });
    await second.stop();
    assert.equal(again.join(''), '', 'the banner is printed only on the very first start');
  });
});

/** `canyu start` on a data dir and port (embedded PostgreSQL), its stdout and stderr together. */
function canyuStart(dataDir: string, port: number) {
  const child = spawn(process.execPath, [path.join(root, 'bin/canyu.js'), 'start'], {
    env: { ...process.env, CANYU_DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', DATABASE_URL: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  const listeners: ((text: string) => void)[] = [];
  const add = (c: Buffer) => {
    text += c.toString();
    for (const l of listeners) l(text);
  };
  child.stdout.on('data', add);
  child.stderr.on('data', add);
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, exited, onOutput: (l: (text: string) => void) => listeners.push(l) };
}

describe('canyu start (embedded PostgreSQL)', () => {
  it('answers on PORT, flushes acknowledged events and stops PostgreSQL on SIGTERM', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'canyu-main-'));
    fs.chmodSync(dataDir, 0o755);
    const port = 40000 + Math.floor(Math.random() * 20000);
    const first = canyuStart(dataDir, port);
    const { child, exited } = first;
    let out = '';
    first.onOutput((text) => (out = text));
    try {
      const deadline = Date.now() + 90_000; // generous: CI machines can be very busy
      let sk: string | undefined;
      while (Date.now() < deadline && !sk) {
        sk = /sk_[A-Za-z0-9]+/.exec(out)?.[0];
        if (!sk) await new Promise((r) => setTimeout(r, 50));
      }
      assert.ok(sk, `no banner in output:\n${out}`);
      const base = `http://127.0.0.1:${port}`;
      const events = Array.from({ length: 200 }, (_, i) => ({ event_id: `e${i}`, user_id: `u${i % 7}`, name: 'tap' }));
      const res = await fetch(`${base}/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${sk}`, 'content-type': 'application/json' }, body: JSON.stringify({ events }) });
      assert.deepEqual(await res.json(), { accepted: 200, duplicates: 0 });
      const pgPid = Number(fs.readFileSync(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);

      child.kill('SIGTERM');
      assert.equal(await exited, 0, `exit code; output:\n${out}`);
      // Every connection closed before PostgreSQL stopped, and nothing used a pool after its end.
      assert.doesNotMatch(out, /postgres pool error|terminating connection|Cannot use a pool/, out);
      assert.equal(fs.existsSync(path.join(dataDir, 'pg', 'postmaster.pid')), false, 'PostgreSQL shut down cleanly');
      let pgAlive = true;
      try {
        process.kill(pgPid, 0);
      } catch {
        pgAlive = false;
      }
      assert.equal(pgAlive, false);

      // Restarted on that data dir and stopped the moment it answers, while its jobs are still
      // starting: the same clean stop, with nothing left using a pool or a connection.
      const second = canyuStart(dataDir, port);
      const { child: again, exited: exited2 } = second;
      let out2 = '';
      second.onOutput((text) => (out2 = text));
      try {
        const until = Date.now() + 90_000;
        for (;;) {
          const ok = await fetch(`${base}/health`).then((r) => r.ok, () => false);
          if (ok) break;
          assert.ok(Date.now() < until, `the restarted server never answered:\n${out2}`);
          await new Promise((r) => setTimeout(r, 20));
        }
        again.kill('SIGTERM');
        assert.equal(await exited2, 0, `exit code after the restart; output:\n${out2}`);
        assert.doesNotMatch(out2, /postgres pool error|terminating connection|Cannot use a pool|Unhandled/i, out2);
      } finally {
        again.kill('SIGKILL');
      }
    } finally {
      child.kill('SIGKILL');
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('start-up order', () => {
  it('building the app sends no query, so it may run while the migrations are applied', async () => {
    // An unmigrated database: any query at build time would fail here, and main.ts builds the
    // app while the migrations are still running on a first start.
    const empty = await createTestDatabase({ empty: true, poolSize: 2 });
    const sent: string[] = [];
    const pool = empty.pool as unknown as { query: (...a: unknown[]) => unknown; connect: (...a: unknown[]) => unknown };
    const { query, connect } = pool;
    pool.query = (...a: unknown[]) => (sent.push(`query ${String((a[0] as { text?: string })?.text ?? a[0]).slice(0, 80)}`), query.apply(empty.pool, a));
    pool.connect = (...a: unknown[]) => (sent.push('connect'), connect.apply(empty.pool, a));
    try {
      const { buildApp } = await import('./app.ts');
      const { createJobs } = await import('./jobs.ts');
      const config = { ...loadConfig({ DATABASE_URL: empty.url, LOG_LEVEL: 'silent', CANYU_SECRET_KEY: 'ab'.repeat(32) }) };
      const jobs = createJobs({ pool: empty.pool, log: { error() {}, info() {} } });
      const built = await buildApp({ config, database: empty, jobs, logger: false });
      await built.app.close();
      assert.deepEqual(sent, []);
    } finally {
      await empty.close();
    }
  });
});
