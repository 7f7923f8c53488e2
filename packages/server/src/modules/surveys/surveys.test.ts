// Questionnaires over HTTP on a real database: typed answers and branching, bad input named by
// field, partial responses, targeting and event triggers, the global recontact wait and recurrence
// on a controllable clock, quotas under racing completions, results (NPS, CSAT), CSV, workload.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { bearer, startTestApp, type Tenant, type TestApp } from '../../testing/app.ts';
import { expectError, findIssue } from '../../testing/http.ts';

let offsetMs = 0;
const clock = { now: () => new Date(Date.now() + offsetMs) };
const DAY = 86_400_000;

let t: TestApp;
before(async () => {
  t = await startTestApp({ clock });
});
after(() => t.close());

const ok = (res: LightMyRequestResponse, status = 200) => {
  assert.equal(res.statusCode, status, res.body.slice(0, 600));
  return res.json();
};

const QUESTIONS = [
  { id: 'uses', type: 'single', title: '你用过夜间模式吗？', options: [{ id: 'yes', text: '用过' }, { id: 'no', text: '没用过' }], branches: [{ when: { equals: 'no' }, goto: 'why_not' }] },
  { id: 'nps', type: 'nps', title: '你有多大可能把我们推荐给朋友？', branches: [{ when: { gte: 9 }, goto: 'end' }] },
  { id: 'csat', type: 'csat', title: '你对夜间模式满意吗？', required: false },
  { id: 'improve', type: 'text', title: '还有什么要改进的？', required: false },
  { id: 'why_not', type: 'text', title: '为什么没用过？' },
];

function tenantHelpers(A: Tenant) {
  const sk = () => bearer(A.secretKey);
  return {
    sk,
    create: async (body: Record<string, unknown> = {}) => ok(await t.inject({ method: 'POST', url: '/v1/surveys', headers: sk(), payload: { name: '夜间模式调研', status: 'active', questions: QUESTIONS, ...body } }), 201) as { id: string; completed: number },
    respond: (surveyId: string, userId: string, answers: { question_id: string; value: unknown }[], complete = false) => t.inject({ method: 'POST', url: `/v1/surveys/${surveyId}/responses`, headers: sk(), payload: { user_id: userId, answers, complete } }),
    next: async (userId: string, event?: string) => ok(await t.inject({ method: 'POST', url: '/v1/surveys/next', headers: sk(), payload: { user_id: userId, ...(event ? { event } : {}) } })) as { survey: { id: string } | null; round: number | null; reason: string; next_eligible_at: string | null },
    settings: async (days: number) => ok(await t.inject({ method: 'PUT', url: '/v1/surveys/settings', headers: sk(), payload: { recontact_days: days } })),
  };
}

