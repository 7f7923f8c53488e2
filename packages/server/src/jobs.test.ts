// Durable jobs with two Canyu servers on one database: a cron slot runs exactly once, and each
// queued job is handled by exactly one server. Real pg-boss, real PostgreSQL, no fakes.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createPool, endPool } from './db/index.ts';
import { createJobs, type Jobs } from './jobs.ts';
import { createTestDatabase, type TestDatabase } from './testing/db.ts';

const silent = { error() {}, info() {} };
let db: TestDatabase;
let servers: Jobs[] = [];

before(async () => {
  db = await createTestDatabase();
});
after(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  await db.close();
});

const waitFor = async (cond: () => boolean, ms: number) => {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
};

describe('jobs on two servers sharing one database', () => {
  it('runs a scheduled job once per cron slot, and each queued job once', { timeout: 150_000 }, async () => {
    const cronRuns: { server: number; minute: string }[] = [];
    const handled = new Map<number, number[]>();
    servers = [0, 1].map((server) => {
      const jobs = createJobs({ pool: db.pool, log: silent, fast: true });
      jobs.define('test.every-minute', async () => {
        cronRuns.push({ server, minute: new Date().toISOString().slice(0, 16) });
      });
      jobs.schedule('test.every-minute', '* * * * *');
      jobs.define<{ n: number }>(
        'test.work',
        async ({ n }) => {
          handled.set(n, [...(handled.get(n) ?? []), server]);
          await new Promise((r) => setTimeout(r, 5));
        },
        { pollingIntervalSeconds: 0.5 },
      );
      return jobs;
    });
    // A run is counted in the minute it ran in. Each slot's job runs within seconds of its minute,
    // except when the servers start in the last seconds of one: that slot's first look can come
    // so late that its job runs in the next minute, beside the next slot's own run (seen once, as a
    // false "ran 2 times"). So the servers start well inside a minute.
    while (new Date().getUTCSeconds() >= 40) await new Promise((r) => setTimeout(r, 250));
    // Both start at once, as two processes booting together would.
    await Promise.all(servers.map((s) => s.start()));

    // Queued work: 60 jobs sent through both servers, each handled by exactly one of them.
    for (let n = 0; n < 60; n++) await servers[n % 2]!.send('test.work', { n });
    assert.ok(await waitFor(() => handled.size === 60, 60_000), `only ${handled.size} of 60 jobs ran`);
    for (const [n, by] of handled) assert.equal(by.length, 1, `job ${n} ran ${by.length} times`);

    // The cron slot: wait for the first run, then long enough for a duplicate to show up.
    assert.ok(await waitFor(() => cronRuns.length > 0, 100_000), 'the scheduled job never ran');
    const firstMinute = cronRuns[0]!.minute;
    await new Promise((r) => setTimeout(r, 6000));
    const inFirst = cronRuns.filter((r) => r.minute === firstMinute);
    assert.equal(inFirst.length, 1, `the ${firstMinute} slot ran ${inFirst.length} times: ${JSON.stringify(cronRuns)}`);
    // Across all slots seen so far, never two runs in one minute.
    const perMinute = new Map<string, number>();
    for (const r of cronRuns) perMinute.set(r.minute, (perMinute.get(r.minute) ?? 0) + 1);
    for (const [m, c] of perMinute) assert.equal(c, 1, `slot ${m} ran ${c} times`);
  });

  it('refuses definitions after start and sends before start', async () => {
    const jobs = createJobs({ pool: db.pool, log: silent, fast: true });
    await assert.rejects(jobs.send('x', {}), /not started/);
    jobs.define('late.ok', async () => {});
    await jobs.start();
    try {
      assert.throws(() => jobs.define('late', async () => {}), /before jobs start/);
      assert.throws(() => jobs.schedule('late.ok', '* * * * *'), /before jobs start/);
    } finally {
      await jobs.stop();
    }
  });
});

describe('stopping while a worker is fetching', () => {
  it('waits for the job that fetch returns: it runs once and is completed before stop() resolves', { timeout: 60_000 }, async () => {
    const jobs = createJobs({ pool: db.pool, log: silent, fast: true });
    let runs = 0;
    let finished = false;
    // A job that takes a while: a stop that does not wait for it resolves long before it is done.
    jobs.define(
      'test.in-flight',
      async () => {
        runs++;
        await new Promise((r) => setTimeout(r, 300));
        finished = true;
      },
      { pollingIntervalSeconds: 0.5 },
    );
    await jobs.start();
    const unhandled: unknown[] = [];
    const onUnhandled = (err: unknown) => unhandled.push(err);
    process.on('unhandledRejection', onUnhandled);
    const locker = await db.pool.connect();
    try {
      // Hold the queue's partition of the job table so that the worker's next fetch waits inside
      // PostgreSQL (other queues' fetches prune the partition and go on), then queue a job from the
      // same transaction: the waiting fetch returns it once the lock is released.
      const partition = (await db.pool.query<{ p: string }>(`select partition_name as p from canyu_jobs.queue where name = 'test.in-flight'`)).rows[0]!.p;
      await locker.query('begin');
      await locker.query(`lock table canyu_jobs."${partition}" in exclusive mode`);
      const until = Date.now() + 20_000;
      for (;;) {
        const { rows } = await db.pool.query<{ n: number }>(
          `select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and query ilike '%skip locked%' and datname = current_database()`,
        );
        if (rows[0]!.n > 0) break;
        assert.ok(Date.now() < until, 'the worker never fetched while the table was locked');
        await new Promise((r) => setTimeout(r, 50));
      }
      // start_after in the past: the waiting fetch may have begun (and read now()) a moment before
      // the lock was taken, and pg-boss only fetches jobs with start_after < now().
      const { rows } = await locker.query<{ id: string }>(
        `insert into canyu_jobs.job (name, data, start_after) values ('test.in-flight', '{}', now() - interval '1 minute') returning id`,
      );
      const stopping = jobs.stop();
      await locker.query('commit');
      await stopping;
      const state = await db.pool.query<{ state: string }>('select state::text from canyu_jobs.job where id = $1', [rows[0]!.id]);
      assert.equal(runs, 1);
      assert.ok(finished, 'stop() resolved while the fetched job was still running');
      assert.equal(state.rows[0]?.state, 'completed');
      assert.deepEqual(unhandled, []);
    } finally {
      await locker.query('rollback').catch(() => {});
      locker.release();
      process.off('unhandledRejection', onUnhandled);
      await jobs.stop();
    }
  });
});

