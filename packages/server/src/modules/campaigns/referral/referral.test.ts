// Referrals: codes, attribution (self-referral, loops and users who are not new refused), both
// sides' points and coupons credited once when the invitee's qualifying event is ingested (also
// when it arrives many times at once), the attribution window, the inviter cap, budgets.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type Tenant, type TestApp } from '../../../testing/app.ts';
import { expectError, findIssue } from '../../../testing/http.ts';
import { allowReceivers, startReceiver, type Receiver } from '../../../testing/receiver.ts';
import { api, iso, ok, testClock } from '../test-helpers.ts';

const clock = testClock('2031-02-01T00:00:00Z');
const T0 = clock.t;
const D = 86_400_000;

let t: TestApp;
let tenant: Tenant;
let a: ReturnType<typeof api>;
let rx: Receiver;
let couponTemplate: string;

before(async () => {
  t = await startTestApp({ clock, config: allowReceivers });
  tenant = await t.newTenant();
  a = api(t, tenant);
  rx = await startReceiver();
  ok(await a.post('/v1/webhooks/endpoints', { url: rx.url, event_types: ['referral.*'] }), 201);
  ok(await t.inject({ method: 'PUT', url: '/v1/points/types/points', headers: { authorization: `Bearer ${tenant.secretKey}` }, payload: { name: '积分', expiry: { kind: 'never' } } }), 201);
  couponTemplate = ok<{ id: string }>(await a.post('/v1/coupon-templates', { name: '新人券', kind: 'fixed', amount: 500, valid_days: 7, claimable: false }), 201).id;
});
after(async () => {
  await rx.close();
  await t.close();
});

type Side = { user_id: string; points: { type: string; amount: number; entry_id: string | null; error: string | null }[]; coupons: { template_id: string; coupon_id: string | null; error: string | null }[]; host: unknown };
type Referral = { inviter_user_id: string; invitee_user_id: string; status: string; inviter_rewarded: boolean | null; credited: { inviter: Side | null; invitee: Side } | null };
let seq = 0;
async function campaign(settings: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  const event = `order.paid.${++seq}`;
  const c = await a.campaign({ kind: 'referral', name: '邀请有礼', starts_at: iso(T0), ends_at: iso(T0 + 90 * D), settings: { qualifying_event: event, inviter_reward: { points: [{ type: 'points', amount: 100 }], host: { vip_days: 7 } }, invitee_reward: { coupons: [couponTemplate] }, ...settings }, ...extra });
  ok(await a.post(`/v1/campaigns/${c.id}/schedule`));
  return { cid: c.id, event };
}
const code = async (cid: string, user: string) => ok<{ code: string }>(await a.post(`/v1/campaigns/${cid}/referral/codes`, { user_id: user })).code;
const attribute = (cid: string, user: string, c: string) => a.post(`/v1/campaigns/${cid}/referral/attributions`, { user_id: user, code: c });
const track = async (user: string, name: string, id = `${user}-${name}-${Math.random()}`) => {
  ok(await a.post('/v1/events', { events: [{ event_id: id, user_id: user, name }] }));
  await t.services.bus.drain();
};
const balance = async (user: string) => ok<{ balance: number }>(await a.get(`/v1/users/${user}/points/points`)).balance;
const coupons = async (user: string) => ok<{ data: { id: string; template_id: string }[] }>(await a.get(`/v1/users/${user}/coupons`)).data;
const referrals = async (cid: string, q = '') => ok<{ data: Referral[] }>(await a.get(`/v1/campaigns/${cid}/referrals${q}`)).data;

