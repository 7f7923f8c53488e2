// Features inside an experiment, over HTTP on a real database: an earn rule grants each arm its
// own amount only while the experiment runs and never to the holdout, exactly once per event even
// when the events race; a send inside an experiment reaches no holdout user and gives each arm its
// content; a workflow branches by arm and stops for the holdout.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { asTenant, startTestApp, type Tenant, type TestApp } from '../../testing/app.ts';
import { expectError, findIssue } from '../../testing/http.ts';

let t: TestApp;
let A: Tenant;
let call: ReturnType<typeof asTenant>['call'];
let ok: ReturnType<typeof asTenant>['ok'];
const users = Array.from({ length: 120 }, (_, i) => `fx${i}`);
const armsOf = async (exp: string) => {
  const m = new Map<string, string>();
  for (const u of users) m.set(u, (await ok('GET', `/v1/experiments/${exp}/assignments/${u}`)).variant);
  return m;
};
const newExperiment = (key: string) =>
  ok('POST', '/v1/experiments', { key, name: key, variants: [{ key: 'control' }, { key: 'double' }], holdout_percent: 20, goal: { kind: 'conversion', event: 'order.paid' } });

before(async () => {
  t = await startTestApp();
  A = await t.newTenant('experiment-features');
  ({ call, ok } = asTenant(t, A));
  await ok('PUT', '/v1/points/types/coins', { name: '金币' });
});
after(() => t.close());

describe('an earn rule inside an experiment', () => {
  it('refuses an unknown experiment or an amount for an arm it does not have, naming the field', async () => {
    await newExperiment('rule-check');
    const base = { name: 'Share', event: 'video.shared', type: 'coins', amount: 10 };
    findIssue(expectError(await call('POST', '/v1/points/rules', { ...base, experiment: { id: 'nope' } }), 400, 'validation_failed'), 'body.experiment.id');
    findIssue(expectError(await call('POST', '/v1/points/rules', { ...base, experiment: { id: 'rule-check', amounts: { holdout: 5 } } }), 400, 'validation_failed'), 'body.experiment.amounts');
    findIssue(expectError(await call('POST', '/v1/points/rules', { ...base, experiment: { id: 'rule-check', amounts: { double: 0 } } }), 400, 'validation_failed'), 'body.experiment.amounts.double');
  });

  it('grants nothing while the experiment is a draft; then each arm its amount, the holdout nothing, once per event under races', async () => {
    const exp = await newExperiment('share-reward');
    const rule = await ok('POST', '/v1/points/rules', { name: 'Share', event: 'video.shared', type: 'coins', amount: 10, experiment: { id: 'share-reward', amounts: { double: 20 } } });
    assert.deepEqual(rule.experiment, { id: exp.id, amounts: { double: 20 } });
    await ok('POST', '/v1/events', { events: users.map((u) => ({ event_id: `draft-${u}`, user_id: u, name: 'video.shared' })) });
    await t.services.bus.drain();
    const balance = async (u: string) => (await ok('GET', `/v1/users/${u}/points/coins`)).balance as number;
    assert.equal(await balance('fx0'), 0, 'a draft experiment grants nothing');
    assert.equal((await ok('GET', `/v1/experiments/${exp.id}/report`)).arms.reduce((s: number, a: { users: number }) => s + a.users, 0), 0, 'nobody was exposed');

    await ok('POST', `/v1/experiments/${exp.id}/start`);
    // The same events sent three times at once: each grants once.
    const batch = { events: users.map((u) => ({ event_id: `run-${u}`, user_id: u, name: 'video.shared' })) };
    await Promise.all([0, 1, 2].map(() => ok('POST', '/v1/events', batch)));
    await t.services.bus.drain();
    const arms = await armsOf(exp.id);
    const want = { control: 10, double: 20, holdout: 0 } as Record<string, number>;
    const seen = new Set<string>();
    for (const u of users) {
      const arm = arms.get(u)!;
      seen.add(arm);
      assert.equal(await balance(u), want[arm], `${u} in ${arm}`);
    }
    assert.deepEqual([...seen].sort(), ['control', 'double', 'holdout']);
    // Everyone who triggered the rule is recorded in their arm (the holdout as the baseline), once.
    const report = await ok('GET', `/v1/experiments/${exp.id}/report`);
    for (const a of report.arms) assert.equal(a.users, [...arms.values()].filter((v) => v === a.arm).length, a.arm);
    const logged = await t.database.pool.query(`select count(*)::int as n from ev_log where app_id = $1 and name = 'experiment.exposed' and payload->>'experimentId' = $2`, [A.appId, exp.id]);
    assert.equal(logged.rows[0].n, users.length);
    const holdoutEntries = await t.database.pool.query(`select count(*)::int as n from pt_entries where app_id = $1 and rule_id = $2 and user_id = any($3)`, [A.appId, rule.id, users.filter((u) => arms.get(u) === 'holdout')]);
    assert.equal(holdoutEntries.rows[0].n, 0, 'no ledger entry for a holdout user');

    // Stopped: the rule grants nothing more; taken out of the experiment it grants its amount to all.
    await ok('POST', `/v1/experiments/${exp.id}/stop`);
    await ok('POST', '/v1/events', { events: [{ event_id: 'after-stop', user_id: 'fx0', name: 'video.shared' }] });
    await t.services.bus.drain();
    assert.equal(await balance('fx0'), want[arms.get('fx0')!]);
    findIssue(expectError(await call('PATCH', `/v1/points/rules/${rule.id}`, { experiment: { id: exp.id } }), 400, 'validation_failed'), 'body.experiment.id');
    assert.equal((await ok('PATCH', `/v1/points/rules/${rule.id}`, { experiment: null })).experiment, null);
    await new Promise((r) => setImmediate(r));
    await ok('POST', '/v1/events', { events: [{ event_id: 'rolled-out', user_id: 'fx0', name: 'video.shared' }] });
    await t.services.bus.drain();
    assert.equal(await balance('fx0'), want[arms.get('fx0')!]! + 10);
  });
});

