// The event log on a real PostgreSQL: effects once per consumer across two servers, rows that
// commit late are never skipped, rolled-back appends never handled, failures recorded and retried.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { drizzle } from 'drizzle-orm/node-postgres';
import { sql } from 'drizzle-orm';
import type pg from 'pg';
import { createPool } from '../db/index.ts';
import { createTestDatabase, type TestDatabase } from '../testing/db.ts';
import { createEventLog, type EventLog } from './index.ts';
import { waitFor } from '../testing/wait.ts';

let database: TestDatabase;
const logs: EventLog[] = [];
const pools: pg.Pool[] = [];
const silent = { error() {}, warn() {} };

before(async () => {
  database = await createTestDatabase();
  await database.db.execute(sql`create table t_effects (consumer text, event_id bigint, server int, primary key (consumer, event_id))`);
});
after(async () => {
  for (const l of logs) await l.stop();
  for (const p of pools) await p.end();
  await database.close();
});

/** A second "server": its own pool and its own log/runner on the same database. */
function server(n: number, consumerName: string, opts: { fail?: (payload: Record<string, unknown>) => boolean; app?: string } = {}) {
  const pool = createPool(database.url, { max: 5 });
  pools.push(pool);
  const db = drizzle({ client: pool });
  const log = createEventLog({ db, log: silent, pollMs: 20, batch: 50 });
  log.consume({
    name: consumerName,
    wants: (r) => r.name === 'test.happened' && (!opts.app || r.appId === opts.app),
    async handle(ctx, row) {
      if (opts.fail?.(row.payload)) throw new Error('boom');
      await ctx.db.execute(sql`insert into t_effects (consumer, event_id, server) values (${consumerName}, ${row.id}, ${n})`);
    },
  });
  logs.push(log);
  return { log, db };
}

const emitOne = (log: EventLog, db: TestDatabase['db'], i: number, app = `app_${i % 7}`) => log.emit(db, 'test.happened' as never, { appId: app, userId: `u${i}`, i } as never);

async function effects(consumer: string): Promise<number[]> {
  const r = await database.db.execute<{ event_id: number }>(sql`select event_id from t_effects where consumer = ${consumer} order by event_id`);
  return r.rows.map((x) => Number(x.event_id));
}

test('two servers share one consumer: every committed event handled exactly once, rolled-back ones never', async () => {
  const a = server(1, 'c.two');
  const b = server(2, 'c.two');
  await a.log.start();
  await b.log.start();
  const N = 600;
  await Promise.all(
    Array.from({ length: N }, (_, i) =>
      i % 10 === 0
        ? database.db.transaction(async (tx) => {
            await emitOne(a.log, tx, i);
            tx.rollback();
          }).catch(() => {})
        : emitOne(i % 2 ? a.log : b.log, database.db, i),
    ),
  );
  await a.log.settle();
  await b.log.settle();
  const got = await effects('c.two');
  assert.equal(got.length, N - N / 10);
  assert.equal(new Set(got).size, got.length);
  const servers = await database.db.execute<{ server: number; n: number }>(sql`select server, count(*)::int as n from t_effects where consumer = 'c.two' group by server`);
  assert.ok(servers.rows.length >= 1);
});

test('a row that commits late is handled, and later rows wait for it instead of skipping it', async () => {
  const a = server(3, 'c.late', { app: 'late' });
  await a.log.start();
  await a.log.settle();
  const before = (await effects('c.late')).length;
  // Transaction A appends first (lower id) but commits last.
  const client = await database.pool.connect();
  try {
    const txDb = drizzle({ client });
    await client.query('begin');
    await emitOne(a.log, txDb as never, 1, 'late');
    await emitOne(a.log, database.db, 2, 'late');
    await emitOne(a.log, database.db, 3, 'late');
    // Rows of later transactions wait behind the open one (its id is lower: handling them first
    // and checkpointing past them would skip A's row for good).
    await a.log.settle(30_000, 'readable');
    assert.equal((await effects('c.late')).length, before);
    await client.query('commit');
  } catch (err) {
    await client.query('rollback');
    throw err;
  } finally {
    client.release();
  }
  // …and A's row after it commits.
  await a.log.settle();
  assert.equal((await effects('c.late')).length, before + 3);
});

