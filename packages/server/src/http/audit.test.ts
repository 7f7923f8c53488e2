// Every operator and secret-key mutation leaves an audit entry with what it changed: each mutating
// operation declares its policy (walked here through /openapi.json), the HTTP layer checks each
// request against it (http/audit.ts), and the mutations the audit log used to miss, or recorded
// without their state before the change, are exercised one by one.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { redact } from '../modules/audit/index.ts';
import { bearer, startTestApp, type Tenant, type TestApp } from '../testing/app.ts';

let t: TestApp;
let tenant: Tenant;
let owner: { operatorId: string; token: string };

before(async () => {
  t = await startTestApp();
  tenant = await t.newTenant();
  owner = await t.newOperator(tenant.appId, 'owner');
});
after(() => t.close());

type Entry = { id: number; actor_type: string; actor_id: string | null; action: string; target_type: string; target_id: string | null; before: unknown; after: unknown; request_id: string | null };

const op = () => ({ ...bearer(owner.token), 'x-canyu-app': tenant.appId });
const sk = () => bearer(tenant.secretKey);

async function call(method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: object, headers: Record<string, string> = op()) {
  const res = await t.inject({ method, url, headers, ...(payload === undefined ? {} : { payload }) });
  assert.ok(res.statusCode >= 200 && res.statusCode < 300, `${method} ${url}: ${res.statusCode} ${res.body.slice(0, 300)}`);
  return { res, body: res.body ? (res.json() as Record<string, unknown> & { id?: string }) : null, requestId: String(res.headers['x-request-id']) };
}

/** The entries the request wrote, read back through the API. */
async function entriesOf(requestId: string, appId = tenant.appId, token = owner.token): Promise<Entry[]> {
  const res = await t.inject({ method: 'GET', url: `/v1/apps/${appId}/audit-log?limit=100`, headers: bearer(token) });
  assert.equal(res.statusCode, 200, res.body);
  return (res.json() as { data: Entry[] }).data.filter((e) => e.request_id === requestId);
}

/** The one entry with this action written by the request. */
async function entry(requestId: string, action: string): Promise<Entry> {
  const found = (await entriesOf(requestId)).filter((e) => e.action === action);
  assert.equal(found.length, 1, `one ${action} entry for request ${requestId}, got ${JSON.stringify(await entriesOf(requestId))}`);
  return found[0]!;
}

