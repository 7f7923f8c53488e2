// The API conventions every route shares: the error shape, validation messages, authentication
// failures, request ids, Chinese messages, cursors, Idempotency-Key, rate limits, the OpenAPI
// document, and a fuzz pass that no request shape can turn into a 500.
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import net from 'node:net';
import { drizzle } from 'drizzle-orm/node-postgres';
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { createPool, endPool } from '../db/index.ts';
import { signHs256 } from '../lib/jwt.ts';
import { bearer, startTestApp, type Tenant, type TestApp } from '../testing/app.ts';
import { checkErrorShape, expectError, findIssue } from '../testing/http.ts';

let t: TestApp;
let tenant: Tenant;
let owner: { operatorId: string; token: string };

before(async () => {
  t = await startTestApp();
  tenant = await t.newTenant();
  owner = await t.newOperator(tenant.appId, 'owner');
});
after(() => t.close());

const json = { 'content-type': 'application/json' };
const nowS = () => Math.floor(Date.now() / 1000);
const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

const ok200 = (res: { statusCode: number; body: string; json: () => unknown }) => {
  assert.equal(res.statusCode, 200, res.body.slice(0, 300));
  return res.json() as { data: unknown[] };
};

/** An end-user token as a host backend would sign it; `header` overrides the JWT header. */
const userToken = (secret: string, claims: Record<string, unknown>, header?: Record<string, unknown>) => {
  const h = b64(header ?? { alg: 'HS256', typ: 'JWT' });
  const body = b64(claims);
  return `${h}.${body}.${createHmac('sha256', secret).update(`${h}.${body}`).digest('base64url')}`;
};

describe('error shape and validation', () => {
  it('answers malformed JSON with invalid_json', async () => {
    for (const payload of ['{"events": [', '{', "{'events': []}", '{"events": [],}', 'NaN', '{"a":1}{"b":2}', '\u0000']) {
      const res = await t.inject({ method: 'POST', url: '/v1/events', headers: { ...bearer(tenant.secretKey), ...json }, payload });
      const err = expectError(res, 400, 'invalid_json');
      assert.match(err.message, /JSON/);
    }
  });

  it('answers an empty JSON body with invalid_json', async () => {
    const res = await t.inject({ method: 'POST', url: '/v1/events', headers: { ...bearer(tenant.secretKey), ...json }, payload: '' });
    expectError(res, 400, 'invalid_json');
  });

  it('names the wrong field by its full path and says what was expected', async () => {
    const res = await t.inject({ method: 'POST', url: '/v1/events', headers: bearer(tenant.secretKey), payload: { events: [{ name: 'ok', user_id: 'u' }, { name: 5, user_id: 'u' }] } });
    const err = expectError(res, 400, 'validation_failed');
    const issue = findIssue(err, 'body.events.1.name');
    assert.equal(issue.code, 'invalid_type');
    assert.equal(issue.expected, 'string');
    assert.match(err.message, /body\.events\.1\.name/);
  });

  it('rejects unknown fields at every level and names each one', async () => {
    const res = await t.inject({ method: 'POST', url: '/v1/events', headers: bearer(tenant.secretKey), payload: { events: [{ name: 'x', user_id: 'u', colour: 'red' }], extra: 1 } });
    const err = expectError(res, 400, 'validation_failed');
    for (const field of ['body.events.0.colour', 'body.extra']) {
      const issue = findIssue(err, field);
      assert.equal(issue.code, 'unknown_field');
      assert.equal(issue.expected, 'no other fields');
    }
  });

  it('reports every bad field, not only the first', async () => {
    const res = await t.inject({
      method: 'POST',
      url: '/v1/events',
      headers: bearer(tenant.secretKey),
      payload: { events: [{ name: '', user_id: 'u' }, { name: 'ok', user_id: 'u', timestamp: 'yesterday' }, { name: 'ok', user_id: 'x'.repeat(256) }] },
    });
    const err = expectError(res, 400, 'validation_failed');
    assert.equal(findIssue(err, 'body.events.0.name').expected, 'length >= 1');
    findIssue(err, 'body.events.1.timestamp');
    assert.equal(findIssue(err, 'body.events.2.user_id').expected, 'length <= 255');
  });

  it('names a missing body field and the expected type', async () => {
    const res = await t.inject({ method: 'POST', url: '/v1/events', headers: bearer(tenant.secretKey), payload: {} });
    const err = expectError(res, 400, 'validation_failed');
    assert.equal(findIssue(err, 'body.events').expected, 'array');
  });

  it('validates the query string and path parameters with the same shape', async () => {
    let err = expectError(await t.inject({ method: 'GET', url: '/v1/users?limit=0', headers: bearer(tenant.secretKey) }), 400, 'validation_failed');
    assert.equal(findIssue(err, 'query.limit').expected, 'value >= 1');
    err = expectError(await t.inject({ method: 'GET', url: '/v1/users?limit=abc', headers: bearer(tenant.secretKey) }), 400, 'validation_failed');
    findIssue(err, 'query.limit');
    err = expectError(await t.inject({ method: 'GET', url: '/v1/users?bogus=1', headers: bearer(tenant.secretKey) }), 400, 'validation_failed');
    assert.equal(findIssue(err, 'query.bogus').code, 'unknown_field');
    err = expectError(await t.inject({ method: 'GET', url: '/v1/users/a%00b', headers: bearer(tenant.secretKey) }), 400, 'validation_failed');
    findIssue(err, 'params.userId');
  });

  it('routes user ids of every allowed length (1-255) and names a longer one', async () => {
    const long = 'x'.repeat(255);
    const put = await t.inject({ method: 'POST', url: `/v1/users/${long}`, headers: bearer(tenant.secretKey), payload: {} });
    assert.equal(put.statusCode, 200, put.body);
    assert.equal((await t.inject({ method: 'DELETE', url: `/v1/users/${long}`, headers: bearer(tenant.secretKey) })).statusCode, 204);
    const err = expectError(await t.inject({ method: 'GET', url: `/v1/users/${long}x`, headers: bearer(tenant.secretKey) }), 400, 'validation_failed');
    assert.equal(findIssue(err, 'params.userId').expected, 'length <= 255');
  });

  it('answers a body over the limit with 413 payload_too_large', async () => {
    const small = await startTestApp({ config: { bodyLimit: 2048 } });
    try {
      const ten = await small.newTenant();
      const event = (i: number) => ({ name: 'padding', user_id: 'u', event_id: `e-${i}`, properties: { pad: 'x'.repeat(50) } });
      const fits = JSON.stringify({ events: Array.from({ length: 15 }, (_, i) => event(i)) });
      assert.ok(fits.length < 2048);
      const ok = await small.inject({ method: 'POST', url: '/v1/events', headers: { ...bearer(ten.secretKey), ...json }, payload: fits });
      assert.equal(ok.statusCode, 200, ok.body);
      const big = JSON.stringify({ events: Array.from({ length: 40 }, (_, i) => event(i)) });
      assert.ok(big.length > 2048);
      const res = await small.inject({ method: 'POST', url: '/v1/events', headers: { ...bearer(ten.secretKey), ...json }, payload: big });
      const err = expectError(res, 413, 'payload_too_large');
      assert.equal(err.details?.limit_bytes, 2048);
      // Same answer when the body is not even JSON: the size is checked first.
      expectError(await small.inject({ method: 'POST', url: '/v1/events', headers: { ...bearer(ten.secretKey), ...json }, payload: '['.repeat(5000) }), 413, 'payload_too_large');
    } finally {
      await small.close();
    }
  });

  it('answers other content types with 415 and names what to send', async () => {
    for (const ct of ['application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonx']) {
      const res = await t.inject({ method: 'POST', url: '/v1/events', headers: { ...bearer(tenant.secretKey), 'content-type': ct }, payload: '{"events":[{"name":"x","user_id":"u"}]}' });
      const err = expectError(res, 415, 'unsupported_media_type');
      assert.match(err.message, /application\/json/);
    }
    // text/plain bodies are parsed as a string, which no route accepts: a 4xx either way.
    const res = await t.inject({ method: 'POST', url: '/v1/events', headers: { ...bearer(tenant.secretKey), 'content-type': 'text/plain' }, payload: '{"events":[{"name":"x","user_id":"u"}]}' });
    assert.ok(res.statusCode === 400 || res.statusCode === 415, res.body);
    checkErrorShape(res);
  });

  it('accepts JSON content types with parameters and any letter case', async () => {
    for (const ct of ['application/json; charset=utf-8', 'application/json;charset=UTF-8', 'Application/JSON']) {
      const res = await t.inject({ method: 'POST', url: '/v1/events', headers: { ...bearer(tenant.secretKey), 'content-type': ct }, payload: '{"events":[{"name":"ct","user_id":"u"}]}' });
      assert.equal(res.statusCode, 200, `${ct}: ${res.body}`);
    }
  });

  it('answers unknown routes and methods with 404 not_found, before asking for credentials', async () => {
    for (const [method, url] of [
      ['GET', '/v1/nope'],
      ['GET', '/nope'],
      ['PUT', '/v1/events'],
      ['POST', '/v1/users'],
    ] as const) {
      const err = expectError(await t.inject({ method, url }), 404, 'not_found');
      assert.ok(err.message.includes(url), err.message);
    }
  });

  it('answers in Chinese when Accept-Language prefers zh, with the same code and details', async () => {
    const zh = await t.inject({ method: 'GET', url: '/v1/users', headers: { 'accept-language': 'zh-CN,zh;q=0.9,en;q=0.8' } });
    assert.equal(expectError(zh, 401, 'auth.missing_credentials').message, '缺少认证信息');
    const en = await t.inject({ method: 'GET', url: '/v1/users', headers: { 'accept-language': 'en-US,zh;q=0.5' } });
    assert.match(expectError(en, 401, 'auth.missing_credentials').message, /Authorization/);
    const none = await t.inject({ method: 'GET', url: '/v1/users' });
    assert.match(expectError(none, 401, 'auth.missing_credentials').message, /Authorization/);

    const v = await t.inject({ method: 'POST', url: '/v1/events', headers: { ...bearer(tenant.secretKey), 'accept-language': 'zh' }, payload: { events: [{ name: 5, user_id: 'u' }] } });
    const err = expectError(v, 400, 'validation_failed');
    assert.equal(err.message, '请求参数不合法');
    findIssue(err, 'body.events.0.name');
    assert.equal(expectError(await t.inject({ method: 'GET', url: '/v1/nope', headers: { 'accept-language': 'zh-TW' } }), 404, 'not_found').message, '接口不存在');
    assert.equal(expectError(await t.inject({ method: 'GET', url: '/v1/users', headers: { ...bearer('sk_unknown'), 'accept-language': 'zh-CN' } }), 401, 'auth.invalid_key').message, 'API 密钥无效');
  });

  it('gives every response an x-request-id and reuses a well-formed incoming one', async () => {
    const a = await t.inject({ method: 'GET', url: '/v1/nope' });
    const b = await t.inject({ method: 'GET', url: '/health' });
    for (const r of [a, b]) assert.match(String(r.headers['x-request-id']), /^[0-9a-f-]{36}$/);
    assert.notEqual(a.headers['x-request-id'], b.headers['x-request-id']);

    const mine = await t.inject({ method: 'GET', url: '/v1/users', headers: { ...bearer(tenant.secretKey), 'x-request-id': 'req-2024.01:abc_XYZ' } });
    assert.equal(mine.statusCode, 200);
    assert.equal(mine.headers['x-request-id'], 'req-2024.01:abc_XYZ');
    const onError = await t.inject({ method: 'GET', url: '/v1/users', headers: { 'x-request-id': 'trace-123' } });
    assert.equal(onError.statusCode, 401);
    assert.equal(onError.headers['x-request-id'], 'trace-123');

    for (const bad of ['has space', 'x'.repeat(129), 'semi;colon', '<script>']) {
      const r = await t.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': bad } });
      assert.match(String(r.headers['x-request-id']), /^[0-9a-f-]{36}$/, `incoming ${bad} must be replaced`);
    }
  });

  it('answers a tampered or foreign cursor with 400 invalid_cursor', async () => {
    const op = { ...bearer(owner.token) };
    const cases: [string, Record<string, string>][] = [
      ['/v1/users?cursor=garbage', bearer(tenant.secretKey)],
      ['/v1/users?cursor=' + b64({ s: 5 }), bearer(tenant.secretKey)], // an events cursor
      ['/v1/users?cursor=' + b64({ u: 'a\u0000' }), bearer(tenant.secretKey)],
      ['/v1/users?cursor=' + b64([]), bearer(tenant.secretKey)],
      ['/v1/events?cursor=' + b64({ s: 'x' }), bearer(tenant.secretKey)],
      ['/v1/events?cursor=' + b64({ s: 1e300 }), bearer(tenant.secretKey)],
      ['/v1/events?cursor=' + b64({ s: 1.5 }), bearer(tenant.secretKey)],
      [`/v1/apps/${tenant.appId}/audit-log?cursor=` + b64({ id: 'x' }), op],
      [`/v1/apps/${tenant.appId}/audit-log?cursor=%E2%9C%93`, op],
    ];
    for (const [url, headers] of cases) {
      const err = expectError(await t.inject({ method: 'GET', url, headers }), 400, 'invalid_cursor');
      assert.equal(err.details?.field, 'query.cursor');
    }
  });
});

