// The FAQ module over HTTP on a real PostgreSQL: entries CRUD with filters and cursors, idempotent
// imports (also racing), the index kept exact through edits and deletes, two servers on one
// database answering alike, permissions, bad input naming the field, erasure, and generative
// answers against a local OpenAI-compatible server (grounding, sources, key, fallbacks, SSRF).
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { sql } from 'drizzle-orm';
import { parseAllowList } from '../../lib/net-guard.ts';
import { bearer, startTestApp, type Tenant, type TestApp } from '../../testing/app.ts';
import { expectError, findIssue } from '../../testing/http.ts';

type Entry = { id: string; external_key: string | null; question: string; variants: string[]; answer: string; category: string | null; locale: string; enabled: boolean };
type Hit = { entry_id: string; score: number; question: string; answer: string };

let t: TestApp;
let tenant: Tenant;

before(async () => {
  // The local chat server runs on 127.0.0.1, which only the allow-list lets the app reach.
  t = await startTestApp({ config: { webhookAllowPrivate: parseAllowList('127.0.0.1') } });
  tenant = await t.newTenant();
});
after(() => t.close());

const sk = (x: Tenant = tenant) => bearer(x.secretKey);
const ok = (res: { statusCode: number; body: string; json(): unknown }, status = 200) => {
  assert.equal(res.statusCode, status, res.body);
  return res.json() as any; // eslint-disable-line @typescript-eslint/no-explicit-any
};
const create = async (payload: object, x: Tenant = tenant): Promise<Entry> => ok(await t.inject({ method: 'POST', url: '/v1/faq/entries', headers: sk(x), payload }), 201);
const search = async (q: string, extra = '', x: Tenant = tenant): Promise<Hit[]> => ok(await t.inject({ method: 'GET', url: `/v1/faq/search?q=${encodeURIComponent(q)}${extra}`, headers: sk(x) })).data;

/** Every entry has its document row and no phrase row outlives its entry. */
async function indexIsExact(appId: string): Promise<void> {
  const [r] = (
    await t.database.db.execute(sql`SELECT (SELECT count(*)::int FROM faq_entries WHERE app_id = ${appId}) AS entries,
      (SELECT count(*)::int FROM faq_phrases WHERE app_id = ${appId} AND seq = -1) AS docs,
      (SELECT count(*)::int FROM faq_phrases p WHERE p.app_id = ${appId} AND NOT EXISTS (SELECT 1 FROM faq_entries e WHERE e.id = p.entry_id)) AS orphans`)
  ).rows as { entries: number; docs: number; orphans: number }[];
  assert.deepEqual(r, { entries: r!.entries, docs: r!.entries, orphans: 0 });
}

