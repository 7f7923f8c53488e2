// Segment rule kinds over other modules' facts, on a real database over HTTP: level, badge, coupon
// status, lurker and churn risk. Each enters and leaves users (through the event log where the
// fact changes by an event, through the full computation where time alone changes it) and each
// move is announced exactly once. Then the streamed CSV export of a segment's members over more
// than one page, and bad rules named by field.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'drizzle-orm';
import { shardSql } from '../../events/index.ts';
import { startTestApp, type Tenant, type TestApp } from '../../testing/app.ts';
import { expectError, findIssue } from '../../testing/http.ts';

const DAY = 86_400_000;
let offset = 0;
const clock = { now: () => new Date(Date.now() + offset) };

let t: TestApp;
let A: Tenant;
const sk = () => ({ authorization: `Bearer ${A.secretKey}` });
type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
const call = (method: Method, url: string, payload?: unknown) => t.inject({ method, url, headers: sk(), ...(payload !== undefined ? { payload: payload as object } : {}) });
const ok = async (method: Method, url: string, payload?: unknown) => {
  const r = await call(method, url, payload);
  assert.ok(r.statusCode < 300, `${method} ${url} → ${r.statusCode} ${r.body.slice(0, 600)}`);
  return r.body ? r.json() : null;
};
/** The log settles (a level change is itself a reaction to points, and so on). */
const settle = async () => {
  for (let i = 0; i < 3; i++) await t.services.bus.drain();
};
const members = async (id: string): Promise<string[]> => {
  const out: string[] = [];
  let cursor: string | null = null;
  do {
    const page: { data: { user_id: string }[]; next_cursor: string | null } = await ok('GET', `/v1/segments/${id}/members?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    out.push(...page.data.map((m) => m.user_id));
    cursor = page.next_cursor;
  } while (cursor);
  return out.sort();
};
/** How many times the log announced `name` (segment.entered / segment.left) for this user and segment. */
const announced = async (name: string, userId: string, segmentId: string) => {
  const r = await t.database.db.execute<{ n: number }>(sql`select count(*)::int as n from ev_log where app_id = ${A.appId} and name = ${name} and payload->>'userId' = ${userId} and payload->>'segmentId' = ${segmentId}`);
  return r.rows[0]!.n;
};
const moves = async (segmentId: string, userId: string) => [await announced('segment.entered', userId, segmentId), await announced('segment.left', userId, segmentId)];
const segment = async (name: string, rules: unknown): Promise<string> => (await ok('POST', '/v1/segments', { name, rules })).id;
const identify = (...ids: string[]) => Promise.all(ids.map((u) => ok('POST', `/v1/users/${u}`, { traits: { cohort: 'kinds' } })));
const ago = (days: number) => new Date(Date.now() - days * DAY).toISOString();
let n = 0;
const ev = (user: string, name: string, daysAgo: number) => ({ event_id: `k${n++}`, user_id: user, name, timestamp: ago(daysAgo) });
const ingest = async (events: object[]) => {
  for (let i = 0; i < events.length; i += 500) await ok('POST', '/v1/events', { events: events.slice(i, i + 500) });
};

before(async () => {
  t = await startTestApp({ clock });
  A = await t.newTenant('segkinds');
  await ok('PUT', '/v1/points/types/growth', { name: 'Growth' });
  await ok('PUT', '/v1/points/types/points', { name: 'Points' });
});
after(() => t.close());

describe('segment rule kinds', () => {
  it('level: a level-up enters (and leaves) users through the log, a periodic review lowers them out, once each', async () => {
    await ok('PUT', '/v1/gamification/levels', {
      levels: [
        { level: 1, name: '青铜 Bronze', threshold: 0 },
        { level: 2, name: '白银 Silver', threshold: 100 },
        { level: 3, name: '黄金 Gold', threshold: 300 },
      ],
    });
    await ok('PUT', '/v1/gamification/config', { levels: { downgrade: 'periodic', review_days: 7 } });
    await identify('lv-ann', 'lv-bob');
    const silver = await segment('Silver and up', { all: [{ kind: 'level', min: 2 }] });
    const bronze = await segment('Bronze only', { all: [{ kind: 'level', equals: 1 }, { kind: 'traits', conditions: { cohort: 'kinds' } }] });
    assert.deepEqual(await members(silver), []);
    assert.deepEqual(await members(bronze), ['lv-ann', 'lv-bob'], 'never levelled: at level 1, whose threshold is 0');
    assert.equal((await ok('POST', '/v1/segments/preview', { rules: { all: [{ kind: 'level', min: 1, max: 1 }] } })).count, 2);

    await t.services.points.earn(t.systemCtx(), A.appId, { userId: 'lv-ann', type: 'growth', amount: 150, key: 'lv-g1' });
    await settle();
    assert.deepEqual(await members(silver), ['lv-ann']);
    assert.deepEqual(await members(bronze), ['lv-bob']);
    await t.services.segments.refreshAll();
    await settle();
    assert.deepEqual(await moves(silver, 'lv-ann'), [1, 0]);
    assert.deepEqual(await moves(bronze, 'lv-ann'), [1, 1]);

    // Growth falls and the periodic review lowers ann to level 1: level.down takes her out.
    await t.services.points.adjust(t.systemCtx(), A.appId, { userId: 'lv-ann', type: 'growth', amount: -100, reason: 'decay', key: 'lv-decay' });
    offset = 8 * DAY;
    try {
      assert.equal((await t.services.gamification.levels.review(t.systemCtx())).down, 1);
      await settle();
      assert.deepEqual(await members(silver), []);
      assert.deepEqual(await members(bronze), ['lv-ann', 'lv-bob']);
      await t.services.segments.refreshAll();
    } finally {
      offset = 0;
    }
    assert.deepEqual(await moves(silver, 'lv-ann'), [1, 1]);
    assert.deepEqual(await moves(bronze, 'lv-ann'), [2, 1]);
    assert.deepEqual(await moves(bronze, 'lv-bob'), [1, 0]);
  });

  it('badge: an award enters "has" and leaves "has not", by id or by key, once each', async () => {
    const vip = await ok('POST', '/v1/badges', { key: 'vip', name: 'VIP 贵宾', criteria: { kind: 'manual' } });
    await identify('bg-cat', 'bg-dan');
    const has = await segment('VIP badge', { all: [{ kind: 'badge', badge_key: 'vip' }] });
    const hasNot = await segment('No VIP badge', { all: [{ kind: 'badge', badge_id: vip.id, has: false }, { kind: 'traits', conditions: { cohort: 'kinds' } }] });
    assert.deepEqual(await members(has), []);
    assert.ok((await members(hasNot)).includes('bg-cat'));

    await ok('POST', `/v1/users/bg-cat/badges/${vip.id}`, {});
    await ok('POST', `/v1/users/bg-cat/badges/${vip.id}`, {}); // held already: nothing happens
    await settle();
    assert.deepEqual(await members(has), ['bg-cat']);
    assert.ok(!(await members(hasNot)).includes('bg-cat'));
    assert.ok((await members(hasNot)).includes('bg-dan'));
    await t.services.segments.refreshAll();
    await settle();
    assert.deepEqual(await moves(has, 'bg-cat'), [1, 0]);
    assert.deepEqual(await moves(hasNot, 'bg-cat'), [1, 1]);
    assert.deepEqual(await moves(has, 'bg-dan'), [0, 0]);
  });

  it('coupon: issued enters "available", redeemed moves to "redeemed", and passing its time moves to "expired" (full computation, then the expiry sweep changes nothing)', async () => {
    const tpl = await ok('POST', '/v1/coupon-templates', { name: '满减券', kind: 'fixed', amount: 100, valid_days: 3 });
    await identify('cp-eve', 'cp-fay', 'cp-gus');
    const available = await segment('Holds an unused coupon', { all: [{ kind: 'coupon', template_id: tpl.id }] });
    const used = await segment('Used the coupon', { all: [{ kind: 'coupon', template_id: tpl.id, status: 'redeemed' }] });
    const expired = await segment('Let it expire', { all: [{ kind: 'coupon', template_id: tpl.id, status: 'expired' }] });
    const none = await segment('Never had it', { all: [{ kind: 'coupon', template_id: tpl.id, status: 'available', has: false }, { kind: 'coupon', template_id: tpl.id, status: 'redeemed', has: false }, { kind: 'coupon', template_id: tpl.id, status: 'expired', has: false }, { kind: 'traits', conditions: { cohort: 'kinds' } }] });
    assert.ok((await members(none)).includes('cp-eve'));

    const issued = await ok('POST', `/v1/coupon-templates/${tpl.id}/issue`, { user_ids: ['cp-eve', 'cp-fay'] });
    const couponOf = (u: string) => (issued.results as { user_id: string; coupon_id: string }[]).find((r) => r.user_id === u)!.coupon_id;
    await settle();
    assert.deepEqual(await members(available), ['cp-eve', 'cp-fay']);
    assert.ok(!(await members(none)).includes('cp-eve'));
    assert.ok((await members(none)).includes('cp-gus'));

    const order = { items: [{ product_id: 'tea', category_ids: ['drinks'], unit_price: 1200, quantity: 1 }] };
    await ok('POST', `/v1/coupons/${couponOf('cp-eve')}/redeem`, { order_ref: 'ord-1', order });
    await settle();
    assert.deepEqual(await members(available), ['cp-fay']);
    assert.deepEqual(await members(used), ['cp-eve']);

    // Four days on fay's coupon is past its time: the full computation sees it expired before the sweep marks it.
    offset = 4 * DAY;
    try {
      await t.services.segments.refreshAll();
      await settle();
      assert.deepEqual(await members(available), []);
      assert.deepEqual(await members(expired), ['cp-fay']);
      assert.equal(await t.services.coupons.expireDue(), 1);
      await settle();
      await t.services.segments.refreshAll();
      await settle();
      assert.deepEqual(await members(expired), ['cp-fay']);
    } finally {
      offset = 0;
    }
    // eve's order is cancelled: her coupon is available again (through coupon.released).
    await ok('POST', `/v1/coupons/${couponOf('cp-eve')}/release`, { order_ref: 'ord-1' });
    await settle();
    assert.deepEqual(await members(available), ['cp-eve']);
    assert.deepEqual(await members(used), []);
    assert.deepEqual(await moves(available, 'cp-eve'), [2, 1]);
    assert.deepEqual(await moves(available, 'cp-fay'), [1, 1]);
    assert.deepEqual(await moves(used, 'cp-eve'), [1, 1]);
    assert.deepEqual(await moves(expired, 'cp-fay'), [1, 0]);
    assert.deepEqual(await moves(none, 'cp-gus'), [1, 0]);
  });

  it('coupon: issued to many while the log and two full computations race, each user enters exactly once', async () => {
    const tpl = await ok('POST', '/v1/coupon-templates', { name: '抢券', kind: 'fixed', amount: 50, valid_days: 30 });
    const users = Array.from({ length: 40 }, (_, i) => `race-${String(i).padStart(2, '0')}`);
    await identify(...users);
    const holders = await segment('Race holders', { all: [{ kind: 'coupon', template_id: tpl.id }] });
    await ok('POST', `/v1/coupon-templates/${tpl.id}/issue`, { user_ids: users });
    await Promise.all([settle(), t.services.segments.refreshAll(), t.services.segments.refreshAll(), t.services.segments.refresh(t.systemCtx(), A.appId, holders)]);
    await settle();
    assert.deepEqual(await members(holders), users);
    const r = await t.database.db.execute<{ user_id: string; n: number }>(
      sql`select payload->>'userId' as user_id, count(*)::int as n from ev_log where app_id = ${A.appId} and name = 'segment.entered' and payload->>'segmentId' = ${holders} group by 1 order by 1`,
    );
    assert.deepEqual(r.rows, users.map((user_id) => ({ user_id, n: 1 })));
    assert.equal((await ok('GET', `/v1/segments/${holders}`)).size, users.length);
  });

  it('lurker: the analytics definition; an interaction event leaves at once, a visit enters at the next full computation', async () => {
    await identify('lk-lurk', 'lk-liker', 'lk-commenter', 'lk-gone');
    await ingest([
      ev('lk-lurk', 'app.opened', 1),
      ev('lk-lurk', 'page.viewed', 3),
      ev('lk-liker', 'app.opened', 2),
      ev('lk-commenter', 'app.opened', 2),
      ev('lk-commenter', 'comment.posted', 2),
      ev('lk-gone', 'app.opened', 30),
    ]);
    // The liker liked something (a Canyu interaction, as the interactions module logs it).
    await t.database.pool.query(
      `insert into ev_log (app_id, shard, kind, name, actor_id, user_ids, key, payload, created_at)
       values ($1, ${shardSql('$1::text', '$2::text')}, 'domain', 'interaction.liked', $2, array[$2], gen_random_uuid()::text, jsonb_build_object('appId', $1::text, 'userId', $2::text), now() - interval '1 day')`,
      [A.appId, 'lk-liker'],
    );
    await settle();
    const rules = { all: [{ kind: 'lurker', days: 14, interaction_events: ['comment.posted'] }] };
    const lurkers = await segment('Lurkers 潜水', rules);
    const fromAnalytics = (await ok('GET', `/v1/analytics/lurkers?days=14&limit=200&interaction_events=${encodeURIComponent('["comment.posted"]')}`)).data.map((u: { user_id: string }) => u.user_id).sort();
    assert.deepEqual(await members(lurkers), fromAnalytics, 'the same users as GET /v1/analytics/lurkers');
    const m = await members(lurkers);
    assert.ok(m.includes('lk-lurk'));
    for (const u of ['lk-liker', 'lk-commenter', 'lk-gone']) assert.ok(!m.includes(u), u);

    // lurk comments (an interaction event a rule names): out at once, through the log.
    await ingest([ev('lk-lurk', 'comment.posted', 0)]);
    await settle();
    assert.ok(!(await members(lurkers)).includes('lk-lurk'));
    // gone comes back and only looks: in at the next full computation.
    await ingest([ev('lk-gone', 'app.opened', 0)]);
    await settle();
    assert.ok(!(await members(lurkers)).includes('lk-gone'), 'a visit is not followed by the log');
    await t.services.segments.refreshAll();
    await t.services.segments.refreshAll();
    await settle();
    assert.ok((await members(lurkers)).includes('lk-gone'));
    assert.deepEqual(await moves(lurkers, 'lk-lurk'), [1, 1]);
    assert.deepEqual(await moves(lurkers, 'lk-gone'), [1, 0]);
    assert.deepEqual(await moves(lurkers, 'lk-liker'), [0, 0]);
  });

  it('churn_risk: the analytics definition; a user whose activity came back leaves, a user who stopped enters, once each', async () => {
    await identify('ch-steady', 'ch-fading');
    const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, k) => from + k);
    const days = (user: string, ds: number[]) => ds.map((d) => ev(user, 'app.opened', d + 0.5));
    await ingest([...days('ch-steady', range(0, 69)), ...days('ch-fading', [3, ...range(14, 69)])]);
    await settle();
    const rules = { all: [{ kind: 'churn_risk', recent_days: 14, baseline_days: 56, min_drop: 0.5 }] };
    const risk = await segment('Churn risk 流失预警', rules);
    const fromAnalytics = (await ok('GET', '/v1/analytics/churn-risk?recent_days=14&baseline_days=56&min_drop=0.5&limit=200')).data.map((u: { user_id: string }) => u.user_id).sort();
    assert.deepEqual(await members(risk), fromAnalytics);
    assert.ok((await members(risk)).includes('ch-fading'));
    assert.ok(!(await members(risk)).includes('ch-steady'));

    // fading is active again every recent day: out at the next full computation.
    await ingest(days('ch-fading', range(0, 12)));
    await t.services.segments.refreshAll();
    await settle();
    assert.ok(!(await members(risk)).includes('ch-fading'));
    // Two weeks of silence from everyone (the clock moves on): steady is now at risk, and fading,
    // whose recent days are now its baseline, again (a second, genuine entry).
    offset = 14 * DAY;
    try {
      await t.services.segments.refreshAll();
      await t.services.segments.refreshAll();
      await settle();
      assert.ok((await members(risk)).includes('ch-steady'));
      assert.ok((await members(risk)).includes('ch-fading'));
    } finally {
      offset = 0;
    }
    assert.deepEqual(await moves(risk, 'ch-fading'), [2, 1]);
    assert.deepEqual(await moves(risk, 'ch-steady'), [1, 0]);
  });

  it('names the field of bad rules of the new kinds', async () => {
    const bad = async (rule: unknown) => {
      const r = await call('POST', '/v1/segments', { name: 'Bad', rules: { all: [rule] } });
      return expectError(r, 400, 'validation_failed');
    };
    findIssue(await bad({ kind: 'no_such_kind' }), 'body.rules.all.0.kind');
    findIssue(await bad({ kind: 'level' }), 'body.rules.all.0.equals');
    findIssue(await bad({ kind: 'level', equals: 2, min: 1 }), 'body.rules.all.0.equals');
    findIssue(await bad({ kind: 'level', min: 3, max: 2 }), 'body.rules.all.0.max');
    findIssue(await bad({ kind: 'level', min: -1 }), 'body.rules.all.0.min');
    findIssue(await bad({ kind: 'badge' }), 'body.rules.all.0.badge_id');
    findIssue(await bad({ kind: 'badge', badge_id: 'b', badge_key: 'k' }), 'body.rules.all.0.badge_id');
    findIssue(await bad({ kind: 'coupon' }), 'body.rules.all.0.template_id');
    findIssue(await bad({ kind: 'coupon', template_id: 'x', status: 'used' }), 'body.rules.all.0.status');
    findIssue(await bad({ kind: 'lurker' }), 'body.rules.all.0.days');
    findIssue(await bad({ kind: 'lurker', days: 7, visit_events: [] }), 'body.rules.all.0.visit_events');
    findIssue(await bad({ kind: 'churn_risk', min_drop: 2 }), 'body.rules.all.0.min_drop');
    findIssue(await bad({ kind: 'churn_risk', recent_days: 0 }), 'body.rules.all.0.recent_days');
    findIssue(expectError(await call('POST', '/v1/segments', { name: 'Bad', rules: { any: [{ all: [{ kind: 'lurker', days: 0 }] }] } }), 400, 'validation_failed'), 'body.rules.any.0.all.0.days');
    // Named things must exist.
    findIssue(await bad({ kind: 'badge', badge_key: 'no-such-badge' }), 'body.rules');
    findIssue(await bad({ kind: 'coupon', template_id: 'cpt_missing' }), 'body.rules');
    const p = await call('POST', '/v1/segments/preview', { rules: { all: [{ kind: 'badge', badge_id: 'badge_missing' }] } });
    findIssue(expectError(p, 400, 'validation_failed'), 'body.rules');
  });
});

/** RFC 4180 rows of a CSV body (quoted cells with "" and line breaks). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  assert.equal(cell + row.join(''), '', 'the body ends with a complete row');
  return rows;
}

describe('members export', () => {
  const N = 1234; // more than one page of 1000
  const id = (i: number) => `ex-${String(i).padStart(5, '0')}`;
  const traitsOf = (i: number): Record<string, unknown> => ({
    cohort: 'export',
    name: i % 3 === 0 ? '=HYPERLINK("http://evil")' : i % 3 === 1 ? '张三, "the" tester' : `user ${i}`,
    address: { city: i % 2 ? '上海' : 'Berlin\nMitte' },
    score: i,
  });
  let seg: string;

  before(async () => {
    const ctx = t.systemCtx();
    for (let i = 0; i < N; i += 50) await Promise.all(Array.from({ length: Math.min(50, N - i) }, (_, k) => t.services.users.identify(ctx, A.appId, id(i + k), { traits: traitsOf(i + k) })));
    seg = await segment('Export me', { all: [{ kind: 'traits', conditions: { cohort: 'export' } }] });
  });

  it('streams every member once, in user id order, with traits as JSON, the total up front and formula cells defused', async () => {
    const r = await call('GET', `/v1/segments/${seg}/members/export`);
    assert.equal(r.statusCode, 200, r.body.slice(0, 300));
    assert.match(String(r.headers['content-type']), /^text\/csv/);
    assert.match(String(r.headers['content-disposition']), /attachment; filename="segment-seg_[A-Za-z0-9_]+-members\.csv"/);
    assert.equal(r.headers['x-total-rows'], String(N));
    assert.ok(r.body.startsWith('\ufeff'), 'a byte-order mark for spreadsheet apps');
    const [header, ...rows] = parseCsv(r.body.slice(1));
    assert.deepEqual(header, ['user_id', 'entered_at', 'traits']);
    assert.equal(rows.length, N);
    assert.deepEqual(rows.map((x) => x[0]), Array.from({ length: N }, (_, i) => id(i)));
    const entered = new Map(
      (await t.database.db.execute<{ user_id: string; entered_at: Date }>(sql`select user_id, entered_at from sg_members where segment_id = ${seg}`)).rows.map((x) => [x.user_id, new Date(x.entered_at).toISOString()]),
    );
    for (const [i, row] of rows.entries()) {
      assert.equal(row.length, 3);
      assert.equal(row[1], entered.get(id(i)));
      assert.deepEqual(JSON.parse(row[2]!), traitsOf(i));
    }
  });

  it('selected trait columns, with text a spreadsheet would run as a formula prefixed by an apostrophe', async () => {
    const r = await call('GET', `/v1/segments/${seg}/members/export?traits=${encodeURIComponent('name,address.city,score,missing')}`);
    assert.equal(r.statusCode, 200, r.body.slice(0, 300));
    const [header, ...rows] = parseCsv(r.body.slice(1));
    assert.deepEqual(header, ['user_id', 'entered_at', 'trait.name', 'trait.address.city', 'trait.score', 'trait.missing']);
    assert.equal(rows.length, N);
    for (const [i, row] of rows.entries()) {
      const tr = traitsOf(i);
      assert.equal(row[2], i % 3 === 0 ? `'${tr.name as string}` : tr.name);
      assert.equal(row[3], (tr.address as { city: string }).city);
      assert.equal(row[4], String(i));
      assert.equal(row[5], '');
    }
  });

  it('an empty segment is a header alone; unknown segment 404, bad trait paths 400 by field, publishable keys refused', async () => {
    const empty = await segment('Nobody', { all: [{ kind: 'traits', conditions: { cohort: 'nobody' } }] });
    const r = await call('GET', `/v1/segments/${empty}/members/export`);
    assert.equal(r.statusCode, 200);
    assert.deepEqual(parseCsv(r.body.slice(1)), [['user_id', 'entered_at', 'traits']]);
    expectError(await call('GET', '/v1/segments/seg_missing/members/export'), 404, 'segments.not_found');
    findIssue(expectError(await call('GET', `/v1/segments/${seg}/members/export?traits=${encodeURIComponent('ok,bad path')}`), 400, 'validation_failed'), 'query.traits');
    findIssue(expectError(await call('GET', `/v1/segments/${seg}/members/export?traits=`), 400, 'validation_failed'), 'query.traits');
    findIssue(expectError(await call('GET', `/v1/segments/${seg}/members/export?format=xlsx`), 400, 'validation_failed'), 'query.format');
    const pk = await t.inject({ method: 'GET', url: `/v1/segments/${seg}/members/export`, headers: { authorization: `Bearer ${A.publishableKey}` } });
    assert.ok(pk.statusCode === 401 || pk.statusCode === 403, `${pk.statusCode}`);
  });
});
