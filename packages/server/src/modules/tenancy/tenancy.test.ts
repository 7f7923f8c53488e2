// Tenancy over HTTP on a real database: tenant isolation, the key lifecycle (also across two
// servers on one database), operators and roles, the audit log and end-user tokens.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { decodeJwt, signHs256 } from '../../lib/jwt.ts';
import { bearer, startTestApp, type Tenant, type TestApp } from '../../testing/app.ts';
import { createTestDatabase, type TestDatabase } from '../../testing/db.ts';
import { expectError, findIssue } from '../../testing/http.ts';

// A clock the tests can move forward; it starts at the real time so SQL now() agrees with it.
let offsetMs = 0;
const clock = { now: () => new Date(Date.now() + offsetMs) };

let t: TestApp;
before(async () => {
  t = await startTestApp({ clock });
});
after(() => t.close());

type Op = { operatorId: string; email: string; password: string; token: string };
const nowS = () => Math.floor(clock.now().getTime() / 1000);
let ipCounter = 0;
/** Sign-ins from distinct addresses, so the per-IP login limit never interferes. */
const nextIp = () => `10.200.${(++ipCounter >> 8) & 255}.${ipCounter & 255}`;
const login = (email: string, password: string, remoteAddress = nextIp()) => t.inject({ method: 'POST', url: '/v1/auth/login', payload: { email, password }, remoteAddress });
const ops = (op: { token: string }, appId?: string) => ({ ...bearer(op.token), ...(appId ? { 'x-canyu-app': appId } : {}) });
const keyIdOf = async (key: string): Promise<string> => {
  const r = await t.inject({ method: 'GET', url: '/v1/me', headers: bearer(key) });
  assert.equal(r.statusCode, 200, r.body);
  return r.json().key_id as string;
};
const tokenFor = (tenant: Tenant, sub: string, ttl = 600) => signHs256({ sub, exp: nowS() + ttl, iat: nowS() }, tenant.secretKey);
const asUser = (tenant: Tenant, sub: string, token = tokenFor(tenant, sub)) => ({ ...bearer(tenant.publishableKey), 'x-user-token': token });
const ok = (res: LightMyRequestResponse, status = 200) => {
  assert.equal(res.statusCode, status, res.body.slice(0, 500));
  return res.json();
};

// ---- tenant isolation -------------------------------------------------------------------------

