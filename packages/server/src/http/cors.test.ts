// Cross-origin calls through the HTTP API on a real database: an app's allowed origins (exact and
// `*.` subdomains) answer preflights and calls with CORS headers, others get none; the call is
// judged by the app its key belongs to, a change shows at once on a second server, and bad origins
// are refused naming the field.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { bearer, startTwoServers, type Tenant, type TestApp } from '../testing/app.ts';
import { waitFor } from '../testing/wait.ts';
import { originMatches } from './cors.ts';

let two: Awaited<ReturnType<typeof startTwoServers>>;
let s1: TestApp;
let s2: TestApp;
let a: Tenant;
let b: Tenant;
let ownerA: Awaited<ReturnType<TestApp['newOperator']>>;

before(async () => {
  two = await startTwoServers();
  ({ s1, s2 } = two);
  a = await s1.newTenant();
  b = await s1.newTenant();
  ownerA = await s1.newOperator(a.appId, 'owner');
});
after(() => two.close());

const setOrigins = (origins: unknown) => s1.inject({ method: 'PATCH', url: `/v1/apps/${a.appId}`, headers: bearer(ownerA.token), payload: { allowed_origins: origins } });
const preflight = (s: TestApp, origin: string) => s.inject({ method: 'OPTIONS', url: '/v1/events', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' } });
const call = (s: TestApp, origin: string, key: string) => s.inject({ method: 'GET', url: '/v1/me', headers: { origin, authorization: `Bearer ${key}` } });

describe('origins', () => {
  it('matches exact origins and subdomains of a *. pattern, nothing else', () => {
    assert.equal(originMatches('https://shop.example.com', 'https://shop.example.com'), true);
    assert.equal(originMatches('https://*.example.com', 'https://m.shop.example.com'), true);
    assert.equal(originMatches('https://*.example.com', 'https://example.com'), false);
    assert.equal(originMatches('https://*.example.com', 'http://m.example.com'), false);
    assert.equal(originMatches('https://*.example.com', 'https://evil-example.com'), false);
    assert.equal(originMatches('https://*.example.com', 'https://m.example.com.evil.io'), false);
    assert.equal(originMatches('https://*.example.com:8443', 'https://m.example.com:8443'), true);
    assert.equal(originMatches('https://*.example.com', 'https://m.example.com:8443'), false);
  });
});

describe('CORS per app', () => {
  it('answers a listed origin on both servers, and only for the app that lists it', async () => {
    const before = await preflight(s1, 'https://shop.example.com');
    assert.equal(before.statusCode, 204);
    assert.equal(before.headers['access-control-allow-origin'], undefined, 'nobody lists it yet');

    const r = await setOrigins(['https://shop.example.com', 'https://*.m.example.com']);
    assert.equal(r.statusCode, 200, r.body);
    assert.deepEqual(r.json().allowed_origins, ['https://shop.example.com', 'https://*.m.example.com']);
    for (const s of [s1, s2]) {
      const p = await preflight(s, 'https://shop.example.com');
      assert.equal(p.statusCode, 204);
      assert.equal(p.headers['access-control-allow-origin'], 'https://shop.example.com');
      assert.match(String(p.headers['access-control-allow-headers']), /authorization/);
      assert.match(String(p.headers['access-control-allow-methods']), /POST/);
      const ok = await call(s, 'https://a.m.example.com', a.publishableKey);
      assert.equal(ok.headers['access-control-allow-origin'], 'https://a.m.example.com');
      assert.match(String(ok.headers['access-control-expose-headers']), /retry-after/);
    }
    // The realtime SSE stream (written past the hooks) says so too.
    const token = await s1.userToken(a, 'cors-user');
    const sse = await new Promise<http.IncomingMessage>((resolve, reject) =>
      http.get(`${two.url1}/v1/realtime/sse?${new URLSearchParams({ key: a.publishableKey, user_token: token })}`, { headers: { origin: 'https://shop.example.com' } }, resolve).on('error', reject),
    );
    assert.equal(sse.statusCode, 200);
    assert.equal(sse.headers['access-control-allow-origin'], 'https://shop.example.com');
    sse.destroy();
    // The other app does not list it: its answers carry no CORS header even from that origin.
    assert.equal((await call(s2, 'https://shop.example.com', b.publishableKey)).headers['access-control-allow-origin'], undefined);
    assert.equal((await preflight(s2, 'https://other.example.org')).headers['access-control-allow-origin'], undefined);
    // Removed: gone on this server at once, and on the other one as soon as its cache hears the
    // change (PostgreSQL NOTIFY: asynchronous, so the test waits on it rather than racing it).
    assert.equal((await setOrigins([])).statusCode, 200);
    assert.equal((await call(s1, 'https://shop.example.com', a.publishableKey)).headers['access-control-allow-origin'], undefined);
    await waitFor('the other server to drop the origin', async () => (await call(s2, 'https://shop.example.com', a.publishableKey)).headers['access-control-allow-origin'] === undefined, { timeoutMs: 10_000 });
    assert.equal((await preflight(s2, 'https://shop.example.com')).headers['access-control-allow-origin'], undefined);
  });

  it('refuses origins that are not scheme://host[:port], naming the field', async () => {
    for (const bad of ['*', 'https://shop.example.com/', 'ftp://x.com', 'https://EXAMPLE.com', 'https://a.com/path', 'javascript:alert(1)', 'https://*', 'https://a\u0000.com']) {
      const r = await setOrigins([bad]);
      assert.equal(r.statusCode, 400, bad);
      assert.match(JSON.stringify(r.json().error.details), /allowed_origins/);
    }
    assert.equal((await setOrigins(Array.from({ length: 51 }, (_, i) => `https://s${i}.example.com`))).statusCode, 400);
  });
});
