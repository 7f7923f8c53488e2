// Event ingestion: what is acknowledged is stored, exactly once; a full buffer answers 429 and
// stores nothing of the refused request; shutdown flushes everything acknowledged; every new
// event reaches the domain event bus once, and a failing subscriber harms nobody.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createEventLog } from '../../events/index.ts';
import { createTestDatabase, type TestDatabase } from '../../testing/db.ts';
import { bearer, startTestApp, type Tenant, type TestApp } from '../../testing/app.ts';
import { expectError } from '../../testing/http.ts';
import { createEvents } from './index.ts';

let t: TestApp;
let tenant: Tenant;

before(async () => {
  t = await startTestApp();
  tenant = await t.newTenant();
});
after(() => t.close());

const count = async (db: { pool: TestDatabase['pool'] }, appId: string, extra = '') => {
  const r = await db.pool.query<{ n: number }>(`select count(*)::int as n from ev_events where app_id = $1 ${extra}`, [appId]);
  return r.rows[0]!.n;
};
const post = (key: string, events: unknown[], headers: Record<string, string> = {}) => t.inject({ method: 'POST', url: '/v1/events', headers: { ...bearer(key), ...headers }, payload: { events } });

describe('POST /v1/events', () => {
  it('stores a batch and answers only after it is committed', async () => {
    const ten = await t.newTenant();
    const res = await post(ten.secretKey, [
      { event_id: 'a-1', user_id: 'u1', name: 'video.played', properties: { video: 'BV1', secs: 12 } },
      { event_id: 'a-2', user_id: 'u2', name: '签到', timestamp: '2026-01-02T03:04:05+08:00' },
    ]);
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json(), { accepted: 2, duplicates: 0 });
    // Committed by the time the answer arrived: another connection sees it at once.
    assert.equal(await count(t.database, ten.appId), 2);
    const row = (await t.database.pool.query('select * from ev_events where app_id = $1 and event_id = $2', [ten.appId, 'a-2'])).rows[0];
    assert.equal(row.name, '签到');
    assert.equal(new Date(row.ts).toISOString(), '2026-01-01T19:04:05.000Z');
  });

  it('stores a repeated event_id once, within a batch, across requests and under concurrent retries', async () => {
    const ten = await t.newTenant();
    const first = await post(ten.secretKey, [
      { event_id: 'd-1', user_id: 'u', name: 'x' },
      { event_id: 'd-1', user_id: 'u', name: 'x' },
      { event_id: 'd-2', user_id: 'u', name: 'x' },
    ]);
    assert.deepEqual(first.json(), { accepted: 2, duplicates: 1 });
    const again = await post(ten.secretKey, [{ event_id: 'd-1', user_id: 'u', name: 'x' }]);
    assert.deepEqual(again.json(), { accepted: 0, duplicates: 1 });
    // 50 clients retrying the same 20 events at once: each stored exactly once, and the
    // acknowledgements add up to exactly 20 accepted.
    const batch = Array.from({ length: 20 }, (_, i) => ({ event_id: `r-${i}`, user_id: 'u', name: 'retry' }));
    const answers = await Promise.all(Array.from({ length: 50 }, () => post(ten.secretKey, batch)));
    for (const a of answers) assert.equal(a.statusCode, 200, a.body);
    const accepted = answers.reduce((s, a) => s + (a.json() as { accepted: number }).accepted, 0);
    assert.equal(accepted, 20);
    assert.equal(await count(t.database, ten.appId, `and name = 'retry'`), 20);
    // The roll-up written by the same statements counts each stored event once.
    const rolled = await t.database.pool.query<{ n: number }>(`select coalesce(sum(n), 0)::int as n from ev_slots where app_id = $1 and name = 'retry'`, [ten.appId]);
    assert.equal(rolled.rows[0]!.n, 20);
  });

  it('keeps the roll-up exact under concurrent batches of the same users, names and half-hours', async () => {
    const ten = await t.newTenant();
    const at = (m: number) => new Date(Date.UTC(2026, 0, 1, 10, m)).toISOString();
    // 40 requests at once, each 25 events over 3 users, 2 names and two half-hours (in sorted and reversed order).
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, r) => {
        const evs = Array.from({ length: 25 }, (_, i) => ({ event_id: `c-${r}-${i}`, user_id: `u${i % 3}`, name: i % 2 ? 'a' : 'b', timestamp: at(i % 5 < 2 ? 5 : 45) }));
        return post(ten.secretKey, r % 2 ? evs.reverse() : evs);
      }),
    );
    for (const a of answers) assert.equal(a.statusCode, 200, a.body);
    const raw = await t.database.pool.query(
      `select date_bin('30 minutes', ts, timestamptz '2000-01-01 00:00:00+00') as slot, user_id, name, count(*)::int as n from ev_events where app_id = $1 group by 1, 2, 3 order by 1, 2, 3`,
      [ten.appId],
    );
    const rolled = await t.database.pool.query(`select slot, user_id, name, n from ev_slots where app_id = $1 order by 1, 2, 3`, [ten.appId]);
    assert.ok(raw.rows.length >= 10, String(raw.rows.length));
    assert.deepEqual(rolled.rows, raw.rows);
    assert.equal(rolled.rows.reduce((s, r: { n: number }) => s + r.n, 0), 1000);
  });

  it('accepts 1000 events in one request and refuses 1001 with nothing stored', async () => {
    const ten = await t.newTenant();
    const ev = (i: number) => ({ event_id: `m-${i}`, user_id: `u${i % 7}`, name: 'bulk' });
    const ok = await post(ten.secretKey, Array.from({ length: 1000 }, (_, i) => ev(i)));
    assert.deepEqual(ok.json(), { accepted: 1000, duplicates: 0 });
    const tooMany = await post(ten.secretKey, Array.from({ length: 1001 }, (_, i) => ev(5000 + i)));
    expectError(tooMany, 400, 'validation_failed');
    assert.equal(await count(t.database, ten.appId), 1000);
  });

  it('refuses the whole batch when one event is bad', async () => {
    const ten = await t.newTenant();
    const res = await post(ten.secretKey, [{ event_id: 'ok', user_id: 'u', name: 'fine' }, { event_id: 'bad', user_id: 'u', name: 'x', timestamp: '2999-01-01T00:00:00Z' }]);
    expectError(res, 400, 'validation_failed');
    assert.equal(await count(t.database, ten.appId), 0);
  });

  it('lets a user token send events for its own user only, filling in user_id', async () => {
    const ten = await t.newTenant();
    const headers = { 'x-user-token': await t.userToken(ten, 'me') };
    const res = await post(ten.publishableKey, [{ event_id: 'me-1', name: 'app.opened' }, { event_id: 'me-2', user_id: 'me', name: 'app.opened' }], headers);
    assert.deepEqual(res.json(), { accepted: 2, duplicates: 0 });
    assert.equal(await count(t.database, ten.appId, `and user_id = 'me'`), 2);
  });

  it('requires user_id with a secret key', async () => {
    const res = await post(tenant.secretKey, [{ name: 'x' }]);
    const err = expectError(res, 400, 'validation_failed');
    assert.equal((err.details?.issues as { field: string }[])[0]!.field, 'body.events.0.user_id');
  });
});