describe('tenant isolation: app A’s keys, tokens and operators never reach app B', () => {
  let A: Tenant;
  let B: Tenant;
  let opA: Op;
  let opB: Op;
  let bKeys: { id: string; kind: string }[];
  const MARK = 'B-PRIVATE-7f3a';

  /** Everything of app B, read with B's own credentials (and straight from the tables). */
  const snapshotB = async () => {
    const sk = bearer(B.secretKey);
    const users = [];
    let cursor: string | null = null;
    do {
      const page: { data: unknown[]; next_cursor: string | null } = ok(await t.inject({ method: 'GET', url: `/v1/users?limit=200${cursor ? `&cursor=${cursor}` : ''}`, headers: sk }));
      users.push(...page.data);
      cursor = page.next_cursor;
    } while (cursor);
    const rows = async (sql: string) => (await t.database.pool.query(sql, [B.appId])).rows;
    return {
      app: ok(await t.inject({ method: 'GET', url: `/v1/apps/${B.appId}`, headers: ops(opB) })),
      users,
      events: ok(await t.inject({ method: 'GET', url: '/v1/events?limit=200', headers: sk })).data,
      keys: ok(await t.inject({ method: 'GET', url: `/v1/apps/${B.appId}/keys`, headers: ops(opB) })).data,
      members: ok(await t.inject({ method: 'GET', url: `/v1/apps/${B.appId}/members`, headers: ops(opB) })).data,
      audit: ok(await t.inject({ method: 'GET', url: `/v1/apps/${B.appId}/audit-log?limit=200`, headers: ops(opB) })).data,
      tables: {
        users: await rows('select user_id, traits from us_users where app_id = $1 order by user_id'),
        events: await rows('select event_id, user_id, name, properties from ev_events where app_id = $1 order by seq'),
        keys: await rows('select id, kind, revoked_at from tn_app_keys where app_id = $1 order by id'),
        members: await rows('select operator_id, role from tn_app_members where app_id = $1 order by operator_id'),
        audit: await rows('select count(*)::int as n from au_log where app_id = $1'),
      },
    };
  };

  before(async () => {
    A = await t.newTenant('tenant-A');
    B = await t.newTenant('tenant-B');
    opA = await t.newOperator(A.appId, 'owner');
    opB = await t.newOperator(B.appId, 'owner');
    const sk = bearer(B.secretKey);
    ok(await t.inject({ method: 'POST', url: '/v1/users/b-only', headers: sk, payload: { traits: { note: MARK } } }));
    ok(await t.inject({ method: 'POST', url: '/v1/users/shared', headers: sk, payload: { traits: { owner: 'B', note: MARK } } }));
    ok(await t.inject({ method: 'POST', url: '/v1/events', headers: sk, payload: { events: [{ event_id: 'b-e1', user_id: 'b-only', name: 'b.private', properties: { note: MARK } }, { event_id: 'b-e2', user_id: 'shared', name: 'b.private' }] } }));
    ok(await t.inject({ method: 'POST', url: '/v1/users/shared', headers: bearer(A.secretKey), payload: { traits: { owner: 'A' } } }));
    bKeys = ok(await t.inject({ method: 'GET', url: `/v1/apps/${B.appId}/keys`, headers: ops(opB) })).data;
  });

  it('a secret key reads and writes only its own app, whatever ids or headers it sends', async () => {
    const sk = { ...bearer(A.secretKey), 'x-canyu-app': B.appId };
    expectError(await t.inject({ method: 'GET', url: '/v1/users/b-only', headers: sk }), 404, 'users.not_found');
    const shared = ok(await t.inject({ method: 'GET', url: '/v1/users/shared', headers: sk }));
    assert.deepEqual(shared.traits, { owner: 'A' }, 'the same user id in A is another user');
    const list = ok(await t.inject({ method: 'GET', url: '/v1/users', headers: sk }));
    assert.deepEqual(list.data.map((u: { user_id: string }) => u.user_id), ['shared']);
    assert.deepEqual(ok(await t.inject({ method: 'GET', url: '/v1/events?user_id=b-only', headers: sk })).data, []);
    const me = ok(await t.inject({ method: 'GET', url: '/v1/me', headers: sk }));
    assert.equal(me.app_id, A.appId);
  });

  it('a user token of A (with A’s publishable key) never reaches B, even for a user id that exists in B', async () => {
    const h = { ...asUser(A, 'b-only'), 'x-canyu-app': B.appId };
    expectError(await t.inject({ method: 'GET', url: '/v1/users/b-only', headers: h }), 404, 'users.not_found');
    // A's token used with B's publishable key: signed by the wrong app.
    expectError(await t.inject({ method: 'GET', url: '/v1/users/b-only', headers: { ...bearer(B.publishableKey), 'x-user-token': tokenFor(A, 'b-only') } }), 401, 'auth.invalid_token');
    // And the reverse: B's token with A's publishable key.
    expectError(await t.inject({ method: 'GET', url: '/v1/users/shared', headers: { ...bearer(A.publishableKey), 'x-user-token': tokenFor(B, 'shared') } }), 401, 'auth.invalid_token');
  });

  it('an operator of A is refused on B, through the X-Canyu-App header and through /v1/apps/B paths', async () => {
    const viaHeader = ops(opA, B.appId);
    for (const [method, url] of [
      ['GET', '/v1/users'],
      ['GET', '/v1/users/b-only'],
      ['GET', '/v1/events'],
    ] as const) {
      const err = expectError(await t.inject({ method, url, headers: viaHeader }), 403, 'auth.forbidden');
      assert.match(err.message, /not a member/);
    }
    expectError(await t.inject({ method: 'POST', url: '/v1/users/b-only', headers: viaHeader, payload: { traits: { note: 'pwned' } } }), 403, 'auth.forbidden');
    expectError(await t.inject({ method: 'DELETE', url: '/v1/users/b-only', headers: viaHeader }), 403, 'auth.forbidden');
    expectError(await t.inject({ method: 'POST', url: '/v1/events', headers: viaHeader, payload: { events: [{ user_id: 'b-only', name: 'pwned' }] } }), 403, 'auth.forbidden');
    for (const [method, url] of [
      ['GET', `/v1/apps/${B.appId}`],
      ['PATCH', `/v1/apps/${B.appId}`],
      ['DELETE', `/v1/apps/${B.appId}`],
      ['GET', `/v1/apps/${B.appId}/keys`],
      ['POST', `/v1/apps/${B.appId}/keys`],
      ['POST', `/v1/apps/${B.appId}/keys/${bKeys[0]!.id}/revoke`],
      ['POST', `/v1/apps/${B.appId}/keys/${bKeys[0]!.id}/rotate`],
      ['GET', `/v1/apps/${B.appId}/members`],
      ['POST', `/v1/apps/${B.appId}/members`],
      ['DELETE', `/v1/apps/${B.appId}/members/${opB.operatorId}`],
      ['GET', `/v1/apps/${B.appId}/audit-log`],
    ] as const) {
      const payload = method === 'PATCH' ? { name: 'pwned' } : url.endsWith('/members') && method === 'POST' ? { email: opA.email, role: 'owner' } : url.endsWith('/keys') && method === 'POST' ? { kind: 'secret' } : undefined;
      expectError(await t.inject({ method, url, headers: ops(opA), ...(payload ? { payload } : {}) }), 403, 'auth.forbidden');
    }
  });

  it('B’s key and member ids are unknown inside A’s own paths', async () => {
    for (const k of bKeys) {
      expectError(await t.inject({ method: 'POST', url: `/v1/apps/${A.appId}/keys/${k.id}/revoke`, headers: ops(opA), payload: {} }), 404, 'apps.key_not_found');
      expectError(await t.inject({ method: 'POST', url: `/v1/apps/${A.appId}/keys/${k.id}/rotate`, headers: ops(opA), payload: {} }), 404, 'apps.key_not_found');
    }
    expectError(await t.inject({ method: 'DELETE', url: `/v1/apps/${A.appId}/members/${opB.operatorId}`, headers: ops(opA) }), 404, 'operators.member_not_found');
    const mine = ok(await t.inject({ method: 'GET', url: `/v1/apps/${A.appId}/keys`, headers: ops(opA) }));
    assert.ok(mine.data.every((k: { app_id: string }) => k.app_id === A.appId));
    const apps = ok(await t.inject({ method: 'GET', url: '/v1/apps', headers: ops(opA) }));
    assert.deepEqual(apps.data.map((a: { id: string }) => a.id), [A.appId]);
    const me = ok(await t.inject({ method: 'GET', url: '/v1/auth/me', headers: ops(opA) }));
    assert.deepEqual(me.apps.map((a: { id: string }) => a.id), [A.appId]);
    const audit = ok(await t.inject({ method: 'GET', url: `/v1/apps/${A.appId}/audit-log?limit=200`, headers: ops(opA) }));
    assert.ok(!JSON.stringify(audit).includes(B.appId) && !JSON.stringify(audit).includes(MARK), 'A’s audit log shows nothing of B');
  });

  it('nothing any credential of A sends changes B, and no answer reveals B’s data', async () => {
    const before = await snapshotB();
    const tokenA = tokenFor(A, 'b-only');
    const credentials: Record<string, Record<string, string>> = {
      'A secret key': bearer(A.secretKey),
      'A publishable key': bearer(A.publishableKey),
      'A user token': { ...bearer(A.publishableKey), 'x-user-token': tokenA },
      'A user token, B publishable key': { ...bearer(B.publishableKey), 'x-user-token': tokenA },
      'A operator': bearer(opA.token),
    };
    const bKey = bKeys[0]!.id;
    const requests: { method: 'GET' | 'POST' | 'PATCH' | 'DELETE'; url: string; payload?: object }[] = [
      { method: 'GET', url: '/v1/users' },
      { method: 'GET', url: '/v1/users/b-only' },
      { method: 'GET', url: '/v1/users/shared' },
      { method: 'POST', url: '/v1/users/b-only', payload: { traits: { note: 'pwned' } } },
      { method: 'POST', url: '/v1/users/shared', payload: { traits: { owner: 'pwned', note: null } } },
      { method: 'DELETE', url: '/v1/users/b-only' },
      { method: 'DELETE', url: '/v1/users/shared' },
      { method: 'GET', url: '/v1/events' },
      { method: 'GET', url: '/v1/events?user_id=b-only' },
      { method: 'POST', url: '/v1/events', payload: { events: [{ event_id: 'b-e1', user_id: 'b-only', name: 'pwned' }] } },
      { method: 'POST', url: '/v1/users/b-only/tokens', payload: {} },
      { method: 'GET', url: `/v1/apps/${B.appId}` },
      { method: 'PATCH', url: `/v1/apps/${B.appId}`, payload: { name: 'pwned', settings: { pwned: true } } },
      { method: 'DELETE', url: `/v1/apps/${B.appId}` },
      { method: 'GET', url: `/v1/apps/${B.appId}/keys` },
      { method: 'POST', url: `/v1/apps/${B.appId}/keys`, payload: { kind: 'secret' } },
      { method: 'POST', url: `/v1/apps/${B.appId}/keys/${bKey}/revoke`, payload: {} },
      { method: 'POST', url: `/v1/apps/${B.appId}/keys/${bKey}/rotate`, payload: {} },
      { method: 'POST', url: `/v1/apps/${A.appId}/keys/${bKey}/revoke`, payload: {} },
      { method: 'GET', url: `/v1/apps/${B.appId}/members` },
      { method: 'POST', url: `/v1/apps/${B.appId}/members`, payload: { email: opA.email, role: 'owner' } },
      { method: 'DELETE', url: `/v1/apps/${B.appId}/members/${opB.operatorId}` },
      { method: 'DELETE', url: `/v1/apps/${A.appId}/members/${opB.operatorId}` },
      { method: 'GET', url: `/v1/apps/${B.appId}/audit-log` },
    ];
    const secrets = [MARK, B.secretKey, B.publishableKey, opB.email, 'b.private', ...before.keys.map((k: { hint: string }) => k.hint)];
    const leaks: string[] = [];
    let sent = 0;
    for (const [who, creds] of Object.entries(credentials)) {
      for (const withHeader of [false, true]) {
        for (const r of requests) {
          sent++;
          const headers = { ...creds, ...(withHeader ? { 'x-canyu-app': B.appId } : {}), 'idempotency-key': `iso-${sent}` };
          const res = await t.inject({ method: r.method, url: r.url, headers, ...(r.payload ? { payload: r.payload } : {}) });
          assert.ok(res.statusCode < 500, `${who} ${r.method} ${r.url}: ${res.statusCode} ${res.body}`);
          for (const s of secrets) if (res.body.includes(s)) leaks.push(`${who}${withHeader ? ' +X-Canyu-App' : ''} ${r.method} ${r.url} → ${res.statusCode} reveals ${s}`);
        }
      }
    }
    assert.deepEqual(leaks, []);
    assert.deepEqual(await snapshotB(), before, 'app B must be exactly as before');
    // B's own credentials still work.
    ok(await t.inject({ method: 'GET', url: '/v1/users/b-only', headers: bearer(B.secretKey) }));
    ok(await t.inject({ method: 'GET', url: '/v1/users/b-only', headers: asUser(B, 'b-only') }));
    ok(await t.inject({ method: 'GET', url: `/v1/apps/${B.appId}/keys`, headers: ops(opB) }));
  });
});