describe('authentication failures', () => {
  let other: Tenant;
  before(async () => {
    other = await t.newTenant();
  });

  it('asks for credentials when none are sent', async () => {
    for (const [method, url] of [
      ['GET', '/v1/users'],
      ['POST', '/v1/events'],
      ['GET', `/v1/apps/${tenant.appId}/keys`],
      ['GET', '/v1/auth/me'],
    ] as const) {
      expectError(await t.inject({ method, url, ...(method === 'POST' ? { payload: { events: [{ name: 'x', user_id: 'u' }] } } : {}) }), 401, 'auth.missing_credentials');
    }
  });

  it('refuses a malformed Authorization header', async () => {
    for (const h of ['Basic dXNlcjpwYXNz', 'Bearer', 'Bearer ', `Bearer ${tenant.secretKey} extra`, tenant.secretKey, `Token ${tenant.secretKey}`]) {
      const err = expectError(await t.inject({ method: 'GET', url: '/v1/users', headers: { authorization: h } }), 401, 'auth.invalid_key');
      assert.match(err.message, /Bearer/);
    }
  });

  it('refuses unknown keys', async () => {
    for (const key of [`sk_${randomBytes(20).toString('hex')}`, `pk_${randomBytes(16).toString('hex')}`, 'nonsense', `sk_${'a'.repeat(10_000)}`, tenant.secretKey.slice(0, -1)]) {
      expectError(await t.inject({ method: 'GET', url: '/v1/users', headers: bearer(key) }), 401, 'auth.invalid_key');
    }
  });

  it('refuses a revoked key at once', async () => {
    const ten = await t.newTenant();
    const created = await t.services.tenancy.createKey(t.systemCtx(), ten.appId, { kind: 'secret', name: 'to revoke' });
    const ok = await t.inject({ method: 'GET', url: '/v1/users', headers: bearer(created.plaintext) });
    assert.equal(ok.statusCode, 200);
    await t.services.tenancy.revokeKey(t.systemCtx(), ten.appId, created.key.id);
    const err = expectError(await t.inject({ method: 'GET', url: '/v1/users', headers: bearer(created.plaintext) }), 401, 'auth.revoked_key');
    assert.equal(err.details?.key_id, created.key.id);
  });

  it('refuses unknown or signed-out operator sessions', async () => {
    expectError(await t.inject({ method: 'GET', url: '/v1/auth/me', headers: bearer('ops_garbage') }), 401, 'auth.invalid_session');
    expectError(await t.inject({ method: 'GET', url: '/v1/auth/me', headers: bearer(`ops_${'x'.repeat(200)}`) }), 401, 'auth.invalid_session');
  });

  describe('end-user tokens', () => {
    const call = (token: string, pk = tenant.publishableKey) => t.inject({ method: 'GET', url: '/v1/me', headers: { ...bearer(pk), 'x-user-token': token } });

    it('accepts a token the host signed with its secret key', async () => {
      const res = await call(userToken(tenant.secretKey, { sub: 'u-1', exp: nowS() + 600, iat: nowS() }));
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().kind, 'user');
      assert.equal(res.json().user_id, 'u-1');
      // Within the 30 s clock-skew leeway an expired token still passes.
      assert.equal((await call(userToken(tenant.secretKey, { sub: 'u-1', exp: nowS() - 10 }))).statusCode, 200);
    });

    it('refuses an expired token with auth.expired_token', async () => {
      const exp = nowS() - 3600;
      const err = expectError(await call(userToken(tenant.secretKey, { sub: 'u-1', exp, iat: exp - 600 })), 401, 'auth.expired_token');
      assert.equal(err.details?.expired_at, new Date(exp * 1000).toISOString());
      // An exp far outside what a date can hold is still just expired, not a crash.
      expectError(await call(userToken(tenant.secretKey, { sub: 'u-1', exp: -1e20 })), 401, 'auth.expired_token');
    });

    it('refuses forged tokens: another secret, another app, alg none, other algorithms', async () => {
      const claims = { sub: 'u-1', exp: nowS() + 600 };
      expectError(await call(userToken('not-the-secret', claims)), 401, 'auth.invalid_token');
      expectError(await call(userToken(other.secretKey, claims)), 401, 'auth.invalid_token');
      expectError(await call(userToken(tenant.secretKey, claims, { alg: 'HS512', typ: 'JWT' })), 401, 'auth.invalid_token');
      const none = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`;
      const err = expectError(await call(none), 401, 'auth.invalid_token');
      assert.match(err.message, /HS256/);
      // A token of app A is useless with app B's publishable key, and the reverse.
      expectError(await call(userToken(tenant.secretKey, claims), other.publishableKey), 401, 'auth.invalid_token');
      // A kid naming no key of this app matches nothing, even with the right secret.
      expectError(await call(userToken(tenant.secretKey, claims, { alg: 'HS256', typ: 'JWT', kid: 'key_unknown' })), 401, 'auth.invalid_token');
    });

    it('refuses a lifetime over the maximum, a future iat and malformed claims', async () => {
      const max = t.config.userTokenMaxTtl;
      const err = expectError(await call(userToken(tenant.secretKey, { sub: 'u-1', exp: nowS() + max + 3600 })), 401, 'auth.invalid_token');
      assert.match(err.message, /lifetime/);
      expectError(await call(userToken(tenant.secretKey, { sub: 'u-1', exp: nowS() + 600, iat: nowS() + 3600 })), 401, 'auth.invalid_token');
      for (const claims of [{ exp: nowS() + 600 }, { sub: '', exp: nowS() + 600 }, { sub: 42, exp: nowS() + 600 }, { sub: 'x'.repeat(256), exp: nowS() + 600 }, { sub: 'a\u0000b', exp: nowS() + 600 }, { sub: 'u-1' }, { sub: 'u-1', exp: 'tomorrow' }]) {
        expectError(await call(userToken(tenant.secretKey, claims)), 401, 'auth.invalid_token');
      }
      for (const garbage of ['abc', 'a.b.c', '', 'x'.repeat(5000), `${b64({ alg: 'HS256' })}.${b64([1])}.sig`]) {
        const res = await call(garbage);
        if (garbage === '') assert.equal(res.json().kind, 'publishable');
        else expectError(res, 401, 'auth.invalid_token');
      }
    });

    it('requires the user token with a publishable key on user routes', async () => {
      const res = await t.inject({ method: 'GET', url: '/v1/users/u-1', headers: bearer(tenant.publishableKey) });
      const err = expectError(res, 401, 'auth.user_token_required');
      assert.match(err.message, /X-User-Token/);
      expectError(await t.inject({ method: 'POST', url: '/v1/events', headers: bearer(tenant.publishableKey), payload: { events: [{ name: 'x', user_id: 'u' }] } }), 401, 'auth.user_token_required');
    });

    it('lets a user token act only for its own user', async () => {
      const headers = { ...bearer(tenant.publishableKey), 'x-user-token': userToken(tenant.secretKey, { sub: 'u-self', exp: nowS() + 600 }) };
      const own = await t.inject({ method: 'POST', url: '/v1/users/u-self', headers, payload: { traits: { a: 1 } } });
      assert.equal(own.statusCode, 200, own.body);
      let err = expectError(await t.inject({ method: 'POST', url: '/v1/users/u-victim', headers, payload: { traits: { a: 1 } } }), 403, 'auth.wrong_user');
      assert.equal(err.details?.token_user_id, 'u-self');
      expectError(await t.inject({ method: 'GET', url: '/v1/users/u-victim', headers }), 403, 'auth.wrong_user');
      expectError(await t.inject({ method: 'POST', url: '/v1/users/u-victim/tokens', headers, payload: {} }), 403, 'auth.forbidden');
      err = expectError(await t.inject({ method: 'POST', url: '/v1/events', headers, payload: { events: [{ name: 'x', user_id: 'u-self' }, { name: 'x', user_id: 'u-victim' }] } }), 403, 'auth.wrong_user');
      assert.equal(err.details?.field, 'body.events.1.user_id');
      // Secret-key-only routes refuse user tokens outright.
      expectError(await t.inject({ method: 'GET', url: '/v1/users', headers }), 403, 'auth.forbidden');
      const victim = await t.inject({ method: 'GET', url: '/v1/users/u-victim', headers: bearer(tenant.secretKey) });
      expectError(victim, 404, 'users.not_found');
    });
  });

  it('refuses keys on operator routes and asks operators to name the app', async () => {
    expectError(await t.inject({ method: 'GET', url: `/v1/apps/${tenant.appId}/keys`, headers: bearer(tenant.secretKey) }), 403, 'auth.forbidden');
    expectError(await t.inject({ method: 'GET', url: '/v1/users', headers: bearer(owner.token) }), 400, 'auth.app_required');
    const ok = await t.inject({ method: 'GET', url: '/v1/users', headers: { ...bearer(owner.token), 'x-canyu-app': tenant.appId } });
    assert.equal(ok.statusCode, 200, ok.body);
    const err = expectError(await t.inject({ method: 'GET', url: '/v1/users', headers: { ...bearer(owner.token), 'x-canyu-app': 'app/../x' } }), 400, 'validation_failed');
    findIssue(err, 'headers.x-canyu-app');
  });
});

describe('Idempotency-Key', () => {
  const auditCount = async (appId: string, action: string, targetId: string) => {
    const r = await t.database.pool.query<{ n: number }>('select count(*)::int as n from au_log where app_id = $1 and action = $2 and target_id = $3', [appId, action, targetId]);
    return r.rows[0]!.n;
  };
  const keyCount = async (appId: string, name: string) => {
    const r = await t.database.pool.query<{ n: number }>('select count(*)::int as n from tn_app_keys where app_id = $1 and name = $2', [appId, name]);
    return r.rows[0]!.n;
  };

  it('replays the stored response byte for byte and does not repeat the mutation', async () => {
    const headers = { ...bearer(tenant.secretKey), 'idempotency-key': 'identify-1' };
    const first = await t.inject({ method: 'POST', url: '/v1/users/idem-1', headers, payload: { traits: { plan: 'pro', n: 1 } } });
    assert.equal(first.statusCode, 200, first.body);
    assert.equal(first.json().created, true);
    assert.equal(first.headers['idempotent-replayed'], undefined);

    const again = await t.inject({ method: 'POST', url: '/v1/users/idem-1', headers, payload: { traits: { plan: 'pro', n: 1 } } });
    assert.equal(again.statusCode, 200);
    assert.equal(again.headers['idempotent-replayed'], 'true');
    assert.equal(again.body, first.body);
    assert.equal(await auditCount(tenant.appId, 'user.create', 'idem-1'), 1);
    assert.equal(await auditCount(tenant.appId, 'user.update', 'idem-1'), 0);

    // Without the key the same request runs again.
    const fresh = await t.inject({ method: 'POST', url: '/v1/users/idem-1', headers: bearer(tenant.secretKey), payload: { traits: { plan: 'pro', n: 1 } } });
    assert.equal(fresh.json().created, false);
    assert.equal(await auditCount(tenant.appId, 'user.update', 'idem-1'), 1);
  });

  it('replays a 201 with the same key created once', async () => {
    const headers = { ...bearer(owner.token), 'idempotency-key': 'create-key-1' };
    const url = `/v1/apps/${tenant.appId}/keys`;
    const first = await t.inject({ method: 'POST', url, headers, payload: { kind: 'publishable', name: 'idem-once' } });
    assert.equal(first.statusCode, 201, first.body);
    const second = await t.inject({ method: 'POST', url, headers, payload: { kind: 'publishable', name: 'idem-once' } });
    assert.equal(second.statusCode, 201);
    assert.equal(second.headers['idempotent-replayed'], 'true');
    assert.equal(second.json().key.id, first.json().key.id);
    assert.equal(await keyCount(tenant.appId, 'idem-once'), 1);
  });

  it('refuses the same key with a different body or URL (409 idempotency.key_reused)', async () => {
    const headers = { ...bearer(tenant.secretKey), 'idempotency-key': 'reuse-1' };
    assert.equal((await t.inject({ method: 'POST', url: '/v1/users/reuse-a', headers, payload: { traits: { a: 1 } } })).statusCode, 200);
    let err = expectError(await t.inject({ method: 'POST', url: '/v1/users/reuse-a', headers, payload: { traits: { a: 2 } } }), 409, 'idempotency.key_reused');
    assert.equal(err.details?.field, 'headers.idempotency-key');
    err = expectError(await t.inject({ method: 'POST', url: '/v1/users/reuse-b', headers, payload: { traits: { a: 1 } } }), 409, 'idempotency.key_reused');
    const a = await t.inject({ method: 'GET', url: '/v1/users/reuse-a', headers: bearer(tenant.secretKey) });
    assert.deepEqual(a.json().traits, { a: 1 }, 'the refused request must not have run');
    expectError(await t.inject({ method: 'GET', url: '/v1/users/reuse-b', headers: bearer(tenant.secretKey) }), 404, 'users.not_found');
  });

  it('scopes keys to the caller: another app, user or app of the same operator is another request', async () => {
    const b = await t.newTenant();
    const key = { 'idempotency-key': 'shared-key' };
    const inA = await t.inject({ method: 'POST', url: '/v1/users/scoped', headers: { ...bearer(tenant.secretKey), ...key }, payload: { traits: { app: 'A' } } });
    const inB = await t.inject({ method: 'POST', url: '/v1/users/scoped', headers: { ...bearer(b.secretKey), ...key }, payload: { traits: { app: 'A' } } });
    assert.equal(inA.json().created, true);
    assert.equal(inB.json().created, true, 'app B must not get app A’s stored response');
    assert.equal(inB.headers['idempotent-replayed'], undefined);

    // One operator, two apps, the header picks the app: the same key must not replay across them.
    const op = await t.newOperator(b.appId, 'owner');
    await t.services.tenancy.setMember(t.systemCtx(), tenant.appId, { actorRole: 'owner', email: op.email, role: 'operator' });
    const viaOp = (appId: string) => t.inject({ method: 'POST', url: '/v1/users/op-scoped', headers: { ...bearer(op.token), 'x-canyu-app': appId, ...key }, payload: { traits: { via: 'op' } } });
    const r1 = await viaOp(tenant.appId);
    const r2 = await viaOp(b.appId);
    assert.equal(r1.statusCode, 200, r1.body);
    assert.equal(r2.statusCode, 200, r2.body);
    assert.equal(r2.headers['idempotent-replayed'], undefined);
    assert.equal(r2.json().created, true);
    assert.equal((await t.inject({ method: 'GET', url: '/v1/users/op-scoped', headers: bearer(b.secretKey) })).statusCode, 200, 'the user must exist in app B');
    assert.equal((await viaOp(b.appId)).headers['idempotent-replayed'], 'true');
  });

  it('refuses malformed keys', async () => {
    for (const k of ['', 'has space', 'x'.repeat(256), 'tab\there']) {
      const err = expectError(await t.inject({ method: 'POST', url: '/v1/users/bad-key', headers: { ...bearer(tenant.secretKey), 'idempotency-key': k }, payload: {} }), 400, 'validation_failed');
      findIssue(err, 'headers.idempotency-key');
    }
    expectError(await t.inject({ method: 'GET', url: '/v1/users/bad-key', headers: bearer(tenant.secretKey) }), 404, 'users.not_found');
  });

  it('under 20 concurrent requests with one key, exactly one performs the mutation', async () => {
    const url = `/v1/apps/${tenant.appId}/keys`;
    const headers = { ...bearer(owner.token), 'idempotency-key': 'race-1' };
    const results = await Promise.all(Array.from({ length: 20 }, () => t.inject({ method: 'POST', url, headers, payload: { kind: 'publishable', name: 'race-once' } })));
    const statuses = results.map((r) => r.statusCode);
    for (const r of results) {
      if (r.statusCode === 201) continue;
      const err = expectError(r, 409, 'idempotency.in_progress');
      assert.equal(err.details?.field, 'headers.idempotency-key');
      assert.equal(r.headers['retry-after'], '1');
    }
    const originals = results.filter((r) => r.statusCode === 201 && r.headers['idempotent-replayed'] === undefined);
    assert.equal(originals.length, 1, `statuses: ${statuses.join(',')}`);
    const id = originals[0]!.json().key.id as string;
    for (const r of results.filter((x) => x.statusCode === 201)) assert.equal(r.json().key.id, id);
    assert.equal(await keyCount(tenant.appId, 'race-once'), 1);
    const later = await t.inject({ method: 'POST', url, headers, payload: { kind: 'publishable', name: 'race-once' } });
    assert.equal(later.statusCode, 201);
    assert.equal(later.headers['idempotent-replayed'], 'true');
    assert.equal(later.json().key.id, id);
  });

  it('under concurrent identify calls with one key, one runs and none fails with a 500', async () => {
    const headers = { ...bearer(tenant.secretKey), 'idempotency-key': 'race-2' };
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => t.inject({ method: 'POST', url: '/v1/users/race-user', headers, payload: { traits: { i: i % 2 } } })),
    );
    for (const r of results) {
      assert.ok(r.statusCode === 200 || r.statusCode === 409, `${r.statusCode}: ${r.body}`);
      if (r.statusCode === 409) assert.ok(['idempotency.in_progress', 'idempotency.key_reused'].includes(checkErrorShape(r).code));
    }
    assert.equal(results.filter((r) => r.statusCode === 200 && r.headers['idempotent-replayed'] === undefined).length, 1);
    assert.equal(await auditCount(tenant.appId, 'user.create', 'race-user'), 1);
    assert.equal(await auditCount(tenant.appId, 'user.update', 'race-user'), 0);
  });
});

describe('rate limits', () => {
  let rl: TestApp;
  before(async () => {
    rl = await startTestApp({ config: { rateLimit: { perKey: 5, perUser: 3, windowMs: 60_000 } } });
  });
  after(() => rl.close());

  it('allows perKey requests per window for a key, then 429 with Retry-After', async () => {
    const a = await rl.newTenant();
    const b = await rl.newTenant();
    for (let i = 0; i < 5; i++) {
      const r = await rl.inject({ method: 'GET', url: '/v1/users', headers: bearer(a.secretKey) });
      assert.equal(r.statusCode, 200, `request ${i + 1}: ${r.body}`);
      assert.equal(r.headers['x-ratelimit-limit'], '5');
      assert.equal(r.headers['x-ratelimit-remaining'], String(4 - i));
    }
    const sixth = await rl.inject({ method: 'GET', url: '/v1/users', headers: bearer(a.secretKey) });
    const err = expectError(sixth, 429, 'rate_limited');
    assert.deepEqual(err.details, { limit: 5, window_seconds: 60 });
    const retry = Number(sixth.headers['retry-after']);
    assert.ok(Number.isInteger(retry) && retry >= 1 && retry <= 60, `Retry-After ${sixth.headers['retry-after']}`);
    // Mutations are limited too, and nothing runs.
    expectError(await rl.inject({ method: 'POST', url: '/v1/users/limited', headers: bearer(a.secretKey), payload: {} }), 429, 'rate_limited');
    const stored = await rl.database.pool.query('select 1 from us_users where app_id = $1', [a.appId]);
    assert.equal(stored.rowCount, 0);
    // Another app's key has its own budget.
    assert.equal((await rl.inject({ method: 'GET', url: '/v1/users', headers: bearer(b.secretKey) })).statusCode, 200);
  });

  it('limits each end user separately (perUser), on top of the key limit', async () => {
    const a = await rl.newTenant();
    const tok = (sub: string) => ({ ...bearer(a.publishableKey), 'x-user-token': signHs256({ sub, exp: nowS() + 600 }, a.secretKey) });
    for (let i = 0; i < 3; i++) assert.equal((await rl.inject({ method: 'GET', url: '/v1/me', headers: tok('u1') })).statusCode, 200);
    const fourth = await rl.inject({ method: 'GET', url: '/v1/me', headers: tok('u1') });
    assert.equal(expectError(fourth, 429, 'rate_limited').details?.limit, 3);
    assert.ok(Number(fourth.headers['retry-after']) >= 1);
    // u2 has its own user budget; the shared publishable key has used 4 of 5.
    assert.equal((await rl.inject({ method: 'GET', url: '/v1/me', headers: tok('u2') })).statusCode, 200);
    assert.equal(expectError(await rl.inject({ method: 'GET', url: '/v1/me', headers: tok('u2') }), 429, 'rate_limited').details?.limit, 5);
  });
});

// ---- OpenAPI ----------------------------------------------------------------------------------

/** Parses `printRoutes({ commonPrefix: false })` into [METHOD, path] pairs. */
function registeredRoutes(tree: string): [string, string][] {
  const out: [string, string][] = [];
  const stack: string[] = [];
  for (const line of tree.split('\n')) {
    const m = /^(.*?)(?:├── |└── )(.+?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!m) continue;
    const depth = (m[1]!.length - 0) / 4;
    stack.length = depth;
    stack.push(m[2]!);
    const path = stack.join('').replace(/\/\//g, '/');
    for (const method of (m[3] ?? '').split(',').map((s) => s.trim()).filter(Boolean)) out.push([method, path]);
  }
  return out;
}

describe('OpenAPI document and docs', () => {
  type Operation = { summary?: string; responses?: Record<string, unknown>; tags?: string[]; security?: unknown[]; parameters?: { in: string; name: string }[] };
  let doc: { openapi: string; paths: Record<string, Record<string, Operation>> };
  before(async () => {
    const res = await t.inject({ method: 'GET', url: '/openapi.json' });
    assert.equal(res.statusCode, 200);
    doc = res.json();
  });

  it('documents every /v1 route the app registers, and nothing else', () => {
    assert.equal(doc.openapi, '3.1.0');
    const routes = registeredRoutes(t.app.printRoutes({ commonPrefix: false })).filter(([m, p]) => m !== 'HEAD' && p.startsWith('/v1/'));
    assert.ok(routes.length >= 20, `parsed only ${routes.length} routes from printRoutes`);
    const documented = new Set<string>();
    for (const [path, ops] of Object.entries(doc.paths)) for (const method of Object.keys(ops)) documented.add(`${method.toUpperCase()} ${path}`);
    const registered = new Set(routes.map(([m, p]) => `${m} ${p.replace(/:(\w+)/g, '{$1}')}`));
    const missing = [...registered].filter((r) => !documented.has(r));
    assert.deepEqual(missing, [], 'registered but not documented');
    const extra = [...documented].filter((r) => !registered.has(r) && r !== 'GET /health');
    assert.deepEqual(extra, [], 'documented but not registered');
  });

  it('gives every operation a summary, tags, a success response and documented errors', () => {
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const where = `${method.toUpperCase()} ${path}`;
        assert.ok(typeof op.summary === 'string' && op.summary.length > 3, `${where}: summary`);
        assert.ok(op.tags && op.tags.length > 0, `${where}: tags`);
        const codes = Object.keys(op.responses ?? {});
        assert.ok(codes.some((c) => /^2\d\d$/.test(c)), `${where}: no 2xx response`);
        if (path.startsWith('/v1/')) assert.ok(codes.some((c) => /^4\d\d$/.test(c)), `${where}: no error responses`);
        for (const param of path.match(/\{(\w+)\}/g) ?? []) {
          const name = param.slice(1, -1);
          assert.ok(op.parameters?.some((p) => p.in === 'path' && p.name === name), `${where}: path parameter ${name} undocumented`);
        }
      }
    }
  });

  it('states how to authenticate each /v1 operation and documents Idempotency-Key on mutations', () => {
    for (const [path, ops] of Object.entries(doc.paths)) {
      if (!path.startsWith('/v1/')) continue;
      for (const [method, op] of Object.entries(ops)) {
        const where = `${method.toUpperCase()} ${path}`;
        if (path === '/v1/auth/login') continue;
        assert.ok(Array.isArray(op.security) && op.security.length > 0, `${where}: security`);
        if (['post', 'patch', 'delete'].includes(method)) {
          assert.ok(op.parameters?.some((p) => p.in === 'header' && p.name === 'idempotency-key'), `${where}: Idempotency-Key`);
        }
      }
    }
    const secured = JSON.stringify(doc);
    for (const scheme of ['secretKey', 'publishableKey', 'userToken', 'operatorSession']) assert.ok(secured.includes(scheme), scheme);
  });

  it('serves the docs UI offline: HTML without any external URL, assets served locally', async () => {
    const page = await t.inject({ method: 'GET', url: '/docs' });
    assert.equal(page.statusCode, 200);
    assert.match(String(page.headers['content-type']), /text\/html/);
    assert.doesNotMatch(page.body, /(src|href)\s*=\s*["']?\s*(https?:)?\/\//i, 'no external scripts or styles');
    assert.doesNotMatch(page.body, /https?:\/\//i);
    const assets = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    assert.ok(assets.length >= 3, `assets: ${assets.join(', ')}`);
    for (const a of assets) {
      const url = a.startsWith('/') ? a : `/docs/${a.replace(/^\.\//, '')}`;
      const r = await t.inject({ method: 'GET', url });
      assert.equal(r.statusCode, 200, url);
      if (url.endsWith('.js')) {
        // Comments may cite URLs; code must not fetch from anywhere but this server.
        const code = r.body.replace(/^\s*\/\/.*$/gm, '');
        if (url.endsWith('swagger-initializer.js')) {
          assert.doesNotMatch(code, /https?:\/\//, `${url} refers to an external URL`);
          assert.match(code, /validatorUrl:\s*null/, 'the online spec validator must be off');
        }
      }
    }
    const spec = await t.inject({ method: 'GET', url: '/docs/json' });
    assert.equal(spec.statusCode, 200);
    assert.deepEqual(Object.keys(spec.json().paths).sort(), Object.keys(doc.paths).sort());
  });
});

// ---- fuzz ----------------------------------------------------------------------------------------

describe('fuzz: no request shape produces a 500', () => {
  let fz: Tenant;
  let op: { token: string };
  before(async () => {
    fz = await t.newTenant();
    op = await t.newOperator(fz.appId, 'owner');
  });

  const deepObject = (n: number, leaf = '1') => '{"a":'.repeat(n) + leaf + '}'.repeat(n);
  const deepArray = (n: number) => '['.repeat(n) + ']'.repeat(n);
  const str = (s: string) => JSON.stringify(s);

  const generic: [string, string][] = [
    ['array', '[]'],
    ['array of numbers', '[1,2,3]'],
    ['array of objects', '[{}]'],
    ['zero', '0'],
    ['negative', '-1'],
    ['huge number', '1e400'],
    ['long integer', '123456789012345678901234567890'],
    ['string', '"a string"'],
    ['true', 'true'],
    ['false', 'false'],
    ['null', 'null'],
    ['NUL string', '"\\u0000"'],
    ['NUL key', '{"\\u0000":1}'],
    ['lone surrogate', '"\\ud800"'],
    ['lone surrogate key', '{"\\udc00":1}'],
    ['proto pollution', '{"__proto__":{"polluted":true}}'],
    ['constructor pollution', '{"constructor":{"prototype":{"polluted":true}}}'],
    ['deep object 10000', deepObject(10_000)],
    ['deep array 10000', deepArray(10_000)],
    ['deep array 200000', deepArray(200_000)],
    ['deep proto', '{"__proto__":'.repeat(5000) + '1' + '}'.repeat(5000)],
    ['BOM before an array', '\ufeff[]'],
    ['trailing garbage', '{} x'],
    ['two documents', '{}{}'],
    ['NaN', 'NaN'],
    ['truncated', '{"'],
    ['big string', str('x'.repeat(500_000))],
    ['many keys', JSON.stringify(Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, i])))],
  ];

  const events = (e: unknown) => JSON.stringify({ events: [e] });
  const ev = (extra: Record<string, unknown>) => events({ name: 'fuzz', user_id: 'fuzz-user', ...extra });
  const deepProps = (n: number) => `{"events":[{"name":"x","user_id":"u","properties":${deepObject(n)}}]}`;

  /** `valid`: labels of generic bodies this route rightly accepts (its body is optional). */
  type Target = { name: string; method: 'POST' | 'PATCH'; url: () => string; headers: () => Record<string, string>; specific: [string, string][]; valid?: string[] };
  const targets: Target[] = [
    {
      name: 'events',
      method: 'POST',
      url: () => '/v1/events',
      headers: () => bearer(fz.secretKey),
      specific: [
        ['empty batch', '{"events":[]}'],
        ['events string', '{"events":"x"}'],
        ['events null item', '{"events":[null]}'],
        ['events nested array', '{"events":[[]]}'],
        ['events number item', '{"events":[1]}'],
        ['1001 events', JSON.stringify({ events: Array.from({ length: 1001 }, (_, i) => ({ name: 'x', user_id: 'u', event_id: `e${i}` })) })],
        ['name NUL', ev({ name: 'a\u0000b' })],
        ['name empty', ev({ name: '' })],
        ['name long', ev({ name: 'x'.repeat(201) })],
        ['name newline', ev({ name: 'a\nb' })],
        ['name number', ev({ name: 1 })],
        ['user_id NUL', ev({ user_id: '\u0000' })],
        ['user_id long', ev({ user_id: 'u'.repeat(256) })],
        ['user_id empty', ev({ user_id: '' })],
        ['user_id missing', events({ name: 'x' })],
        ['event_id NUL', ev({ event_id: 'e\u0000' })],
        ['event_id object', ev({ event_id: { a: 1 } })],
        ['timestamp words', ev({ timestamp: 'not a date' })],
        ['timestamp number', ev({ timestamp: 1_700_000_000 })],
        ['timestamp far future', ev({ timestamp: '9999-12-31T23:59:59Z' })],
        ['timestamp before 1970', ev({ timestamp: '1969-12-31T23:59:59Z' })],
        ['timestamp extended year', ev({ timestamp: '+275760-09-13T00:00:00.000Z' })],
        ['timestamp without offset', ev({ timestamp: '2024-01-01T00:00:00' })],
        ['timestamp date only', ev({ timestamp: '2024-01-01' })],
        ['timestamp month 13', ev({ timestamp: '2024-13-01T00:00:00Z' })],
        ['timestamp hour 25', ev({ timestamp: '2024-01-01T25:00:00Z' })],
        ['timestamp NUL', ev({ timestamp: '2024-01-01T00:00:00Z\u0000' })],
        ['timestamp February 30', ev({ timestamp: '2024-02-30T00:00:00Z' })],
        ['timestamp leap second', ev({ timestamp: '2016-12-31T23:59:60Z' })],
        ['timestamp offset 24h', ev({ timestamp: '2024-01-01T00:00:00+24:00' })],
        ['properties array', ev({ properties: [1, 2] })],
        ['properties string', ev({ properties: 'x' })],
        ['properties null', ev({ properties: null })],
        ['properties NUL value', ev({ properties: { a: 'x\u0000' } })],
        ['properties NUL key', ev({ properties: { 'a\u0000': 1 } })],
        ['properties nested NUL', ev({ properties: { a: [{ b: '\u0000' }] } })],
        ['properties lone surrogate', '{"events":[{"name":"x","user_id":"u","properties":{"a":"\\ud800"}}]}'],
        ['properties lone surrogate key', '{"events":[{"name":"x","user_id":"u","properties":{"\\udfff":1}}]}'],
        ['properties reversed surrogates', '{"events":[{"name":"x","user_id":"u","properties":{"a":"\\udc00\\ud800"}}]}'],
        ['properties deep 40', deepProps(40)],
        ['properties deep 10000', deepProps(10_000)],
        ['properties too big', ev({ properties: { big: 'x'.repeat(33 * 1024) } })],
      ],
    },
    {
      name: 'identify',
      method: 'POST',
      url: () => '/v1/users/fuzz-user',
      headers: () => bearer(fz.secretKey),
      specific: [
        ['traits array', '{"traits":[1]}'],
        ['traits string', '{"traits":"x"}'],
        ['traits NUL value', JSON.stringify({ traits: { a: '\u0000' } })],
        ['traits NUL key', JSON.stringify({ traits: { '\u0000': 1 } })],
        ['traits lone surrogate', '{"traits":{"a":"\\udc00"}}'],
        ['traits lone surrogate key', '{"traits":{"\\ud83d":1}}'],
        ['traits deep', `{"traits":${deepObject(10_000)}}`],
        ['traits too big', JSON.stringify({ traits: { big: 'x'.repeat(17 * 1024) } })],
        ['timezone unknown', '{"timezone":"Mars/Olympus_Mons"}'],
        ['timezone number', '{"timezone":8}'],
        ['timezone NUL', JSON.stringify({ timezone: 'Asia/Shanghai\u0000' })],
        ['locale invalid', '{"locale":"!!"}'],
        ['locale long', JSON.stringify({ locale: 'x'.repeat(36) })],
        ['locale NUL', JSON.stringify({ locale: 'zh\u0000' })],
        ['unknown field', '{"email":"a@b.c"}'],
      ],
    },
    {
      name: 'create app',
      method: 'POST',
      url: () => '/v1/apps',
      headers: () => bearer(op.token),
      specific: [
        ['name empty', '{"name":""}'],
        ['name blank', '{"name":"   "}'],
        ['name NUL', JSON.stringify({ name: 'a\u0000b' })],
        ['name long', JSON.stringify({ name: 'x'.repeat(101) })],
        ['name number', '{"name":5}'],
        ['extra', '{"name":"x","owner":"me"}'],
      ],
    },
    {
      name: 'update app',
      method: 'PATCH',
      url: () => `/v1/apps/${fz.appId}`,
      headers: () => bearer(op.token),
      specific: [
        ['name NUL', JSON.stringify({ name: '\u0000' })],
        ['settings NUL', JSON.stringify({ settings: { a: '\u0000' } })],
        ['settings NUL key', JSON.stringify({ settings: { '\u0000': 1 } })],
        ['settings lone surrogate', '{"settings":{"a":"\\ud800"}}'],
        ['settings deep', `{"settings":${deepObject(10_000)}}`],
        ['settings array', '{"settings":[1]}'],
        ['settings too big', JSON.stringify({ settings: { big: 'x'.repeat(70 * 1024) } })],
      ],
    },
    {
      name: 'create key',
      method: 'POST',
      url: () => `/v1/apps/${fz.appId}/keys`,
      headers: () => bearer(op.token),
      specific: [
        ['kind root', '{"kind":"root"}'],
        ['kind missing', '{"name":"x"}'],
        ['name NUL', JSON.stringify({ kind: 'secret', name: 'a\u0000' })],
        ['name long', JSON.stringify({ kind: 'secret', name: 'x'.repeat(101) })],
      ],
    },
    {
      name: 'revoke key',
      method: 'POST',
      url: () => `/v1/apps/${fz.appId}/keys/key_doesnotexist/revoke`,
      headers: () => bearer(op.token),
      specific: [
        ['grace negative', '{"grace_seconds":-1}'],
        ['grace fraction', '{"grace_seconds":1.5}'],
        ['grace huge', '{"grace_seconds":1e400}'],
        ['grace string', '{"grace_seconds":"60"}'],
        ['grace over max', JSON.stringify({ grace_seconds: 30 * 86400 + 1 })],
      ],
    },
    {
      name: 'members',
      method: 'POST',
      url: () => `/v1/apps/${fz.appId}/members`,
      headers: () => bearer(op.token),
      specific: [
        ['email invalid', '{"email":"not-an-email","role":"admin"}'],
        ['email NUL', JSON.stringify({ email: 'a\u0000@example.com', role: 'admin' })],
        ['role unknown', '{"email":"a@example.com","role":"superuser"}'],
        ['password short', '{"email":"a@example.com","role":"admin","password":"short"}'],
        ['name NUL', JSON.stringify({ email: 'a@example.com', role: 'admin', name: '\u0000', password: 'long enough password' })],
        ['locale unknown', '{"email":"a@example.com","role":"admin","locale":"fr"}'],
      ],
    },
    {
      name: 'mint token',
      method: 'POST',
      url: () => '/v1/users/fuzz-user/tokens',
      headers: () => bearer(fz.secretKey),
      valid: ['null'],
      specific: [
        ['ttl too small', '{"ttl_seconds":59}'],
        ['ttl huge', '{"ttl_seconds":1e400}'],
        ['ttl string', '{"ttl_seconds":"3600"}'],
        ['ttl fraction', '{"ttl_seconds":90.5}'],
        ['ttl over max', JSON.stringify({ ttl_seconds: 30 * 86400 + 1 })],
      ],
    },
    {
      name: 'login',
      method: 'POST',
      url: () => '/v1/auth/login',
      headers: () => ({}),
      specific: [
        ['email invalid', '{"email":"x","password":"y"}'],
        ['password empty', '{"email":"a@example.com","password":""}'],
        ['password long', JSON.stringify({ email: 'a@example.com', password: 'x'.repeat(201) })],
        ['email NUL', JSON.stringify({ email: '\u0000@example.com', password: 'y' })],
      ],
    },
    {
      name: 'change password',
      method: 'POST',
      url: () => '/v1/auth/password',
      headers: () => bearer(op.token),
      specific: [
        ['new password short', '{"current_password":"correct horse battery","new_password":"short"}'],
        ['missing current', '{"new_password":"long enough password"}'],
      ],
    },
  ];

  it('answers garbage bodies on every mutating route with a 4xx in the standard shape', async () => {
    const failures: string[] = [];
    let count = 0;
    for (const target of targets) {
      for (const [label, payload] of [...generic, ...target.specific]) {
        count++;
        const res = await t.inject({ method: target.method, url: target.url(), headers: { ...target.headers(), ...json }, payload });
        const where = `${target.name} / ${label}: ${res.statusCode} ${res.body.slice(0, 200)}`;
        if (target.valid?.includes(label)) {
          if (res.statusCode >= 300) failures.push(`${where} (a valid body)`);
          continue;
        }
        if (res.statusCode < 400 || res.statusCode >= 500) {
          failures.push(where);
          continue;
        }
        try {
          checkErrorShape(res);
        } catch (e) {
          failures.push(`${where} (${(e as Error).message})`);
        }
      }
    }
    assert.deepEqual(failures, [], `${failures.length} of ${count} requests were not a 4xx with the error shape`);
    assert.equal(({} as Record<string, unknown>).polluted, undefined, 'prototype pollution');
  });

  it('answers garbage paths, queries and headers with a 4xx in the standard shape', async () => {
    const cursor = (v: unknown) => encodeURIComponent(b64(v));
    const sk = () => bearer(fz.secretKey);
    const ops = () => bearer(op.token);
    const cases: { method: 'GET' | 'POST' | 'DELETE'; url: string; headers: () => Record<string, string>; payload?: unknown }[] = [
      { method: 'GET', url: '/v1/users/%00', headers: sk },
      { method: 'DELETE', url: '/v1/users/a%00', headers: sk },
      { method: 'GET', url: '/v1/users?limit=-1', headers: sk },
      { method: 'GET', url: '/v1/users?limit=201', headers: sk },
      { method: 'GET', url: '/v1/users?limit=1e400', headers: sk },
      { method: 'GET', url: '/v1/users?limit=1.5', headers: sk },
      { method: 'GET', url: '/v1/users?limit=1&limit=2', headers: sk },
      { method: 'GET', url: '/v1/users?cursor=%00', headers: sk },
      { method: 'GET', url: `/v1/users?cursor=${'a'.repeat(501)}`, headers: sk },
      { method: 'GET', url: '/v1/users?cursor=!!!', headers: sk },
      { method: 'GET', url: `/v1/users?cursor=${cursor({ u: '\u0000' })}`, headers: sk },
      { method: 'GET', url: `/v1/users?cursor=${cursor({ u: 5 })}`, headers: sk },
      { method: 'GET', url: '/v1/users?cursor=a&cursor=b', headers: sk },
      { method: 'GET', url: '/v1/events?name=%00', headers: sk },
      { method: 'GET', url: '/v1/events?user_id=%00', headers: sk },
      { method: 'GET', url: `/v1/events?cursor=${cursor({ s: 1e300 })}`, headers: sk },
      { method: 'GET', url: `/v1/events?cursor=${cursor({ s: -1e300 })}`, headers: sk },
      { method: 'GET', url: '/v1/apps/%00/keys', headers: ops },
      { method: 'GET', url: `/v1/apps/${'x'.repeat(65)}/keys`, headers: ops },
      { method: 'GET', url: '/v1/apps/app%0A1/members', headers: ops },
      { method: 'POST', url: `/v1/apps/${fz.appId}/keys/%00/revoke`, headers: ops, payload: {} },
      { method: 'POST', url: `/v1/apps/${fz.appId}/keys/${'k'.repeat(65)}/rotate`, headers: ops, payload: {} },
      { method: 'DELETE', url: `/v1/apps/${fz.appId}/members/%00`, headers: ops },
      { method: 'GET', url: `/v1/apps/${fz.appId}/audit-log?action=%00`, headers: ops },
      { method: 'GET', url: `/v1/apps/${fz.appId}/audit-log?target_id=a%00b&limit=0`, headers: ops },
      { method: 'GET', url: `/v1/apps/${fz.appId}/audit-log?cursor=${cursor({ id: 1e300 })}`, headers: ops },
      { method: 'GET', url: '/v1/users', headers: () => ({ ...ops(), 'x-canyu-app': '\u0000' }) },
      { method: 'GET', url: '/v1/users', headers: () => ({ ...ops(), 'x-canyu-app': 'x'.repeat(1000) }) },
      { method: 'GET', url: '/v1/users/u', headers: () => ({ ...bearer(fz.publishableKey), 'x-user-token': '\u0000' }) },
      { method: 'GET', url: '/v1/users/u', headers: () => ({ ...bearer(fz.publishableKey), 'x-user-token': `${b64({ alg: 'HS256' })}.${b64({ sub: 'u', exp: 1e308 })}.x` }) },
      { method: 'GET', url: '/v1/users/u', headers: () => ({ ...bearer(fz.publishableKey), 'x-user-token': `${b64('[')}.${b64('{')}.x` }) },
      { method: 'POST', url: '/v1/users/u', headers: () => ({ ...sk(), 'idempotency-key': 'k\u0000' }), payload: {} },
    ];
    const failures: string[] = [];
    for (const c of cases) {
      const res = await t.inject({ method: c.method, url: c.url, headers: c.headers(), ...(c.payload !== undefined ? { payload: c.payload as object } : {}) });
      const where = `${c.method} ${c.url.slice(0, 80)}: ${res.statusCode} ${res.body.slice(0, 200)}`;
      if (res.statusCode < 400 || res.statusCode >= 500) failures.push(where);
      else {
        try {
          checkErrorShape(res);
        } catch (e) {
          failures.push(`${where} (${(e as Error).message})`);
        }
      }
    }
    assert.deepEqual(failures, []);
  });

  it('a bad request never fails the good ones stored alongside it', async () => {
    // Ingestion coalesces concurrent requests into one INSERT: one unstorable value would fail them all.
    const other = await t.newTenant();
    const good = Array.from({ length: 10 }, (_, i) => t.inject({ method: 'POST', url: '/v1/events', headers: bearer(other.secretKey), payload: { events: [{ name: 'good', user_id: `u${i}`, event_id: `good-${i}` }] } }));
    const bad = Array.from({ length: 10 }, () => t.inject({ method: 'POST', url: '/v1/events', headers: { ...bearer(other.secretKey), ...json }, payload: '{"events":[{"name":"bad","user_id":"u","properties":{"a":"\\ud800"}}]}' }));
    const results = await Promise.all([...good, ...bad]);
    assert.deepEqual(results.slice(0, 10).map((r) => r.statusCode), Array(10).fill(200), results.map((r) => r.body).join('\n'));
    for (const r of results.slice(10)) expectError(r, 400, 'validation_failed');
    const stored = ok200(await t.inject({ method: 'GET', url: '/v1/events?limit=200', headers: bearer(other.secretKey) }));
    assert.equal(stored.data.length, 10);
  });

  it('stored nothing and the server is healthy afterwards', async () => {
    const users = await t.inject({ method: 'GET', url: '/v1/users', headers: bearer(fz.secretKey) });
    assert.deepEqual(users.json().data, []);
    const evs = await t.inject({ method: 'GET', url: '/v1/events', headers: bearer(fz.secretKey) });
    assert.deepEqual(evs.json().data, []);
    const app = await t.inject({ method: 'GET', url: `/v1/apps/${fz.appId}`, headers: bearer(op.token) });
    assert.deepEqual(app.json().settings, {});
    const health = await t.inject({ method: 'GET', url: '/health' });
    assert.equal(health.statusCode, 200);
    assert.equal(health.json().database.ok, true);
  });

  it('answers an undecodable URL with the standard error shape', async () => {
    const res = await t.inject({ method: 'GET', url: '/v1/users/%ED%A0%80', headers: bearer(fz.secretKey) });
    expectError(res, 400, 'bad_request');
  });
});