describe('surveys: answers, branching and bad input', () => {
  let A: Tenant;
  let h: ReturnType<typeof tenantHelpers>;
  before(async () => {
    A = await t.newTenant('surveys-answers');
    h = tenantHelpers(A);
  });

  it('skips to question K when the answer is X, and drops answers the path skips', async () => {
    const s = await h.create();
    let r = ok(await h.respond(s.id, 'b1', [{ question_id: 'uses', value: 'no' }]));
    assert.equal(r.next_question_id, 'why_not');
    assert.equal(r.status, 'partial');
    // An answer to nps is kept while partial, but the path (uses=no → why_not) skips it.
    ok(await h.respond(s.id, 'b1', [{ question_id: 'nps', value: 7 }]));
    findIssue(expectError(await h.respond(s.id, 'b1', [], true), 400, 'validation_failed'), 'body.answers');
    r = ok(await h.respond(s.id, 'b1', [{ question_id: 'why_not', value: '不知道在哪里打开' }], true));
    assert.equal(r.status, 'completed');
    assert.deepEqual(r.answers, { uses: 'no', why_not: '不知道在哪里打开' });
    // nps >= 9 ends the survey: csat, improve and why_not are not asked.
    r = ok(await h.respond(s.id, 'b2', [{ question_id: 'uses', value: 'yes' }, { question_id: 'nps', value: 10 }], true));
    assert.equal(r.status, 'completed');
    // nps 5 continues through the optional questions to why_not, which is required.
    r = ok(await h.respond(s.id, 'b3', [{ question_id: 'uses', value: 'yes' }, { question_id: 'nps', value: 5 }]));
    assert.equal(r.next_question_id, 'why_not');
    expectError(await h.respond(s.id, 'b2', [{ question_id: 'improve', value: 'x' }]), 409, 'surveys.already_completed');
  });

  it('names the field: unknown question, empty required answer, wrong type, option of another question', async () => {
    const s = await h.create();
    findIssue(expectError(await h.respond(s.id, 'bad', [{ question_id: 'uses', value: 'yes' }, { question_id: 'q_from_elsewhere', value: 'x' }]), 400, 'validation_failed'), 'body.answers.1.question_id');
    findIssue(expectError(await h.respond(s.id, 'bad', [{ question_id: 'why_not', value: '   ' }]), 400, 'validation_failed'), 'body.answers.0.value');
    findIssue(expectError(await h.respond(s.id, 'bad', [{ question_id: 'uses', value: null }]), 400, 'validation_failed'), 'body.answers.0.value');
    findIssue(expectError(await h.respond(s.id, 'bad', [{ question_id: 'nps', value: 11 }]), 400, 'validation_failed'), 'body.answers.0.value');
    findIssue(expectError(await h.respond(s.id, 'bad', [{ question_id: 'csat', value: 'great' }]), 400, 'validation_failed'), 'body.answers.0.value');
    findIssue(expectError(await h.respond(s.id, 'bad', [{ question_id: 'uses', value: 'maybe' }]), 400, 'validation_failed'), 'body.answers.0.value');
    findIssue(expectError(await h.respond(s.id, 'bad', [{ question_id: 'uses', value: 'yes' }, { question_id: 'uses', value: 'no' }]), 400, 'validation_failed'), 'body.answers.1.question_id');
    findIssue(expectError(await t.inject({ method: 'POST', url: `/v1/surveys/${s.id}/responses`, headers: h.sk(), payload: { answers: [] } }), 400, 'validation_failed'), 'body.user_id');
    const rows = (await t.database.pool.query('select count(*)::int as n from sv_responses where user_id = $1', ['bad'])).rows[0].n;
    assert.equal(rows, 0, 'refused requests store nothing');
    expectError(await h.respond('survey_nope', 'x', []), 404, 'surveys.not_found');
  });

  it('refuses bad definitions naming the field, and targeting a segment that does not exist', async () => {
    const post = (body: Record<string, unknown>) => t.inject({ method: 'POST', url: '/v1/surveys', headers: h.sk(), payload: { name: 'x', questions: QUESTIONS, ...body } });
    findIssue(expectError(await post({ targeting: { segment_id: 'seg_1' } }), 400, 'validation_failed'), 'body.targeting.segment_id');
    const back = structuredClone(QUESTIONS);
    back[4]!.branches = [{ when: { equals: 'x' }, goto: 'uses' }] as never;
    findIssue(expectError(await post({ questions: back }), 400, 'validation_failed'), 'body.questions.4.branches.0.goto');
    findIssue(expectError(await post({ questions: [{ id: 'q', type: 'slider', title: 'x' }] }), 400, 'validation_failed'), 'body.questions.0.type');
    findIssue(expectError(await post({ starts_at: '2030-01-02T00:00:00Z', ends_at: '2030-01-01T00:00:00Z' }), 400, 'validation_failed'), 'body.ends_at');
    findIssue(expectError(await post({ questions: [] }), 400, 'validation_failed'), 'body.questions');
  });

  it('keeps partial responses and lets the user resume; questions freeze once answered', async () => {
    const s = await h.create();
    ok(await h.respond(s.id, 'resume', [{ question_id: 'uses', value: 'yes' }]));
    const partial = ok(await t.inject({ method: 'GET', url: `/v1/surveys/${s.id}/responses?status=partial`, headers: h.sk() }));
    assert.deepEqual(partial.data[0].answers, { uses: 'yes' });
    assert.equal(partial.data[0].next_question_id, 'nps');
    const done = ok(await h.respond(s.id, 'resume', [{ question_id: 'nps', value: 9 }], true));
    assert.deepEqual(done.answers, { uses: 'yes', nps: 9 });
    expectError(await t.inject({ method: 'PATCH', url: `/v1/surveys/${s.id}`, headers: h.sk(), payload: { questions: QUESTIONS } }), 409, 'surveys.has_responses');
    ok(await t.inject({ method: 'PATCH', url: `/v1/surveys/${s.id}`, headers: h.sk(), payload: { status: 'paused' } }));
    expectError(await h.respond(s.id, 'late', [{ question_id: 'uses', value: 'yes' }]), 409, 'surveys.not_active');
  });

  it('a user token answers only as itself', async () => {
    const s = await h.create();
    const tok = { ...bearer(A.publishableKey), 'x-user-token': await t.userToken(A, 'tok-user') };
    const r = ok(await t.inject({ method: 'POST', url: `/v1/surveys/${s.id}/responses`, headers: tok, payload: { answers: [{ question_id: 'uses', value: 'yes' }] } }));
    assert.equal(r.user_id, 'tok-user');
    expectError(await t.inject({ method: 'POST', url: `/v1/surveys/${s.id}/responses`, headers: tok, payload: { user_id: 'other', answers: [] } }), 403, 'auth.wrong_user');
    expectError(await t.inject({ method: 'GET', url: `/v1/surveys/${s.id}/results`, headers: tok }), 403, 'auth.forbidden');
  });
});