// ---- key lifecycle ----------------------------------------------------------------------------

describe('API keys', () => {
  let K: Tenant;
  let owner: Op;
  before(async () => {
    K = await t.newTenant();
    owner = await t.newOperator(K.appId, 'owner');
  });
  const keysUrl = () => `/v1/apps/${K.appId}/keys`;

  it('lists keys with hints only, never the key itself', async () => {
    const res = await t.inject({ method: 'GET', url: keysUrl(), headers: ops(owner) });
    const keys = ok(res).data as Record<string, unknown>[];
    assert.deepEqual(keys.map((k) => k.kind).sort(), ['publishable', 'secret']);
    for (const k of keys) {
      assert.deepEqual(Object.keys(k).sort(), ['app_id', 'created_at', 'hint', 'id', 'kind', 'name', 'revoked_at']);
      const full = k.kind === 'secret' ? K.secretKey : K.publishableKey;
      assert.equal(k.hint, `${full.slice(0, 7)}…${full.slice(-4)}`);
    }
    assert.ok(!res.body.includes(K.secretKey) && !res.body.includes(K.publishableKey), 'no plaintext in the list');
  });

  it('creates a key that works at once and is shown in full only in the creation answer', async () => {
    const created = ok(await t.inject({ method: 'POST', url: keysUrl(), headers: ops(owner), payload: { kind: 'secret', name: 'ci' } }), 201);
    assert.match(created.plaintext, /^sk_[0-9A-Za-z]{40}$/);
    assert.equal(created.key.hint, `${created.plaintext.slice(0, 7)}…${created.plaintext.slice(-4)}`);
    assert.equal(created.key.name, 'ci');
    assert.equal(created.key.revoked_at, null);
    assert.equal(ok(await t.inject({ method: 'GET', url: '/v1/me', headers: bearer(created.plaintext) })).key_id, created.key.id);
    const pk = ok(await t.inject({ method: 'POST', url: keysUrl(), headers: ops(owner), payload: { kind: 'publishable' } }), 201);
    assert.match(pk.plaintext, /^pk_[0-9A-Za-z]{32}$/);
    assert.equal(ok(await t.inject({ method: 'GET', url: '/v1/me', headers: bearer(pk.plaintext) })).kind, 'publishable');
    const list = await t.inject({ method: 'GET', url: keysUrl(), headers: ops(owner) });
    assert.ok(!list.body.includes(created.plaintext) && !list.body.includes(pk.plaintext));
    assert.ok(ok(list).data.some((k: { id: string }) => k.id === created.key.id));
  });

  it('revokes a key: refused at once, revoking again changes nothing, unknown keys are 404', async () => {
    const created = ok(await t.inject({ method: 'POST', url: keysUrl(), headers: ops(owner), payload: { kind: 'secret', name: 'short-lived' } }), 201);
    ok(await t.inject({ method: 'GET', url: '/v1/users', headers: bearer(created.plaintext) }));
    const revoked = ok(await t.inject({ method: 'POST', url: `${keysUrl()}/${created.key.id}/revoke`, headers: ops(owner) }));
    assert.ok(revoked.revoked_at && Date.parse(revoked.revoked_at) <= clock.now().getTime());
    expectError(await t.inject({ method: 'GET', url: '/v1/users', headers: bearer(created.plaintext) }), 401, 'auth.revoked_key');
    const again = ok(await t.inject({ method: 'POST', url: `${keysUrl()}/${created.key.id}/revoke`, headers: ops(owner), payload: { grace_seconds: 3600 } }));
    assert.equal(again.revoked_at, revoked.revoked_at, 'a revoked key cannot be revived by a later grace period');
    expectError(await t.inject({ method: 'GET', url: '/v1/users', headers: bearer(created.plaintext) }), 401, 'auth.revoked_key');
    expectError(await t.inject({ method: 'POST', url: `${keysUrl()}/key_nope/revoke`, headers: ops(owner) }), 404, 'apps.key_not_found');
  });

  it('rotates with a grace period: the old key and its user tokens work until it ends, then stop', async () => {
    const old = ok(await t.inject({ method: 'POST', url: keysUrl(), headers: ops(owner), payload: { kind: 'secret', name: 'rotating' } }), 201);
    const oldToken = signHs256({ sub: 'rot-user', exp: nowS() + 3600 }, old.plaintext, old.key.id);
    try {
      const rotated = ok(await t.inject({ method: 'POST', url: `${keysUrl()}/${old.key.id}/rotate`, headers: ops(owner), payload: { grace_seconds: 60 } }), 201);
      assert.notEqual(rotated.key.id, old.key.id);
      assert.equal(rotated.key.kind, 'secret');
      assert.equal(rotated.key.name, 'rotating');
      assert.equal(rotated.revoked.id, old.key.id);
      const endsAt = Date.parse(rotated.revoked.revoked_at);
      assert.ok(Math.abs(endsAt - (clock.now().getTime() + 60_000)) < 5_000, `grace ends at ${rotated.revoked.revoked_at}`);

      ok(await t.inject({ method: 'GET', url: '/v1/users', headers: bearer(old.plaintext) }));
      ok(await t.inject({ method: 'GET', url: '/v1/users', headers: bearer(rotated.plaintext) }));
      assert.equal(ok(await t.inject({ method: 'GET', url: '/v1/me', headers: asUser(K, 'rot-user', oldToken) })).user_id, 'rot-user');

      offsetMs = 59_000;
      ok(await t.inject({ method: 'GET', url: '/v1/users', headers: bearer(old.plaintext) }));
      offsetMs = 61_000;
      expectError(await t.inject({ method: 'GET', url: '/v1/users', headers: bearer(old.plaintext) }), 401, 'auth.revoked_key');
      expectError(await t.inject({ method: 'GET', url: '/v1/me', headers: asUser(K, 'rot-user', oldToken) }), 401, 'auth.invalid_token');
      ok(await t.inject({ method: 'GET', url: '/v1/users', headers: bearer(rotated.plaintext) }));
      const fresh = ok(await t.inject({ method: 'POST', url: '/v1/users/rot-user/tokens', headers: bearer(rotated.plaintext), payload: {} }), 201);
      assert.notEqual(decodeJwt(fresh.token)?.header.kid, old.key.id, 'new tokens are not signed with the retired key');
      assert.equal(ok(await t.inject({ method: 'GET', url: '/v1/me', headers: asUser(K, 'rot-user', fresh.token) })).user_id, 'rot-user');
    } finally {
      offsetMs = 0;
    }
  });

  it('rotating a publishable key issues a publishable key and retires the old one at once', async () => {
    const old = ok(await t.inject({ method: 'POST', url: keysUrl(), headers: ops(owner), payload: { kind: 'publishable', name: 'web' } }), 201);
    const rotated = ok(await t.inject({ method: 'POST', url: `${keysUrl()}/${old.key.id}/rotate`, headers: ops(owner) }), 201);
    assert.match(rotated.plaintext, /^pk_/);
    expectError(await t.inject({ method: 'GET', url: '/v1/me', headers: bearer(old.plaintext) }), 401, 'auth.revoked_key');
    assert.equal(ok(await t.inject({ method: 'GET', url: '/v1/me', headers: bearer(rotated.plaintext) })).kind, 'publishable');
  });

  it('never leaves an app without a usable secret key (409 apps.last_secret_key)', async () => {
    const L = await t.newTenant();
    const lOwner = await t.newOperator(L.appId, 'owner');
    const url = (id: string) => `/v1/apps/${L.appId}/keys/${id}/revoke`;
    const only = await keyIdOf(L.secretKey);
    expectError(await t.inject({ method: 'POST', url: url(only), headers: ops(lOwner) }), 409, 'apps.last_secret_key');
    expectError(await t.inject({ method: 'POST', url: url(only), headers: ops(lOwner), payload: { grace_seconds: 60 } }), 409, 'apps.last_secret_key');
    ok(await t.inject({ method: 'GET', url: '/v1/users', headers: bearer(L.secretKey) }));
    // Publishable keys carry no such rule.
    ok(await t.inject({ method: 'POST', url: url(await keyIdOf(L.publishableKey)), headers: ops(lOwner) }));

    // A second key that is itself scheduled to stop does not count as a replacement.
    const second = ok(await t.inject({ method: 'POST', url: `/v1/apps/${L.appId}/keys`, headers: ops(lOwner), payload: { kind: 'secret' } }), 201);
    ok(await t.inject({ method: 'POST', url: url(second.key.id), headers: ops(lOwner), payload: { grace_seconds: 100 } }));
    expectError(await t.inject({ method: 'POST', url: url(only), headers: ops(lOwner) }), 409, 'apps.last_secret_key');
    expectError(await t.inject({ method: 'POST', url: url(only), headers: ops(lOwner), payload: { grace_seconds: 1000 } }), 409, 'apps.last_secret_key');
    ok(await t.inject({ method: 'GET', url: '/v1/users', headers: bearer(L.secretKey) }));
  });

  it('two concurrent revocations of the last two secret keys leave one working', async () => {
    const L = await t.newTenant();
    const lOwner = await t.newOperator(L.appId, 'owner');
    const second = ok(await t.inject({ method: 'POST', url: `/v1/apps/${L.appId}/keys`, headers: ops(lOwner), payload: { kind: 'secret' } }), 201);
    const ids = [await keyIdOf(L.secretKey), second.key.id as string];
    const results = await Promise.all(ids.map((id) => t.inject({ method: 'POST', url: `/v1/apps/${L.appId}/keys/${id}/revoke`, headers: ops(lOwner) })));
    assert.deepEqual(results.map((r) => r.statusCode).sort(), [200, 409], results.map((r) => r.body).join('\n'));
    const working = await Promise.all([L.secretKey, second.plaintext as string].map((k) => t.inject({ method: 'GET', url: '/v1/users', headers: bearer(k) })));
    assert.equal(working.filter((r) => r.statusCode === 200).length, 1);
  });
});