describe('GET /v1/events', () => {
  it('lists newest first, filters by user and name, and pages without gaps or repeats', async () => {
    const ten = await t.newTenant();
    for (let i = 0; i < 5; i++) await post(ten.secretKey, Array.from({ length: 5 }, (_, k) => ({ event_id: `p-${i}-${k}`, user_id: k % 2 ? 'odd' : 'even', name: i % 2 ? 'b' : 'a' })));
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await t.inject({ method: 'GET', url: `/v1/events?limit=7${cursor ? `&cursor=${cursor}` : ''}`, headers: bearer(ten.secretKey) });
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json() as { data: { event_id: string; seq: number }[]; next_cursor: string | null };
      for (let i = 1; i < body.data.length; i++) assert.ok(body.data[i - 1]!.seq > body.data[i]!.seq);
      seen.push(...body.data.map((e) => e.event_id));
      cursor = body.next_cursor;
    } while (cursor);
    assert.equal(seen.length, 25);
    assert.equal(new Set(seen).size, 25);
    const odd = (await t.inject({ method: 'GET', url: '/v1/events?user_id=odd&name=b&limit=200', headers: bearer(ten.secretKey) })).json() as { data: { user_id: string; name: string }[] };
    assert.equal(odd.data.length, 2 * 2);
    assert.ok(odd.data.every((e) => e.user_id === 'odd' && e.name === 'b'));
  });

  it('never shows another app’s events', async () => {
    const a = await t.newTenant();
    const b = await t.newTenant();
    await post(a.secretKey, [{ event_id: 'secret-a', user_id: 'u', name: 'x' }]);
    const res = (await t.inject({ method: 'GET', url: '/v1/events', headers: bearer(b.secretKey) })).json() as { data: unknown[] };
    assert.deepEqual(res.data, []);
  });

  it('erases a user’s events when the user is erased', async () => {
    const ten = await t.newTenant();
    await post(ten.secretKey, [{ event_id: 'g-1', user_id: 'gone', name: 'x' }, { event_id: 'k-1', user_id: 'kept', name: 'x' }]);
    assert.equal((await t.inject({ method: 'DELETE', url: '/v1/users/gone', headers: bearer(ten.secretKey) })).statusCode, 204);
    await t.services.bus.drain();
    assert.equal(await count(t.database, ten.appId, `and user_id = 'gone'`), 0);
    assert.equal(await count(t.database, ten.appId, `and user_id = 'kept'`), 1);
  });
});