describe('faq entries', () => {
  it('creates, reads, updates and deletes an entry; search follows every change', async () => {
    const x = await t.newTenant();
    const e = await create({ question: '如何申请退款？', variants: ['怎么退款'], answer: '在订单详情点击“申请退款”。', category: '退款', locale: 'zh-CN' }, x);
    await create({ question: 'How do I reset my password?', answer: 'Tap "Forgot password".', locale: 'en' }, x);
    assert.equal(e.enabled, true);
    assert.deepEqual(ok(await t.inject({ method: 'GET', url: `/v1/faq/entries/${e.id}`, headers: sk(x) })), { ...e });

    const hits = await search('退款怎么申请', '', x);
    assert.equal(hits[0]?.entry_id, e.id);
    assert.ok(hits[0]!.score > 0.5 && hits[0]!.score <= 1, `score ${hits[0]!.score}`);
    assert.equal((await search('password reset', '', x))[0]?.question, 'How do I reset my password?');
    assert.deepEqual(await search('退款', '&locale=en', x), [], 'locale filters');

    const changed: Entry = ok(await t.inject({ method: 'PATCH', url: `/v1/faq/entries/${e.id}`, headers: sk(x), payload: { question: '积分怎么兑换？', variants: [], answer: '在积分商城兑换。', category: null } }));
    assert.equal(changed.category, null);
    assert.deepEqual(await search('申请退款', '', x), [], 'the old question is no longer indexed');
    assert.equal((await search('兑换积分', '', x))[0]?.entry_id, e.id);
    await indexIsExact(x.appId);

    ok(await t.inject({ method: 'PATCH', url: `/v1/faq/entries/${e.id}`, headers: sk(x), payload: { enabled: false } }));
    assert.deepEqual(await search('兑换积分', '', x), [], 'disabled entries are not found');

    assert.equal((await t.inject({ method: 'DELETE', url: `/v1/faq/entries/${e.id}`, headers: sk(x) })).statusCode, 204);
    expectError(await t.inject({ method: 'GET', url: `/v1/faq/entries/${e.id}`, headers: sk(x) }), 404, 'faq.entry_not_found');
    expectError(await t.inject({ method: 'DELETE', url: `/v1/faq/entries/${e.id}`, headers: sk(x) }), 404, 'faq.entry_not_found');
    await indexIsExact(x.appId);
  });

  it('lists with filters and cursors', async () => {
    const x = await t.newTenant();
    for (let i = 0; i < 5; i++) await create({ question: `问题 ${i} 100%_off`, answer: `答案 ${i}`, category: i % 2 ? 'odd' : 'even', locale: i < 3 ? 'zh-CN' : 'en', enabled: i !== 4 }, x);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const p: { data: Entry[]; next_cursor: string | null } = ok(await t.inject({ method: 'GET', url: `/v1/faq/entries?limit=2${cursor ? `&cursor=${cursor}` : ''}`, headers: sk(x) }));
      seen.push(...p.data.map((d) => d.question));
      cursor = p.next_cursor;
    } while (cursor);
    assert.deepEqual(seen, [0, 1, 2, 3, 4].map((i) => `问题 ${i} 100%_off`));
    const list = async (qs: string) => (ok(await t.inject({ method: 'GET', url: `/v1/faq/entries?${qs}`, headers: sk(x) })).data as Entry[]).map((d) => d.answer);
    assert.deepEqual(await list('category=odd'), ['答案 1', '答案 3']);
    assert.deepEqual(await list('locale=en'), ['答案 3', '答案 4']);
    assert.deepEqual(await list('enabled=false'), ['答案 4']);
    assert.deepEqual(await list(`q=${encodeURIComponent('答案 2')}`), ['答案 2']);
    assert.deepEqual(await list(`q=${encodeURIComponent('%_')}`), ['答案 0', '答案 1', '答案 2', '答案 3', '答案 4'], '% and _ match themselves');
    assert.deepEqual(await list(`q=${encodeURIComponent('1%')}`), [], 'not a wildcard');
    const bad = expectError(await t.inject({ method: 'GET', url: '/v1/faq/entries?cursor=eyJ0IjoiMDAwMC0wMS0wMVQwMDowMDowMFoiLCJpZCI6IngifQ', headers: sk(x) }), 400, 'invalid_cursor');
    assert.equal(bad.details?.field, 'query.cursor');
  });

  it('imports by external key idempotently; a duplicate key is refused', async () => {
    const x = await t.newTenant();
    const entries = [
      { external_key: 'a', question: 'How do I earn points?', answer: 'Check in daily.', locale: 'en' },
      { external_key: 'b', question: '签到有什么奖励？', variants: ['签到规则'], answer: '每天 5 积分。', locale: 'zh-CN', category: '签到' },
    ];
    const first = ok(await t.inject({ method: 'POST', url: '/v1/faq/entries/import', headers: sk(x), payload: { entries } }));
    assert.deepEqual({ ...first, ids: first.ids.length }, { created: 2, updated: 0, unchanged: 0, ids: 2 });
    const again = ok(await t.inject({ method: 'POST', url: '/v1/faq/entries/import', headers: sk(x), payload: { entries } }));
    assert.deepEqual(again, { created: 0, updated: 0, unchanged: 2, ids: first.ids });
    const edited = ok(await t.inject({ method: 'POST', url: '/v1/faq/entries/import', headers: sk(x), payload: { entries: [{ ...entries[1], answer: '每天 10 积分。' }] } }));
    assert.deepEqual(edited, { created: 0, updated: 1, unchanged: 0, ids: [first.ids[1]] });
    assert.equal((await search('签到奖励', '', x))[0]?.answer, '每天 10 积分。');
    await indexIsExact(x.appId);

    const dup = expectError(await t.inject({ method: 'POST', url: '/v1/faq/entries/import', headers: sk(x), payload: { entries: [entries[0], entries[0]] } }), 400, 'validation_failed');
    findIssue(dup, 'body.entries.1.external_key');
    expectError(await t.inject({ method: 'POST', url: '/v1/faq/entries', headers: sk(x), payload: entries[0] }), 409, 'faq.duplicate_key');
    const missing = expectError(await t.inject({ method: 'POST', url: '/v1/faq/entries/import', headers: sk(x), payload: { entries: [{ question: 'q', answer: 'a', locale: 'en' }] } }), 400, 'validation_failed');
    findIssue(missing, 'body.entries.0.external_key');
  });

  it('racing imports of the same keys create each entry once and keep the counts exact', async () => {
    const x = await t.newTenant();
    const entries = Array.from({ length: 30 }, (_, i) => ({ external_key: `k${i}`, question: `第 ${i} 个问题：积分和优惠券`, variants: [`variant ${i} coupon`], answer: `answer ${i}`, locale: i % 2 ? 'en' : 'zh-CN' }));
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => t.inject({ method: 'POST', url: '/v1/faq/entries/import', headers: sk(x), payload: { entries: i % 2 ? entries : [...entries].reverse() } })));
    const bodies = results.map((r) => ok(r));
    assert.equal(bodies.reduce((n, b) => n + b.created, 0), 30);
    assert.equal(bodies.reduce((n, b) => n + b.unchanged, 0), 150);
    const count = (await t.database.db.execute(sql`SELECT count(*)::int AS n FROM faq_entries WHERE app_id = ${x.appId}`)).rows[0] as { n: number };
    assert.equal(count.n, 30);
    await indexIsExact(x.appId);
  });

  it('two servers on one database answer alike: a write on either is seen by the next search on both', async () => {
    const x = await t.newTenant();
    const other = await startTestApp({ database: t.database });
    try {
      const e = await create({ question: '怎么开发票？', answer: '在订单详情申请电子发票。', locale: 'zh-CN' }, x);
      const viaB = ok(await other.inject({ method: 'GET', url: `/v1/faq/search?q=${encodeURIComponent('能开发票吗')}`, headers: sk(x) })).data as Hit[];
      assert.deepEqual(viaB, await search('能开发票吗', '', x));
      assert.equal(viaB[0]?.entry_id, e.id);
      ok(await other.inject({ method: 'PATCH', url: `/v1/faq/entries/${e.id}`, headers: sk(x), payload: { enabled: false } }));
      assert.deepEqual(await search('能开发票吗', '', x), []);
      // Both servers now hold the app's index; an edit on one changes the other's next answer.
      ok(await t.inject({ method: 'PATCH', url: `/v1/faq/entries/${e.id}`, headers: sk(x), payload: { enabled: true, answer: '发票在“我的-发票”里申请。' } }));
      const again = ok(await other.inject({ method: 'GET', url: `/v1/faq/search?q=${encodeURIComponent('能开发票吗')}`, headers: sk(x) })).data as Hit[];
      assert.equal(again[0]?.answer, '发票在“我的-发票”里申请。');
      ok(await other.inject({ method: 'POST', url: '/v1/faq/entries/import', headers: sk(x), payload: { entries: [{ external_key: 'pw', question: 'How do I reset my password?', answer: 'Tap Forgot password.', locale: 'en' }] } }));
      assert.equal((await search('reset password', '', x))[0]?.answer, 'Tap Forgot password.');
    } finally {
      await other.close();
    }
  });

  it('apps never see each other’s entries', async () => {
    const a = await t.newTenant();
    const b = await t.newTenant();
    const e = await create({ question: 'How do I delete my account?', answer: 'Settings.', locale: 'en' }, a);
    assert.deepEqual(await search('delete account', '', b), []);
    expectError(await t.inject({ method: 'GET', url: `/v1/faq/entries/${e.id}`, headers: sk(b) }), 404, 'faq.entry_not_found');
    expectError(await t.inject({ method: 'PATCH', url: `/v1/faq/entries/${e.id}`, headers: sk(b), payload: { enabled: false } }), 404, 'faq.entry_not_found');
  });

  it('operators: analysts read and search, operators write, only admins change the settings', async () => {
    const analyst = await t.newOperator(tenant.appId, 'analyst');
    const operator = await t.newOperator(tenant.appId, 'operator');
    const admin = await t.newOperator(tenant.appId, 'admin');
    const as = (token: string) => ({ authorization: `Bearer ${token}`, 'x-canyu-app': tenant.appId });
    const payload = { question: 'How do I track my package?', answer: 'Open the order.', locale: 'en' };
    expectError(await t.inject({ method: 'POST', url: '/v1/faq/entries', headers: as(analyst.token), payload }), 403, 'auth.forbidden');
    const e: Entry = ok(await t.inject({ method: 'POST', url: '/v1/faq/entries', headers: as(operator.token), payload }), 201);
    ok(await t.inject({ method: 'GET', url: '/v1/faq/entries', headers: as(analyst.token) }));
    ok(await t.inject({ method: 'GET', url: '/v1/faq/search?q=track', headers: as(analyst.token) }));
    ok(await t.inject({ method: 'GET', url: '/v1/faq/settings', headers: as(analyst.token) }));
    expectError(await t.inject({ method: 'PUT', url: '/v1/faq/settings', headers: as(operator.token), payload: { generative: false } }), 403, 'auth.forbidden');
    ok(await t.inject({ method: 'PUT', url: '/v1/faq/settings', headers: as(admin.token), payload: { generative: false } }));
    // The change is in the audit log.
    const audit = ok(await t.inject({ method: 'GET', url: `/v1/apps/${tenant.appId}/audit-log`, headers: as(admin.token) }));
    assert.ok((audit.data as { action: string; target_id: string | null }[]).some((a) => a.action === 'faq.entry.create' && a.target_id === e.id), JSON.stringify(audit.data).slice(0, 500));
    // End users may ask (a help page), not edit.
    const user = { authorization: `Bearer ${tenant.publishableKey}`, 'x-user-token': await t.userToken(tenant, 'u1') };
    ok(await t.inject({ method: 'GET', url: '/v1/faq/search?q=track', headers: user }));
    ok(await t.inject({ method: 'POST', url: '/v1/faq/answer', headers: user, payload: { q: 'track my package' } }));
    expectError(await t.inject({ method: 'POST', url: '/v1/faq/entries', headers: user, payload }), 403, 'auth.forbidden');
  });

  it('bad input answers 400 naming the field', async () => {
    const bad = async (method: 'GET' | 'POST' | 'PUT', url: string, field: string, payload?: object) => findIssue(expectError(await t.inject({ method, url, headers: sk(), ...(payload ? { payload } : {}) }), 400, 'validation_failed'), field);
    await bad('GET', `/v1/faq/search?q=${'问'.repeat(501)}`, 'query.q');
    await bad('GET', '/v1/faq/search?q=', 'query.q');
    await bad('GET', '/v1/faq/search?q=a%00b', 'query.q');
    await bad('GET', '/v1/faq/search?q=refund&locale=fr', 'query.locale');
    await bad('GET', '/v1/faq/search?q=refund&limit=0', 'query.limit');
    await bad('POST', '/v1/faq/answer', 'body.q', { q: 'x\u0000y' });
    await bad('POST', '/v1/faq/answer', 'body.locale', { q: 'refund', locale: 'de' });
    await bad('POST', '/v1/faq/entries', 'body.locale', { question: 'q', answer: 'a', locale: 'zh' });
    await bad('POST', '/v1/faq/entries', 'body.question', { question: '\ud800', answer: 'a', locale: 'en' });
    await bad('POST', '/v1/faq/entries', 'body.variants.0', { question: 'q', variants: [''], answer: 'a', locale: 'en' });
    await bad('PUT', '/v1/faq/settings', 'body.timeout_ms', { generative: false, timeout_ms: 10 });
    await bad('PUT', '/v1/faq/settings', 'body.endpoint_url', { generative: true, endpoint_url: 'ftp://example.com' });
    await bad('PUT', '/v1/faq/settings', 'body.endpoint_url', { generative: true, model: 'm' });
    await bad('PUT', '/v1/faq/settings', 'body.model', { generative: true, endpoint_url: 'https://llm.example.com' });
    // Questions with nothing to search by find nothing rather than failing.
    assert.deepEqual(await search('？？？ 。。。'), []);
  });

  it('erases every row of a deleted app', async () => {
    const x = await t.newTenant();
    await create({ question: 'How do I cancel an order?', answer: 'On the order page.', locale: 'en' }, x);
    ok(await t.inject({ method: 'PUT', url: '/v1/faq/settings', headers: sk(x), payload: { generative: false, endpoint_url: 'https://llm.example.com', model: 'm', api_key: 'sk-secret' } }));
    await t.services.faq.erasure.eraseApp(t.database.db, x.appId);
    await t.services.faq.erasure.eraseApp(t.database.db, x.appId);
    for (const table of ['faq_entries', 'faq_phrases', 'faq_versions', 'faq_settings']) {
      const r = (await t.database.db.execute(sql`SELECT count(*)::int AS n FROM ${sql.identifier(table)} WHERE app_id = ${x.appId}`)).rows[0] as { n: number };
      assert.equal(r.n, 0, table);
    }
  });
});