describe('a send inside an experiment', () => {
  const content = (title: string) => ({ 'zh-CN': { title, body: '正文' }, en: { title, body: 'Body' } });
  const inbox = async (sendId: string) =>
    new Map((await t.database.pool.query(`select user_id, title from ms_messages where app_id = $1 and send_id = $2`, [A.appId, sendId])).rows.map((r) => [r.user_id as string, r.title as string]));

  it('refuses a draft experiment or content for an arm it does not have, naming the field', async () => {
    await newExperiment('msg-check');
    const base = { to: { user_ids: ['fx0'] }, content: content('Hi'), category: 'activity' };
    findIssue(expectError(await call('POST', '/v1/messaging/sends', { ...base, experiment: { id: 'msg-check' } }), 400, 'validation_failed'), 'body.experiment.id');
    await ok('POST', '/v1/experiments/msg-check/start');
    findIssue(expectError(await call('POST', '/v1/messaging/sends', { ...base, experiment: { id: 'msg-check', content: { holdout: content('x') } } }), 400, 'validation_failed'), 'body.experiment.content.holdout');
    findIssue(expectError(await call('POST', '/v1/messaging/sends', { ...base, experiment: { id: 'nope' } }), 400, 'validation_failed'), 'body.experiment.id');
  });

  for (const how of ['named users', 'an audience'] as const) {
    it(`to ${how}: the holdout gets nothing, each arm its content, everyone recorded once in their arm`, async () => {
      const key = how === 'named users' ? 'msg-direct' : 'msg-audience';
      const exp = await newExperiment(key);
      await ok('POST', `/v1/experiments/${exp.id}/start`);
      const to = how === 'named users' ? { user_ids: users } : { audience: { traits: { cohort: 'fx' } } };
      if (how === 'an audience') for (const u of users) await ok('POST', `/v1/users/${u}`, { traits: { cohort: 'fx' } });
      const r = await ok('POST', '/v1/messaging/sends', { to, content: content('默认'), category: 'activity', experiment: { id: key, content: { double: content('翻倍') } } });
      await t.services.messaging.idle();
      const send = await ok('GET', `/v1/messaging/sends/${r.id}`);
      const arms = await armsOf(exp.id);
      const holdout = users.filter((u) => arms.get(u) === 'holdout');
      assert.ok(holdout.length > 0);
      assert.equal(send.experiment, exp.id);
      assert.equal(send.counts.held_out, holdout.length);
      assert.equal(send.counts.targeted, users.length - holdout.length);
      const got = await inbox(send.id);
      for (const u of users) assert.equal(got.get(u), { holdout: undefined, control: '默认', double: '翻倍' }[arms.get(u)!], `${u} in ${arms.get(u)}`);
      const report = await ok('GET', `/v1/experiments/${exp.id}/report`);
      for (const a of report.arms) assert.equal(a.users, [...arms.values()].filter((v) => v === a.arm).length, a.arm);
    });
  }
});