describe('surveys: who sees what, when (controllable clock)', () => {
  it('a global recontact wait across all surveys, each survey once per user', async () => {
    const A = await t.newTenant('surveys-recontact');
    const h = tenantHelpers(A);
    await h.settings(7);
    const s1 = await h.create({ name: 'first' });
    const s2 = await h.create({ name: 'second' });
    const first = await h.next('rc-user');
    assert.equal(first.survey?.id, s1.id);
    const blocked = await h.next('rc-user');
    assert.equal(blocked.survey, null);
    assert.equal(blocked.reason, 'recontact_wait');
    const wait = new Date(blocked.next_eligible_at!).getTime() - clock.now().getTime();
    assert.ok(wait > 6.9 * DAY && wait <= 7 * DAY);
    offsetMs += 6 * DAY;
    try {
      assert.equal((await h.next('rc-user')).reason, 'recontact_wait');
      offsetMs += DAY;
      const second = await h.next('rc-user');
      assert.equal(second.survey?.id, s2.id, 'the wait is over: the other survey, never the first again');
      offsetMs += 30 * DAY;
      assert.equal((await h.next('rc-user')).reason, 'none_eligible');
      // Another user is not held back by rc-user's wait.
      assert.equal((await h.next('rc-other')).survey?.id, s1.id);
    } finally {
      offsetMs = 0;
    }
  });

  it('20 concurrent "next" calls for one user show exactly one survey', async () => {
    const A = await t.newTenant('surveys-next-race');
    const h = tenantHelpers(A);
    await h.settings(3);
    await h.create({ name: 'a' });
    await h.create({ name: 'b' });
    const res = await Promise.all(Array.from({ length: 20 }, () => t.inject({ method: 'POST', url: '/v1/surveys/next', headers: h.sk(), payload: { user_id: 'racer' } })));
    const shown = res.map((r) => ok(r)).filter((r) => r.reason === 'shown');
    assert.equal(shown.length, 1);
    const displays = (await t.database.pool.query('select count(*)::int as n from sv_displays where app_id = $1', [A.appId])).rows[0].n;
    assert.equal(displays, 1);
  });

  it('recurring surveys come back every N days as a new round', async () => {
    const A = await t.newTenant('surveys-recurring');
    const h = tenantHelpers(A);
    const s = await h.create({ name: '每月 NPS', recurrence_days: 30, questions: [{ id: 'nps', type: 'nps', title: 'NPS' }] });
    assert.deepEqual([(await h.next('rec')).survey?.id, (await h.next('rec')).round], [s.id, null]);
    ok(await h.respond(s.id, 'rec', [{ question_id: 'nps', value: 8 }], true));
    try {
      offsetMs += 29 * DAY;
      assert.equal((await h.next('rec')).survey, null);
      expectError(await h.respond(s.id, 'rec', [{ question_id: 'nps', value: 9 }], true), 409, 'surveys.already_completed');
      offsetMs += DAY;
      const again = await h.next('rec');
      assert.equal(again.survey?.id, s.id);
      assert.equal(again.round, 2);
      const r2 = ok(await h.respond(s.id, 'rec', [{ question_id: 'nps', value: 10 }], true));
      assert.equal(r2.round, 2);
      const all = ok(await t.inject({ method: 'GET', url: `/v1/surveys/${s.id}/responses`, headers: h.sk() }));
      assert.deepEqual(
        all.data.map((r: { round: number; answers: { nps: number } }) => [r.round, r.answers.nps]),
        [
          [1, 8],
          [2, 10],
        ],
      );
    } finally {
      offsetMs = 0;
    }
  });

  it('targets by traits and waits for the trigger event (ingested, or named in the call)', async () => {
    const A = await t.newTenant('surveys-targeting');
    const h = tenantHelpers(A);
    const s = await h.create({ name: 'pro after order', targeting: { traits: [{ key: 'plan', op: 'eq', value: 'pro' }] }, trigger_event: 'order.completed' });
    for (const [u, plan] of [
      ['pro-1', 'pro'],
      ['free-1', 'free'],
      ['pro-2', 'pro'],
    ])
      ok(await t.inject({ method: 'POST', url: `/v1/users/${u}`, headers: h.sk(), payload: { traits: { plan } } }));
    assert.equal((await h.next('pro-1')).survey, null, 'no trigger yet');
    ok(await t.inject({ method: 'POST', url: '/v1/events', headers: h.sk(), payload: { events: [{ event_id: 'o1', user_id: 'pro-1', name: 'order.completed' }, { event_id: 'o2', user_id: 'free-1', name: 'order.completed' }] } }));
    await t.services.bus.drain();
    assert.equal((await h.next('pro-1')).survey?.id, s.id);
    assert.equal((await h.next('free-1')).survey, null, 'traits do not match');
    assert.equal((await h.next('pro-2', 'order.completed')).survey?.id, s.id, 'the client may name the event it just saw');
  });

  it('a quota holds under 100 racing completions; points are announced once per completion', async () => {
    const A = await t.newTenant('surveys-quota');
    const h = tenantHelpers(A);
    const s = await h.create({ name: 'quota', quota: 30, points: 50, questions: [{ id: 'r', type: 'rating', title: '打分' }] });
    const completed: { userId: string; points: number | null }[] = [];
    const off = t.services.bus.subscribe('survey.completed', (e) => void completed.push({ userId: e.userId, points: e.points }));
    const res = await Promise.all(Array.from({ length: 100 }, (_, i) => h.respond(s.id, `q-${i}`, [{ question_id: 'r', value: (i % 5) + 1 }], true)));
    await t.services.bus.drain();
    off();
    assert.equal(res.filter((r) => r.statusCode === 200).length, 30);
    for (const r of res.filter((x) => x.statusCode !== 200)) expectError(r, 409, 'surveys.quota_reached');
    const got = ok(await t.inject({ method: 'GET', url: `/v1/surveys/${s.id}`, headers: h.sk() }));
    assert.equal(got.completed, 30);
    const stored = (await t.database.pool.query("select count(*)::int as n from sv_responses where survey_id = $1 and status = 'completed'", [s.id])).rows[0].n;
    assert.equal(stored, 30);
    assert.equal(completed.length, 30);
    assert.ok(completed.every((c) => c.points === 50));
    assert.equal((await h.next('q-999')).survey, null, 'a full survey is no longer shown');
  });
});