describe('the policy of every mutating operation', () => {
  it('is declared on each POST, PUT, PATCH and DELETE of the OpenAPI document, with a reason when exempt', async () => {
    const doc = (await t.inject({ method: 'GET', url: '/openapi.json' })).json() as { paths: Record<string, Record<string, { 'x-canyu-audit'?: unknown }>> };
    const missing: string[] = [];
    let recorded = 0;
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, o] of Object.entries(ops)) {
        if (!['post', 'put', 'patch', 'delete'].includes(method)) continue;
        const policy = o['x-canyu-audit'];
        if (policy === 'recorded') recorded++;
        else if (!(policy && typeof policy === 'object' && typeof (policy as { exempt?: unknown }).exempt === 'string' && (policy as { exempt: string }).exempt.length > 10)) missing.push(`${method.toUpperCase()} ${path}`);
      }
    }
    assert.deepEqual(missing, [], 'mutating operations without an audit policy (config.audit)');
    assert.ok(recorded > 100, `only ${recorded} recorded operations`);
    // What the issue listed as unaudited is now held to 'recorded'.
    for (const [method, path] of [
      ['post', '/v1/messaging/templates'],
      ['patch', '/v1/messaging/settings'],
      ['post', '/v1/messaging/caps'],
      ['post', '/v1/messaging/rules'],
      ['post', '/v1/messaging/sends'],
      ['post', '/v1/messaging/announcements'],
      ['post', '/v1/points/refunds'],
      ['post', '/v1/coupons/{couponId}/redeem'],
      ['post', '/v1/coupons/{couponId}/release'],
      ['post', '/v1/bargains/{bargainId}/buy'],
      ['post', '/v1/crowdfunding/pledges/{pledgeId}/cancel'],
      ['put', '/v1/subjects/{kind}/{subjectId}'],
      ['post', '/v1/live/rooms'],
      ['post', '/v1/live/rooms/{roomId}/close'],
      ['delete', '/v1/gamification/blocks/{userId}'],
    ] as const) {
      assert.equal(doc.paths[path]?.[method]?.['x-canyu-audit'], 'recorded', `${method} ${path}`);
    }
  });

  it('fails a recorded mutation that wrote no entry in tests, and writes a fallback entry in production', async () => {
    const routes = (app: FastifyInstance) => {
      app.post('/v1/audit-probe/:thingId', { config: { auth: { secret: true, user: true }, audit: 'recorded' } }, async () => ({ ok: true }));
      app.post('/v1/audit-probe-undeclared/:thingId', { config: { auth: { secret: true } } }, async () => ({ ok: true }));
      app.post('/v1/audit-probe-exempt/:thingId', { config: { auth: { secret: true }, audit: { exempt: 'a probe of the exemption' } } }, async () => ({ ok: true }));
    };
    const strict = await startTestApp({ database: t.database, extraRoutes: routes });
    const lax = await startTestApp({ database: t.database, strictAudit: false, extraRoutes: routes });
    try {
      const ten = await strict.newTenant();
      const h = bearer(ten.secretKey);
      for (const url of ['/v1/audit-probe/p1', '/v1/audit-probe-undeclared/p1']) {
        const r = await strict.inject({ method: 'POST', url, headers: h, payload: {} });
        assert.equal(r.statusCode, 500, `${url}: ${r.body}`);
      }
      assert.equal((await strict.inject({ method: 'POST', url: '/v1/audit-probe-exempt/p1', headers: h, payload: {} })).statusCode, 200);
      // A user token acts for its own user: not an operator or secret-key mutation.
      const token = await strict.userToken(ten, 'u1');
      assert.equal((await strict.inject({ method: 'POST', url: '/v1/audit-probe/p2', headers: { ...bearer(ten.publishableKey), 'x-user-token': token }, payload: {} })).statusCode, 200);

      const r = await lax.inject({ method: 'POST', url: '/v1/audit-probe/p3', headers: h, payload: {} });
      assert.equal(r.statusCode, 200, r.body);
      const rows = await t.database.pool.query('select app_id, actor_type, action, target_type, target_id, request_id from au_log where request_id = $1', [r.headers['x-request-id']]);
      assert.deepEqual(rows.rows, [{ app_id: ten.appId, actor_type: 'secret_key', action: 'unrecorded:POST /v1/audit-probe/:thingId', target_type: 'route', target_id: 'p3', request_id: r.headers['x-request-id'] }]);
    } finally {
      await strict.close();
      await lax.close();
    }
  });
});