test('a consumer that keeps failing on one event records it, goes on, and a retry handles it', async () => {
  let failing = true;
  const a = server(4, 'c.fail', { fail: (p) => failing && p.i === 42, app: 'app_fail' });
  await a.log.start();
  for (const i of [41, 42, 43]) await emitOne(a.log, database.db, i, 'app_fail');
  await a.log.settle();
  const got = await effects('c.fail');
  assert.equal(got.length, 2);
  const fails = await a.log.failures(database.db, 'app_fail', 10);
  assert.equal(fails.length, 1);
  assert.equal(fails[0]!.consumer, 'c.fail');
  assert.equal(fails[0]!.attempts, 1);
  failing = false;
  assert.equal(await a.log.retry('app_fail', 'c.fail', fails[0]!.eventId), true);
  assert.equal((await effects('c.fail')).length, 3);
  assert.equal((await a.log.failures(database.db, 'app_fail', 10)).length, 0);
});

test('host events are copied into the log only when something listens to them', async () => {
  const a = server(5, 'c.interest');
  await a.log.setInterest(database.db, 'app_x', 'points', 'rule1', ['order.paid', 'video.*']);
  const r = await database.db.execute<{ name: string }>(sql`select p.name from (values ('order.paid'), ('video.played'), ('page.viewed')) as p(name)
    where exists (select 1 from ev_interest i where i.app_id = 'app_x' and (i.pattern = p.name or i.pattern = '*' or (right(i.pattern, 2) = '.*' and starts_with(p.name, left(i.pattern, -1)))))`);
  assert.deepEqual(r.rows.map((x) => x.name).sort(), ['order.paid', 'video.played']);
});

test('servers starting together write each consumer checkpoint once, in one statement each, without deadlocking', async () => {
  const names = Array.from({ length: 24 }, (_, i) => `c.boot.${String(i).padStart(2, '0')}`);
  const booting = Array.from({ length: 6 }, (_, n) => {
    const pool = createPool(database.url, { max: 2 });
    pools.push(pool);
    const log = createEventLog({ db: drizzle({ client: pool }), log: silent, pollMs: 20, batch: 50 });
    logs.push(log);
    // Each server registers the consumers in its own order; the rows must still go in one order.
    const order = n % 2 ? [...names].reverse() : names.slice(n).concat(names.slice(0, n));
    for (const name of order) log.consume({ name, wants: () => false, async handle() {} });
    return log;
  });
  // Hold the table so that every server's statement is queued, then let them all go at once.
  const gate = await database.pool.connect();
  try {
    await gate.query('begin');
    await gate.query('lock table ev_consumers in share mode');
    const starting = Promise.all(booting.map((log) => log.start()));
    await waitFor('six servers waiting on the checkpoints table', async () => {
      // Not on the gate's connection: inside its transaction, pg_stat_activity stays as first read.
      const r = await database.pool.query<{ n: number }>(`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and query like 'insert into ev_consumers%'`);
      return r.rows[0]!.n >= booting.length || null;
    });
    await gate.query('commit');
    await starting;
  } finally {
    gate.release(true); // closed, so a failure above cannot leave the lock held
  }
  const rows = await database.db.execute<{ consumer: string; n: number }>(sql`select consumer, count(*)::int as n from ev_consumers where consumer like 'c.boot.%' group by consumer order by consumer`);
  assert.deepEqual(
    rows.rows.map((r) => r.consumer),
    names,
  );
  const shards = (await database.db.execute<{ n: number }>(sql`select count(distinct shard)::int as n from ev_consumers`)).rows[0]!.n;
  for (const r of rows.rows) assert.equal(r.n, shards, `${r.consumer} has one checkpoint per shard`);
});
