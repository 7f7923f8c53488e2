// Abuse controls and response hardening over HTTP: the client address behind a trusted proxy,
// sign-in throttling that cannot lock an operator out, failed authentications limited per
// address, operator limits that survive a new sign-in, security headers and who may create apps.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bearer, startTestApp, type TestApp } from '../testing/app.ts';
import { createTestDatabase, type TestDatabase } from '../testing/db.ts';
import { expectError } from '../testing/http.ts';

let db: TestDatabase;
before(async () => {
  db = await createTestDatabase();
});
after(() => db.close());

const forged = (n: number) => bearer(`sk_${'X'.repeat(39)}${n % 10}`);

describe('CANYU_TRUST_PROXY: the client address behind a proxy', () => {
  let trusted: TestApp;
  let direct: TestApp;
  before(async () => {
    trusted = await startTestApp({ database: db, config: { trustProxy: ['10.0.0.1'], authFailuresPerIp: 2 } });
    direct = await startTestApp({ database: db, config: { authFailuresPerIp: 2 } });
  });
  after(async () => {
    await trusted.close();
    await direct.close();
  });

  const viaProxy = (t: TestApp, client: string, n: number) => t.inject({ method: 'GET', url: '/v1/me', headers: { ...forged(n), 'x-forwarded-for': client }, remoteAddress: '10.0.0.1' });

  it('three clients behind a trusted proxy get three counters', async () => {
    for (const client of ['203.0.113.1', '203.0.113.2', '203.0.113.3']) {
      expectError(await viaProxy(trusted, client, 1), 401, 'auth.invalid_key');
      expectError(await viaProxy(trusted, client, 2), 401, 'auth.invalid_key');
    }
    expectError(await viaProxy(trusted, '203.0.113.1', 3), 429, 'rate_limited');
    expectError(await viaProxy(trusted, '203.0.113.4', 3), 401, 'auth.invalid_key');
  });

  it('without trust, X-Forwarded-For is ignored: every client behind the proxy shares its address', async () => {
    expectError(await viaProxy(direct, '198.51.100.1', 1), 401, 'auth.invalid_key');
    expectError(await viaProxy(direct, '198.51.100.2', 2), 401, 'auth.invalid_key');
    expectError(await viaProxy(direct, '198.51.100.3', 3), 429, 'rate_limited');
  });

  it('a header from an untrusted peer is not believed even when trust is on', async () => {
    const spoof = (n: number) => trusted.inject({ method: 'GET', url: '/v1/me', headers: { ...forged(n), 'x-forwarded-for': `192.0.2.${n}` }, remoteAddress: '198.18.0.9' });
    expectError(await spoof(1), 401, 'auth.invalid_key');
    expectError(await spoof(2), 401, 'auth.invalid_key');
    expectError(await spoof(3), 429, 'rate_limited');
  });
});

describe('abuse controls', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ database: db, config: { authFailuresPerIp: 5, rateLimit: { perKey: 4, perUser: 600, windowMs: 60_000 } } });
  });
  after(() => t.close());

  const login = (email: string, password: string, ip: string) => t.inject({ method: 'POST', url: '/v1/auth/login', payload: { email, password }, remoteAddress: ip });

  it('ten wrong passwords from an attacker never lock the operator out of an address they used before', async () => {
    const email = 'victim@example.com';
    const password = 'correct horse battery';
    await t.services.tenancy.createOperator(t.systemCtx({ type: 'cli', id: null }), { email, password });
    assert.equal((await login(email, password, '10.1.1.1')).statusCode, 200, 'signs in from home once');

    for (let i = 0; i < 10; i++) expectError(await login(email, `wrong-${i}-password`, '10.66.6.6'), 401, 'auth.invalid_login');
    // The attacker's address now waits, whatever password it sends.
    expectError(await login(email, 'wrong-again-password', '10.66.6.6'), 429, 'rate_limited');
    expectError(await login(email, password, '10.66.6.6'), 429, 'rate_limited');
    // The operator is not locked out: home, and any other address, still sign in.
    assert.equal((await login(email, password, '10.1.1.1')).statusCode, 200);
    assert.equal((await login(email, password, '10.2.2.2')).statusCode, 200);

    // Guessing from the home address backs off too, but the right password still works there.
    for (let i = 0; i < 10; i++) expectError(await login(email, `home-wrong-${i}`, '10.1.1.1'), 401, 'auth.invalid_login');
    expectError(await login(email, 'home-wrong-x', '10.1.1.1'), 429, 'rate_limited');
    assert.equal((await login(email, password, '10.1.1.1')).statusCode, 200, 'a known address with the right password is never blocked');
  });

  it('forged API keys are limited per address (429 in the standard shape, Retry-After), other addresses unaffected', async () => {
    const tenant = await t.newTenant();
    const from = (ip: string, headers: Record<string, string>) => t.inject({ method: 'GET', url: '/v1/me', headers, remoteAddress: ip });
    for (let i = 0; i < 5; i++) expectError(await from('172.16.9.9', forged(i)), 401, 'auth.invalid_key');
    const limited = await from('172.16.9.9', forged(9));
    expectError(limited, 429, 'rate_limited');
    assert.ok(Number(limited.headers['retry-after']) > 0);
    // Bad session tokens and user tokens count too.
    for (let i = 0; i < 5; i++) expectError(await from('172.16.8.8', bearer(`ops_${'Y'.repeat(40)}`)), 401, 'auth.invalid_session');
    expectError(await from('172.16.8.8', bearer(`ops_${'Y'.repeat(40)}`)), 429, 'rate_limited');
    for (let i = 0; i < 5; i++) expectError(await from('172.16.7.7', { ...bearer(tenant.publishableKey), 'x-user-token': 'a.b.c' }), 401, 'auth.invalid_token');
    expectError(await from('172.16.7.7', { ...bearer(tenant.publishableKey), 'x-user-token': 'a.b.c' }), 429, 'rate_limited');
    // A legitimate client elsewhere keeps working; successes do not count as failures.
    for (let i = 0; i < 8; i++) assert.equal((await from('172.16.1.1', bearer(tenant.publishableKey))).statusCode, i < 4 ? 200 : 429);
  });

  it('operator rate limits are per operator: signing in again does not reset them', async () => {
    const tenant = await t.newTenant();
    const op = await t.newOperator(tenant.appId, 'owner');
    const me = (token: string) => t.inject({ method: 'GET', url: '/v1/auth/me', headers: bearer(token) });
    for (let i = 0; i < 4; i++) assert.equal((await me(op.token)).statusCode, 200);
    expectError(await me(op.token), 429, 'rate_limited');
    const again = await t.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: op.email, password: op.password }, remoteAddress: '10.3.3.3' });
    assert.equal(again.statusCode, 200);
    expectError(await me((again.json() as { token: string }).token), 429, 'rate_limited');
  });
});