describe('messaging', () => {
  const template = { key: 'audit-note', category: 'system', content: { 'zh-CN': { title: '通知', body: '内容' }, en: { title: 'Note', body: 'Body' } }, variables: {} };

  it('records templates created, changed and deleted, with the template before and after', async () => {
    const c = await call('POST', '/v1/messaging/templates', template);
    assert.equal(((await entry(c.requestId, 'messaging.template.create')).after as { key: string }).key, 'audit-note');
    const u = await call('PATCH', '/v1/messaging/templates/audit-note', { content: { 'zh-CN': { title: '新通知', body: '内容' }, en: { title: 'New note', body: 'Body' } } });
    const e = await entry(u.requestId, 'messaging.template.update');
    assert.equal((e.before as { titleEn: string }).titleEn, 'Note');
    assert.equal((e.after as { titleEn: string }).titleEn, 'New note');
    assert.equal(e.actor_type, 'operator');
    assert.equal(e.actor_id, owner.operatorId);
    const d = await call('DELETE', '/v1/messaging/templates/audit-note');
    assert.equal(((await entry(d.requestId, 'messaging.template.delete')).before as { titleEn: string }).titleEn, 'New note');
  });

  it('records settings with the SMTP relay, never its password or the link-signing secret', async () => {
    const first = await call('PATCH', '/v1/messaging/settings', { email: { smtp_url: 'smtp://mailer:hunter2-secret@smtp.example.com:587', from: 'a@example.com' } });
    const e1 = await entry(first.requestId, 'messaging.settings.update');
    assert.equal((e1.before as { email: unknown }).email, null);
    const second = await call('PATCH', '/v1/messaging/settings', { default_locale: 'en' }, sk());
    const e2 = await entry(second.requestId, 'messaging.settings.update');
    assert.equal(e2.actor_type, 'secret_key');
    assert.deepEqual((e2.before as { email: unknown }).email, { smtpUrl: 'smtp://mailer:[redacted]@smtp.example.com:587', from: 'a@example.com' });
    assert.equal((e2.after as { defaultLocale: string }).defaultLocale, 'en');
    const all = JSON.stringify(await entriesOf(first.requestId)) + JSON.stringify(e2);
    assert.doesNotMatch(all, /hunter2/);
    assert.doesNotMatch(all, /signingSecret/);
  });

  it('records caps, rules, sends and announcements', async () => {
    const cap = await call('POST', '/v1/messaging/caps', { category: 'activity', max: 3, period: 'day' });
    const capId = String(cap.body!.id);
    assert.equal(((await entry(cap.requestId, 'messaging.cap.create')).after as { max: number }).max, 3);
    const capDel = await call('DELETE', `/v1/messaging/caps/${capId}`);
    assert.equal(((await entry(capDel.requestId, 'messaging.cap.delete')).before as { id: string }).id, capId);

    await call('POST', '/v1/messaging/templates', { ...template, key: 'audit-rule' });
    const rule = await call('POST', '/v1/messaging/rules', { event: 'level.up', recipient: 'userId', template: 'audit-rule' });
    const ruleId = String(rule.body!.id);
    await entry(rule.requestId, 'messaging.rule.create');
    const off = await call('PATCH', `/v1/messaging/rules/${ruleId}`, { enabled: false });
    const e = await entry(off.requestId, 'messaging.rule.update');
    assert.equal((e.before as { enabled: boolean }).enabled, true);
    assert.equal((e.after as { enabled: boolean }).enabled, false);
    await entry((await call('DELETE', `/v1/messaging/rules/${ruleId}`)).requestId, 'messaging.rule.delete');

    const send = await call('POST', '/v1/messaging/sends', { to: { user_id: 'audit-u1' }, content: { en: { title: 'Hi', body: 'There' } }, category: 'service', channels: ['in_app'], scheduled_at: new Date(Date.now() + 3600_000).toISOString() });
    const sendId = String(send.body!.id);
    assert.equal((await entry(send.requestId, 'messaging.send.create')).target_id, sendId);
    const cancel = await call('POST', `/v1/messaging/sends/${sendId}/cancel`);
    const ce = await entry(cancel.requestId, 'messaging.send.cancel');
    assert.equal((ce.before as { status: string }).status, 'scheduled');

    const ann = await call('POST', '/v1/messaging/announcements', { content: { en: { title: 'Update', body: 'New' } } });
    const annId = String(ann.body!.id);
    assert.equal((await entry(ann.requestId, 'messaging.announcement.create')).target_id, annId);
    const w = await call('DELETE', `/v1/messaging/announcements/${annId}`);
    const we = await entry(w.requestId, 'messaging.announcement.withdraw');
    assert.equal((we.before as { withdrawnAt: unknown }).withdrawnAt, null);
    assert.notEqual((we.after as { withdrawnAt: unknown }).withdrawnAt, null);
  });
});