// ---- generative answers ------------------------------------------------------------------------

type ChatRequest = { headers: http.IncomingHttpHeaders; body: { model: string; messages: { role: string; content: string }[] } };

/** A local OpenAI-compatible chat server whose behaviour each test sets. */
async function startChatServer() {
  const seen: ChatRequest[] = [];
  let behaviour: 'ok' | 'slow' | 'error' | 'garbage' = 'ok';
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      if (req.url !== '/v1/chat/completions') {
        res.writeHead(404).end();
        return;
      }
      seen.push({ headers: req.headers, body: JSON.parse(raw) });
      if (behaviour === 'error') return res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"boom"}');
      if (behaviour === 'garbage') return res.writeHead(200, { 'content-type': 'application/json' }).end('{"choices":[]}');
      const reply = () => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: 'c1', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: '您可以在订单详情申请退款 <b>[1]</b>' }, finish_reason: 'stop' }] }));
      if (behaviour === 'slow') setTimeout(reply, 1500).unref();
      else reply();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    set: (b: typeof behaviour) => (behaviour = b),
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

describe('faq generative answers', () => {
  let chat: Awaited<ReturnType<typeof startChatServer>>;
  let x: Tenant;
  let refund: Entry;
  before(async () => {
    chat = await startChatServer();
    x = await t.newTenant();
    refund = await create({ question: '如何申请退款？', variants: ['怎么退款'], answer: '在“我的订单”点击“申请退款”。', locale: 'zh-CN' }, x);
    await create({ question: '退款多久到账？', answer: '1–3 个工作日。', locale: 'zh-CN' }, x);
  });
  after(() => chat.close());
  const answer = async (q: string) => ok(await t.inject({ method: 'POST', url: '/v1/faq/answer', headers: sk(x), payload: { q, locale: 'zh-CN' } }));

  it('is off by default: the top entry’s answer', async () => {
    const a = await answer('我想申请退款');
    assert.equal(a.generated, false);
    assert.equal(a.answer, refund.answer);
    assert.deepEqual(a.sources, [refund.id]);
    assert.equal(a.hits[0].entry_id, refund.id);
    assert.equal(chat.seen.length, 0);
    assert.deepEqual(ok(await t.inject({ method: 'GET', url: '/v1/faq/settings', headers: sk(x) })), { generative: false, endpoint_url: null, model: null, api_key_set: false, timeout_ms: 5000, updated_at: null });
  });

  it('when on, phrases the answer from the retrieved entries only, with their ids as sources', async () => {
    const put = ok(await t.inject({ method: 'PUT', url: '/v1/faq/settings', headers: sk(x), payload: { generative: true, endpoint_url: chat.url, model: 'qwen-test', api_key: 'sk-llm-secret', timeout_ms: 1000 } }));
    assert.equal(put.api_key_set, true);
    assert.ok(!JSON.stringify(put).includes('sk-llm-secret'));
    const got = ok(await t.inject({ method: 'GET', url: '/v1/faq/settings', headers: sk(x) }));
    assert.ok(!JSON.stringify(got).includes('sk-llm-secret') && got.api_key_set && got.model === 'qwen-test');
    const stored = (await t.database.db.execute(sql`SELECT api_key FROM faq_settings WHERE app_id = ${x.appId}`)).rows[0] as { api_key: string };
    assert.match(stored.api_key, /^enc:v1:/, 'the key is sealed at rest');

    const a = await answer('我想申请退款');
    assert.equal(a.generated, true);
    assert.equal(a.answer, '您可以在订单详情申请退款 &lt;b&gt;[1]&lt;/b&gt;', 'generated text is HTML-escaped');
    assert.deepEqual(a.sources, [refund.id], 'the entry cited as [1]');
    const req = chat.seen.at(-1)!;
    assert.equal(req.headers.authorization, 'Bearer sk-llm-secret');
    assert.equal(req.body.model, 'qwen-test');
    const system = req.body.messages[0]!;
    assert.equal(system.role, 'system');
    assert.match(system.content, /只能依据/);
    assert.ok(system.content.includes(refund.answer), 'the retrieved answer is in the prompt');
    assert.deepEqual(req.body.messages[1], { role: 'user', content: '我想申请退款' });

    // The module's interface for the bot does the same.
    const ctx = t.systemCtx();
    const hits = await t.services.faq.search(ctx, x.appId, '我想申请退款', { locale: 'zh-CN' });
    const composed = await t.services.faq.compose(ctx, x.appId, '我想申请退款', hits);
    assert.deepEqual(composed, { answer: '您可以在订单详情申请退款 <b>[1]</b>', sources: [refund.id], generated: true });
  });

  it('falls back to the top entry on a timeout, an error status or a reply without text', async () => {
    for (const b of ['slow', 'error', 'garbage'] as const) {
      chat.set(b);
      const t0 = Date.now();
      const a = await answer('我想申请退款');
      assert.deepEqual({ generated: a.generated, answer: a.answer, sources: a.sources }, { generated: false, answer: refund.answer, sources: [refund.id] }, b);
      if (b === 'slow') assert.ok(Date.now() - t0 < 1400, 'the timeout (1000 ms) bounds the wait');
    }
    chat.set('ok');
  });

  it('refuses endpoints on private, loopback or metadata addresses outside the allow-list', async () => {
    for (const url of ['http://10.0.0.5/v1', 'http://169.254.169.254', 'http://[::1]:8080', 'http://192.168.1.1:11434']) {
      const err = expectError(await t.inject({ method: 'PUT', url: '/v1/faq/settings', headers: sk(x), payload: { generative: true, endpoint_url: url, model: 'm' } }), 400, 'validation_failed');
      findIssue(err, 'body.endpoint_url');
    }
  });

  it('keeps the stored key when it is omitted and removes it on null', async () => {
    ok(await t.inject({ method: 'PUT', url: '/v1/faq/settings', headers: sk(x), payload: { generative: true, endpoint_url: chat.url } }));
    await answer('我想申请退款');
    assert.equal(chat.seen.at(-1)!.headers.authorization, 'Bearer sk-llm-secret');
    const cleared = ok(await t.inject({ method: 'PUT', url: '/v1/faq/settings', headers: sk(x), payload: { generative: true, api_key: null } }));
    assert.equal(cleared.api_key_set, false);
    await answer('我想申请退款');
    assert.equal(chat.seen.at(-1)!.headers.authorization, undefined);
  });
});
