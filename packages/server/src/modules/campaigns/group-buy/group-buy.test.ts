// Group buying: open → share → join → confirm → succeed; failure and auto-fill at the deadline on
// a controllable clock; one open team per user; bad joins; last-seat and last-payment races.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bearer, startTestApp, type Tenant, type TestApp } from '../../../testing/app.ts';
import { expectError, findIssue } from '../../../testing/http.ts';
import { allowReceivers, startReceiver, type Receiver } from '../../../testing/receiver.ts';
import { api, iso, ok, testClock } from '../test-helpers.ts';

const clock = testClock('2030-09-01T00:00:00Z');
const T0 = clock.t;
const H = 3600_000;

let t: TestApp;
let tenant: Tenant;
let a: ReturnType<typeof api>;
let rx: Receiver;

before(async () => {
  t = await startTestApp({ clock, config: allowReceivers });
  tenant = await t.newTenant();
  a = api(t, tenant);
  rx = await startReceiver();
  ok(await a.post('/v1/webhooks/endpoints', { url: rx.url, event_types: ['group_buy.*'] }), 201);
});
after(async () => {
  await rx.close();
  await t.close();
});

type Team = { id: string; share_code: string; status: string; size: number; member_count: number; confirmed_count: number; auto_filled: number; expires_at: string; members: { user_id: string; status: string; order_ref: string | null }[] };

async function campaign(settings: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  const c = await a.campaign({ kind: 'group_buy', name: '3人团', starts_at: iso(clock.t), ends_at: iso(clock.t + 7 * 24 * H), settings: { product_id: 'durian', original_price: 9900, group_price: 5900, team_size: 3, team_ttl_seconds: 24 * 3600, ...settings }, ...extra });
  ok(await a.post(`/v1/campaigns/${c.id}/schedule`));
  return c.id;
}
const open = (campaignId: string, userId: string) => a.post(`/v1/campaigns/${campaignId}/group-buy/teams`, { user_id: userId });
const join = (code: string, userId: string) => a.post('/v1/group-buy/join', { share_code: code, user_id: userId });
const confirm = (teamId: string, userId: string, orderRef = `order-${userId}`) => a.post(`/v1/group-buy/teams/${teamId}/members/${encodeURIComponent(userId)}/confirm`, { order_ref: orderRef });
const hooks = (teamId: string) => rx.received.map((r) => JSON.parse(r.body) as { type: string; data: { team_id: string; members: { user_id: string; order_ref: string | null }[]; auto_filled?: number } }).filter((h) => h.data.team_id === teamId && (h.type === 'group_buy.team.succeeded' || h.type === 'group_buy.team.failed')); // the team's outcome (every other group_buy.* domain event is delivered too)

