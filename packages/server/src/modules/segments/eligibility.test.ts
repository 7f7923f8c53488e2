// Features restricted to a segment, over HTTP on a real database: a coupon template, a lottery and
// a campaign admit the segment's members only (403 naming why), a workflow branches on membership;
// an unknown segment is refused naming the field; leaving the segment closes the door at once.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { asTenant, startTestApp, type Tenant, type TestApp } from '../../testing/app.ts';
import { expectError, findIssue } from '../../testing/http.ts';

let t: TestApp;
let A: Tenant;
let call: ReturnType<typeof asTenant>['call'];
let ok: ReturnType<typeof asTenant>['ok'];
const D = 86_400_000;
let vip: string;

before(async () => {
  t = await startTestApp();
  A = await t.newTenant('segment-eligibility');
  ({ call, ok } = asTenant(t, A));
  await ok('PUT', '/v1/points/types/coins', { name: '金币' });
  for (const [u, tier] of [['v1', 'vip'], ['v2', 'vip'], ['n1', 'normal']] as const) await ok('POST', `/v1/users/${u}`, { traits: { tier } });
  vip = (await ok('POST', '/v1/segments', { name: 'VIP', rules: { all: [{ kind: 'traits', conditions: { tier: 'vip' } }] } })).id;
  await t.services.bus.drain();
  const members = (await ok('GET', `/v1/segments/${vip}/members`)).data.map((m: { user_id: string }) => m.user_id).sort();
  assert.deepEqual(members, ['v1', 'v2']);
});
after(() => t.close());

describe('features restricted to a segment', () => {
  it('refuse an unknown segment naming the field', async () => {
    const coupon = { name: 'VIP 券', kind: 'fixed', amount: 500, valid_days: 7, segment: 'seg_nope' };
    findIssue(expectError(await call('POST', '/v1/coupon-templates', coupon), 400, 'validation_failed'), 'body.segment');
    const lottery = { name: '抽奖', segment: 'seg_nope', prizes: [{ name: '谢谢', kind: 'none', weight: 1 }] };
    findIssue(expectError(await call('POST', '/v1/lotteries', lottery), 400, 'validation_failed'), 'body.segment');
    const campaign = { kind: 'crowdfunding', name: 'x', starts_at: new Date().toISOString(), ends_at: new Date(Date.now() + D).toISOString(), segment: 'seg_nope', settings: { goal_type: 'backers', goal: 1, tiers: [{ id: 'std', name: 's', amount: 1 }] } };
    findIssue(expectError(await call('POST', '/v1/campaigns', campaign), 400, 'validation_failed'), 'body.segment');
  });

  it('a coupon template: members claim and are issued, others are refused; leaving the segment closes it', async () => {
    const tpl = await ok('POST', '/v1/coupon-templates', { name: 'VIP 券', kind: 'fixed', amount: 500, valid_days: 7, segment: vip, per_user_limit: 5 });
    assert.equal(tpl.segment, vip);
    assert.equal((await call('POST', `/v1/coupon-templates/${tpl.id}/claim`, { user_id: 'v1' })).statusCode, 201);
    expectError(await call('POST', `/v1/coupon-templates/${tpl.id}/claim`, { user_id: 'n1' }), 403, 'coupons.not_eligible');
    const issued = await ok('POST', `/v1/coupon-templates/${tpl.id}/issue`, { user_ids: ['v2', 'n1'] });
    assert.deepEqual(issued.results.map((r: { user_id: string; error: string | null }) => [r.user_id, r.error]), [['v2', null], ['n1', 'coupons.not_eligible']]);
    // v1 leaves the segment: the next claim is refused.
    await ok('POST', '/v1/users/v1', { traits: { tier: 'normal' } });
    await t.services.bus.drain();
    expectError(await call('POST', `/v1/coupon-templates/${tpl.id}/claim`, { user_id: 'v1' }), 403, 'coupons.not_eligible');
    await ok('POST', '/v1/users/v1', { traits: { tier: 'vip' } });
    await t.services.bus.drain();
    // Lifting the restriction opens it to all.
    assert.equal((await ok('PATCH', `/v1/coupon-templates/${tpl.id}`, { segment: null })).segment, null);
    assert.equal((await call('POST', `/v1/coupon-templates/${tpl.id}/claim`, { user_id: 'n1' })).statusCode, 201);
  });

  it('a lottery: members draw, others are refused before any cost', async () => {
    const l = await ok('POST', '/v1/lotteries', { name: 'VIP 抽奖', segment: vip, cost_type: 'coins', cost: 0, prizes: [{ name: '谢谢参与', kind: 'none', weight: 1 }] });
    const id = l.lottery?.id ?? l.id;
    assert.equal((await call('POST', `/v1/users/v2/lotteries/${id}/draws`, {})).statusCode, 201);
    expectError(await call('POST', `/v1/users/n1/lotteries/${id}/draws`, {}), 403, 'lottery.not_eligible');
  });

  it('a campaign: members take part, others are refused', async () => {
    const c = await ok('POST', '/v1/campaigns', {
      kind: 'crowdfunding',
      name: 'VIP 众筹',
      starts_at: new Date(Date.now() - 60_000).toISOString(),
      ends_at: new Date(Date.now() + 30 * D).toISOString(),
      segment: vip,
      settings: { goal_type: 'backers', goal: 10, tiers: [{ id: 'std', name: '标准', amount: 100 }] },
    });
    assert.equal(c.segment, vip);
    await ok('POST', `/v1/campaigns/${c.id}/schedule`);
    const pledge = (u: string) => call('POST', `/v1/campaigns/${c.id}/crowdfunding/pledges`, { user_id: u, tier_id: 'std', order_ref: `o-${u}` });
    assert.equal((await pledge('v1')).statusCode, 201);
    expectError(await pledge('n1'), 403, 'campaigns.not_eligible');
  });

  it('a workflow branches on membership', async () => {
    findIssue(
      expectError(await call('POST', '/v1/automation/workflows', { name: 'x', trigger: { event: 'x.y' }, steps: [{ id: 'b', type: 'branch', condition: { segment: { id: 'seg_nope' } }, then: 'end', else: 'end' }] }), 400, 'validation_failed'),
      'body.steps.0.condition.segment.id',
    );
    await ok('POST', '/v1/automation/workflows', {
      name: 'VIP bonus',
      active: true,
      trigger: { event: 'shop.visited' },
      steps: [
        { id: 'vip', type: 'branch', condition: { segment: { id: vip } }, then: 'bonus', else: 'small' },
        { id: 'bonus', type: 'grant_points', points_type: 'coins', amount: 50, next: 'end' },
        { id: 'small', type: 'grant_points', points_type: 'coins', amount: 1, next: 'end' },
      ],
    });
    await ok('POST', '/v1/events', { events: ['v2', 'n1'].map((u) => ({ event_id: `visit-${u}`, user_id: u, name: 'shop.visited' })) });
    const balance = async (u: string) => (await ok('GET', `/v1/users/${u}/points/coins`)).balance as number;
    const until = Date.now() + 60_000;
    while ((await balance('v2')) !== 50 || (await balance('n1')) !== 1) {
      if (Date.now() > until) assert.fail(`workflow not settled: v2 ${await balance('v2')}, n1 ${await balance('n1')}`);
      await t.services.bus.drain();
      await t.services.automation.tick();
    }
  });
});