describe('surveys: results, CSV and workload', () => {
  it('aggregates per question with NPS and CSAT, pages text answers and exports CSV', async () => {
    const A = await t.newTenant('surveys-results');
    const op = await t.newOperator(A.appId, 'operator');
    const opH = { ...bearer(op.token), 'x-canyu-app': A.appId };
    const s = ok(await t.inject({ method: 'POST', url: '/v1/surveys', headers: opH, payload: { name: 'results', status: 'active', questions: QUESTIONS } }), 201);
    const h = tenantHelpers(A);
    // NPS: 10, 9 (promoters; they end the survey), 8, 7 (passives), 3 (detractor). CSAT: 5, 4, 2.
    const plans: [string, { question_id: string; value: unknown }[]][] = [
      ['r1', [{ question_id: 'uses', value: 'yes' }, { question_id: 'nps', value: 10 }]],
      ['r2', [{ question_id: 'uses', value: 'yes' }, { question_id: 'nps', value: 9 }]],
      ['r3', [{ question_id: 'uses', value: 'yes' }, { question_id: 'nps', value: 8 }, { question_id: 'csat', value: 5 }, { question_id: 'why_not', value: '=SUM(A1)' }]],
      ['r4', [{ question_id: 'uses', value: 'yes' }, { question_id: 'nps', value: 7 }, { question_id: 'csat', value: 4 }, { question_id: 'improve', value: '字体, "再大一点"' }, { question_id: 'why_not', value: '-' }]],
      ['r5', [{ question_id: 'uses', value: 'yes' }, { question_id: 'nps', value: 3 }, { question_id: 'csat', value: 2 }, { question_id: 'why_not', value: '太暗' }]],
      ['r6', [{ question_id: 'uses', value: 'no' }, { question_id: 'why_not', value: '找不到入口' }]],
    ];
    for (const [u, answers] of plans) ok(await h.respond(s.id, u, answers, true));
    ok(await h.respond(s.id, 'r7', [{ question_id: 'uses', value: 'yes' }]));
    const r = ok(await t.inject({ method: 'GET', url: `/v1/surveys/${s.id}/results`, headers: opH }));
    assert.deepEqual(r.responses, { completed: 6, partial: 1 });
    const q = (id: string) => r.questions.find((x: { id: string }) => x.id === id);
    assert.deepEqual(
      q('uses').options.map((o: { count: number }) => o.count),
      [5, 1],
    );
    assert.deepEqual(q('nps').nps, { promoters: 2, passives: 2, detractors: 1, score: 20 });
    assert.equal(q('nps').average, 7.4);
    assert.deepEqual(q('csat').csat, { satisfied: 2, percent: 66.7 });
    assert.equal(q('why_not').answered, 4);
    const withPartial = ok(await t.inject({ method: 'GET', url: `/v1/surveys/${s.id}/results?include_partial=true`, headers: opH }));
    assert.equal(withPartial.questions[0].answered, 7);
    const p1 = ok(await t.inject({ method: 'GET', url: `/v1/surveys/${s.id}/questions/why_not/answers?limit=3`, headers: opH }));
    const p2 = ok(await t.inject({ method: 'GET', url: `/v1/surveys/${s.id}/questions/why_not/answers?limit=3&cursor=${p1.next_cursor}`, headers: opH }));
    assert.deepEqual(
      [...p1.data, ...p2.data].map((a: { value: string }) => a.value),
      ['=SUM(A1)', '-', '太暗', '找不到入口'],
    );
    assert.equal(p2.next_cursor, null);
    findIssue(expectError(await t.inject({ method: 'GET', url: `/v1/surveys/${s.id}/questions/nope/answers`, headers: opH }), 400, 'validation_failed'), 'params.questionId');

    const csv = await t.inject({ method: 'GET', url: `/v1/surveys/${s.id}/export`, headers: opH });
    assert.equal(csv.statusCode, 200);
    assert.match(String(csv.headers['content-type']), /^text\/csv/);
    const lines = csv.body.replace(/^\ufeff/, '').trim().split('\r\n');
    assert.equal(lines[0], 'response_id,user_id,round,status,started_at,completed_at,uses: 你用过夜间模式吗？,nps: 你有多大可能把我们推荐给朋友？,csat: 你对夜间模式满意吗？,improve: 还有什么要改进的？,why_not: 为什么没用过？');
    assert.equal(lines.length, 7, 'header + 6 completed responses');
    const r4 = lines.find((l) => l.includes(',r4,'))!;
    assert.ok(r4.endsWith(',用过,7,4,"字体, ""再大一点""",\'-'), r4);
    assert.ok(lines.find((l) => l.includes(',r3,'))!.endsWith(",'=SUM(A1)"), 'formulas are defused');

    // The workload view counts the survey for the operator who created it.
    const w = ok(await t.inject({ method: 'GET', url: `/v1/feedback/workload?month=${clock.now().toISOString().slice(0, 7)}`, headers: opH }));
    const me = w.operators.find((o: { operator_id: string }) => o.operator_id === op.operatorId);
    assert.equal(me.surveys_run, 1);
    assert.equal(me.survey_responses, 6);
  });

  it('erasing a user removes their responses and frees their quota place', async () => {
    const A = await t.newTenant('surveys-erase');
    const h = tenantHelpers(A);
    const s = await h.create({ quota: 1, questions: [{ id: 'r', type: 'rating', title: 'x' }] });
    ok(await h.respond(s.id, 'gone', [{ question_id: 'r', value: 3 }], true));
    expectError(await h.respond(s.id, 'next', [{ question_id: 'r', value: 3 }], true), 409, 'surveys.quota_reached');
    assert.equal((await t.inject({ method: 'DELETE', url: '/v1/users/gone', headers: h.sk() })).statusCode, 204);
    await t.services.bus.drain();
    ok(await h.respond(s.id, 'next', [{ question_id: 'r', value: 4 }], true));
  });
});