describe('a team', () => {
  it('validates the settings of a group-buy campaign', async () => {
    const err = expectError(await a.post('/v1/campaigns', { kind: 'group_buy', name: 'x', starts_at: iso(T0), ends_at: iso(T0 + H), settings: { product_id: 'p', original_price: 100, group_price: 200, team_size: 1 } }), 400, 'validation_failed');
    findIssue(err, 'body.settings.team_size');
    findIssue(err, 'body.settings.group_price');
    const e2 = expectError(await a.post('/v1/campaigns', { kind: 'flash_sale', name: 'x', starts_at: iso(T0), ends_at: iso(T0 + H), settings: { team_size: 3 } }), 400, 'validation_failed');
    findIssue(e2, 'body.settings.team_size');
  });

  it('opens, is joined by share code, and succeeds when 3 members have paid — announced once', async () => {
    const cid = await campaign();
    const team = ok<Team>(await open(cid, 'leader'), 201);
    assert.deepEqual([team.status, team.member_count, team.size, team.expires_at], ['open', 1, 3, iso(clock.t + 24 * H)]);
    const shared = ok<Team>(await a.get(`/v1/group-buy/share/${team.share_code}`));
    assert.equal(shared.id, team.id);
    ok(await join(team.share_code, 'friend-1'));
    const full = ok<Team>(await join(team.share_code, 'friend-2'));
    assert.equal(full.member_count, 3);
    expectError(await join(team.share_code, 'friend-3'), 409, 'group_buy.team_full');
    for (const u of ['leader', 'friend-1']) assert.equal(ok<Team>(await confirm(team.id, u)).status, 'open');
    const done = ok<Team>(await confirm(team.id, 'friend-2'));
    assert.deepEqual([done.status, done.confirmed_count], ['succeeded', 3]);
    assert.equal(ok<Team>(await confirm(team.id, 'friend-2')).status, 'succeeded', 'confirming again with the same order is harmless');
    expectError(await confirm(team.id, 'friend-2', 'other-order'), 409, 'group_buy.member_closed');
    await t.services.webhooks.idle();
    const h = hooks(team.id);
    assert.deepEqual(h.map((x) => x.type), ['group_buy.team.succeeded']);
    assert.deepEqual(h[0]!.data.members.map((m) => m.order_ref).sort(), ['order-friend-1', 'order-friend-2', 'order-leader']);
    expectError(await join(team.share_code, 'late'), 409, 'group_buy.team_closed');
    const rep = ok<{ participants: number; successes: number; cost: number }>(await a.get(`/v1/campaigns/${cid}/report`));
    assert.deepEqual([rep.participants, rep.successes, rep.cost], [3, 3, 3 * 4000]);
  });

  it('refuses joining one’s own team twice, a second open team, foreign apps and unknown codes', async () => {
    const cid = await campaign();
    const team = ok<Team>(await open(cid, 'solo'), 201);
    expectError(await join(team.share_code, 'solo'), 409, 'group_buy.already_member');
    ok(await join(team.share_code, 'pal'));
    expectError(await join(team.share_code, 'pal'), 409, 'group_buy.already_member');
    expectError(await open(cid, 'solo'), 409, 'group_buy.open_team_exists');
    expectError(await join('NOPE', 'x'), 404, 'group_buy.team_not_found');
    const other = api(t, await t.newTenant());
    expectError(await other.post('/v1/group-buy/join', { share_code: team.share_code, user_id: 'x' }), 404, 'group_buy.team_not_found');
    expectError(await other.get(`/v1/group-buy/teams/${team.id}`), 404, 'group_buy.team_not_found');
    expectError(await other.post(`/v1/campaigns/${cid}/group-buy/teams`, { user_id: 'x' }), 404, 'campaigns.not_found');
    // Configured otherwise, a user may lead several open teams.
    const many = await campaign({ one_open_team_per_user: false });
    ok(await open(many, 'busy'), 201);
    ok(await open(many, 'busy'), 201);
    // A flash-sale campaign is not a group buy.
    const fs = await a.campaign({ kind: 'flash_sale', name: 'fs', starts_at: iso(T0), ends_at: iso(T0 + H) });
    expectError(await open(fs.id, 'x'), 409, 'campaigns.wrong_kind');
  });

  it('lets a member who has not paid leave, freeing the seat; a user token acts only for itself', async () => {
    const cid = await campaign();
    const team = ok<Team>(await open(cid, 'l'), 201);
    ok(await join(team.share_code, 'm1'));
    ok(await join(team.share_code, 'm2'));
    const tok = await t.userToken(tenant, 'm2');
    const h = { ...bearer(tenant.publishableKey), 'x-user-token': tok };
    expectError(await t.inject({ method: 'POST', url: `/v1/group-buy/teams/${team.id}/members/m1/leave`, headers: h }), 403, 'auth.wrong_user');
    const after = ok<Team>(await t.inject({ method: 'POST', url: `/v1/group-buy/teams/${team.id}/members/m2/leave`, headers: h }));
    assert.equal(after.member_count, 2);
    ok(await join(team.share_code, 'm3'));
    ok(await confirm(team.id, 'm1'));
    expectError(await a.post(`/v1/group-buy/teams/${team.id}/members/m1/leave`), 409, 'group_buy.member_closed');
    expectError(await confirm(team.id, 'stranger'), 404, 'group_buy.member_not_found');
  });
});

