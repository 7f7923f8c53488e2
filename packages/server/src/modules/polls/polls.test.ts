// Polls over HTTP on a real database: exact counts under racing voters, one ballot per user,
// deadlines with a controllable clock, result visibility, anonymity, and bad input named by field.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { bearer, startTestApp, type Tenant, type TestApp } from '../../testing/app.ts';
import { expectError, findIssue } from '../../testing/http.ts';

let offsetMs = 0;
const clock = { now: () => new Date(Date.now() + offsetMs) };

let t: TestApp;
let A: Tenant;
before(async () => {
  t = await startTestApp({ clock });
  A = await t.newTenant('polls');
});
after(() => t.close());

const sk = () => bearer(A.secretKey);
const ok = (res: LightMyRequestResponse, status = 200) => {
  assert.equal(res.statusCode, status, res.body.slice(0, 500));
  return res.json();
};
type Poll = { id: string; options: { id: string; votes: number | null }[]; voters: number | null; my_vote: string[] | null; status: string; results_visible: boolean };
const createPoll = async (body: Record<string, unknown>): Promise<Poll> =>
  ok(await t.inject({ method: 'POST', url: '/v1/polls', headers: sk(), payload: { question: '你最喜欢哪个功能？', options: [{ text: '夜间模式' }, { text: 'Widgets', image_url: 'https://img.example.com/w.png' }, { text: '离线下载' }], ...body } }), 201);
const vote = (pollId: string, userId: string, optionIds: string[], headers: Record<string, string> = sk()) =>
  t.inject({ method: 'POST', url: `/v1/polls/${pollId}/votes`, headers, payload: { user_id: userId, option_ids: optionIds } });
const getPoll = async (pollId: string, query = ''): Promise<Poll> => ok(await t.inject({ method: 'GET', url: `/v1/polls/${pollId}${query}`, headers: sk() }));
/** Counts straight from the ballots, to compare with the stored counters. */
const truth = async (pollId: string) => {
  const { rows } = await t.database.pool.query<{ option_id: string; n: number }>('select option_id, count(*)::int as n from pl_choices where poll_id = $1 group by option_id', [pollId]);
  const ballots = (await t.database.pool.query<{ n: number }>('select count(*)::int as n from pl_ballots where poll_id = $1', [pollId])).rows[0]!.n;
  return { perOption: Object.fromEntries(rows.map((r) => [r.option_id, r.n])), ballots };
};

describe('polls: counts under races', () => {
  it('1,000 concurrent voters: every vote counted exactly once', async () => {
    const poll = await createPoll({});
    const ids = poll.options.map((o) => o.id);
    const res = await Promise.all(Array.from({ length: 1000 }, (_, i) => vote(poll.id, `racer-${i}`, [ids[i % 3]!])));
    assert.deepEqual(
      res.filter((r) => r.statusCode !== 200).map((r) => r.body),
      [],
    );
    const after = await getPoll(poll.id);
    assert.equal(after.voters, 1000);
    assert.deepEqual(
      after.options.map((o) => o.votes),
      [334, 333, 333],
    );
    const tr = await truth(poll.id);
    assert.equal(tr.ballots, 1000);
    for (const o of after.options) assert.equal(tr.perOption[o.id], o.votes);
  });

  it('double votes: 200 users × 5 concurrent identical votes → one ballot each', async () => {
    const poll = await createPoll({});
    const ids = poll.options.map((o) => o.id);
    const reqs = [];
    for (let rep = 0; rep < 5; rep++) for (let u = 0; u < 200; u++) reqs.push(vote(poll.id, `dbl-${u}`, [ids[u % 2]!]));
    const res = await Promise.all(reqs);
    assert.ok(res.every((r) => r.statusCode === 200), res.find((r) => r.statusCode !== 200)?.body);
    assert.equal(res.filter((r) => r.json().changed === true).length, 200, 'exactly one request per user changed anything');
    const after = await getPoll(poll.id);
    assert.equal(after.voters, 200);
    assert.deepEqual(
      after.options.map((o) => o.votes),
      [100, 100, 0],
    );
  });

  it('conflicting double votes on a poll without changes: one wins, the rest 409 and nothing drifts', async () => {
    const poll = await createPoll({});
    const ids = poll.options.map((o) => o.id);
    const res = await Promise.all(Array.from({ length: 60 }, (_, i) => vote(poll.id, `conflict-${i % 20}`, [ids[i % 3]!])));
    const won = res.filter((r) => r.statusCode === 200 && r.json().changed);
    assert.equal(won.length, 20);
    for (const r of res.filter((r) => r.statusCode !== 200)) expectError(r, 409, 'polls.already_voted');
    const after = await getPoll(poll.id);
    assert.equal(after.voters, 20);
    assert.equal(after.options.reduce((s, o) => s + o.votes!, 0), 20);
    const tr = await truth(poll.id);
    for (const o of after.options) assert.equal(tr.perOption[o.id] ?? 0, o.votes);
  });

  it('racing vote changes and withdrawals on a multiple-choice poll keep counters equal to the ballots', async () => {
    const poll = await createPoll({ kind: 'multiple', max_choices: 2, allow_change: true });
    const ids = poll.options.map((o) => o.id);
    const combos = [[ids[0]!], [ids[1]!, ids[2]!], [ids[0]!, ids[2]!], [ids[2]!]];
    const reqs: Promise<LightMyRequestResponse>[] = [];
    for (let i = 0; i < 400; i++) {
      const user = `chg-${i % 40}`;
      if (i % 7 === 6) reqs.push(t.inject({ method: 'DELETE', url: `/v1/polls/${poll.id}/votes/${user}`, headers: sk() }));
      else reqs.push(vote(poll.id, user, combos[i % combos.length]!));
    }
    const res = await Promise.all(reqs);
    for (const r of res) assert.ok(r.statusCode === 200 || r.statusCode === 204 || (r.statusCode === 404 && r.json().error.code === 'polls.not_voted'), r.body);
    const after = await getPoll(poll.id);
    const tr = await truth(poll.id);
    assert.equal(after.voters, tr.ballots);
    for (const o of after.options) assert.equal(o.votes, tr.perOption[o.id] ?? 0, `option ${o.id}`);
  });
});

