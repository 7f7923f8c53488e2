// Durable jobs with two Canyu servers on one database: a cron slot runs exactly once, and each
// queued job is handled by exactly one server. Real pg-boss, real PostgreSQL, no fakes.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
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