describe('the leader leaving', () => {
  it('is refused while others are in the team; alone, it dissolves the team and frees the leader to open another', async () => {
    const cid = await campaign({}, { budget: 4000 * 3 });
    const team = ok<Team>(await open(cid, 'boss'), 201);
    ok(await join(team.share_code, 'f1'));
    const refused = expectError(await a.post(`/v1/group-buy/teams/${team.id}/members/boss/leave`), 409, 'group_buy.leader_cannot_leave');
    assert.equal(refused.details?.member_count, 2);
    ok(await a.post(`/v1/group-buy/teams/${team.id}/members/f1/leave`));
    const left = ok<Team>(await a.post(`/v1/group-buy/teams/${team.id}/members/boss/leave`));
    assert.equal(left.status, 'failed');
    assert.ok(left.members.every((m) => m.status !== 'joined'));
    expectError(await join(team.share_code, 'f2'), 409, 'group_buy.team_closed');
    await t.services.webhooks.idle();
    const failed = hooks(team.id).filter((h) => h.type === 'group_buy.team.failed');
    assert.deepEqual(failed.map((h) => (h.data as unknown as { reason: string }).reason), ['leader_left']);
    // The budget committed for the team is back and the leader may open another.
    assert.equal(ok<{ committed: number }>(await a.get(`/v1/campaigns/${cid}`)).committed, 0);
    const next = ok<Team>(await open(cid, 'boss'), 201);
    // The last join and the leader leaving race: either the join wins (the leader is refused) or
    // the team is dissolved first (the join finds it closed); never an open team without its leader.
    const [out, joined] = await Promise.all([a.post(`/v1/group-buy/teams/${next.id}/members/boss/leave`), join(next.share_code, 'f3')]);
    const after = ok<Team>(await a.get(`/v1/group-buy/teams/${next.id}`));
    if (out.statusCode === 200) assert.deepEqual([joined.statusCode, after.status], [409, 'failed']);
    else assert.deepEqual([out.json().error.code, joined.statusCode, after.status, after.member_count], ['group_buy.leader_cannot_leave', 200, 'open', 2]);
  });
});

describe('the deadline', () => {
  it('fails an incomplete team once, releases every seat and the budget, and tells the host who paid', async () => {
    const cid = await campaign({}, { budget: 3 * 4000 });
    const team = ok<Team>(await open(cid, 'd-leader'), 201);
    expectError(await open(cid, 'd-other'), 409, 'campaigns.budget_exceeded');
    ok(await join(team.share_code, 'd-1'));
    ok(await confirm(team.id, 'd-leader'));
    const failed: string[] = [];
    const off = t.services.bus.subscribe('group_buy.team.failed', (p) => void (p.teamId === team.id && failed.push(p.reason)));
    try {
      clock.t += 24 * H - 1000;
      await t.services.campaigns.tick();
      assert.equal(ok<Team>(await a.get(`/v1/group-buy/teams/${team.id}`)).status, 'open');
      clock.t += 1000;
      expectError(await join(team.share_code, 'd-late'), 409, 'group_buy.team_closed');
      expectError(await confirm(team.id, 'd-1'), 409, 'group_buy.team_closed');
      await Promise.all([t.services.campaigns.tick(), t.services.campaigns.tick(), t.services.campaigns.tick()]);
      await t.services.bus.drain();
      assert.deepEqual(failed, ['deadline']);
      const t2 = ok<Team>(await a.get(`/v1/group-buy/teams/${team.id}`));
      assert.equal(t2.status, 'failed');
      assert.deepEqual(t2.members.map((m) => m.status), ['released', 'released']);
      await t.services.webhooks.idle();
      const h = hooks(team.id);
      assert.deepEqual(h.map((x) => x.type), ['group_buy.team.failed']);
      assert.deepEqual(Object.fromEntries(h[0]!.data.members.map((m) => [m.user_id, m.order_ref])), { 'd-leader': 'order-d-leader', 'd-1': null });
      // The budget is free again for a new team.
      ok(await open(cid, 'd-other'), 201);
    } finally {
      off();
      clock.t = T0;
    }
  });

  it('auto-fills (模拟成团) a team with a paid member when configured, releasing the unpaid', async () => {
    const cid = await campaign({ auto_fill: true, team_size: 4 });
    const team = ok<Team>(await open(cid, 'af-leader'), 201);
    ok(await join(team.share_code, 'af-unpaid'));
    ok(await confirm(team.id, 'af-leader'));
    const empty = ok<Team>(await open(cid, 'af-alone'), 201);
    try {
      clock.t += 24 * H;
      await t.services.campaigns.tick();
      const t2 = ok<Team>(await a.get(`/v1/group-buy/teams/${team.id}`));
      assert.deepEqual([t2.status, t2.auto_filled], ['succeeded', 3]);
      assert.deepEqual(Object.fromEntries(t2.members.map((m) => [m.user_id, m.status])), { 'af-leader': 'confirmed', 'af-unpaid': 'released' });
      assert.equal(ok<Team>(await a.get(`/v1/group-buy/teams/${empty.id}`)).status, 'failed', 'nobody paid: no auto-fill');
      await t.services.webhooks.idle();
      assert.deepEqual(hooks(team.id).map((x) => [x.type, x.data.auto_filled]), [['group_buy.team.succeeded', 3]]);
    } finally {
      clock.t = T0;
    }
  });

  it('fails open teams when the campaign is cancelled', async () => {
    const cid = await campaign();
    const team = ok<Team>(await open(cid, 'c-leader'), 201);
    ok(await a.post(`/v1/campaigns/${cid}/cancel`));
    assert.equal(ok<Team>(await a.get(`/v1/group-buy/teams/${team.id}`)).status, 'failed');
    expectError(await open(cid, 'c-2'), 409, 'campaigns.not_active');
  });
});

