// The PostgreSQL rate limiter as two servers on one database would use it: exact totals under a
// race, exact remaining counts on one server, leases that spare the database on a hot key, and
// peeked counts that a server's own hits keep current.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Db } from '../db/index.ts';
import { createTestDatabase, type TestDatabase } from '../testing/db.ts';
import { waitFor } from '../testing/wait.ts';
import { Redis } from 'ioredis';
import { createPgLimiter, createRedisLimiter, type Hit, type RateLimiter } from './rate-limit.ts';

let d: TestDatabase;
const log = { warn: () => {} };
const opened: RateLimiter[] = [];

/** A limiter on its own view of the database that counts the statements it sends. */
function server(): { limiter: RateLimiter; statements: () => number } {
  let n = 0;
  const db = new Proxy(d.db, {
    get(target, prop, recv) {
      const v = Reflect.get(target, prop, recv) as unknown;
      if (prop === 'execute' && typeof v === 'function') {
        return (...args: unknown[]) => {
          n++;
          return (v as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return v;
    },
  }) as Db;
  const limiter = createPgLimiter(db, log);
  opened.push(limiter);
  return { limiter, statements: () => n };
}

before(async () => {
  d = await createTestDatabase();
});
after(async () => {
  for (const l of opened) await l.close();
  await d.close();
});

describe('the PostgreSQL rate limiter', () => {
  it('admits exactly the limit when two servers race for one key', async () => {
    const a = server();
    const b = server();
    const limit = 500;
    const tries: Promise<Hit>[] = [];
    for (let wave = 0; wave < 20; wave++) {
      // Waves of concurrent calls on both servers, as requests arrive over time.
      for (let i = 0; i < 50; i++) tries.push(Promise.resolve((i % 2 ? a : b).limiter.hit('race', limit, 60_000)));
      await new Promise((r) => setImmediate(r));
    }
    const hits = await Promise.all(tries);
    assert.equal(hits.filter((h) => h.ok).length, limit);
    const row = await d.pool.query<{ count: number }>(`select count from http_rate_limits where key = 'race'`);
    assert.ok(row.rows[0]!.count >= 1000, 'every attempt was counted');
  });

  it('counts a sequence of hits exactly on one server while leasing units in bulk', async () => {
    const s = server();
    const limit = 100_000;
    for (let i = 1; i <= 1000; i++) {
      const h = await s.limiter.hit('seq', limit, 60_000);
      assert.equal(h.ok, true);
      assert.equal(h.remaining, limit - i, `hit ${i}`);
    }
    // One statement per hit without leases; doubling leases need a handful.
    assert.ok(s.statements() <= 30, `${s.statements()} statements for 1000 hits`);
  });

  it('counts one by one near the limit, so two servers never refuse while a unit is left', async () => {
    const a = server();
    const b = server();
    const got: boolean[] = [];
    for (let i = 0; i < 14; i++) got.push((await (i % 2 ? a : b).limiter.hit('near', 10, 60_000)).ok);
    assert.deepEqual(got, [...Array<boolean>(10).fill(true), ...Array<boolean>(4).fill(false)]);
  });

  it('a peek is answered from memory, kept current by the server’s own hits, and sees other servers within a second', async () => {
    const a = server();
    const b = server();
    for (let i = 0; i < 3; i++) await a.limiter.hit('fails', 20, 60_000);
    assert.equal(await b.limiter.peek('fails'), 3);
    const before = b.statements();
    assert.equal(await b.limiter.peek('fails'), 3);
    assert.equal(b.statements(), before, 'the second peek within a second is not a statement');
    await b.limiter.hit('fails', 20, 60_000);
    assert.ok((await b.limiter.peek('fails')) >= 4, 'its own hit shows at once');
    for (let i = 0; i < 4; i++) await a.limiter.hit('fails', 20, 60_000);
    await waitFor('server b to see server a’s hits', async () => ((await b.limiter.peek('fails')) >= 8 ? true : null), { timeoutMs: 5000, everyMs: 100 });
  });
});

describe('the Redis rate limiter (same leases over Redis counters)', () => {
  const REDIS_URL = process.env.CANYU_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const clients: Redis[] = [];
  let up = false;
  const run = `t${process.pid}-${Date.now().toString(36)}`;
  before(async () => {
    const probe = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, connectTimeout: 1000 });
    probe.on('error', () => {});
    up = await probe.connect().then(
      () => true,
      () => false,
    );
    probe.disconnect();
  });
  after(() => {
    for (const c of clients) c.disconnect();
  });
  const redisServer = () => {
    const c = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    clients.push(c);
    const l = createRedisLimiter(c, log);
    opened.push(l);
    return l;
  };

  it('admits exactly the limit when two servers race, and counts one server’s sequence exactly', async (ctx) => {
    if (!up) return ctx.skip(`no Redis at ${REDIS_URL}`);
    const a = redisServer();
    const b = redisServer();
    const tries: Promise<Hit>[] = [];
    for (let wave = 0; wave < 20; wave++) {
      for (let i = 0; i < 50; i++) tries.push(Promise.resolve((i % 2 ? a : b).hit(`${run}:race`, 300, 60_000)));
      await new Promise((r) => setImmediate(r));
    }
    assert.equal((await Promise.all(tries)).filter((h) => h.ok).length, 300);
    for (let i = 1; i <= 300; i++) assert.equal((await a.hit(`${run}:seq`, 10_000, 60_000)).remaining, 10_000 - i);
    const got: boolean[] = [];
    for (let i = 0; i < 8; i++) got.push((await (i % 2 ? a : b).hit(`${run}:near`, 6, 60_000)).ok);
    assert.deepEqual(got, [true, true, true, true, true, true, false, false]);
  });
});