describe('money-like balances and stock', () => {
  it('records a points adjustment with the balance before and after, and a refund', async () => {
    await call('PUT', '/v1/points/types/points', { name: 'Points', expiry: { kind: 'never' } }, sk());
    await call('POST', '/v1/users/audit-p/points/earn', { type: 'points', amount: 100, idempotency_key: 'audit-earn-1' }, sk());
    const adj = await call('POST', '/v1/users/audit-p/points/adjust', { type: 'points', amount: -30, reason: 'correction', idempotency_key: 'audit-adj-1' });
    const e = await entry(adj.requestId, 'points.adjust');
    assert.deepEqual(e.before, { type: 'points', balance: 100 });
    assert.equal((e.after as { balance: number }).balance, 70);
    // The same adjustment again changes nothing and writes nothing: the first entry stands.
    const again = await call('POST', '/v1/users/audit-p/points/adjust', { type: 'points', amount: -30, reason: 'correction', idempotency_key: 'audit-adj-1' });
    assert.deepEqual(await entriesOf(again.requestId), []);

    await call('POST', '/v1/users/audit-p/points/spend', { type: 'points', amount: 20, idempotency_key: 'audit-spend-1' }, sk());
    const refund = await call('POST', '/v1/points/refunds', { debit_idempotency_key: 'audit-spend-1', idempotency_key: 'audit-refund-1' }, sk());
    const re = await entry(refund.requestId, 'points.refund');
    assert.equal(re.actor_type, 'secret_key');
    assert.deepEqual(re.before, { type: 'points', balance: 50 });
    assert.equal((re.after as { balance: number }).balance, 70);
  });

  it('records a coupon redeemed and released', async () => {
    const tpl = await call('POST', '/v1/coupon-templates', { name: 'audit', kind: 'fixed', amount: 100, valid_days: 7 }, sk());
    const issued = await call('POST', `/v1/coupon-templates/${String(tpl.body!.id)}/issue`, { user_ids: ['audit-c'] }, sk());
    const couponId = (issued.body as { results: { coupon_id: string }[] }).results[0]!.coupon_id;
    const order = { items: [{ product_id: 'tea', category_ids: ['drinks'], unit_price: 1200, quantity: 2 }], shipping_fee: 0 };
    const redeem = await call('POST', `/v1/coupons/${couponId}/redeem`, { order_ref: 'audit-o1', order }, sk());
    const e = await entry(redeem.requestId, 'coupon.redeem');
    assert.equal((e.before as { status: string }).status, 'available');
    assert.equal((e.after as { status: string }).status, 'redeemed');
    const release = await call('POST', `/v1/coupons/${couponId}/release`, { order_ref: 'audit-o1' });
    const r = await entry(release.requestId, 'coupon.release');
    assert.equal((r.before as { status: string }).status, 'redeemed');
    assert.equal((r.after as { status: string }).status, 'available');
  });
});

describe('content, rooms and blocks', () => {
  it('records subject upserts with the subject before and after', async () => {
    const created = await call('PUT', '/v1/subjects/post/audit-s1', { title: 'First', tags: ['a'] }, sk());
    const c = await entry(created.requestId, 'subject.create');
    assert.equal(c.before, null);
    assert.equal((c.after as { title: string }).title, 'First');
    const updated = await call('PUT', '/v1/subjects/post/audit-s1', { title: 'Second' }, sk());
    const u = await entry(updated.requestId, 'subject.update');
    assert.equal((u.before as { title: string }).title, 'First');
    assert.equal((u.after as { title: string }).title, 'Second');
  });

  it('records live rooms opened and closed', async () => {
    const room = await call('POST', '/v1/live/rooms', { title: 'Launch' }, sk());
    const roomId = String(room.body!.id);
    assert.equal((await entry(room.requestId, 'live.room.create')).target_id, roomId);
    const closed = await call('POST', `/v1/live/rooms/${roomId}/close`);
    const e = await entry(closed.requestId, 'live.room.close');
    assert.equal((e.before as { status: string }).status, 'open');
    assert.equal((e.after as { status: string }).status, 'closed');
  });

  it('records unblocking a user in gamification, also one who was not blocked', async () => {
    const r = await call('DELETE', '/v1/gamification/blocks/audit-g1');
    assert.equal(r.res.statusCode, 204);
    const e = await entry(r.requestId, 'gamification.unblock');
    assert.deepEqual(e.before, { blocked: false });
    assert.deepEqual(e.after, { blocked: false });
  });

  it('records moderation blocks with the state before: not blocked, then blocked', async () => {
    const first = await call('PUT', '/v1/moderation/blocks/audit-m1', { reason: 'spam' });
    const e1 = await entry(first.requestId, 'user.block');
    assert.deepEqual(e1.before, { blocked: false });
    assert.deepEqual(e1.after, { blocked: true, reason: 'spam', until: null });
    const second = await call('PUT', '/v1/moderation/blocks/audit-m1', { reason: 'abuse' });
    assert.deepEqual((await entry(second.requestId, 'user.block')).before, { blocked: true, reason: 'spam', until: null });
    const un = await call('DELETE', '/v1/moderation/blocks/audit-m1');
    assert.deepEqual((await entry(un.requestId, 'user.unblock')).before, { blocked: true, reason: 'abuse', until: null });
  });
});