describe('a workflow step inside an experiment', () => {
  const wfUsers = Array.from({ length: 60 }, (_, i) => `wf${i}`);
  const settleUntil = async (cond: () => Promise<boolean>, what: string) => {
    const until = Date.now() + 60_000;
    for (;;) {
      await t.services.bus.drain();
      await t.services.automation.tick();
      await t.services.bus.drain();
      if (await cond()) return;
      if (Date.now() > until) assert.fail(`not settled after a minute: ${what}`);
    }
  };
  const balance = async (u: string) => (await ok('GET', `/v1/users/${u}/points/coins`)).balance as number;
  const workflow = (exp: string, paths: Record<string, string>, trigger: string) => ({
    name: `AB ${exp}`,
    active: true,
    trigger: { event: trigger },
    steps: [
      { id: 'ab', type: 'experiment', experiment: exp, paths },
      { id: 'a', type: 'grant_points', points_type: 'coins', amount: 1, next: 'end' },
      { id: 'b', type: 'grant_points', points_type: 'coins', amount: 2, next: 'end' },
    ],
  });

  it('refuses a path for an arm the experiment lacks, a missing arm, or an unknown experiment, naming the field', async () => {
    await newExperiment('wf-check');
    findIssue(expectError(await call('POST', '/v1/automation/workflows', workflow('wf-check', { control: 'a' }, 'x.y')), 400, 'validation_failed'), 'body.steps.0.paths');
    findIssue(expectError(await call('POST', '/v1/automation/workflows', workflow('wf-check', { control: 'a', double: 'b', treble: 'b' }, 'x.y')), 400, 'validation_failed'), 'body.steps.0.paths');
    findIssue(expectError(await call('POST', '/v1/automation/workflows', workflow('nope', { control: 'a', double: 'b' }, 'x.y')), 400, 'validation_failed'), 'body.steps.0.experiment');
    findIssue(expectError(await call('POST', '/v1/automation/workflows', workflow('wf-check', { control: 'a', double: 'nowhere' }, 'x.y')), 400, 'validation_failed'), 'body.steps.0.paths.double');
  });

  it('each user follows their arm, the holdout leaves with nothing; a draft experiment sends everyone the control way, unrecorded', async () => {
    const exp = await newExperiment('wf-ab');
    const wf = await ok('POST', '/v1/automation/workflows', workflow('wf-ab', { control: 'a', double: 'b' }, 'wf.entered'));
    // Draft: the control path for all, nobody recorded.
    await ok('POST', '/v1/events', { events: [{ event_id: 'draft-wf', user_id: 'wf-draft', name: 'wf.entered' }] });
    await settleUntil(async () => (await balance('wf-draft')) === 1, 'the draft run takes the control path');
    assert.equal((await t.database.pool.query(`select count(*)::int as n from ex_assignments where experiment_id = $1`, [exp.id])).rows[0].n, 0);

    await ok('POST', `/v1/experiments/${exp.id}/start`);
    await ok('POST', '/v1/events', { events: wfUsers.map((u) => ({ event_id: `wf-${u}`, user_id: u, name: 'wf.entered' })) });
    const arms = new Map<string, string>();
    for (const u of wfUsers) arms.set(u, (await ok('GET', `/v1/experiments/${exp.id}/assignments/${u}`)).variant);
    const want = { control: 1, double: 2, holdout: 0 } as Record<string, number>;
    await settleUntil(async () => (await ok('GET', `/v1/automation/workflows/${wf.id}/stats`)).entered === wfUsers.length + 1, 'every user entered');
    await settleUntil(async () => {
      for (const u of wfUsers) if ((await balance(u)) !== want[arms.get(u)!]) return false;
      return true;
    }, 'each arm paid its amount');
    const report = await ok('GET', `/v1/experiments/${exp.id}/report`);
    for (const a of report.arms) assert.equal(a.users, [...arms.values()].filter((v) => v === a.arm).length, a.arm);
    const stats = await ok('GET', `/v1/automation/workflows/${wf.id}/stats`);
    assert.equal(stats.holdout, [...arms.values()].filter((v) => v === 'holdout').length);
  });
});