describe('referrals', () => {
  it('gives each user one code per campaign', async () => {
    const { cid } = await campaign();
    const c1 = await code(cid, 'alice');
    assert.match(c1, /^[A-Za-z0-9]{8}$/);
    assert.equal(await code(cid, 'alice'), c1);
    assert.notEqual(await code(cid, 'bob'), c1);
    const err = expectError(await a.post('/v1/campaigns', { kind: 'referral', name: 'x', starts_at: iso(T0), ends_at: iso(T0 + D), settings: {} }), 400, 'validation_failed');
    findIssue(err, 'body.settings.qualifying_event');
  });

  it('refuses self-referral, a second inviter, loops, and unknown codes', async () => {
    const { cid } = await campaign();
    const ca = await code(cid, 'a');
    expectError(await attribute(cid, 'a', ca), 409, 'referral.self_referral');
    ok(await attribute(cid, 'b', ca), 201);
    expectError(await attribute(cid, 'b', ca), 409, 'referral.already_attributed');
    const cb = await code(cid, 'b');
    ok(await attribute(cid, 'c', cb), 201);
    // c → a would close the loop a → b → c → a.
    const cc = await code(cid, 'c');
    expectError(await attribute(cid, 'a', cc), 409, 'referral.loop');
    expectError(await attribute(cid, 'd', 'NOSUCHCD'), 404, 'referral.code_not_found');
    // Two users racing to invite each other: one wins, the other is a loop.
    const cx = await code(cid, 'x');
    const cy = await code(cid, 'y');
    const res = await Promise.all([attribute(cid, 'y', cx), attribute(cid, 'x', cy)]);
    assert.deepEqual(res.map((r) => r.statusCode).sort(), [201, 409]);
  });

  it('credits both sides once when the invitee does the qualifying event, and says who got what', async () => {
    const { cid, event } = await campaign({}, { budget: 1000 });
    const rewarded: string[] = [];
    const off = t.services.bus.subscribe('referral.rewarded', (p) => void (p.campaignId === cid && rewarded.push(`${p.userId}|${p.inviterUserId}>${p.inviteeUserId}:${JSON.stringify(p.inviterReward?.points)}`)));
    try {
      ok(await attribute(cid, 'newbie', await code(cid, 'host-user')), 201);
      await track('newbie', 'app.opened');
      assert.equal((await referrals(cid))[0]!.status, 'attributed');
      assert.equal((await coupons('newbie')).length, 0);
      // The same completion sent concurrently from several requests.
      await Promise.all([track('newbie', event, 'e1'), track('newbie', event, 'e2'), track('newbie', event, 'e3'), track('newbie', event, 'e1')]);
      assert.deepEqual(rewarded, ['host-user|host-user>newbie:[{"type":"points","amount":100}]']);
      const r = (await referrals(cid, '?inviter_user_id=host-user'))[0]!;
      assert.deepEqual([r.status, r.inviter_rewarded], ['rewarded', true]);
      assert.equal(await balance('host-user'), 100);
      const mine = await coupons('newbie');
      assert.deepEqual(mine.map((c) => c.template_id), [couponTemplate]);
      assert.deepEqual(r.credited!.inviter!.points.map((p) => [p.type, p.amount, p.error, typeof p.entry_id]), [['points', 100, null, 'string']]);
      assert.deepEqual(r.credited!.invitee.coupons, [{ template_id: couponTemplate, coupon_id: mine[0]!.id, error: null }]);
      assert.deepEqual(r.credited!.inviter!.host, { vip_days: 7 });
      await t.services.webhooks.idle();
      const hooks = rx.received.map((x) => JSON.parse(x.body) as { type: string; data: { campaign_id: string; inviter_user_id: string; invitee_user_id: string; credited: Referral['credited'] } }).filter((h) => h.data.campaign_id === cid && h.type === 'referral.rewarded');
      assert.deepEqual(
        hooks.map((h) => [h.type, h.data.inviter_user_id, h.data.invitee_user_id, h.data.credited?.invitee.coupons[0]?.coupon_id]),
        [['referral.rewarded', 'host-user', 'newbie', mine[0]!.id]],
      );
    } finally {
      off();
    }
  });

  it('credits once when servers race to qualify the same referral', async () => {
    const { cid, event } = await campaign({ reward_cost: 10 }, { budget: 1000 });
    ok(await attribute(cid, 'racer', await code(cid, 'racer-host')), 201);
    let announced = 0;
    const off = t.services.bus.subscribe('referral.rewarded', (p) => void (p.campaignId === cid && announced++));
    // Ten qualifiers at once, as ten servers' consumers would run them (same and different events).
    const n = await Promise.all(Array.from({ length: 10 }, (_, i) => t.services.campaigns.referral.qualify(tenant.appId, 'racer', event, `race-${i % 3}`)));
    await t.services.bus.drain();
    off();
    assert.equal(n.reduce((x, y) => x + y, 0), 1, 'one qualifier rewarded the referral');
    assert.equal(announced, 1);
    const committed = await t.database.pool.query<{ committed: number }>(`select committed::int from cm_campaigns where id = $1`, [cid]);
    assert.equal(committed.rows[0]!.committed, 10, 'the reward cost is committed once');
    assert.equal(await balance('racer-host'), 100);
    assert.equal((await coupons('racer')).length, 1);
    const q = await t.database.pool.query<{ n: number }>(`select count(*)::int as n from pt_entries where app_id = $1 and user_id = 'racer-host'`, [tenant.appId]);
    assert.equal(q.rows[0]!.n, 1);
    // A replay of the qualifying event later credits nothing more.
    await track('racer', event, 'race-0');
    await track('racer', event);
    assert.equal(await balance('racer-host'), 100);
    assert.equal((await coupons('racer')).length, 1);
  });

  it('is not scheduled with rewards naming what does not exist; records a credit that cannot be made, and still credits the rest once', async () => {
    const bad = await a.campaign({ kind: 'referral', name: 'x', starts_at: iso(T0), ends_at: iso(T0 + D), settings: { qualifying_event: 'x', invitee_reward: { coupons: ['cpt_nope'] } } });
    assert.match(expectError(await a.post(`/v1/campaigns/${bad.id}/schedule`), 409, 'campaigns.not_ready').message, /invitee_reward.*cpt_nope/);
    ok(await t.inject({ method: 'PUT', url: '/v1/points/types/gone', headers: { authorization: `Bearer ${tenant.secretKey}` }, payload: { name: 'gone' } }), 201);
    const { cid, event } = await campaign({ inviter_reward: { points: [{ type: 'gone', amount: 5 }, { type: 'points', amount: 30 }] } });
    // The type disappears after the campaign was scheduled.
    await t.database.pool.query(`delete from pt_types where app_id = $1 and key = 'gone'`, [tenant.appId]);
    ok(await attribute(cid, 'inv-x', await code(cid, 'host-x')), 201);
    await track('inv-x', event);
    const r = (await referrals(cid))[0]!;
    assert.equal(r.status, 'rewarded');
    assert.deepEqual(r.credited!.inviter!.points.map((p) => [p.type, p.error]), [['gone', 'points.unknown_type'], ['points', null]]);
    assert.equal(await balance('host-x'), 30);
  });

  it('invites only new users, by the campaign’s definition', async () => {
    const { cid } = await campaign({ new_user: { first_seen_within_days: 3, not_if_traits: { has_ordered: true } } });
    const c = await code(cid, 'veteran-host');
    const identify = (u: string, body: object) => t.inject({ method: 'POST', url: `/v1/users/${u}`, headers: { authorization: `Bearer ${tenant.secretKey}` }, payload: body });
    // users.created_at is the database's time of the first identify; the test clock runs in 2031.
    const firstSeen = (u: string, ms: number) => t.database.pool.query(`update us_users set created_at = $3 where app_id = $1 and user_id = $2`, [tenant.appId, u, new Date(ms)]);
    // First seen 5 days ago: not new.
    assert.ok([200, 201].includes((await identify('old-timer', { traits: {} })).statusCode));
    await firstSeen('old-timer', T0 - 5 * D);
    const e1 = expectError(await attribute(cid, 'old-timer', c), 409, 'referral.invitee_not_new');
    assert.equal((e1.details as { reason: string }).reason, 'first_seen');
    // Seen today but has ordered already (a trait the host keeps).
    assert.ok([200, 201].includes((await identify('buyer', { traits: { has_ordered: true } })).statusCode));
    await firstSeen('buyer', T0 - D);
    assert.equal((expectError(await attribute(cid, 'buyer', c), 409, 'referral.invitee_not_new').details as { reason: string }).reason, 'traits');
    // Seen today without orders, or never seen: new.
    assert.ok([200, 201].includes((await identify('fresh', { traits: { has_ordered: false } })).statusCode));
    await firstSeen('fresh', T0 - 2 * D);
    ok(await attribute(cid, 'fresh', c), 201);
    ok(await attribute(cid, 'never-seen', c), 201);
    // Invited in one campaign: not new for another (the default rule).
    const other = await campaign();
    const e2 = expectError(await attribute(other.cid, 'fresh', await code(other.cid, 'someone')), 409, 'referral.invitee_not_new');
    assert.deepEqual([(e2.details as { reason: string }).reason, (e2.details as { other_campaign_id: string }).other_campaign_id], ['previously_referred', cid]);
    // A campaign may drop the rule.
    const lax = await campaign({ new_user: { no_prior_referral: false, first_seen_within_days: null } });
    ok(await attribute(lax.cid, 'fresh', await code(lax.cid, 'someone')), 201);
    ok(await attribute(lax.cid, 'old-timer', await code(lax.cid, 'someone')), 201);
    // Bad rules name the field.
    findIssue(expectError(await a.post('/v1/campaigns', { kind: 'referral', name: 'x', starts_at: iso(T0), ends_at: iso(T0 + D), settings: { qualifying_event: 'x', new_user: { first_seen_within_days: -1 } } }), 400, 'validation_failed'), 'body.settings.new_user.first_seen_within_days');
    findIssue(expectError(await a.post('/v1/campaigns', { kind: 'referral', name: 'x', starts_at: iso(T0), ends_at: iso(T0 + D), settings: { qualifying_event: 'x', inviter_reward: { points: 100 } } }), 400, 'validation_failed'), 'body.settings.inviter_reward.points');
  });

  it('rewards only inside the attribution window, and the inviter only up to the cap', async () => {
    const { cid, event } = await campaign({ attribution_window_days: 7, max_rewards_per_inviter: 1 });
    const c = await code(cid, 'star');
    for (const u of ['i1', 'i2', 'i3']) ok(await attribute(cid, u, c), 201);
    await track('i1', event);
    await track('i2', event);
    clock.t = T0 + 8 * D;
    try {
      await track('i3', event);
      const byInvitee = Object.fromEntries((await referrals(cid)).map((r) => [r.invitee_user_id, [r.status, r.inviter_rewarded]]));
      assert.deepEqual(byInvitee, { i1: ['rewarded', true], i2: ['rewarded', false], i3: ['attributed', null] });
      const rep = ok<{ participants: number; successes: number }>(await a.get(`/v1/campaigns/${cid}/report`));
      assert.deepEqual([rep.participants, rep.successes], [4, 2]);
    } finally {
      clock.t = T0;
    }
  });

  it('stops rewarding when the budget is spent', async () => {
    const { cid, event } = await campaign({ reward_cost: 500 }, { budget: 500 });
    const c = await code(cid, 'p');
    ok(await attribute(cid, 'q1', c), 201);
    ok(await attribute(cid, 'q2', c), 201);
    await track('q1', event);
    await track('q2', event);
    const st = Object.fromEntries((await referrals(cid)).map((r) => [r.invitee_user_id, r.status]));
    assert.deepEqual(st, { q1: 'rewarded', q2: 'budget_exhausted' });
    expectError(await api(t, await t.newTenant()).post(`/v1/campaigns/${cid}/referral/codes`, { user_id: 'x' }), 404, 'campaigns.not_found');
  });
});
