// CANYU_WORKERS: one `canyu start` running several server processes on one port. Workers must
// behave like separate servers on one database: a schedule runs once per slot, a killed worker is
// replaced without losing an acknowledged event, a shared rate limit holds across them, and a
// SIGTERM drains every worker before the primary exits (the last two: cluster-crash.test.ts).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MIN_WORKER_POOL, workerPoolSize } from './cluster.ts';
import { loadConfig } from './config.ts';
import { freePort } from './db/embedded.ts';
import { startTestApp, TEST_MASTER_KEY, type Tenant } from './testing/app.ts';
import { startCluster } from './testing/cluster.ts';
import { createTestDatabase, type TestDatabase } from './testing/db.ts';
import { waitFor } from './testing/wait.ts';

describe('worker count and pool budget', () => {
  it('CANYU_WORKERS defaults to the cores (capped), accepts auto and 1..64', () => {
    assert.ok(loadConfig({}).workers >= 1 && loadConfig({}).workers <= 16);
    assert.equal(loadConfig({ CANYU_WORKERS: '3' }).workers, 3);
    assert.equal(loadConfig({ CANYU_WORKERS: 'auto' }).workers, loadConfig({}).workers);
    assert.throws(() => loadConfig({ CANYU_WORKERS: '0' }), /CANYU_WORKERS/);
    assert.throws(() => loadConfig({ CANYU_WORKERS: '65' }), /CANYU_WORKERS/);
  });

  it('divides the connections so that workers × pool fits max_connections', () => {
    assert.equal(workerPoolSize({ workers: 4, poolSize: 10, maxConnections: 200, reserved: 3 }), 10);
    // (200 - 3 reserved - 10 headroom) / 16 = 11 each; outside the pool: the webhooks LISTEN
    // connection and the event consumers' pool (16 workers share 8 shards: one at a time each, 3 connections).
    assert.equal(workerPoolSize({ workers: 16, poolSize: 20, maxConnections: 200, reserved: 3 }), 7);
    assert.equal(workerPoolSize({ workers: 8, poolSize: 10, maxConnections: 100, reserved: 3 }), 6);
    assert.equal(workerPoolSize({ workers: 16, poolSize: 10, maxConnections: 157, reserved: 3 }), MIN_WORKER_POOL);
    assert.throws(() => workerPoolSize({ workers: 32, poolSize: 10, maxConnections: 100, reserved: 3 }), /CANYU_WORKERS=32 needs at least 301 PostgreSQL connections/);
  });
});

describe('canyu start with CANYU_WORKERS=2 on one database', () => {
  let database: TestDatabase;
  let tenant: Tenant;
  let cluster: Awaited<ReturnType<typeof startCluster>>;
  before(async () => {
    database = await createTestDatabase({ poolSize: 3 });
    const local = await startTestApp({ database });
    tenant = await local.newTenant();
    await local.close();
    cluster = await startCluster(2, { DATABASE_URL: database.url, CANYU_JOBS: 'true', CANYU_RATE_LIMIT_KEY: '6' });
  });
  after(async () => {
    cluster?.child.kill('SIGKILL');
    await database.close();
  });

  it('shares the rate limit: a key over its limit is refused whichever worker answers', async () => {
    // Fresh connections are handed to the workers in turn (round robin), so 2 × limit calls span both.
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const r = await fetch(`${cluster.url}/v1/me`, { headers: { authorization: `Bearer ${tenant.secretKey}`, connection: 'close' } });
      statuses.push(r.status);
    }
    assert.equal(statuses.filter((s) => s === 200).length, 6, JSON.stringify(statuses));
    assert.equal(statuses.filter((s) => s === 429).length, 6);
  });

  it('runs each per-minute schedule once per slot across the workers', { timeout: 180_000 }, async () => {
    // messaging.tick is scheduled every minute by every worker's pg-boss; only one job per minute may exist.
    const q = `select date_trunc('minute', created_on) as slot, count(*)::int as n, count(*) filter (where state = 'completed')::int as done
      from canyu_jobs.job where name = 'messaging.tick' group by 1 order by 1`;
    const rows = await waitFor(
      'a completed messaging.tick slot',
      async () => {
        const r = (await database.pool.query<{ slot: Date; n: number; done: number }>(q)).rows;
        return r.some((x) => x.done >= 1) ? r : null;
      },
      { timeoutMs: 170_000, everyMs: 1000 },
    );
    for (const r of rows) assert.equal(r.n, 1, `one messaging.tick job in the slot ${r.slot.toISOString()}, found ${r.n}`);
    assert.equal(cluster.serving().length, 2, 'both workers run jobs (pg-boss) and still serve');
    cluster.child.kill('SIGTERM');
    assert.equal(await cluster.exited, 0);
  });
});

describe('canyu start with CANYU_WORKERS=2 when the database cannot be reached', () => {
  // The workers are forked before the database is ready (they load the app meanwhile): when it
  // never becomes ready, they must go with the primary, at once and without being killed.
  it('exits 1 with the reason, and none of its workers is left running', { timeout: 60_000 }, async () => {
    const port = await freePort();
    const child = spawn(process.execPath, ['bin/canyu.js', 'start'], {
      cwd: path.resolve(import.meta.dirname, '../../..'),
      env: { ...process.env, CANYU_SOURCE: '', CANYU_WORKERS: '2', HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'info', CANYU_BOOTSTRAP: 'false', CANYU_SECRET_KEY: TEST_MASTER_KEY, DATABASE_URL: `postgres://nobody@127.0.0.1:${await freePort()}/none` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    assert.equal(code, 1, out);
    assert.match(out, /Cannot connect to PostgreSQL/);
    assert.doesNotMatch(out, /did not stop within/, 'no worker had to be killed');
    // The workers are the processes started with this PORT in their environment.
    const ofThisStart = () =>
      fs.readdirSync('/proc').filter((p) => {
        if (!/^\d+$/.test(p)) return false;
        try {
          return fs.readFileSync(`/proc/${p}/environ`, 'latin1').split('\0').includes(`PORT=${port}`);
        } catch {
          return false; // gone meanwhile, or not ours to read
        }
      });
    await waitFor('no worker left', () => ofThisStart().length === 0, { timeoutMs: 10_000 });
  });
});