describe("surveys: free-text answers go through the app's word filter (issue 11 #12)", () => {
  let A: Tenant;
  let h: ReturnType<typeof tenantHelpers>;
  before(async () => {
    A = await t.newTenant('surveys-filter');
    h = tenantHelpers(A);
  });
  const filter = async (mode: 'mask' | 'reject') => ok(await t.inject({ method: 'PATCH', url: '/v1/interactions/settings', headers: h.sk(), payload: { moderation: { filter_mode: mode, words: ['傻逼', 'scam'] } } }));
  const stored = async (surveyId: string, userId: string) =>
    (await t.database.pool.query<{ text: string }>(`select a.text from sv_answers a join sv_responses r on r.id = a.response_id where r.survey_id = $1 and r.user_id = $2 and a.question_id = 'why_not'`, [surveyId, userId])).rows[0]?.text;

  it('reject: the answer is refused, naming it; nothing is stored', async () => {
    await filter('reject');
    const s = await h.create();
    const err = expectError(await h.respond(s.id, 'f1', [{ question_id: 'uses', value: 'no' }, { question_id: 'why_not', value: '这个功能就是个傻 逼设计' }]), 400, 'interactions.sensitive_content');
    assert.equal(err.details?.field, 'body.answers.1.value');
    assert.equal(await stored(s.id, 'f1'), undefined);
    const r = ok(await h.respond(s.id, 'f1', [{ question_id: 'uses', value: 'no' }, { question_id: 'why_not', value: '找不到入口' }], true));
    assert.equal(r.answers.why_not, '找不到入口');
  });

  it('mask: the answer is stored and shown masked; choices are untouched', async () => {
    await filter('mask');
    const s = await h.create();
    const r = ok(await h.respond(s.id, 'f2', [{ question_id: 'uses', value: 'no' }, { question_id: 'why_not', value: 'looks like a SCAM, 傻逼' }], true));
    assert.equal(r.answers.why_not, 'looks like a ****, **');
    assert.equal(r.answers.uses, 'no');
    assert.equal(await stored(s.id, 'f2'), 'looks like a ****, **');
  });
});