describe('key revocation across servers on one database', () => {
  let database: TestDatabase;
  let s1: TestApp;
  let s2: TestApp;
  before(async () => {
    database = await createTestDatabase();
    s1 = await startTestApp({ database });
    s2 = await startTestApp({ database });
  });
  after(async () => {
    await s2?.close();
    await s1?.close();
    await database?.close();
  });

  /** Polls until `check` passes or 2 s have gone by; returns the number of attempts. */
  async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
    const deadline = Date.now() + 2000;
    while (Date.now() < deadline) {
      if (await check()) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.fail(`server 2 did not notice within 2 s: ${what}`);
  }

  it('a key revoked through server 1 is refused by server 2, which had it cached', async () => {
    const tenant = await s1.newTenant();
    const owner = await s1.newOperator(tenant.appId, 'owner');
    const created = ok(await s1.inject({ method: 'POST', url: `/v1/apps/${tenant.appId}/keys`, headers: ops(owner), payload: { kind: 'secret' } }), 201);
    // Server 2 authenticates it (and caches it for up to a minute).
    for (let i = 0; i < 3; i++) ok(await s2.inject({ method: 'GET', url: '/v1/users', headers: bearer(created.plaintext) }));
    ok(await s1.inject({ method: 'POST', url: `/v1/apps/${tenant.appId}/keys/${created.key.id}/revoke`, headers: ops(owner) }));
    expectError(await s1.inject({ method: 'GET', url: '/v1/users', headers: bearer(created.plaintext) }), 401, 'auth.revoked_key');
    await eventually(async () => (await s2.inject({ method: 'GET', url: '/v1/users', headers: bearer(created.plaintext) })).statusCode === 401, 'key revocation');
    expectError(await s2.inject({ method: 'GET', url: '/v1/users', headers: bearer(created.plaintext) }), 401, 'auth.revoked_key');
  });

  it('user tokens signed with a key revoked on server 1 stop working on server 2', async () => {
    const tenant = await s1.newTenant();
    const created = await s1.services.tenancy.createKey(s1.systemCtx(), tenant.appId, { kind: 'secret' });
    const token = signHs256({ sub: 'x-user', exp: Math.floor(Date.now() / 1000) + 600 }, created.plaintext);
    const call = () => s2.inject({ method: 'GET', url: '/v1/me', headers: { ...bearer(tenant.publishableKey), 'x-user-token': token } });
    ok(await call());
    await s1.services.tenancy.revokeKey(s1.systemCtx(), tenant.appId, created.key.id);
    await eventually(async () => (await call()).statusCode === 401, 'signing key revocation');
  });

  it('sign-out and membership removal on server 1 take effect on server 2', async () => {
    const tenant = await s1.newTenant();
    const owner = await s1.newOperator(tenant.appId, 'owner');
    const analyst = await s1.newOperator(tenant.appId, 'analyst');
    ok(await s2.inject({ method: 'GET', url: '/v1/auth/me', headers: ops(owner) }));
    ok(await s2.inject({ method: 'GET', url: `/v1/apps/${tenant.appId}/members`, headers: ops(analyst) }));
    await s1.inject({ method: 'POST', url: '/v1/auth/logout', headers: ops(owner) });
    await eventually(async () => (await s2.inject({ method: 'GET', url: '/v1/auth/me', headers: ops(owner) })).statusCode === 401, 'logout');
    const owner2 = await s1.newOperator(tenant.appId, 'owner');
    assert.equal((await s1.inject({ method: 'DELETE', url: `/v1/apps/${tenant.appId}/members/${analyst.operatorId}`, headers: ops(owner2) })).statusCode, 204);
    await eventually(async () => (await s2.inject({ method: 'GET', url: `/v1/apps/${tenant.appId}/members`, headers: ops(analyst) })).statusCode === 403, 'membership removal');
  });
});