describe('a campaign inside an experiment', () => {
  const D = 86_400_000;
  const pledge = (cid: string, u: string, ref = `pl-${u}`) => call('POST', `/v1/campaigns/${cid}/crowdfunding/pledges`, { user_id: u, tier_id: 'std', order_ref: ref });
  const crowdfunding = async (experiment?: string) => {
    const c = await ok('POST', '/v1/campaigns', {
      kind: 'crowdfunding',
      name: '台灯众筹',
      starts_at: new Date(Date.now() - 60_000).toISOString(),
      ends_at: new Date(Date.now() + 30 * D).toISOString(),
      settings: { goal_type: 'backers', goal: 1000, tiers: [{ id: 'std', name: '标准', amount: 100 }] },
      ...(experiment ? { experiment } : {}),
    });
    await ok('POST', `/v1/campaigns/${c.id}/schedule`);
    return c;
  };

  it('refuses an unknown experiment naming the field', async () => {
    findIssue(
      expectError(await call('POST', '/v1/campaigns', { kind: 'crowdfunding', name: 'x', starts_at: new Date().toISOString(), ends_at: new Date(Date.now() + D).toISOString(), experiment: 'nope', settings: { goal_type: 'backers', goal: 1, tiers: [{ id: 'std', name: 's', amount: 1 }] } }), 400, 'validation_failed'),
      'body.experiment',
    );
  });

  it('refuses the holdout, records every participant in their arm once under races, and lets everyone in while the experiment is a draft', async () => {
    const exp = await newExperiment('cf-ab');
    const c = await crowdfunding('cf-ab');
    assert.equal(c.experiment, exp.id);
    // Draft experiment: everyone may pledge, nobody is recorded.
    assert.equal((await pledge(c.id, users[0]!, 'draft')).statusCode, 201);
    assert.equal((await t.database.pool.query(`select count(*)::int as n from ex_assignments where experiment_id = $1`, [exp.id])).rows[0].n, 0);

    await ok('POST', `/v1/experiments/${exp.id}/start`);
    const arms = await armsOf(exp.id);
    const cf = users.slice(1, 61);
    // Each user pledges twice at once (two order refs): both land for arms, both are refused for the holdout.
    const rs = await Promise.all(cf.flatMap((u) => [pledge(c.id, u, `a-${u}`), pledge(c.id, u, `b-${u}`)]));
    cf.forEach((u, i) => {
      for (const r of [rs[2 * i]!, rs[2 * i + 1]!]) {
        if (arms.get(u) === 'holdout') expectError(r, 403, 'campaigns.held_out');
        else assert.equal(r.statusCode, 201, `${u}: ${r.body}`);
      }
    });
    const recorded = await t.database.pool.query(`select user_id, variant from ex_assignments where experiment_id = $1`, [exp.id]);
    assert.equal(recorded.rows.length, cf.filter((u) => arms.get(u) !== 'holdout').length, 'every participant recorded once (the host records the holdout through exposures)');
    for (const r of recorded.rows) assert.equal(r.variant, arms.get(r.user_id));
    const progress = await ok('GET', `/v1/campaigns/${c.id}/crowdfunding`);
    assert.equal(progress.backers, 1 + cf.filter((u) => arms.get(u) !== 'holdout').length);
  });
});
