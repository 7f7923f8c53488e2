// Sessions and their durations, on hand-built event sequences in the reporting zone (Asia/Shanghai,
// UTC+8): inactivity gaps (with a heartbeat name or any event) and start/end pairs, across local
// midnight, with unpaired and over-long sessions.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bearer, startTestApp, type Tenant, type TestApp } from '../../testing/app.ts';
import { expectError, findIssue } from '../../testing/http.ts';

let t: TestApp;
let a: Tenant;
const at = (local: string) => new Date(`${local}+08:00`).toISOString();
let n = 0;
const ev = (user: string, name: string, local: string) => ({ event_id: `s${n++}`, user_id: user, name, timestamp: at(local) });

before(async () => {
  t = await startTestApp();
  a = await t.newTenant('sessions');
  const patch = await t.inject({ method: 'PATCH', url: '/v1/analytics/settings', headers: bearer(a.secretKey), payload: { timezone: 'Asia/Shanghai' } });
  assert.equal(patch.statusCode, 200, patch.body);
  const events = [
    // gap mode, any event: 10:00-10:10 (600 s) and 10:50 alone (0 s); the 23:50 run crosses midnight and belongs to the 1st.
    ev('a', 'view', '2026-03-01T10:00:00'),
    ev('a', 'tap', '2026-03-01T10:10:00'),
    ev('a', 'view', '2026-03-01T10:50:00'),
    ev('a', 'view', '2026-03-01T23:50:00'),
    ev('a', 'view', '2026-03-02T00:15:00'),
    // heartbeats of b: 09:00, 09:05, 09:10 (600 s), then 11:00 (0 s)
    ev('b', 'hb', '2026-03-01T09:00:00'),
    ev('b', 'hb', '2026-03-01T09:05:00'),
    ev('b', 'hb', '2026-03-01T09:10:00'),
    ev('b', 'hb', '2026-03-01T11:00:00'),
    // pairs of c: 1,200 s; a start after a start (the first has no end); an end without a start; 23:50 → 00:10 (1,200 s, the 1st); 25 h: not a session
    ev('c', 'session.start', '2026-03-01T08:00:00'),
    ev('c', 'session.end', '2026-03-01T08:20:00'),
    ev('c', 'session.start', '2026-03-01T12:00:00'),
    ev('c', 'session.start', '2026-03-01T12:30:00'),
    ev('c', 'session.end', '2026-03-01T12:40:00'),
    ev('c', 'session.end', '2026-03-01T13:00:00'),
    ev('c', 'session.start', '2026-03-01T23:50:00'),
    ev('c', 'session.end', '2026-03-02T00:10:00'),
    ev('c', 'session.start', '2026-03-03T08:00:00'),
    ev('c', 'session.end', '2026-03-04T09:00:00'),
  ];
  const r = await t.inject({ method: 'POST', url: '/v1/events', headers: bearer(a.secretKey), payload: { events } });
  assert.equal(r.statusCode, 200, r.body);
});
after(() => t.close());

type Day = { day: string; sessions: number; users: number; total_seconds: number; avg_seconds: number | null; median_seconds: number | null };
async function days(query: string): Promise<Day[]> {
  const r = await t.inject({ method: 'GET', url: `/v1/analytics/sessions?from=2026-03-01&to=2026-03-03&${query}`, headers: bearer(a.secretKey) });
  assert.equal(r.statusCode, 200, r.body);
  return (r.json() as { days: Day[] }).days;
}

describe('sessions', () => {
  it('gap mode over one event name (a heartbeat)', async () => {
    const d = await days('event=hb&timeout_minutes=30');
    assert.deepEqual(d[0], { day: '2026-03-01', sessions: 2, users: 1, total_seconds: 600, avg_seconds: 300, median_seconds: 300 });
    assert.deepEqual(d[1], { day: '2026-03-02', sessions: 0, users: 0, total_seconds: 0, avg_seconds: null, median_seconds: null });
  });

  it('gap mode over any event: a run across local midnight belongs to the day it started', async () => {
    const d = await days('timeout_minutes=30&event=view');
    // a's views: 10:00 (0 s: the tap is not a view), 10:50 (0 s), 23:50-00:15 (1,500 s)
    assert.deepEqual(d[0], { day: '2026-03-01', sessions: 3, users: 1, total_seconds: 1500, avg_seconds: 500, median_seconds: 0 });
    const any = await days('timeout_minutes=30');
    const first = any[0]!;
    assert.equal(first.users, 3);
    // a: 600 + 0 + 1,500; b: 600 + 0; c: 08:00-08:20 (1,200), 12:00-13:00 (3,600), 23:50-00:10 (1,200)
    assert.equal(first.sessions, 8);
    assert.equal(first.total_seconds, 600 + 0 + 1500 + 600 + 0 + 1200 + 3600 + 1200);
  });

  it('pairs mode: a start then an end, at most a day apart', async () => {
    const d = await days('mode=pairs');
    // 08:00-08:20, 12:30-12:40, 23:50-00:10: three sessions of 1,200, 600 and 1,200 s
    assert.deepEqual(d[0], { day: '2026-03-01', sessions: 3, users: 1, total_seconds: 3000, avg_seconds: 1000, median_seconds: 1200 });
    assert.equal(d[2]!.sessions, 0, 'a 25-hour pair is not a session');
  });

  it('exports the same as CSV, and refuses bad input by field', async () => {
    const r = await t.inject({ method: 'GET', url: '/v1/analytics/sessions/export?from=2026-03-01&to=2026-03-03&mode=pairs', headers: bearer(a.secretKey) });
    assert.equal(r.statusCode, 200);
    assert.ok(r.body.includes('2026-03-01,3,1,3000,1000,1200'), r.body);
    findIssue(expectError(await t.inject({ method: 'GET', url: '/v1/analytics/sessions?from=2026-03-01&to=2026-03-03&mode=pairs&start_event=x&end_event=x', headers: bearer(a.secretKey) }), 400, 'validation_failed'), 'query.end_event');
    findIssue(expectError(await t.inject({ method: 'GET', url: '/v1/analytics/sessions?from=2026-03-01&to=2026-03-03&timeout_minutes=0', headers: bearer(a.secretKey) }), 400, 'validation_failed'), 'query.timeout_minutes');
  });
});