/**
 * A TCP relay in front of the test database, to make an outage: `cut()` ends its connections and
 * refuses new ones (counted in `refused`) until `reopen()`.
 */
async function createRelay() {
  const target = new URL(db.url);
  const sockets = new Set<net.Socket>();
  const state = { open: true, refused: 0 };
  const relay = net.createServer((client) => {
    if (!state.open) {
      state.refused++;
      client.destroy();
      return;
    }
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {});
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
  const url = new URL(db.url);
  url.hostname = '127.0.0.1';
  url.port = String((relay.address() as net.AddressInfo).port);
  return {
    url: url.toString(),
    get refused() {
      return state.refused;
    },
    cut() {
      state.open = false;
      for (const s of sockets) s.destroy();
    },
    reopen() {
      state.open = true;
    },
    async close() {
      state.open = true;
      for (const s of sockets) s.destroy();
      await new Promise((r) => relay.close(r));
    },
  };
}

describe('PostgreSQL away for a moment', () => {
  let unhandled: unknown[] = [];
  const onUnhandled = (err: unknown) => unhandled.push(err);
  before(() => {
    process.on('unhandledRejection', onUnhandled);
  });
  after(() => {
    process.off('unhandledRejection', onUnhandled);
  });
  const jobState = async (id: string | null) =>
    (await db.pool.query<{ state: string }>('select state::text from canyu_jobs.job where id = $1', [id])).rows[0]?.state;
  const completed = async (id: string | null, ms: number) => {
    const until = Date.now() + ms;
    while ((await jobState(id)) !== 'completed') {
      assert.ok(Date.now() < until, `the job is ${await jobState(id)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  /** Jobs on a pool that reaches the test database through a relay; `dispose` ends all three. */
  const behindRelay = async (o: { stopTimeoutMs?: number } = {}) => {
    unhandled = [];
    const relay = await createRelay();
    const pool = createPool(relay.url, { max: 4 });
    const jobs = createJobs({ pool, log: silent, fast: true, ...o });
    const dispose = async () => {
      relay.reopen();
      await jobs.stop();
      await endPool(pool);
      await relay.close();
    };
    return { relay, jobs, dispose };
  };

  it('a job that finishes while the database is unreachable is recorded once it is back, and nothing is left unhandled', { timeout: 90_000 }, async () => {
    const { relay, jobs, dispose } = await behindRelay();
    let running = false;
    let done = 0;
    let finish!: () => void;
    const finishing = new Promise<void>((r) => (finish = r));
    jobs.define(
      'test.outage',
      async () => {
        running = true;
        await finishing;
        done++;
      },
      { pollingIntervalSeconds: 0.5 },
    );
    try {
      await jobs.start();
      const id = await jobs.send('test.outage', {});
      assert.ok(await waitFor(() => running, 20_000), 'the job never started');
      relay.cut();
      // The job finishes during the outage; pg-boss writes its completion then, and it is refused.
      finish();
      assert.ok(await waitFor(() => relay.refused >= 3, 20_000), 'nothing tried to reach the database during the outage');
      relay.reopen();
      await completed(id, 30_000);
      assert.equal(done, 1);
      assert.deepEqual(unhandled, []);
    } finally {
      finish();
      await dispose();
    }
  });

  it('jobs started while the database is unreachable start once it answers, and then run', { timeout: 90_000 }, async () => {
    const { relay, jobs, dispose } = await behindRelay();
    let runs = 0;
    jobs.define('test.late-start', async () => void runs++, { pollingIntervalSeconds: 0.5 });
    relay.cut();
    let started = false;
    const starting = jobs.start().then(() => (started = true));
    try {
      assert.ok(await waitFor(() => relay.refused >= 3, 20_000), 'the start never tried to reach the database');
      assert.equal(started, false);
      relay.reopen();
      await starting;
      const id = await jobs.send('test.late-start', {});
      assert.ok(await waitFor(() => runs === 1, 20_000), 'the job never ran');
      await completed(id, 20_000);
      assert.deepEqual(unhandled, []);
    } finally {
      relay.reopen();
      await starting.catch(() => {});
      await dispose();
    }
  });

  it('a stop during an outage gives up waiting for the database at its deadline', { timeout: 60_000 }, async () => {
    const { relay, jobs, dispose } = await behindRelay({ stopTimeoutMs: 1_500 });
    jobs.define('test.stop-in-outage', async () => {}, { pollingIntervalSeconds: 0.5 });
    try {
      await jobs.start();
      relay.cut();
      // The worker's next fetch is held, waiting for the database.
      assert.ok(await waitFor(() => relay.refused >= 3, 20_000), 'nothing tried to reach the database during the outage');
      const t0 = Date.now();
      await jobs.stop();
      const took = Date.now() - t0;
      assert.ok(took >= 1_000 && took < 6_000, `stop() took ${took} ms with a 1.5 s deadline`);
      assert.deepEqual(unhandled, []);
    } finally {
      await dispose();
    }
  });
});
