// Every metric filtered by a segment, over HTTP on a real database: a segment defined by a trait
// gives exactly the figures of the same traits filter (itself checked against plain SQL in
// analytics.test.ts) and differs from the unfiltered ones; a user leaving the segment leaves the
// figures at the next read; an unknown segment is a 404 naming it; a bad one a 400.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'drizzle-orm';
import { asTenant, startTestApp, type Tenant, type TestApp } from '../../testing/app.ts';
import { expectError, findIssue } from '../../testing/http.ts';

let t: TestApp;
let A: Tenant;
let call: ReturnType<typeof asTenant>['call'];
let ok: ReturnType<typeof asTenant>['ok'];
let vip: string;
const from = '2026-03-01';
const to = '2026-03-07';
const steps = encodeURIComponent(JSON.stringify([{ event: 'view' }, { event: 'pay' }]));
const traits = encodeURIComponent(JSON.stringify({ tier: 'vip' }));
const metrics = [
  `/v1/analytics/active-users?from=${from}&to=${to}`,
  `/v1/analytics/retention?from=${from}&to=${to}`,
  `/v1/analytics/funnels?from=${from}&to=${to}&steps=${steps}`,
  `/v1/analytics/funnels/dropoff?from=${from}&to=${to}&steps=${steps}&step=1`,
  `/v1/analytics/engagement?from=${from}&to=${to}`,
  `/v1/analytics/sessions?from=${from}&to=${to}`,
  `/v1/analytics/active-users/export?from=${from}&to=${to}`,
];
const read = async (url: string) => {
  const r = await call('GET', url);
  assert.equal(r.statusCode, 200, `${url} → ${r.body}`);
  return r.headers['content-type']?.toString().startsWith('text/csv') ? r.body : r.json();
};

before(async () => {
  t = await startTestApp();
  A = await t.newTenant('segment-filter');
  ({ call, ok } = asTenant(t, A));
  const users = Array.from({ length: 12 }, (_, i) => `u${i}`);
  for (const [i, u] of users.entries()) await ok('POST', `/v1/users/${u}`, { traits: { tier: i % 3 === 0 ? 'vip' : 'normal' } });
  const events: object[] = [];
  users.forEach((u, i) => {
    for (let d = 0; d < 7; d++) {
      if ((i + d) % 2 === 0) continue;
      const at = Date.parse(`${from}T00:00:00Z`) + d * 86_400_000 + (i * 37 + d * 11) * 60_000;
      events.push({ event_id: `v-${u}-${d}`, user_id: u, name: 'view', timestamp: new Date(at).toISOString() });
      if ((i * d) % 3 === 1) events.push({ event_id: `p-${u}-${d}`, user_id: u, name: 'pay', timestamp: new Date(at + 5 * 60_000).toISOString() });
    }
  });
  await ok('POST', '/v1/events', { events });
  vip = (await ok('POST', '/v1/segments', { name: 'VIP', rules: { all: [{ kind: 'traits', conditions: { tier: 'vip' } }] } })).id;
  await t.services.bus.drain();
});
after(() => t.close());

describe('metrics filtered by a segment', () => {
  it('equal the same traits filter on every metric, and differ from the unfiltered figures', async () => {
    for (const m of metrics) {
      const bySegment = await read(`${m}&segment=${vip}`);
      assert.deepEqual(bySegment, await read(`${m}&traits=${traits}`), m);
      if (!m.includes('dropoff')) assert.notDeepEqual(bySegment, await read(m), `${m}: the filter changes nothing`);
      // Both filters together: the intersection (here the same users).
      assert.deepEqual(await read(`${m}&segment=${vip}&traits=${traits}`), bySegment, m);
    }
    const dau = (await read(`/v1/analytics/active-users?from=${from}&to=${to}&segment=${vip}`)).days.map((d: { dau: number }) => d.dau);
    assert.ok(dau.some((n: number) => n > 0));
  });

  it('follow membership: a user who leaves the segment leaves the figures', async () => {
    const before = await read(`/v1/analytics/active-users?from=${from}&to=${to}&segment=${vip}`);
    await ok('POST', '/v1/users/u0', { traits: { tier: 'normal' } });
    await t.services.bus.drain();
    const after = await read(`/v1/analytics/active-users?from=${from}&to=${to}&segment=${vip}`);
    const sum = (r: { days: { dau: number }[] }) => r.days.reduce((s, d) => s + d.dau, 0);
    assert.ok(sum(after) < sum(before), `${sum(after)} < ${sum(before)}`);
    assert.deepEqual(after, await read(`/v1/analytics/active-users?from=${from}&to=${to}&traits=${traits}`));
  });

  it('equal plain SQL over the raw events and the membership, after duplicates and an erased member', async () => {
    const url = `/v1/analytics/active-users?from=${from}&to=${to}&segment=${vip}`;
    // A retried batch (same event ids) changes nothing; an erased member leaves the figures.
    await ok('POST', '/v1/events', { events: [{ event_id: 'v-u3-0', user_id: 'u3', name: 'view', timestamp: `${from}T10:00:00Z` }] });
    const withU3 = await read(url);
    assert.ok([200, 202, 204].includes((await call('DELETE', '/v1/users/u3')).statusCode));
    await t.services.bus.drain();
    const r = await read(url);
    const plain = await t.database.db.execute<{ day: string; n: number }>(sql`
      select to_char((e.ts at time zone 'UTC')::date, 'YYYY-MM-DD') as day, count(distinct e.user_id)::int as n
      from ev_events e
      where e.app_id = ${A.appId} and e.ts >= ${from}::date and e.ts < ${to}::date + 1
        and e.user_id in (select user_id from sg_members where segment_id = ${vip})
      group by 1`);
    const expected = new Map(plain.rows.map((x) => [x.day, x.n]));
    for (const d of r.days as { day: string; dau: number }[]) assert.equal(d.dau, expected.get(d.day) ?? 0, d.day);
    assert.ok(expected.size > 0);
    const sum = (x: { days: { dau: number }[] }) => x.days.reduce((s, d) => s + d.dau, 0);
    assert.ok(sum(r) < sum(withU3), 'the erased member still counts');
  });

  it('an unknown segment is a 404 naming it; a bad one a 400 naming the field', async () => {
    for (const m of metrics) {
      const e = expectError(await call('GET', `${m}&segment=seg_nope`), 404, 'analytics.segment_not_found');
      assert.equal(e.details?.field, 'query.segment');
    }
    findIssue(expectError(await call('GET', `${metrics[0]}&segment=${encodeURIComponent('a\u0000b')}`), 400, 'validation_failed'), 'query.segment');
    findIssue(expectError(await call('GET', `${metrics[0]}&segment=`), 400, 'validation_failed'), 'query.segment');
  });
});
