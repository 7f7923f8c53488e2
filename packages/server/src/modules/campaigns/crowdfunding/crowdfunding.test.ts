// Crowdfunding: tiers with limits (raced), success at the deadline when the goal is reached,
// failure releasing every pledge (event + webhook each, once), withdrawal, progress.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type Tenant, type TestApp } from '../../../testing/app.ts';
import { expectError, findIssue } from '../../../testing/http.ts';
import { allowReceivers, startReceiver, type Receiver } from '../../../testing/receiver.ts';
import { api, iso, ok, testClock } from '../test-helpers.ts';

const clock = testClock('2030-12-01T00:00:00Z');
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
  ok(await a.post('/v1/webhooks/endpoints', { url: rx.url, event_types: ['crowdfunding.*'] }), 201);
});
after(async () => {
  await rx.close();
  await t.close();
});

type Pledge = { id: string; status: string; amount: number };
const tiers = [
  { id: 'early-bird', name: '早鸟', amount: 9900, limit: 5 },
  { id: 'standard', name: '标准', amount: 12_900 },
];
async function campaign(goal: Record<string, unknown>) {
  const c = await a.campaign({ kind: 'crowdfunding', name: '智能台灯众筹', starts_at: iso(clock.t), ends_at: iso(clock.t + 30 * D), settings: { tiers, ...goal } });
  ok(await a.post(`/v1/campaigns/${c.id}/schedule`));
  return c.id;
}
const pledge = (cid: string, user: string, tier: string, ref = `auth-${user}-${tier}`) => a.post(`/v1/campaigns/${cid}/crowdfunding/pledges`, { user_id: user, tier_id: tier, order_ref: ref });
const hooks = (cid: string) => rx.received.map((r) => JSON.parse(r.body) as { type: string; data: { campaign_id: string; pledge_id?: string; result?: string } }).filter((h) => h.data.campaign_id === cid && ['crowdfunding.succeeded', 'crowdfunding.failed', 'crowdfunding.pledge.released'].includes(h.type)); // the outcome webhooks (the domain events, crowdfunding.pledged…, are delivered too)

describe('crowdfunding', () => {
  it('validates tiers', async () => {
    const err = expectError(await a.post('/v1/campaigns', { kind: 'crowdfunding', name: 'x', starts_at: iso(T0), ends_at: iso(T0 + D), settings: { goal_type: 'amount', goal: 1, tiers: [tiers[0], { ...tiers[0] }] } }), 400, 'validation_failed');
    findIssue(err, 'body.settings.tiers.1.id');
  });

  it('keeps tier limits under 20 concurrent backers', async () => {
    const cid = await campaign({ goal_type: 'backers', goal: 100 });
    const res = await Promise.all(Array.from({ length: 20 }, (_, i) => pledge(cid, `b${i}`, 'early-bird')));
    assert.equal(res.filter((r) => r.statusCode === 201).length, 5);
    assert.ok(res.every((r) => r.statusCode === 201 || (r.json() as { error: { code: string } }).error.code === 'crowdfunding.tier_sold_out'));
    expectError(await pledge(cid, 'x', 'platinum'), 404, 'crowdfunding.tier_not_found');
    const p = ok<{ tiers: { id: string; taken: number }[]; backers: number }>(await a.get(`/v1/campaigns/${cid}/crowdfunding`));
    assert.equal(p.tiers.find((x) => x.id === 'early-bird')!.taken, 5);
    assert.equal(p.backers, 5);
  });

  it('succeeds at the deadline when the amount goal is reached; every pledge succeeds, announced once', async () => {
    const cid = await campaign({ goal_type: 'amount', goal: 30_000 });
    const p1 = ok<Pledge>(await pledge(cid, 'u1', 'standard'), 201);
    assert.equal(ok<Pledge>(await pledge(cid, 'u1', 'standard'), 201).id, p1.id, 'the same authorisation is recorded once');
    ok(await pledge(cid, 'u2', 'standard'), 201);
    ok(await pledge(cid, 'u3', 'early-bird'), 201);
    const withdrawn = ok<Pledge>(await pledge(cid, 'u4', 'standard'), 201);
    assert.equal(ok<Pledge>(await a.post(`/v1/crowdfunding/pledges/${withdrawn.id}/cancel`)).status, 'cancelled');
    try {
      clock.t += 30 * D;
      await Promise.all([t.services.campaigns.tick(), t.services.campaigns.tick()]);
      await t.services.webhooks.idle();
      assert.equal(ok<Pledge>(await a.get(`/v1/crowdfunding/pledges/${p1.id}`)).status, 'succeeded');
      assert.equal(ok<Pledge>(await a.get(`/v1/crowdfunding/pledges/${withdrawn.id}`)).status, 'cancelled');
      assert.deepEqual(hooks(cid).map((h) => h.type), ['crowdfunding.succeeded']);
      const prog = ok<{ result: string; pledged_amount: number }>(await a.get(`/v1/campaigns/${cid}/crowdfunding`));
      assert.deepEqual([prog.result, prog.pledged_amount], ['succeeded', 12_900 * 2 + 9900]);
      const rep = ok<{ participants: number; successes: number }>(await a.get(`/v1/campaigns/${cid}/report`));
      assert.deepEqual([rep.participants, rep.successes], [4, 3]);
    } finally {
      clock.t = T0;
    }
  });

  it('fails at the deadline below the goal and releases every pledge, each announced once', async () => {
    const cid = await campaign({ goal_type: 'backers', goal: 10 });
    const pledges = [];
    for (let i = 0; i < 3; i++) pledges.push(ok<Pledge>(await pledge(cid, `f${i}`, 'standard'), 201));
    const released: string[] = [];
    const off = t.services.bus.subscribe('crowdfunding.pledge_released', (p) => void (p.campaignId === cid && released.push(p.pledgeId)));
    try {
      clock.t += 30 * D;
      expectError(await pledge(cid, 'too-late', 'standard'), 409, 'campaigns.not_active');
      await Promise.all([t.services.campaigns.tick(), t.services.campaigns.tick(), t.services.campaigns.tick()]);
      await t.services.bus.drain();
      await t.services.webhooks.idle();
      assert.deepEqual(released.sort(), pledges.map((p) => p.id).sort());
      for (const p of pledges) assert.equal(ok<Pledge>(await a.get(`/v1/crowdfunding/pledges/${p.id}`)).status, 'released');
      const h = hooks(cid);
      assert.deepEqual(h.filter((x) => x.type === 'crowdfunding.failed').length, 1);
      assert.deepEqual(h.filter((x) => x.type === 'crowdfunding.pledge.released').map((x) => x.data.pledge_id).sort(), pledges.map((p) => p.id).sort());
      expectError(await a.post(`/v1/crowdfunding/pledges/${pledges[0]!.id}/cancel`), 409, 'crowdfunding.pledge_closed');
      expectError(await api(t, await t.newTenant()).get(`/v1/crowdfunding/pledges/${pledges[0]!.id}`), 404, 'crowdfunding.pledge_not_found');
    } finally {
      off();
      clock.t = T0;
    }
  });
});
