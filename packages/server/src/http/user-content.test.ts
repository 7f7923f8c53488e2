// User content policy (README "User content", issue 11 #6): stored verbatim, HTML-escaped in every
// API response. Markup goes in through every user-written text field the secret key reaches, and
// no answer that shows it back may contain it raw.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { bearer, startTestApp, type Tenant, type TestApp } from '../testing/app.ts';

const X = '<img src=x onerror=alert(1)>';
const ESCAPED = '&lt;img src=x onerror=alert(1)&gt;';

let t: TestApp;
let tenant: Tenant;
let sk: Record<string, string>;
before(async () => {
  t = await startTestApp();
  tenant = await t.newTenant();
  sk = bearer(tenant.secretKey);
});
after(() => t.close());

async function ok(p: Promise<LightMyRequestResponse>, what: string) {
  const res = await p;
  assert.ok(res.statusCode < 300, `${what}: ${res.statusCode} ${res.body.slice(0, 400)}`);
  return res;
}

describe('user content is escaped in every response', () => {
  it('never returns the markup raw, and returns it escaped where it is shown', async () => {
    const shown: [string, LightMyRequestResponse][] = [];
    const post = (url: string, payload: unknown, method: 'POST' | 'PUT' | 'PATCH' = 'POST') => ok(t.inject({ method, url, headers: sk, payload: payload as object }), `${method} ${url}`);
    const get = async (url: string) => shown.push([url, await ok(t.inject({ method: 'GET', url, headers: sk }), `GET ${url}`)]);

    // Comments, replies, reports and their notes, folders, blocks.
    const c = (await post('/v1/subjects/article/s1/comments', { user_id: 'u1', body: X })).json() as { id: string };
    shown.push(['reply', await post(`/v1/comments/${c.id}/replies`, { user_id: 'u2', body: X })]);
    await post(`/v1/comments/${c.id}/reports`, { user_id: 'u2', reason: 'spam', note: X });
    shown.push(['folder', await post('/v1/users/u1/folders', { name: X })]);
    shown.push(['block', await post('/v1/moderation/blocks/u9', { reason: X }, 'PUT')]);
    await get('/v1/subjects/article/s1/comments');
    await get('/v1/moderation/reports');
    await get('/v1/moderation/blocks');
    await get('/v1/users/u1/folders');

    // Feedback: posts (title, body, tags, category, bug steps), comments, status notes.
    const board = (await post('/v1/feedback/boards', { name: 'b' })).json() as { id: string };
    const fp = (await post(`/v1/feedback/boards/${board.id}/posts`, { user_id: 'u1', type: 'bug', title: X, body: X, tags: [X], category: X, bug: { steps: X } })).json() as { id: string };
    shown.push(['feedback comment', await post(`/v1/feedback/posts/${fp.id}/comments`, { user_id: 'u2', body: X })]);
    shown.push(['status', await post(`/v1/feedback/posts/${fp.id}/status`, { status: 'planned', note: X })]);
    await get(`/v1/feedback/posts/${fp.id}`);
    await get(`/v1/feedback/boards/${board.id}/posts`);
    await get(`/v1/feedback/posts/${fp.id}/comments`);
    await get(`/v1/feedback/posts/${fp.id}/history`);

    // Stories: entry text and a rejection reason.
    const camp = (await post('/v1/stories/campaigns', { kind: 'story', title: 'c' })).json() as { id: string };
    const entry = (await post(`/v1/stories/campaigns/${camp.id}/entries`, { user_id: 'u1', text: X })).json() as { id: string };
    shown.push(['moderation', await post(`/v1/stories/entries/${entry.id}/moderation`, { decision: 'reject', reason: X })]);
    await get(`/v1/stories/entries/${entry.id}`);

    // Surveys: text answers.
    const survey = (await post('/v1/surveys', { name: 's', status: 'active', questions: [{ id: 'q1', type: 'text', title: 'Why?' }] })).json() as { id: string };
    shown.push(['answer', await post(`/v1/surveys/${survey.id}/responses`, { user_id: 'u1', answers: [{ question_id: 'q1', value: X }], complete: true })]);
    await get(`/v1/surveys/${survey.id}/responses`);
    await get(`/v1/surveys/${survey.id}/questions/q1/answers`);

    // Live chat.
    const room = (await post('/v1/live/rooms', { title: 'r' })).json() as { id: string };
    shown.push(['chat', await post(`/v1/live/rooms/${room.id}/messages`, { user_id: 'u1', text: X })]);
    await get(`/v1/live/rooms/${room.id}/messages`);

    const raw = shown.filter(([, r]) => r.body.includes('<img')).map(([w, r]) => `${w}: ${r.body.slice(0, 300)}`);
    assert.deepEqual(raw, [], 'responses with raw markup');
    const missing = shown.filter(([, r]) => !r.body.includes(ESCAPED)).map(([w, r]) => `${w}: ${r.body.slice(0, 300)}`);
    assert.deepEqual(missing, [], 'responses that do not show the text at all (the test would prove nothing)');
  });
});