describe('security headers', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ database: db });
  });
  after(() => t.close());

  const csp = (h: Record<string, unknown>) => String(h['content-security-policy'] ?? '');

  it('every answer (API, errors, 404) carries nosniff, a referrer policy and frame-ancestors none', async () => {
    for (const url of ['/health', '/v1/me', '/nope', '/openapi.json']) {
      const r = await t.inject({ method: 'GET', url });
      assert.equal(r.headers['x-content-type-options'], 'nosniff', url);
      assert.equal(r.headers['referrer-policy'], 'no-referrer', url);
      assert.match(csp(r.headers), /frame-ancestors 'none'/, url);
      assert.match(csp(r.headers), /default-src 'none'/, url);
    }
  });

  it('/docs has a strict CSP that its own offline assets satisfy: no inline script, only this server', async () => {
    const page = await t.inject({ method: 'GET', url: '/docs' });
    assert.equal(page.statusCode, 200);
    const policy = csp(page.headers);
    assert.match(policy, /frame-ancestors 'none'/);
    const directive = (name: string) => policy.split(';').map((d) => d.trim()).find((d) => d.startsWith(`${name} `)) ?? '';
    assert.equal(directive('script-src'), "script-src 'self'", 'scripts only from this server, never inline');
    assert.equal(directive('default-src'), "default-src 'self'");
    assert.equal(directive('object-src'), "object-src 'none'");
    // Every script in the page is an external file from this server (an inline one would be blocked).
    const scripts = [...page.body.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    assert.ok(scripts.length >= 3);
    for (const [, attrs, body] of scripts) {
      assert.match(attrs!, /\ssrc="/, 'script has a src');
      assert.equal(body!.trim(), '', 'no inline script');
    }
    assert.doesNotMatch(page.body, /\son[a-z]+\s*=/i, 'no inline event handlers');
    for (const a of [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!)) {
      const url = a.startsWith('/') ? a : `/docs/${a.replace(/^\.\//, '')}`;
      const r = await t.inject({ method: 'GET', url });
      assert.equal(r.statusCode, 200, url);
      assert.equal(r.headers['x-content-type-options'], 'nosniff', url);
      // The spec is fetched relative to the page (connect-src 'self'); the logo is a data: image (img-src data:).
      if (url.endsWith('swagger-initializer.js')) assert.match(r.body, /resolveUrl\('\.\/json'\)/, 'the initializer loads the spec from this server');
    }
  });
});

describe('who may create apps', () => {
  let t: TestApp;
  let open: TestApp;
  before(async () => {
    t = await startTestApp({ database: db });
    open = await startTestApp({ database: db, config: { openAppCreation: true } });
  });
  after(async () => {
    await t.close();
    await open.close();
  });

  const create = (app: TestApp, token: string) => app.inject({ method: 'POST', url: '/v1/apps', headers: bearer(token), payload: { name: 'mine' } });

  it('an analyst (or an operator of no app) cannot create apps; an owner or admin can', async () => {
    const tenant = await t.newTenant();
    for (const role of ['analyst', 'moderator', 'operator'] as const) {
      const op = await t.newOperator(tenant.appId, role);
      expectError(await create(t, op.token), 403, 'apps.create_forbidden');
    }
    const admin = await t.newOperator(tenant.appId, 'admin');
    assert.equal((await create(t, admin.token)).statusCode, 201);
    const owner = await t.newOperator(tenant.appId, 'owner');
    assert.equal((await create(t, owner.token)).statusCode, 201);
  });

  it('CANYU_OPEN_APP_CREATION=true lets any signed-in operator create apps', async () => {
    const tenant = await open.newTenant();
    const analyst = await open.newOperator(tenant.appId, 'analyst');
    const r = await create(open, analyst.token);
    assert.equal(r.statusCode, 201, r.body);
  });
});