describe('races', () => {
  it('200 users racing for the last 4 seats: exactly 4 get in, the team never exceeds its size', async () => {
    const cid = await campaign({ team_size: 5 });
    const team = ok<Team>(await open(cid, 'r-leader'), 201);
    const res = await Promise.all(Array.from({ length: 200 }, (_, i) => join(team.share_code, `r-${i % 150}`)));
    const codes = res.map((r) => (r.statusCode === 200 ? 'ok' : (r.json() as { error: { code: string } }).error.code));
    assert.equal(codes.filter((c) => c === 'ok').length, 4);
    assert.ok(codes.every((c) => c === 'ok' || c === 'group_buy.team_full' || c === 'group_buy.already_member'), [...new Set(codes)].join());
    const db = await t.database.pool.query<{ seats: number; members: number }>(`select (select member_count from cm_gb_teams where id = $1) as seats, (select count(*)::int from cm_gb_members where team_id = $1 and status = 'joined') as members`, [team.id]);
    assert.deepEqual(db.rows[0], { seats: 5, members: 5 });
    // The five pay at once: one payment completes the team, and it is announced once.
    const joined = ok<Team>(await a.get(`/v1/group-buy/teams/${team.id}`)).members.map((m) => m.user_id);
    const succeeded: string[] = [];
    const off = t.services.bus.subscribe('group_buy.team.succeeded', (p) => void (p.teamId === team.id && succeeded.push(p.teamId)));
    await Promise.all(joined.map((u) => confirm(team.id, u)));
    await t.services.bus.drain();
    off();
    assert.equal(succeeded.length, 1);
    assert.equal(ok<Team>(await a.get(`/v1/group-buy/teams/${team.id}`)).confirmed_count, 5);
  });

  it('one user opening 50 teams at once gets one', async () => {
    const cid = await campaign();
    const res = await Promise.all(Array.from({ length: 50 }, () => open(cid, 'spammer')));
    assert.equal(res.filter((r) => r.statusCode === 201).length, 1);
    assert.ok(res.every((r) => r.statusCode === 201 || (r.json() as { error: { code: string } }).error.code === 'group_buy.open_team_exists'));
  });
});