// ---- operators --------------------------------------------------------------------------------

describe('operators: sign-in, sessions and passwords', () => {
  let O: Tenant;
  let op: Op;
  before(async () => {
    O = await t.newTenant('ops-app');
    op = await t.newOperator(O.appId, 'admin');
  });

  it('signs in with the right password and answers the same for a wrong password or unknown email', async () => {
    const res = ok(await login(op.email, op.password));
    assert.match(res.token, /^ops_[0-9A-Za-z]{40}$/);
    assert.equal(res.operator.id, op.operatorId);
    assert.equal(res.operator.email, op.email);
    assert.deepEqual(Object.keys(res.operator).sort(), ['created_at', 'email', 'id', 'locale', 'name']);
    const ttl = Date.parse(res.expires_at) - Date.now();
    assert.ok(ttl > 6.9 * 86400_000 && ttl <= 7 * 86400_000 + 5000, res.expires_at);
    ok(await login(op.email.toUpperCase(), op.password), 200);

    const wrong = expectError(await login(op.email, 'wrong password'), 401, 'auth.invalid_login');
    const unknown = expectError(await login('nobody-here@example.com', 'wrong password'), 401, 'auth.invalid_login');
    assert.equal(wrong.message, unknown.message);
    assert.deepEqual(wrong.details, unknown.details);
  });

  it('limits wrong passwords per email and address, without locking the operator out elsewhere', async () => {
    const victim = { email: `victim-${Date.now()}@example.com`, password: 'the real password' };
    await t.services.tenancy.createOperator(t.systemCtx({ type: 'cli', id: null }), victim);
    const attacker = nextIp();
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push((await login(victim.email, `guess-${i}`, attacker)).statusCode);
    assert.deepEqual(statuses, [...Array(10).fill(401), 429]);
    // From the guessing address even the right password waits (it would otherwise confirm a guess)...
    const limited = await login(victim.email, victim.password, attacker);
    expectError(limited, 429, 'rate_limited');
    assert.ok(Number(limited.headers['retry-after']) >= 1);
    // ...but the operator, elsewhere, is not locked out (issue 11 #17: it used to be 429 for 60 s).
    ok(await login(victim.email, victim.password));
  });

  it('describes the signed-in operator and their apps with roles', async () => {
    const other = await t.newTenant('second-app');
    await t.services.tenancy.setMember(t.systemCtx(), other.appId, { actorRole: 'owner', email: op.email, role: 'analyst' });
    const me = ok(await t.inject({ method: 'GET', url: '/v1/auth/me', headers: ops(op) }));
    assert.equal(me.operator.id, op.operatorId);
    assert.deepEqual(
      me.apps.map((a: { id: string; role: string }) => [a.id, a.role]).sort(),
      [
        [O.appId, 'admin'],
        [other.appId, 'analyst'],
      ].sort(),
    );
  });

  it('signs out one session at once, leaving the others', async () => {
    const s1 = ok(await login(op.email, op.password)).token as string;
    const s2 = ok(await login(op.email, op.password)).token as string;
    assert.equal((await t.inject({ method: 'POST', url: '/v1/auth/logout', headers: bearer(s1) })).statusCode, 204);
    expectError(await t.inject({ method: 'GET', url: '/v1/auth/me', headers: bearer(s1) }), 401, 'auth.invalid_session');
    expectError(await t.inject({ method: 'GET', url: `/v1/apps/${O.appId}/keys`, headers: bearer(s1) }), 401, 'auth.invalid_session');
    ok(await t.inject({ method: 'GET', url: '/v1/auth/me', headers: bearer(s2) }));
  });

  it('expires sessions after their lifetime', async () => {
    const s = ok(await login(op.email, op.password)).token as string;
    try {
      offsetMs = 7 * 86400_000 + 1000;
      expectError(await t.inject({ method: 'GET', url: '/v1/auth/me', headers: bearer(s) }), 401, 'auth.invalid_session');
    } finally {
      offsetMs = 0;
    }
  });

  it('changes the password only with the current one, and signs out every session', async () => {
    const who = await t.newOperator(O.appId, 'operator');
    const a = ok(await login(who.email, who.password)).token as string;
    const b = ok(await login(who.email, who.password)).token as string;
    const url = '/v1/auth/password';
    let err = expectError(await t.inject({ method: 'POST', url, headers: bearer(a), payload: { current_password: 'not it', new_password: 'a brand new password' } }), 401, 'auth.invalid_login');
    assert.equal(err.details?.field, 'current_password');
    ok(await t.inject({ method: 'GET', url: '/v1/auth/me', headers: bearer(b) }));
    err = expectError(await t.inject({ method: 'POST', url, headers: bearer(a), payload: { current_password: who.password, new_password: 'short' } }), 400, 'validation_failed');
    findIssue(err, 'body.new_password');

    assert.equal((await t.inject({ method: 'POST', url, headers: bearer(a), payload: { current_password: who.password, new_password: 'a brand new password' } })).statusCode, 204);
    for (const s of [a, b, who.token]) expectError(await t.inject({ method: 'GET', url: '/v1/auth/me', headers: bearer(s) }), 401, 'auth.invalid_session');
    expectError(await login(who.email, who.password), 401, 'auth.invalid_login');
    ok(await login(who.email, 'a brand new password'));
  });
});