describe('ids that name a segment or an experiment', () => {
  it('refuse NUL and lone surrogates with a 400 naming the field, never a 500', async () => {
    const D2 = 86_400_000;
    const bad = ['a\u0000b', 'x\ud800'];
    for (const v of bad) {
      const cases: [string, string, object, string][] = [
        ['POST', '/v1/coupon-templates', { name: 'x', kind: 'fixed', amount: 1, valid_days: 1, segment: v }, 'body.segment'],
        ['POST', '/v1/lotteries', { name: 'x', segment: v, prizes: [{ name: 'n', kind: 'none', weight: 1 }] }, 'body.segment'],
        ['POST', '/v1/campaigns', { kind: 'crowdfunding', name: 'x', starts_at: new Date().toISOString(), ends_at: new Date(Date.now() + D2).toISOString(), segment: v, settings: { goal_type: 'backers', goal: 1, tiers: [{ id: 's', name: 's', amount: 1 }] } }, 'body.segment'],
        ['POST', '/v1/campaigns', { kind: 'crowdfunding', name: 'x', starts_at: new Date().toISOString(), ends_at: new Date(Date.now() + D2).toISOString(), experiment: v, settings: { goal_type: 'backers', goal: 1, tiers: [{ id: 's', name: 's', amount: 1 }] } }, 'body.experiment'],
        ['POST', '/v1/points/rules', { name: 'x', event: 'e', type: 'coins', amount: 1, experiment: { id: v } }, 'body.experiment.id'],
        ['POST', '/v1/messaging/sends', { to: { user_ids: ['v1'] }, content: { 'zh-CN': { title: 't', body: 'b' }, en: { title: 't', body: 'b' } }, category: 'activity', experiment: { id: v } }, 'body.experiment.id'],
        ['POST', '/v1/automation/workflows', { name: 'x', trigger: { event: 'x.y' }, steps: [{ id: 'b', type: 'branch', condition: { segment: { id: v } }, then: 'end', else: 'end' }] }, 'body.steps.0.condition.segment.id'],
        ['POST', '/v1/automation/workflows', { name: 'x', trigger: { event: 'x.y' }, steps: [{ id: 'e', type: 'experiment', experiment: v, paths: { control: 'end' } }] }, 'body.steps.0.experiment'],
      ];
      for (const [method, url, body, field] of cases) {
        const r = await call(method as 'POST', url, body);
        findIssue(expectError(r, 400, 'validation_failed'), field);
      }
    }
  });
});