describe('the database unreachable for a moment', () => {
  it('answers 503 unavailable with Retry-After, not 500, through a pool and through drizzle', async () => {
    // A port nothing listens on: taken, then closed again.
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const away = createPool(`postgres://canyu@127.0.0.1:${port}/canyu`, { max: 1 });
    const routes = (app: FastifyInstance) => {
      app.get('/v1/db-away/pool', { config: { auth: { secret: true } } }, async () => (await away.query('select 1')).rows);
      app.get('/v1/db-away/drizzle', { config: { auth: { secret: true } } }, async () => drizzle({ client: away }).execute(sql`select 1`));
    };
    const app = await startTestApp({ database: t.database, extraRoutes: routes });
    try {
      const h = bearer((await app.newTenant()).secretKey);
      for (const url of ['/v1/db-away/pool', '/v1/db-away/drizzle']) {
        const r = await app.inject({ method: 'GET', url, headers: h });
        assert.equal(r.statusCode, 503, `${url}: ${r.body}`);
        assert.equal(r.headers['retry-after'], '1');
        checkErrorShape(r);
        assert.deepEqual(r.json().error.details, { reason: 'database_unreachable' });
        const zh = await app.inject({ method: 'GET', url, headers: { ...h, 'accept-language': 'zh-CN' } });
        assert.equal(zh.json().error.code, 'unavailable');
        assert.match(zh.json().error.message, /[\u4e00-\u9fff]/);
      }
    } finally {
      await app.close();
      await endPool(away);
    }
  });
});