describe('operators: roles', () => {
  let R: Tenant;
  let owner: Op;
  let admin: Op;
  let analyst: Op;
  before(async () => {
    R = await t.newTenant('roles-app');
    owner = await t.newOperator(R.appId, 'owner');
    admin = await t.newOperator(R.appId, 'admin');
    analyst = await t.newOperator(R.appId, 'analyst');
  });
  const members = (by: Op = owner) => t.inject({ method: 'GET', url: `/v1/apps/${R.appId}/members`, headers: ops(by) });
  const setMember = (by: Op, payload: object) => t.inject({ method: 'POST', url: `/v1/apps/${R.appId}/members`, headers: ops(by), payload });
  const roleOf = async (operatorId: string) => (ok(await members()).data as { operator_id: string; role: string }[]).find((m) => m.operator_id === operatorId)?.role;

  it('an analyst reads members but cannot manage keys, members, the app or read the audit log', async () => {
    ok(await members(analyst));
    ok(await t.inject({ method: 'GET', url: `/v1/apps/${R.appId}`, headers: ops(analyst) }));
    const err = expectError(await t.inject({ method: 'GET', url: `/v1/apps/${R.appId}/keys`, headers: ops(analyst) }), 403, 'auth.forbidden');
    assert.deepEqual(err.details, { required: 'keys.read', role: 'analyst' });
    expectError(await t.inject({ method: 'POST', url: `/v1/apps/${R.appId}/keys`, headers: ops(analyst), payload: { kind: 'secret' } }), 403, 'auth.forbidden');
    expectError(await t.inject({ method: 'POST', url: `/v1/apps/${R.appId}/keys/${await keyIdOf(R.secretKey)}/revoke`, headers: ops(analyst) }), 403, 'auth.forbidden');
    expectError(await setMember(analyst, { email: analyst.email, role: 'admin' }), 403, 'auth.forbidden');
    expectError(await t.inject({ method: 'GET', url: `/v1/apps/${R.appId}/audit-log`, headers: ops(analyst) }), 403, 'auth.forbidden');
    expectError(await t.inject({ method: 'PATCH', url: `/v1/apps/${R.appId}`, headers: ops(analyst), payload: { name: 'x' } }), 403, 'auth.forbidden');
    expectError(await t.inject({ method: 'DELETE', url: `/v1/apps/${R.appId}`, headers: ops(analyst) }), 403, 'auth.forbidden');
    assert.equal(await roleOf(analyst.operatorId), 'analyst');
  });

  it('an admin manages keys and members but cannot grant, change or remove ownership', async () => {
    const key = ok(await t.inject({ method: 'POST', url: `/v1/apps/${R.appId}/keys`, headers: ops(admin), payload: { kind: 'secret', name: 'by admin' } }), 201);
    ok(await t.inject({ method: 'POST', url: `/v1/apps/${R.appId}/keys/${key.key.id}/revoke`, headers: ops(admin) }));
    const email = `new-${Date.now()}@example.com`;
    const added = ok(await setMember(admin, { email, role: 'operator', password: 'a fine password', name: 'New One' }));
    assert.equal(added.role, 'operator');
    assert.equal(added.name, 'New One');
    ok(await login(email, 'a fine password'));
    ok(await setMember(admin, { email, role: 'moderator' }));
    assert.equal(await roleOf(added.operator_id), 'moderator');

    expectError(await setMember(admin, { email, role: 'owner' }), 403, 'operators.role_not_allowed');
    expectError(await setMember(admin, { email: admin.email, role: 'owner' }), 403, 'operators.role_not_allowed');
    expectError(await setMember(admin, { email: owner.email, role: 'admin' }), 403, 'operators.role_not_allowed');
    expectError(await t.inject({ method: 'DELETE', url: `/v1/apps/${R.appId}/members/${owner.operatorId}`, headers: ops(admin) }), 403, 'operators.role_not_allowed');
    expectError(await t.inject({ method: 'DELETE', url: `/v1/apps/${R.appId}`, headers: ops(admin) }), 403, 'auth.forbidden');
    assert.equal(await roleOf(owner.operatorId), 'owner');
    assert.equal(await roleOf(admin.operatorId), 'admin');
    assert.equal((await t.inject({ method: 'DELETE', url: `/v1/apps/${R.appId}/members/${added.operator_id}`, headers: ops(admin) })).statusCode, 204);
    assert.equal(await roleOf(added.operator_id), undefined);
  });

  it('adding an unknown email needs a password; a removed member loses access at once', async () => {
    expectError(await setMember(owner, { email: 'ghost@example.com', role: 'analyst' }), 404, 'operators.not_found');
    const temp = await t.newOperator(R.appId, 'operator');
    ok(await members(temp));
    assert.equal((await t.inject({ method: 'DELETE', url: `/v1/apps/${R.appId}/members/${temp.operatorId}`, headers: ops(owner) })).statusCode, 204);
    expectError(await members(temp), 403, 'auth.forbidden');
    expectError(await t.inject({ method: 'DELETE', url: `/v1/apps/${R.appId}/members/${temp.operatorId}`, headers: ops(owner) }), 404, 'operators.member_not_found');
  });

  it('the last owner can be neither demoted nor removed (409 operators.last_owner)', async () => {
    const S = await t.newTenant();
    const only = await t.newOperator(S.appId, 'owner');
    const url = `/v1/apps/${S.appId}/members`;
    expectError(await t.inject({ method: 'POST', url, headers: ops(only), payload: { email: only.email, role: 'admin' } }), 409, 'operators.last_owner');
    expectError(await t.inject({ method: 'DELETE', url: `${url}/${only.operatorId}`, headers: ops(only) }), 409, 'operators.last_owner');
    const second = await t.newOperator(S.appId, 'owner');
    ok(await t.inject({ method: 'POST', url, headers: ops(second), payload: { email: only.email, role: 'admin' } }));
    expectError(await t.inject({ method: 'DELETE', url: `${url}/${second.operatorId}`, headers: ops(second) }), 409, 'operators.last_owner');
  });

  it('two owners demoting or removing each other at the same moment leave at least one owner', async () => {
    for (let round = 0; round < 4; round++) {
      const S = await t.newTenant();
      const o1 = await t.newOperator(S.appId, 'owner');
      const o2 = await t.newOperator(S.appId, 'owner');
      const url = `/v1/apps/${S.appId}/members`;
      const [r1, r2] =
        round % 2 === 0
          ? await Promise.all([
              t.inject({ method: 'POST', url, headers: ops(o1), payload: { email: o2.email, role: 'admin' } }),
              t.inject({ method: 'POST', url, headers: ops(o2), payload: { email: o1.email, role: 'admin' } }),
            ])
          : await Promise.all([t.inject({ method: 'DELETE', url: `${url}/${o2.operatorId}`, headers: ops(o1) }), t.inject({ method: 'DELETE', url: `${url}/${o1.operatorId}`, headers: ops(o2) })]);
      const statuses = [r1!.statusCode, r2!.statusCode];
      assert.equal(statuses.filter((s) => s < 300).length, 1, `exactly one wins: ${r1!.body} | ${r2!.body}`);
      for (const r of [r1!, r2!]) if (r.statusCode >= 300) assert.ok([403, 409].includes(r.statusCode), r.body);
      const owners = await t.database.pool.query(`select count(*)::int as n from tn_app_members where app_id = $1 and role = 'owner'`, [S.appId]);
      assert.equal(owners.rows[0].n, 1);
    }
  });

  it('checks the acting operator’s role again inside the change, not only at the door', async () => {
    const S = await t.newTenant();
    const o1 = await t.newOperator(S.appId, 'owner');
    const demoted = await t.newOperator(S.appId, 'owner');
    const bystander = await t.newOperator(S.appId, 'analyst');
    ok(await t.inject({ method: 'POST', url: `/v1/apps/${S.appId}/members`, headers: ops(o1), payload: { email: demoted.email, role: 'analyst' } }));
    // A request that passed the door as an owner just before the demotion committed:
    const stale = { ...t.systemCtx({ type: 'operator', id: demoted.operatorId }) };
    await assert.rejects(t.services.tenancy.setMember(stale, S.appId, { actorRole: 'owner', email: bystander.email, role: 'owner' }), { code: 'operators.role_not_allowed' });
    await assert.rejects(t.services.tenancy.removeMember(stale, S.appId, { actorRole: 'owner', operatorId: o1.operatorId }), { code: 'operators.role_not_allowed' });
    const rows = await t.database.pool.query(`select operator_id, role from tn_app_members where app_id = $1 order by role`, [S.appId]);
    assert.deepEqual(
      rows.rows.map((r) => [r.operator_id, r.role]).sort(),
      [
        [o1.operatorId, 'owner'],
        [demoted.operatorId, 'analyst'],
        [bystander.operatorId, 'analyst'],
      ].sort(),
    );
  });
});

