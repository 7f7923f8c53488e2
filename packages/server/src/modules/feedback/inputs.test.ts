// Garbage in, 4xx out: every route of the feedback, polls, surveys and stories modules (read from
// the OpenAPI document, so new routes are covered without listing them) gets malformed bodies,
// path parameters and query strings, against real and unknown ids. None may answer 5xx, and every
// error must have the standard shape.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { bearer, startTestApp, type Tenant, type TestApp } from '../../testing/app.ts';
import { checkErrorShape } from '../../testing/http.ts';

let t: TestApp;
let A: Tenant;
const ids: Record<string, string> = { userId: 'fuzz-user', questionId: 'q1' };
before(async () => {
  t = await startTestApp();
  A = await t.newTenant('inputs');
  const post = async (url: string, payload: unknown) => {
    const r = await t.inject({ method: 'POST', url, headers: bearer(A.secretKey), payload: payload as object });
    assert.ok(r.statusCode < 300, `${url}: ${r.body}`);
    return r.json() as { id: string };
  };
  ids.pollId = (await post('/v1/polls', { question: 'q', options: [{ text: 'a' }, { text: 'b' }] })).id;
  ids.boardId = (await post('/v1/feedback/boards', { name: 'b' })).id;
  ids.postId = (await post(`/v1/feedback/boards/${ids.boardId}/posts`, { user_id: 'u', title: '夜间模式' })).id;
  ids.surveyId = (await post('/v1/surveys', { name: 's', status: 'active', questions: [{ id: 'q1', type: 'text', title: 't' }] })).id;
  ids.campaignId = (await post('/v1/stories/campaigns', { kind: 'story', title: 'c', moderation: 'post' })).id;
  ids.entryId = (await post(`/v1/stories/campaigns/${ids.campaignId}/entries`, { user_id: 'u', text: 'x' })).id;
});
after(() => t.close());

const PREFIXES = ['/v1/polls', '/v1/feedback', '/v1/surveys', '/v1/stories'];
const BODIES = [
  '[]',
  '"text"',
  '123',
  'null',
  '{}',
  '{"unknown_field":1}',
  '{"__proto__":{"polluted":1}}',
  JSON.stringify({ user_id: 'a\u0000b', text: 'x', title: 'x', name: 'x' }),
  JSON.stringify({ user_id: 'x'.repeat(300) }),
  JSON.stringify({ option_ids: ['x'.repeat(100)], user_id: 'u' }),
  JSON.stringify({ option_ids: [1, 2], user_id: 'u' }),
  JSON.stringify({ answers: [{ question_id: 'q1', value: { deep: 1 } }], user_id: 'u' }),
  JSON.stringify({ answers: [{ question_id: 'q1', value: '\ud800' }], user_id: 'u' }),
  JSON.stringify({ answers: [{ question_id: 'q1', value: 1e400 }], user_id: 'u', complete: true }),
  JSON.stringify({ status: 'done', note: 'x'.repeat(6000) }),
  JSON.stringify({ into_post_id: '' }),
  JSON.stringify({ recontact_days: -1 }),
  JSON.stringify({ questions: [{ id: 'a', type: 'single', title: 't', options: [{ id: 'o', text: 'o' }, { id: 'o', text: 'p' }], branches: [{ when: {}, goto: 'a' }] }], name: 'x' }),
  JSON.stringify({ prize: 'x', top_likes: 1e9 }),
  JSON.stringify({ decision: 'maybe' }),
  JSON.stringify({ title: 'x', tags: ['a,b'], user_id: 'u', bug: { device: { a: '\u0000' } } }),
  JSON.stringify({ closes_at: 'yesterday', question: 'q', options: [{ text: 'a' }, { text: 'b' }] }),
  `{"a":${'['.repeat(200)}${']'.repeat(200)}}`,
];
const BAD_IDS = ['%00', 'x'.repeat(100), 'nope', '%E4%BD%A0%E5%A5%BD'];
const QUERIES = ['limit=-1', 'limit=1e400', 'limit=abc', 'cursor=!!!', `cursor=${Buffer.from('{"t":"x","id":5}').toString('base64url')}`, 'unknown=1', 'user_id=%00', 'sort=sideways', 'status=nope', 'month=2025-13', 'q=', 'include_partial=yes'];

it('no malformed request to these modules answers 5xx; every error has the standard shape', async () => {
  const doc = (await t.inject({ method: 'GET', url: '/openapi.json' })).json() as { paths: Record<string, Record<string, unknown>> };
  const routes = Object.entries(doc.paths)
    .filter(([p]) => PREFIXES.some((x) => p.startsWith(x)))
    .flatMap(([p, ops]) => Object.keys(ops).map((m) => [m.toUpperCase(), p] as const));
  assert.ok(routes.length >= 50, `found only ${routes.length} routes`);
  const failures: string[] = [];
  let count = 0;
  const send = async (method: string, url: string, payload?: string) => {
    count++;
    const res = await t.inject({ method: method as 'GET', url, headers: { ...bearer(A.secretKey), ...(payload !== undefined ? { 'content-type': 'application/json' } : {}) }, ...(payload !== undefined ? { payload } : {}) });
    const where = `${method} ${url.slice(0, 120)} ${payload?.slice(0, 80) ?? ''} → ${res.statusCode} ${res.body.slice(0, 200)}`;
    if (res.statusCode >= 500) failures.push(where);
    else if (res.statusCode >= 400) {
      try {
        checkErrorShape(res);
      } catch (e) {
        failures.push(`${where} (${(e as Error).message})`);
      }
    }
  };
  for (const [method, path] of routes) {
    const real = path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(ids[name] ?? 'x'));
    const hasBody = method === 'POST' || method === 'PATCH' || method === 'PUT';
    if (hasBody) for (const b of BODIES) await send(method, real, b);
    else for (const q of QUERIES) await send(method, `${real}?${q}`);
    for (const bad of BAD_IDS) {
      const url = path.replace(/\{(\w+)\}/g, bad);
      if (url !== path) await send(method, url, hasBody ? '{}' : undefined);
    }
  }
  assert.deepEqual(failures, [], `${failures.length} of ${count} requests failed`);
  assert.equal(({} as Record<string, unknown>).polluted, undefined, 'prototype pollution');
});