describe('updates record the state before the change', () => {
  it('feedback boards and posts', async () => {
    const board = await call('POST', '/v1/feedback/boards', { name: 'Ideas' }, sk());
    const boardId = String(board.body!.id);
    const bu = await call('PATCH', `/v1/feedback/boards/${boardId}`, { name: 'Product ideas', visibility: 'private' });
    const be = await entry(bu.requestId, 'feedback.board.update');
    assert.deepEqual(be.before, { name: 'Ideas', description: null, visibility: 'public', default_assignee: null });
    assert.deepEqual(be.after, { name: 'Product ideas', description: null, visibility: 'private', default_assignee: null });

    const post = await call('POST', `/v1/feedback/boards/${boardId}/posts`, { user_id: 'audit-f1', type: 'idea', title: 'Dark mode please' }, sk());
    const pu = await call('PATCH', `/v1/feedback/posts/${String(post.body!.id)}`, { title: 'Dark mode', tags: ['ui'] });
    const pe = await entry(pu.requestId, 'feedback.post.update');
    assert.equal((pe.before as { title: string }).title, 'Dark mode please');
    assert.deepEqual((pe.before as { tags: string[] }).tags, []);
    assert.equal((pe.after as { title: string }).title, 'Dark mode');
    assert.deepEqual((pe.after as { tags: string[] }).tags, ['ui']);
  });

  it('key rotation: the key as it was (a hint, never the key) and what replaced it', async () => {
    const keys = (await t.inject({ method: 'GET', url: `/v1/apps/${tenant.appId}/keys`, headers: bearer(owner.token) })).json() as { data: { id: string; kind: string; hint: string }[] };
    const pk = keys.data.find((k) => k.kind === 'publishable')!;
    const r = await call('POST', `/v1/apps/${tenant.appId}/keys/${pk.id}/rotate`, {}, bearer(owner.token));
    const e = await entry(r.requestId, 'key.rotate');
    assert.equal((e.before as { id: string; revokedAt: unknown }).id, pk.id);
    assert.equal((e.before as { revokedAt: unknown }).revokedAt, null);
    assert.notEqual((e.after as { revokedAt: unknown }).revokedAt, null);
    assert.equal((e.after as { replacement: string }).replacement, (r.body as { key: { id: string } }).key.id);
    assert.doesNotMatch(JSON.stringify(e), /keyHash|"secret"|pk_[A-Za-z0-9]{20}/);
  });

  it('survey settings', async () => {
    await call('PUT', '/v1/surveys/settings', { recontact_days: 7 }, sk());
    const r = await call('PUT', '/v1/surveys/settings', { recontact_days: 30 });
    const e = await entry(r.requestId, 'survey.settings');
    assert.deepEqual(e.before, { recontact_days: 7 });
    assert.deepEqual(e.after, { recontact_days: 30 });
  });
});

describe('redaction', () => {
  it('keeps secrets out of before and after, whatever the caller passes', () => {
    assert.deepEqual(
      redact({
        name: 'x',
        secret: 'whsec_abc',
        signingSecret: 'zzz',
        password: 'p',
        nested: [{ api_key: 'k', token: 't', has_token: true }],
        url: 'smtps://user:pa55@mail.example.com:465',
        key: 'sk_live_abcdefghijklmnop',
        plain: 'https://example.com/a@b',
      }),
      {
        name: 'x',
        secret: '[redacted]',
        signingSecret: '[redacted]',
        password: '[redacted]',
        nested: [{ api_key: '[redacted]', token: '[redacted]', has_token: true }],
        url: 'smtps://user:[redacted]@mail.example.com:465',
        key: 'sk_…mnop',
        plain: 'https://example.com/a@b',
      },
    );
    assert.equal(redact(null), null);
  });
});
