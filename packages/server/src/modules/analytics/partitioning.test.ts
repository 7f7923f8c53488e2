// The partitioned layout docs/analytics.md proposes, proven on this PostgreSQL: the events and
// both roll-ups re-created as partitioned tables (hash of the app; the roll-ups then by month) in a
// scratch schema that shadows the real ones on the search path; the real ingestion statement
// stores a batch through them, and the active-user and retention SQL over them answers exactly
// what it answers over the unpartitioned tables.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { drizzle } from 'drizzle-orm/node-postgres';
import type pg from 'pg';
import { createPool } from '../../db/index.ts';
import { createTestDatabase, type TestDatabase } from '../../testing/db.ts';
import { storeEventBatch as insertBatch, type NewEvent } from '../events/index.ts';
import { activeSeries, retention, type Scan } from './store.ts';

let d: TestDatabase;
let part: pg.Pool;

const DDL = `
create schema part;
create table part.ev_events (like public.ev_events including defaults including identity) partition by hash (app_id);
alter table part.ev_events add primary key (app_id, event_id);
create table part.ev_slots (app_id text not null, slot timestamptz not null, user_id text not null, name text not null, n integer not null,
  primary key (app_id, slot, user_id, name)) partition by hash (app_id);
create table part.ev_user_slots (app_id text not null, user_id text not null, slot timestamptz not null,
  primary key (app_id, user_id, slot)) partition by hash (app_id);
create table part.ev_user_firsts (app_id text not null, user_id text not null, slot timestamptz not null,
  primary key (app_id, user_id)) partition by hash (app_id);
`;

before(async () => {
  d = await createTestDatabase();
  await d.pool.query(DDL);
  for (let r = 0; r < 4; r++) {
    await d.pool.query(`create table part.ev_events_h${r} partition of part.ev_events for values with (modulus 4, remainder ${r})`);
    await d.pool.query(`create table part.ev_user_firsts_h${r} partition of part.ev_user_firsts for values with (modulus 4, remainder ${r})`);
    for (const t of ['ev_slots', 'ev_user_slots']) {
      await d.pool.query(`create table part.${t}_h${r} partition of part.${t} for values with (modulus 4, remainder ${r}) partition by range (slot)`);
      for (const [m, from, to] of [[10, '2026-10-01', '2026-11-01'], [11, '2026-11-01', '2026-12-01']] as const) {
        await d.pool.query(`create table part.${t}_h${r}_${m} partition of part.${t}_h${r} for values from ('${from}') to ('${to}')`);
      }
      await d.pool.query(`create table part.${t}_h${r}_rest partition of part.${t}_h${r} default`);
    }
  }
  part = createPool(d.url, { max: 2, options: '-c search_path=part,public' });
});
after(async () => {
  await part?.end();
  await d.close();
});

describe('the partitioned layout (docs/analytics.md)', () => {
  it('stores through the ingestion statement and answers the same metrics as the plain tables', async () => {
    const rows: NewEvent[] = [];
    for (let i = 0; i < 600; i++) {
      const day = 1 + (i % 45);
      const ts = new Date(Date.UTC(2026, 9, 1) + day * 86_400_000 + ((i * 7919) % 86_400) * 1000).toISOString();
      rows.push({ appId: i % 3 === 0 ? 'app-b' : 'app-a', eventId: `e${i}`, userId: `u${(i * 31) % 40}`, name: i % 4 === 0 ? 'buy' : 'open', propertiesJson: '{}', ts });
    }
    for (let k = 0; k < rows.length; k += 100) {
      await insertBatch(d.pool, rows.slice(k, k + 100));
      await insertBatch(part, rows.slice(k, k + 100));
    }
    // A repeated batch stores nothing twice, partitioned as plain.
    assert.equal((await insertBatch(part, rows.slice(0, 100))).length, 0);
    const count = async (p: pg.Pool, t: string) => Number((await p.query(`select count(*) from ${t}`)).rows[0].count);
    assert.equal(await count(part, 'ev_events'), 600);
    assert.equal(await count(d.pool, 'part.ev_slots'), await count(d.pool, 'public.ev_slots'));
    assert.ok(await count(d.pool, 'part.ev_slots_h0_11') + (await count(d.pool, 'part.ev_slots_h1_11')) + (await count(d.pool, 'part.ev_slots_h2_11')) + (await count(d.pool, 'part.ev_slots_h3_11')) > 0, 'rows landed in month partitions');

    const plain = drizzle({ client: d.pool });
    const parted = drizzle({ client: part });
    for (const appId of ['app-a', 'app-b']) {
      for (const rollup of [true, false]) {
        const s: Scan = { appId, tz: 'Asia/Shanghai', from: '2026-10-15', to: '2026-11-10', start: new Date('2026-09-14T16:00:00Z'), end: new Date('2026-11-11T16:00:00Z'), rollup };
        for (const names of [null, ['open']]) {
          assert.deepEqual(await activeSeries(parted, s, names, {}), await activeSeries(plain, s, names, {}), `${appId} ${rollup} ${names}`);
        }
        const spec = { cohortNames: null, returnNames: ['buy'], unitDays: 1, periods: 30, mode: 'n_day' as const, who: {} };
        const rs: Scan = { ...s, from: '2026-10-02', to: '2026-10-31', start: new Date('2026-10-01T16:00:00Z'), end: new Date('2026-11-01T16:00:00Z') };
        const a = await retention(parted, rs, spec);
        const b = await retention(plain, rs, spec);
        assert.deepEqual(a.cohorts, b.cohorts);
        assert.deepEqual([...a.counts].sort((x, y) => (x.day + x.period < y.day + y.period ? -1 : 1)), [...b.counts].sort((x, y) => (x.day + x.period < y.day + y.period ? -1 : 1)));
        assert.ok(a.cohorts.length > 0);
      }
    }
  });
});
