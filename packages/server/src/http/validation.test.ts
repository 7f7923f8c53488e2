// The validation layer refuses, once for every route, what PostgreSQL cannot store (issue 11 #7):
// each case below was a 500 (or a wrong answer) before.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bearer, startTestApp, type Tenant, type TestApp } from '../testing/app.ts';
import { expectError, findIssue } from '../testing/http.ts';
import { daysInMonth, startOfLocalDay } from '../lib/localtime.ts';

let t: TestApp;
let tenant: Tenant;
let sk: Record<string, string>;
const json = { 'content-type': 'application/json' };
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

before(async () => {
  t = await startTestApp();
  tenant = await t.newTenant();
  sk = bearer(tenant.secretKey);
});
after(() => t.close());

describe('text the database cannot store', () => {
  it('refuses NUL in a body string, naming the field', async () => {
    const res = await t.inject({ method: 'POST', url: '/v1/users/u1/orders', headers: sk, payload: { item_id: 'a\u0000b' } });
    findIssue(expectError(res, 400, 'validation_failed'), 'body.item_id');
  });

  it('refuses a lone surrogate in a body string, naming the field', async () => {
    const res = await t.inject({ method: 'POST', url: '/v1/polls', headers: { ...sk, ...json }, payload: '{"question":"\\ud800","options":[{"label":"a"},{"label":"b"}]}' });
    findIssue(expectError(res, 400, 'validation_failed'), 'body.question');
  });

  it('refuses NUL and lone surrogates in object keys', async () => {
    for (const key of ['a\\u0000', '\\udc00']) {
      const res = await t.inject({ method: 'POST', url: '/v1/polls', headers: { ...sk, ...json }, payload: `{"question":"q","options":[{"label":"a"},{"label":"b"}],"subject":{"${key}":1}}` });
      const err = expectError(res, 400, 'validation_failed');
      findIssue(err, 'body.subject');
    }
  });

  it('refuses NUL in query strings and path parameters', async () => {
    findIssue(expectError(await t.inject({ method: 'GET', url: '/v1/events?name=a%00', headers: sk }), 400, 'validation_failed'), 'query.name');
    findIssue(expectError(await t.inject({ method: 'GET', url: '/v1/users/a%00b', headers: sk }), 400, 'validation_failed'), 'params.userId');
  });
});

describe('dates PostgreSQL and JavaScript both keep', () => {
  it('refuses year 0000 (also when an offset moves a year-1 time into it), naming the field', async () => {
    for (const at of ['0000-06-01T00:00:00Z', '0001-01-01T00:30:00+01:00', '10000-01-01T00:00:00Z', '2024-02-30T00:00:00Z']) {
      const res = await t.inject({ method: 'PUT', url: '/v1/subjects/article/a1', headers: sk, payload: { created_at: at } });
      findIssue(expectError(res, 400, 'validation_failed'), 'body.created_at');
    }
  });

  it('accepts a date-time without seconds, as it always has, and refuses one without an offset in words', async () => {
    const res = await t.inject({ method: 'PUT', url: '/v1/subjects/article/minutes', headers: sk, payload: { created_at: '2026-03-01T08:30+08:00' } });
    assert.ok(res.statusCode < 300, res.body);
    const got = await t.inject({ method: 'GET', url: '/v1/subjects/article/minutes', headers: sk });
    assert.equal(got.json().created_at, '2026-03-01T00:30:00.000Z');
    const local = await t.inject({ method: 'PUT', url: '/v1/subjects/article/local', headers: sk, payload: { created_at: '2026-03-01T08:30:00' } });
    const issue = findIssue(expectError(local, 400, 'validation_failed'), 'body.created_at');
    assert.equal(issue.code, 'invalid_format');
    assert.equal(issue.expected, 'datetime');
  });

  it('reads year 0001 back as 0001, not 2001', async () => {
    const res = await t.inject({ method: 'PUT', url: '/v1/subjects/article/old', headers: sk, payload: { created_at: '0001-01-01T00:00:00Z' } });
    assert.ok(res.statusCode < 300, res.body);
    const got = await t.inject({ method: 'GET', url: '/v1/subjects/article/old', headers: sk });
    assert.equal(got.statusCode, 200, got.body);
    assert.equal(got.json().created_at, '0001-01-01T00:00:00.000Z');
  });

  it('refuses month 0000 and computes months below year 100 in their own century', async () => {
    findIssue(expectError(await t.inject({ method: 'GET', url: '/v1/users/u1/checkins?month=0000-01', headers: sk }), 400, 'validation_failed'), 'query.month');
    const op = await t.newOperator(tenant.appId, 'owner');
    const ops = { ...bearer(op.token), 'x-canyu-app': tenant.appId };
    findIssue(expectError(await t.inject({ method: 'GET', url: '/v1/feedback/workload?month=0000-01', headers: ops }), 400, 'validation_failed'), 'query.month');
    const w = await t.inject({ method: 'GET', url: '/v1/feedback/workload?month=0050-03', headers: ops });
    assert.equal(w.statusCode, 200, w.body);
    assert.equal(w.json().from, '0050-03-01T00:00:00.000Z');
    const dec = await t.inject({ method: 'GET', url: '/v1/feedback/workload?month=0050-12', headers: ops });
    assert.equal(dec.statusCode, 200, dec.body);
    assert.equal(dec.json().to, '0051-01-01T00:00:00.000Z');
    assert.equal(daysInMonth('0004-02'), 29);
    assert.equal(startOfLocalDay('0099-07-01', 'UTC').toISOString(), '0099-07-01T00:00:00.000Z');
  });
});