// ---- audit log --------------------------------------------------------------------------------

describe('audit log', () => {
  let U: Tenant;
  let owner: Op;
  type Entry = { id: number; actor_type: string; actor_id: string | null; action: string; target_type: string; target_id: string | null; before: unknown; after: unknown; request_id: string | null; ip: string | null; created_at: string };
  const auditUrl = () => `/v1/apps/${U.appId}/audit-log`;
  const entries = async (query = 'limit=200'): Promise<Entry[]> => ok(await t.inject({ method: 'GET', url: `${auditUrl()}?${query}`, headers: ops(owner) })).data;
  before(async () => {
    U = await t.newTenant('audited');
    owner = await t.newOperator(U.appId, 'owner');
  });

  it('records key and member changes with actor, before/after and request id', async () => {
    const created = ok(await t.inject({ method: 'POST', url: `/v1/apps/${U.appId}/keys`, headers: { ...ops(owner), 'x-request-id': 'req-key-create' }, payload: { kind: 'secret', name: 'audited key' } }), 201);
    const revoked = ok(await t.inject({ method: 'POST', url: `/v1/apps/${U.appId}/keys/${created.key.id}/revoke`, headers: { ...ops(owner), 'x-request-id': 'req-key-revoke' } }));
    const member = ok(await t.inject({ method: 'POST', url: `/v1/apps/${U.appId}/members`, headers: { ...ops(owner), 'x-request-id': 'req-member-add' }, payload: { email: `aud-${Date.now()}@example.com`, role: 'analyst', password: 'long enough password' } }));

    const log = await entries();
    const byRequest = (id: string) => log.filter((e) => e.request_id === id);
    const [create] = byRequest('req-key-create');
    assert.ok(create);
    assert.deepEqual(
      { actor_type: create.actor_type, actor_id: create.actor_id, action: create.action, target_type: create.target_type, target_id: create.target_id, before: create.before, after: create.after },
      { actor_type: 'operator', actor_id: owner.operatorId, action: 'key.create', target_type: 'key', target_id: created.key.id, before: null, after: { kind: 'secret', hint: created.key.hint, name: 'audited key' } },
    );
    assert.ok(!JSON.stringify(log).includes(created.plaintext), 'the audit log never holds a key');
    const [revoke] = byRequest('req-key-revoke');
    assert.equal(revoke?.action, 'key.revoke');
    assert.equal(revoke?.target_id, created.key.id);
    assert.deepEqual(revoke?.before, { revoked_at: null });
    assert.deepEqual(revoke?.after, { revoked_at: revoked.revoked_at });
    const adds = byRequest('req-member-add');
    assert.ok(adds.some((e) => e.action === 'member.add' && e.target_id === member.operator_id && e.before === null && JSON.stringify(e.after) === '{"role":"analyst"}'), JSON.stringify(adds));
    assert.ok(typeof create.ip === 'string' && create.ip.length > 0);
    // Newest first.
    assert.deepEqual(log.map((e) => e.id), [...log.map((e) => e.id)].sort((a, b) => b - a));
  });

  it('records identify calls made with a secret key, with the traits before and after', async () => {
    const sk = bearer(U.secretKey);
    const keyId = await keyIdOf(U.secretKey);
    ok(await t.inject({ method: 'POST', url: '/v1/users/aud-user', headers: { ...sk, 'x-request-id': 'req-id-1' }, payload: { traits: { plan: 'free' } } }));
    ok(await t.inject({ method: 'POST', url: '/v1/users/aud-user', headers: { ...sk, 'x-request-id': 'req-id-2' }, payload: { traits: { plan: 'pro' }, timezone: 'Asia/Shanghai' } }));
    const log = await entries(`target_id=aud-user&limit=200`);
    const update = log.find((e) => e.action === 'user.update');
    assert.ok(update, JSON.stringify(log));
    assert.equal(update.actor_type, 'secret_key');
    assert.equal(update.actor_id, keyId);
    assert.equal(update.request_id, 'req-id-2');
    assert.deepEqual(update.before, { traits: { plan: 'free' }, timezone: null, locale: null });
    assert.deepEqual(update.after, { traits: { plan: 'pro' }, timezone: 'Asia/Shanghai', locale: null });
    const create = log.find((e) => e.action === 'user.create');
    assert.equal(create?.request_id, 'req-id-1');
    // Filters narrow the list.
    const onlyUpdates = await entries('action=user.update&limit=200');
    assert.ok(onlyUpdates.length >= 1 && onlyUpdates.every((e) => e.action === 'user.update'));
    assert.ok((await entries(`actor_id=${owner.operatorId}&limit=200`)).every((e) => e.actor_id === owner.operatorId));
  });

  it('pages with limit and cursor through every entry exactly once, even while new ones arrive', async () => {
    for (let i = 0; i < 23; i++) ok(await t.inject({ method: 'POST', url: `/v1/users/page-${i}`, headers: bearer(U.secretKey), payload: { traits: { i } } }));
    const all = (await entries()).map((e) => e.id);
    assert.ok(all.length >= 25, `only ${all.length} entries`);
    const seen: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: { data: Entry[]; next_cursor: string | null } = ok(await t.inject({ method: 'GET', url: `${auditUrl()}?limit=7${cursor ? `&cursor=${cursor}` : ''}`, headers: ops(owner) }));
      assert.ok(res.data.length <= 7);
      if (res.next_cursor) assert.equal(res.data.length, 7);
      seen.push(...res.data.map((e) => e.id));
      cursor = res.next_cursor;
      // Entries written meanwhile are newer than the cursor, so they cannot shift the pages.
      if (pages++ === 1) ok(await t.inject({ method: 'POST', url: '/v1/users/page-late', headers: bearer(U.secretKey), payload: {} }));
    } while (cursor);
    assert.deepEqual(seen, all);
    assert.equal(new Set(seen).size, seen.length);
    expectError(await t.inject({ method: 'GET', url: `${auditUrl()}?limit=0`, headers: ops(owner) }), 400, 'validation_failed');
  });

  it('is refused to secret keys and user tokens', async () => {
    expectError(await t.inject({ method: 'GET', url: auditUrl(), headers: bearer(U.secretKey) }), 403, 'auth.forbidden');
    expectError(await t.inject({ method: 'GET', url: auditUrl(), headers: asUser(U, 'u') }), 403, 'auth.forbidden');
  });
});

