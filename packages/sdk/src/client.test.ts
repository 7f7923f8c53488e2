// The client's own logic against a fake fetch (no server needed for these): retries with back-off
// and Retry-After only where a repeat is safe, one Idempotency-Key across attempts, CanyuError for
// every failure, and the user-token refresh.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createBrowserClient } from './browser.ts';
import { createClient } from './client.ts';
import { CanyuError } from './errors.ts';
import { backoffDelay, DEFAULT_RETRY, parseRetryAfter } from './retry.ts';
import type { RequestBody, ResponseBody } from './operations.ts';
import { uuidv7 } from './uuid.ts';

type Seen = { method: string; url: string; headers: Headers; body: string };

/** A fetch that answers from a script, one entry per call (the last repeats); records each request. */
function fakeFetch(script: (Response | Error | ((req: Request) => Response))[]) {
  const seen: Seen[] = [];
  let i = 0;
  const fetch = async (req: Request): Promise<Response> => {
    seen.push({ method: req.method, url: req.url, headers: new Headers(req.headers), body: await req.text() });
    const step = script[Math.min(i++, script.length - 1)]!;
    if (step instanceof Error) throw step;
    return typeof step === 'function' ? step(req) : step.clone();
  };
  return { fetch, seen };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
const err = (status: number, code: string, headers: Record<string, string> = {}) => json(status, { error: { code, message: code, details: { why: 'test' } } }, headers);

function recorder() {
  const waits: number[] = [];
  return { waits, sleep: async (ms: number) => void waits.push(ms) };
}

const client = (f: ReturnType<typeof fakeFetch>, s: ReturnType<typeof recorder>, extra: Partial<Parameters<typeof createClient>[0]> = {}) =>
  createClient({ baseUrl: 'http://canyu.test/', fetch: f.fetch, sleep: s.sleep, random: () => 0.5, authorize: (h) => h.set('authorization', 'Bearer sk_test'), ...extra });

describe('retries', () => {
  it('waits out 503 with Retry-After, then succeeds', async () => {
    const f = fakeFetch([err(503, 'unavailable', { 'retry-after': '2' }), json(200, { data: [], next_cursor: null })]);
    const s = recorder();
    const { data } = await client(f, s).GET('/v1/polls', {});
    assert.deepEqual(data, { data: [], next_cursor: null });
    assert.equal(f.seen.length, 2);
    assert.ok(s.waits[0]! >= 2000 && s.waits[0]! <= 2200, `waited ${s.waits[0]}`);
    assert.equal(f.seen[0]!.headers.get('authorization'), 'Bearer sk_test');
    assert.equal(f.seen[0]!.url, 'http://canyu.test/v1/polls');
  });

  it('backs off exponentially with jitter on 429 and network errors, then gives up with CanyuError', async () => {
    const f = fakeFetch([err(429, 'rate_limited'), new TypeError('fetch failed'), err(429, 'rate_limited')]);
    const s = recorder();
    const e = await client(f, s, { retry: { retries: 3, baseDelayMs: 100, maxDelayMs: 10_000 } })
      .GET('/v1/polls', {})
      .then(() => null, (x: unknown) => x);
    assert.ok(e instanceof CanyuError);
    assert.equal(e.status, 429);
    assert.equal(e.code, 'rate_limited');
    assert.deepEqual(e.details, { why: 'test' });
    assert.equal(f.seen.length, 4);
    // random() = 0.5 → half of base·2^attempt
    assert.deepEqual(s.waits, [50, 100, 200]);
  });

  it('sends one Idempotency-Key on every attempt of a mutating call', async () => {
    const f = fakeFetch([new TypeError('socket hang up'), err(503, 'unavailable'), json(201, { id: 'p1' })]);
    const s = recorder();
    await client(f, s).POST('/v1/polls', { body: { question: 'Q?', options: ['a', 'b'] } as never });
    assert.equal(f.seen.length, 3);
    const keys = f.seen.map((x) => x.headers.get('idempotency-key'));
    assert.ok(keys[0] && /^[0-9a-f-]{36}$/.test(keys[0]), String(keys[0]));
    assert.deepEqual(new Set(keys).size, 1);
    assert.equal(f.seen[2]!.body, f.seen[0]!.body);
  });

  it('keys POST, PATCH and DELETE, not PUT (setting a state is safe to repeat) nor event batches', async () => {
    const f = fakeFetch([json(200, {})]);
    const c = client(f, recorder());
    await c.DELETE('/v1/polls/{pollId}', { params: { path: { pollId: 'p1' } } });
    await c.PUT('/v1/subjects/{kind}/{subjectId}/like', { params: { path: { kind: 'video', subjectId: 'v1' } }, body: { user_id: 'u1' } });
    assert.deepEqual(f.seen.map((s) => [s.method, s.headers.has('idempotency-key')]), [['DELETE', true], ['PUT', false]]);
    const g = fakeFetch([json(200, { accepted: 1, duplicates: 0 })]);
    const b = createBrowserClient({ baseUrl: 'http://canyu.test', publishableKey: 'pk_test', userToken: 't', fetch: g.fetch, storage: null });
    b.track('x');
    await b.flush();
    b.close();
    assert.equal(g.seen[0]!.url, 'http://canyu.test/v1/events');
    assert.equal(g.seen[0]!.headers.has('idempotency-key'), false);
  });

  it('never repeats a POST without an Idempotency-Key', async () => {
    const f = fakeFetch([err(503, 'unavailable'), json(201, {})]);
    const e = await client(f, recorder(), { idempotencyKeys: false })
      .POST('/v1/polls', { body: {} as never })
      .then(() => null, (x: unknown) => x);
    assert.ok(e instanceof CanyuError && e.status === 503);
    assert.equal(f.seen.length, 1);
    const g = fakeFetch([new TypeError('fetch failed'), json(201, {})]);
    const e2 = await client(g, recorder(), { idempotencyKeys: false })
      .POST('/v1/polls', { body: {} as never })
      .then(() => null, (x: unknown) => x);
    assert.ok(e2 instanceof CanyuError && e2.code === 'network_error' && e2.status === 0, String(e2));
    assert.equal(g.seen.length, 1);
  });

  it('does not retry what retrying cannot fix (4xx), nor wait past the longest delay', async () => {
    const f = fakeFetch([err(400, 'validation_failed')]);
    await assert.rejects(client(f, recorder()).GET('/v1/polls', {}), (e: CanyuError) => e.code === 'validation_failed' && e.status === 400);
    assert.equal(f.seen.length, 1);
    const g = fakeFetch([err(429, 'rate_limited', { 'retry-after': '3600' })]);
    await assert.rejects(client(g, recorder()).GET('/v1/polls', {}), (e: CanyuError) => e.status === 429);
    assert.equal(g.seen.length, 1);
  });

  it('maps an answer that is not in the standard shape to http_<status>', async () => {
    const f = fakeFetch([new Response('<html>bad gateway</html>', { status: 502 })]);
    await assert.rejects(client(f, recorder()).GET('/v1/polls', {}), (e: CanyuError) => e.code === 'http_502' && e.status === 502);
  });

  it('computes delays: full jitter capped at the maximum; Retry-After as seconds or a date', () => {
    for (let a = 0; a < 20; a++) {
      const d = backoffDelay(a, DEFAULT_RETRY, Math.random);
      assert.ok(d >= 0 && d <= DEFAULT_RETRY.maxDelayMs);
    }
    assert.equal(backoffDelay(2, { retries: 3, baseDelayMs: 100, maxDelayMs: 1000 }, () => 1), 400);
    assert.equal(backoffDelay(9, { retries: 3, baseDelayMs: 100, maxDelayMs: 1000 }, () => 1), 1000);
    assert.equal(parseRetryAfter('7'), 7000);
    assert.equal(parseRetryAfter(new Date(10_000 + 5000).toUTCString(), 10_000), 5000);
    assert.equal(parseRetryAfter('soon'), null);
    assert.equal(parseRetryAfter(null), null);
  });
});

describe('user token refresh (browser client)', () => {
  it('refreshes once when the server refuses the token, and retries with the new one', async () => {
    const f = fakeFetch([(req) => (req.headers.get('x-user-token') === 'fresh' ? json(200, { ok: true }) : err(401, 'auth.expired_token'))]);
    let refreshes = 0;
    const c = createBrowserClient({ baseUrl: 'http://canyu.test', publishableKey: 'pk_test', userToken: 'stale', refreshUserToken: async () => (refreshes++, 'fresh'), fetch: f.fetch, storage: null });
    try {
      await c.api.GET('/v1/users/{userId}/level', { params: { path: { userId: 'u1' } } });
      assert.equal(refreshes, 1);
      assert.deepEqual(f.seen.map((s) => s.headers.get('x-user-token')), ['stale', 'fresh']);
      assert.equal(f.seen[1]!.headers.get('authorization'), 'Bearer pk_test');
    } finally {
      c.close();
    }
  });

  it('refreshes ahead of expiry, and gives up after one refresh', async () => {
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const expiring = `${b64({ alg: 'HS256' })}.${b64({ sub: 'u1', exp: Math.floor(Date.now() / 1000) + 5 })}.sig`;
    const f = fakeFetch([err(401, 'auth.invalid_token')]);
    let refreshes = 0;
    const c = createBrowserClient({ baseUrl: 'http://canyu.test', publishableKey: 'pk_test', userToken: expiring, refreshUserToken: async () => `t${++refreshes}`, fetch: f.fetch, storage: null });
    try {
      await assert.rejects(c.api.GET('/v1/users/{userId}/level', { params: { path: { userId: 'u1' } } }), (e: CanyuError) => e.code === 'auth.invalid_token');
      // one refresh because the token was about to expire, one after the refusal, then stop
      assert.deepEqual(f.seen.map((s) => s.headers.get('x-user-token')), ['t1', 't2']);
    } finally {
      c.close();
    }
  });
});

describe('a failing refresh callback', () => {
  it('rejects with auth.token_refresh_failed, not a network error', async () => {
    const f = fakeFetch([json(200, {})]);
    const c = createBrowserClient({ baseUrl: 'http://canyu.test', publishableKey: 'pk_test', refreshUserToken: async () => Promise.reject(new Error('backend down')), fetch: f.fetch, storage: null });
    try {
      await assert.rejects(c.api.GET('/v1/users/{userId}/level', { params: { path: { userId: 'u1' } } }), (e: CanyuError) => e.code === 'auth.token_refresh_failed' && /backend down/.test(e.message));
      assert.equal(f.seen.length, 0);
    } finally {
      c.close();
    }
  });
});

describe('uuidv7', () => {
  it('is a version-7 RFC 9562 UUID whose prefix is the time', () => {
    const a = uuidv7(1_700_000_000_000);
    assert.match(a, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(parseInt(a.replace(/-/g, '').slice(0, 12), 16), 1_700_000_000_000);
    assert.ok(uuidv7(1_700_000_000_001) > a);
    assert.notEqual(uuidv7(5), uuidv7(5));
  });
});

describe('types by operationId', () => {
  it('name what an operation takes and answers', () => {
    const answer: ResponseBody<'subjects.like'> = { subject: { kind: 'video', id: 'v1' }, liked: true, changed: true, likes: 1 };
    const body: RequestBody<'events.track'> = { events: [{ name: 'video.played', event_id: uuidv7() }] };
    // @ts-expect-error: a like answers no `count`
    const wrong: ResponseBody<'subjects.like'>['count'] = 1;
    assert.equal(answer.likes + body.events.length + (wrong ?? 0), 3);
  });
});