describe('polls: rules and visibility', () => {
  it('refuses a vote after the deadline (controllable clock) with 409 polls.closed', async () => {
    const poll = await createPoll({ closes_at: new Date(clock.now().getTime() + 3600_000).toISOString() });
    ok(await vote(poll.id, 'early', [poll.options[0]!.id]));
    offsetMs += 3600_000 + 1000;
    try {
      const late = expectError(await vote(poll.id, 'late', [poll.options[0]!.id]), 409, 'polls.closed');
      assert.ok(late.details?.closed_at);
      assert.equal((await getPoll(poll.id)).status, 'closed');
    } finally {
      offsetMs -= 3600_000 + 1000;
    }
  });

  it('refuses a deadline in the past, naming body.closes_at', async () => {
    const err = expectError(await t.inject({ method: 'POST', url: '/v1/polls', headers: sk(), payload: { question: 'q', options: [{ text: 'a' }, { text: 'b' }], closes_at: '2001-01-01T00:00:00Z' } }), 400, 'validation_failed');
    findIssue(err, 'body.closes_at');
  });

  it('names an option of another poll, a duplicate and too many choices', async () => {
    const p1 = await createPoll({ kind: 'multiple', max_choices: 2 });
    const p2 = await createPoll({});
    findIssue(expectError(await vote(p1.id, 'x', [p1.options[0]!.id, p2.options[0]!.id]), 400, 'validation_failed'), 'body.option_ids.1');
    findIssue(expectError(await vote(p1.id, 'x', [p1.options[0]!.id, p1.options[0]!.id]), 400, 'validation_failed'), 'body.option_ids.1');
    findIssue(expectError(await vote(p1.id, 'x', p1.options.map((o) => o.id)), 400, 'validation_failed'), 'body.option_ids');
    findIssue(expectError(await vote(p2.id, 'x', [p2.options[0]!.id, p2.options[1]!.id]), 400, 'validation_failed'), 'body.option_ids');
    findIssue(expectError(await vote(p2.id, 'x', []), 400, 'validation_failed'), 'body.option_ids');
    findIssue(expectError(await t.inject({ method: 'POST', url: `/v1/polls/${p2.id}/votes`, headers: sk(), payload: { option_ids: [p2.options[0]!.id] } }), 400, 'validation_failed'), 'body.user_id');
    findIssue(expectError(await t.inject({ method: 'POST', url: '/v1/polls', headers: sk(), payload: { question: 'q', options: [{ text: 'a' }, { text: 'b', image_url: 'javascript:alert(1)' }] } }), 400, 'validation_failed'), 'body.options.1.image_url');
    findIssue(expectError(await t.inject({ method: 'POST', url: '/v1/polls', headers: sk(), payload: { question: 'q', kind: 'multiple', max_choices: 3, options: [{ text: 'a' }, { text: 'b' }] } }), 400, 'validation_failed'), 'body.max_choices');
    expectError(await vote('poll_nope', 'x', ['opt_x']), 404, 'polls.not_found');
  });

  it('after_vote hides counts from a user until they vote; after_close until the poll closes', async () => {
    const u = await t.userToken(A, 'viewer');
    const asUser = { ...bearer(A.publishableKey), 'x-user-token': u };
    const p = await createPoll({ results_visibility: 'after_vote' });
    ok(await vote(p.id, 'someone', [p.options[1]!.id]));
    let seen: Poll = ok(await t.inject({ method: 'GET', url: `/v1/polls/${p.id}`, headers: asUser }));
    assert.equal(seen.results_visible, false);
    assert.deepEqual(
      seen.options.map((o) => o.votes),
      [null, null, null],
    );
    assert.equal(seen.voters, null);
    const voted = ok(await vote(p.id, 'viewer', [p.options[0]!.id], asUser));
    assert.deepEqual(
      voted.options.map((o: { votes: number }) => o.votes),
      [1, 1, 0],
    );
    assert.deepEqual(voted.my_vote, [p.options[0]!.id]);

    const q = await createPoll({ results_visibility: 'after_close' });
    ok(await vote(q.id, 'viewer', [q.options[0]!.id], asUser));
    seen = ok(await t.inject({ method: 'GET', url: `/v1/polls/${q.id}`, headers: asUser }));
    assert.equal(seen.results_visible, false);
    assert.equal((await getPoll(q.id)).results_visible, true, 'the secret key always sees counts');
    ok(await t.inject({ method: 'POST', url: `/v1/polls/${q.id}/close`, headers: sk(), payload: {} }));
    seen = ok(await t.inject({ method: 'GET', url: `/v1/polls/${q.id}`, headers: asUser }));
    assert.equal(seen.results_visible, true);
    assert.equal(seen.options[0]!.votes, 1);
  });

  it('a user token votes only as its own user', async () => {
    const p = await createPoll({});
    const u = await t.userToken(A, 'me');
    const asMe = { ...bearer(A.publishableKey), 'x-user-token': u };
    expectError(await vote(p.id, 'someone-else', [p.options[0]!.id], asMe), 403, 'auth.wrong_user');
    const r = ok(await t.inject({ method: 'POST', url: `/v1/polls/${p.id}/votes`, headers: asMe, payload: { option_ids: [p.options[0]!.id] } }));
    assert.deepEqual(r.my_vote, [p.options[0]!.id]);
    expectError(await t.inject({ method: 'POST', url: '/v1/polls', headers: asMe, payload: { question: 'q', options: [{ text: 'a' }, { text: 'b' }] } }), 403, 'auth.forbidden');
  });

  it('anonymous polls never list voters; named polls do, paged', async () => {
    const anon = await createPoll({ anonymous: true });
    ok(await vote(anon.id, 'a1', [anon.options[0]!.id]));
    expectError(await t.inject({ method: 'GET', url: `/v1/polls/${anon.id}/voters?option_id=${anon.options[0]!.id}`, headers: sk() }), 403, 'polls.voters_hidden');
    const named = await createPoll({});
    for (const u of ['n1', 'n2', 'n3']) ok(await vote(named.id, u, [named.options[2]!.id]));
    const p1 = ok(await t.inject({ method: 'GET', url: `/v1/polls/${named.id}/voters?option_id=${named.options[2]!.id}&limit=2`, headers: sk() }));
    assert.deepEqual(
      p1.data.map((v: { user_id: string }) => v.user_id),
      ['n1', 'n2'],
    );
    const p2 = ok(await t.inject({ method: 'GET', url: `/v1/polls/${named.id}/voters?option_id=${named.options[2]!.id}&limit=2&cursor=${p1.next_cursor}`, headers: sk() }));
    assert.deepEqual(
      p2.data.map((v: { user_id: string }) => v.user_id),
      ['n3'],
    );
    findIssue(expectError(await t.inject({ method: 'GET', url: `/v1/polls/${named.id}/voters?option_id=${anon.options[0]!.id}`, headers: sk() }), 400, 'validation_failed'), 'query.option_id');
  });

  it('lists polls attached to a subject, filtered by status, newest first, paged', async () => {
    const subject = { kind: 'video', id: 'BV1xx411c7mD' };
    const made = [];
    for (let i = 0; i < 3; i++) made.push(await createPoll({ subject }));
    ok(await t.inject({ method: 'POST', url: `/v1/polls/${made[0]!.id}/close`, headers: sk(), payload: {} }));
    const page1 = ok(await t.inject({ method: 'GET', url: '/v1/polls?subject_kind=video&subject_id=BV1xx411c7mD&limit=2', headers: sk() }));
    const page2 = ok(await t.inject({ method: 'GET', url: `/v1/polls?subject_kind=video&subject_id=BV1xx411c7mD&limit=2&cursor=${page1.next_cursor}`, headers: sk() }));
    assert.deepEqual(
      [...page1.data, ...page2.data].map((p: Poll) => p.id),
      made.map((p) => p.id).reverse(),
    );
    const open = ok(await t.inject({ method: 'GET', url: '/v1/polls?subject_kind=video&subject_id=BV1xx411c7mD&status=open', headers: sk() }));
    assert.equal(open.data.length, 2);
  });

  it('erasing a user takes their votes off the counts', async () => {
    const p = await createPoll({});
    ok(await vote(p.id, 'leaver', [p.options[0]!.id]));
    ok(await vote(p.id, 'stayer', [p.options[0]!.id]));
    assert.equal((await t.inject({ method: 'DELETE', url: '/v1/users/leaver', headers: sk() })).statusCode, 204);
    await t.services.bus.drain();
    const after = await getPoll(p.id);
    assert.equal(after.voters, 1);
    assert.equal(after.options[0]!.votes, 1);
  });
});