// ---- end-user tokens --------------------------------------------------------------------------

describe('minting end-user tokens', () => {
  let M: Tenant;
  before(async () => {
    M = await t.newTenant('mint');
  });
  const mint = (userId: string, payload: object | undefined, headers: Record<string, string> = bearer(M.secretKey)) => t.inject({ method: 'POST', url: `/v1/users/${encodeURIComponent(userId)}/tokens`, headers, ...(payload ? { payload } : {}) });

  it('returns a token that works with the publishable key, for that user only', async () => {
    const res = ok(await mint('用户-1', {}), 201);
    assert.equal(res.user_id, '用户-1');
    const decoded = decodeJwt(res.token);
    assert.ok(decoded);
    assert.equal(decoded.header.alg, 'HS256');
    assert.equal(decoded.header.kid, await keyIdOf(M.secretKey));
    assert.equal(decoded.claims.sub, '用户-1');
    assert.equal(decoded.claims.exp, Math.floor(Date.parse(res.expires_at) / 1000));
    assert.ok(Math.abs((decoded.claims.exp as number) - nowS() - 3600) <= 5, 'default lifetime is one hour');

    const h = { ...bearer(M.publishableKey), 'x-user-token': res.token };
    assert.equal(ok(await t.inject({ method: 'GET', url: '/v1/me', headers: h })).user_id, '用户-1');
    assert.equal(ok(await t.inject({ method: 'POST', url: `/v1/users/${encodeURIComponent('用户-1')}`, headers: h, payload: { traits: { a: 1 } } })).created, true);
    expectError(await t.inject({ method: 'GET', url: '/v1/users/someone-else', headers: h }), 403, 'auth.wrong_user');
  });

  it('honours ttl_seconds and caps it at the configured maximum', async () => {
    const short = ok(await mint('ttl-user', { ttl_seconds: 600 }), 201);
    assert.ok(Math.abs(Date.parse(short.expires_at) / 1000 - nowS() - 600) <= 5);
    const long = ok(await mint('ttl-user', { ttl_seconds: 30 * 86400 }), 201);
    assert.ok(Math.abs(Date.parse(long.expires_at) / 1000 - nowS() - t.config.userTokenMaxTtl) <= 5, long.expires_at);
    ok(await t.inject({ method: 'GET', url: '/v1/me', headers: { ...bearer(M.publishableKey), 'x-user-token': long.token } }));
    expectError(await mint('ttl-user', { ttl_seconds: 59 }), 400, 'validation_failed');
    // A token minted now expires on the (fake) clock.
    try {
      offsetMs = 601_000 + 30_000;
      expectError(await t.inject({ method: 'GET', url: '/v1/me', headers: { ...bearer(M.publishableKey), 'x-user-token': short.token } }), 401, 'auth.expired_token');
    } finally {
      offsetMs = 0;
    }
  });

  it('honours nbf with the same leeway as exp', async () => {
    const early = signHs256({ sub: 'nbf-user', exp: nowS() + 600, iat: nowS(), nbf: nowS() + 300 }, M.secretKey);
    const h = { ...bearer(M.publishableKey), 'x-user-token': early };
    const err = expectError(await t.inject({ method: 'GET', url: '/v1/me', headers: h }), 401, 'auth.invalid_token');
    assert.match(err.message, /nbf/);
    const withinLeeway = signHs256({ sub: 'nbf-user', exp: nowS() + 600, nbf: nowS() + 10 }, M.secretKey);
    ok(await t.inject({ method: 'GET', url: '/v1/me', headers: { ...bearer(M.publishableKey), 'x-user-token': withinLeeway } }));
    expectError(await t.inject({ method: 'GET', url: '/v1/me', headers: { ...bearer(M.publishableKey), 'x-user-token': signHs256({ sub: 'nbf-user', exp: nowS() + 600, nbf: 'soon' }, M.secretKey) } }), 401, 'auth.invalid_token');
    try {
      offsetMs = 301_000;
      ok(await t.inject({ method: 'GET', url: '/v1/me', headers: h }));
    } finally {
      offsetMs = 0;
    }
  });

  it('only a secret key may mint', async () => {
    const owner = await t.newOperator(M.appId, 'owner');
    expectError(await mint('u', {}, bearer(M.publishableKey)), 403, 'auth.forbidden');
    expectError(await mint('u', {}, asUser(M, 'u')), 403, 'auth.forbidden');
    expectError(await mint('u', {}, ops(owner, M.appId)), 403, 'auth.forbidden');
    expectError(await mint('a\u0001b', {}), 400, 'validation_failed');
  });
});