describe('the ingestion buffer', () => {
  const silent = { error() {} };
  const input = (i: number, tag: string) => ({ input: { event_id: `${tag}-${i}`, name: 'buf' }, userId: 'u' });

  it('answers buffer_full (429, Retry-After) when queued + in-flight events would exceed the bound, storing none of that request', async () => {
    const db = await createTestDatabase();
    try {
      const ten = await t.newTenant();
      // A pool whose inserts wait for our signal, so the buffer really fills.
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const slowPool = { query: (async (...args: unknown[]) => (await gate, (db.pool.query as (...a: unknown[]) => unknown)(...args))) as unknown as typeof db.pool.query };
      const events = createEvents({ pool: slowPool, db: db.db, bus: createEventLog({ db: db.db, log: silent }), log: silent, bufferMax: 100, flushMs: 1, flushSize: 40, maxConcurrentFlushes: 1 });
      const first = events.ingest(ten.appId, Array.from({ length: 60 }, (_, i) => input(i, 'a')));
      const second = events.ingest(ten.appId, Array.from({ length: 40 }, (_, i) => input(i, 'b')));
      await assert.rejects(
        events.ingest(ten.appId, [input(0, 'c')]),
        (e: { code?: string; status?: number; retryAfter?: number }) => e.code === 'events.buffer_full' && e.status === 429 && e.retryAfter === 1,
      );
      release();
      assert.deepEqual(await first, { accepted: 60, duplicates: 0 });
      assert.deepEqual(await second, { accepted: 40, duplicates: 0 });
      // Room again once flushed.
      assert.deepEqual(await events.ingest(ten.appId, [input(0, 'c')]), { accepted: 1, duplicates: 0 });
      const n = await db.pool.query<{ n: number }>(`select count(*)::int as n from ev_events where app_id = $1`, [ten.appId]);
      assert.equal(n.rows[0]!.n, 101);
      await events.close();
    } finally {
      await db.close();
    }
  });

  it('on close, refuses new events and stores every event it had accepted', async () => {
    const db = await createTestDatabase();
    try {
      const ten = await t.newTenant();
      // A long flush timer: without close() these would sit in the buffer for a minute.
      const events = createEvents({ pool: db.pool, db: db.db, bus: createEventLog({ db: db.db, log: silent }), log: silent, bufferMax: 100_000, flushMs: 60_000, flushSize: 50_000 });
      const pending = Array.from({ length: 30 }, (_, r) => events.ingest(ten.appId, Array.from({ length: 100 }, (_, i) => input(r * 100 + i, 'z'))));
      assert.equal(events.stats().queued, 3000);
      const closed = events.close();
      await assert.rejects(events.ingest(ten.appId, [input(0, 'late')]), (e: { code?: string }) => e.code === 'events.shutting_down');
      await closed;
      const results = await Promise.all(pending);
      assert.equal(results.reduce((s, r) => s + r.accepted, 0), 3000);
      const n = await db.pool.query<{ n: number }>(`select count(*)::int as n from ev_events where app_id = $1`, [ten.appId]);
      assert.equal(n.rows[0]!.n, 3000);
    } finally {
      await db.close();
    }
  });

  it('answers unavailable (503) when the database refuses the batch, so the client retries', async () => {
    const db = await createTestDatabase();
    const ten = await t.newTenant();
    const events = createEvents({ pool: db.pool, db: db.db, bus: createEventLog({ db: db.db, log: silent }), log: silent, bufferMax: 1000, flushMs: 1, flushSize: 100 });
    await db.close(); // the pool is gone: the insert fails
    await assert.rejects(events.ingest(ten.appId, [input(0, 'x')]), (e: { code?: string; status?: number }) => e.code === 'unavailable' && e.status === 503);
    await events.close();
  });
});

describe('the domain event bus', () => {
  it('publishes each newly stored event once, never duplicates, and isolates a failing subscriber', async () => {
    const ten = await t.newTenant();
    // Host events reach the event log when some rule listens to them (here: every name).
    await t.services.bus.setInterest(t.database.db, ten.appId, 'test', 'all', ['*']);
    const got: string[] = [];
    const offBad = t.services.bus.subscribe('event.ingested', () => {
      throw new Error('subscriber bug');
    });
    const offGood = t.services.bus.subscribe('event.ingested', (e) => {
      if (e.appId === ten.appId) got.push(`${e.eventId}:${e.name}:${e.userId}:${JSON.stringify(e.properties)}`);
    });
    try {
      const res = await post(ten.secretKey, [
        { event_id: 'bus-1', user_id: 'u', name: 'n', properties: { a: 1 } },
        { event_id: 'bus-1', user_id: 'u', name: 'n', properties: { a: 1 } },
        { event_id: 'bus-2', user_id: 'v', name: 'm' },
      ]);
      assert.equal(res.statusCode, 200, res.body); // the failing subscriber did not fail the request
      await post(ten.secretKey, [{ event_id: 'bus-2', user_id: 'v', name: 'm' }]);
      await t.services.bus.drain();
      assert.deepEqual(got.sort(), ['bus-1:n:u:{"a":1}', 'bus-2:m:v:{}']);
    } finally {
      offBad();
      offGood();
    }
  });
});
