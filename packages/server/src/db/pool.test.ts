// Pools made by createPool: endPool resolves only once PostgreSQL has seen every connection close,
// so that the embedded PostgreSQL stopped right after (at shutdown) finds none of them open.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTestDatabase, type TestDatabase } from '../testing/db.ts';
import { createPool, endPool } from './index.ts';

let db: TestDatabase;
before(async () => {
  db = await createTestDatabase({ empty: true, poolSize: 2 });
});
after(async () => {
  await db?.close();
});

test('endPool resolves once every connection of the pool is closed on the server', async () => {
  const name = `canyu-end-pool-${process.pid}`;
  const url = new URL(db.url);
  url.searchParams.set('application_name', name);
  const logged: string[] = [];
  const pool = createPool(url.toString(), { max: 4, log: (line) => logged.push(line) });
  const count = async () => (await db.pool.query<{ n: number }>('select count(*)::int as n from pg_stat_activity where application_name = $1', [name])).rows[0]!.n;
  let closed = 0;
  pool.on('remove', () => closed++); // once a client's connection has ended
  // Four idle connections (pg's own pool.end() resolves before they close).
  const clients = await Promise.all([0, 1, 2, 3].map(() => pool.connect()));
  assert.equal(await count(), 4);
  for (const c of clients) c.release();
  await endPool(pool);
  assert.equal(closed, 4, 'endPool resolved before every connection had closed');
  assert.equal(await count(), 0, 'a connection of the pool was still open when endPool resolved');
  await endPool(pool); // a second call is harmless
  assert.deepEqual(logged, []);
});

test('endPool waits for a connection still checked out to be released and closed', async () => {
  const pool = createPool(db.url, { max: 2 });
  let closed = 0;
  pool.on('remove', () => closed++);
  const [busy, idle] = await Promise.all([pool.connect(), pool.connect()]);
  idle!.release();
  let ended = false;
  const ending = endPool(pool).then(() => (ended = true));
  await busy!.query('select 1');
  assert.equal(ended, false);
  busy!.release();
  await ending;
  assert.equal(closed, 2);
});

test('a checked-out client whose connection PostgreSQL ends does not take the process down', async () => {
  // As in a transaction between two statements, or a LISTEN connection, when PostgreSQL restarts
  // or fails over: pg gives such a client no 'error' listener of its own.
  const logged: string[] = [];
  const pool = createPool(db.url, { max: 2, log: (line) => logged.push(line) });
  try {
    const client = await pool.connect();
    const { rows } = await client.query<{ pid: number }>('select pg_backend_pid() as pid');
    await db.pool.query('select pg_terminate_backend($1)', [rows[0]!.pid]);
    const until = Date.now() + 10_000;
    while (!logged.some((l) => l.startsWith('postgres connection lost:'))) {
      assert.ok(Date.now() < until, `the lost connection was never reported: ${JSON.stringify(logged)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    await assert.rejects(client.query('select 1'));
    client.release();
    // The pool dropped the dead client and goes on with a new connection.
    assert.equal((await pool.query<{ x: number }>('select 1 as x')).rows[0]!.x, 1);
  } finally {
    await endPool(pool);
  }
});