describe('cursors', () => {
  it('answers a tampered cursor with invalid_cursor naming cursor on list endpoints', async () => {
    const cursors = [b64({ t: '0000-01-01T00:00:00Z', i: 'x' }), b64({ t: '0000-01-01T00:00:00Z', id: 'x' }), b64({ at: '0000-01-01T00:00:00Z', id: 'x' }), 'garbage!'];
    const op = await t.newOperator(tenant.appId, 'owner');
    const ops = { ...bearer(op.token), 'x-canyu-app': tenant.appId };
    for (const url of ['/v1/webhooks/deliveries', '/v1/campaigns', '/v1/surveys', '/v1/polls', '/v1/live/rooms', '/v1/messaging/sends', '/v1/coupon-templates', '/v1/users/u1/draws']) {
      for (const c of cursors) {
        const res = await t.inject({ method: 'GET', url: `${url}?cursor=${c}`, headers: url.startsWith('/v1/users') ? sk : ops });
        if (res.statusCode === 200) continue; // a shape with other keys ignores these ones
        const err = expectError(res, 400, 'invalid_cursor');
        assert.equal(err.details?.field, 'query.cursor', `${url}: ${JSON.stringify(err)}`);
      }
    }
  });
});

describe('PATCH and ids', () => {
  it('answers an empty PATCH with 400 before doing anything', async () => {
    const lottery = await t.inject({ method: 'POST', url: '/v1/lotteries', headers: sk, payload: { name: 'L', prizes: [{ name: 'p', kind: 'none', weight: 1 }] } });
    assert.equal(lottery.statusCode, 201, lottery.body);
    const l = lottery.json() as { id: string; prizes: { id: string }[] };
    const res = await t.inject({ method: 'PATCH', url: `/v1/lotteries/${l.id}/prizes/${l.prizes[0]!.id}`, headers: sk, payload: {} });
    findIssue(expectError(res, 400, 'validation_failed'), 'body');
  });

  it('never rounds an 18-digit id', async () => {
    const res = await t.inject({ method: 'GET', url: '/v1/comments/999999999999999999', headers: sk });
    assert.ok(res.statusCode === 400 || res.statusCode === 404, res.body);
    assert.doesNotMatch(res.body, /1000000000000000000/);
    if (res.statusCode === 400) findIssue(expectError(res, 400, 'validation_failed'), 'params.commentId');
    const ok = await t.inject({ method: 'GET', url: '/v1/comments/9007199254740991', headers: sk });
    assert.equal(ok.statusCode, 404, ok.body);
  });
});
