// Referrals: codes, attribution (self-referral and loops refused), both sides rewarded once when
// the invitee's qualifying event is ingested, the attribution window, the inviter cap, budgets.
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

before(async () => {
  t = await startTestApp({ clock, config: allowReceivers });
  tenant = await t.newTenant();
  a = api(t, tenant);
  rx = await startReceiver();
  ok(await a.post('/v1/webhooks/endpoints', { url: rx.url, event_types: ['referral.*'] }), 201);
});
after(async () => {
  await rx.close();
  await t.close();
});

type Referral = { inviter_user_id: string; invitee_user_id: string; status: string; inviter_rewarded: boolean | null };
let seq = 0;
async function campaign(settings: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  const event = `order.paid.${++seq}`;
  const c = await a.campaign({ kind: 'referral', name: '邀请有礼', starts_at: iso(T0), ends_at: iso(T0 + 90 * D), settings: { qualifying_event: event, inviter_reward: { points: 100 }, invitee_reward: { coupon: 'new-user' }, ...settings }, ...extra });
  ok(await a.post(`/v1/campaigns/${c.id}/schedule`));
  return { cid: c.id, event };
}
const code = async (cid: string, user: string) => ok<{ code: string }>(await a.post(`/v1/campaigns/${cid}/referral/codes`, { user_id: user })).code;
const attribute = (cid: string, user: string, c: string) => a.post(`/v1/campaigns/${cid}/referral/attributions`, { user_id: user, code: c });
const track = async (user: string, name: string, id = `${user}-${name}-${Math.random()}`) => {
  ok(await a.post('/v1/events', { events: [{ event_id: id, user_id: user, name }] }));
  await t.services.bus.drain();
};
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

  it('rewards both sides once when the invitee does the qualifying event', async () => {
    const { cid, event } = await campaign({}, { budget: 1000 });
    const rewarded: string[] = [];
    const off = t.services.bus.subscribe('referral.rewarded', (p) => void (p.campaignId === cid && rewarded.push(`${p.inviterUserId}>${p.inviteeUserId}:${JSON.stringify(p.inviterReward)}`)));
    try {
      ok(await attribute(cid, 'newbie', await code(cid, 'host-user')), 201);
      await track('newbie', 'app.opened');
      assert.equal((await referrals(cid))[0]!.status, 'attributed');
      await Promise.all([track('newbie', event, 'e1'), track('newbie', event, 'e2'), track('newbie', event, 'e3')]);
      assert.deepEqual(rewarded, ['host-user>newbie:{"points":100}']);
      const r = (await referrals(cid, '?inviter_user_id=host-user'))[0]!;
      assert.deepEqual([r.status, r.inviter_rewarded], ['rewarded', true]);
      await t.services.webhooks.idle();
      const hooks = rx.received.map((x) => JSON.parse(x.body) as { type: string; data: { campaign_id: string; invitee_reward: unknown } }).filter((h) => h.data.campaign_id === cid && h.type !== 'referral.attributed');
      assert.deepEqual(hooks.map((h) => [h.type, h.data.invitee_reward]), [['referral.rewarded', { coupon: 'new-user' }]]);
    } finally {
      off();
    }
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
