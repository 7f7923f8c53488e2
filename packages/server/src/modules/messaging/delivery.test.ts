// Delivery on the email channel against a local SMTP catcher: what goes out, retries that never
// deliver twice (however many dispatchers race, and after a crashed attempt), permanent failures,
// signed unsubscribe links that work without login, tracked clicks, per-message and per-campaign
// statistics.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { Clock } from '../../lib/clock.ts';
import { bearer, startTestApp, type Tenant, type TestApp } from '../../testing/app.ts';
import { parseAllowList } from '../../lib/net-guard.ts';
import { expectError, findIssue } from '../../testing/http.ts';
import { startSmtpCatcher } from '../../testing/smtp.ts';
import { waitFor } from '../../testing/wait.ts';

const local = { publicUrl: 'https://canyu.example.com', webhookAllowPrivate: parseAllowList('127.0.0.1'), smtpRequireTls: false };
let t: TestApp;
let t2: TestApp;
let tenant: Tenant;
let smtp: Awaited<ReturnType<typeof startSmtpCatcher>>;
let now = new Date('2025-03-01T06:00:00Z');
const clock: Clock = { now: () => new Date(now) };

before(async () => {
  smtp = await startSmtpCatcher();
  // The catcher is a plaintext relay on 127.0.0.1: both need the deployment's explicit consent.
  t = await startTestApp({ clock, config: local });
  // A second server on the same database: its dispatcher races the first one's.
  t2 = await startTestApp({ clock, database: t.database, config: local });
});
beforeEach(async () => {
  tenant = await t.newTenant();
  smtp.mails.length = 0;
  await api('PATCH', '/v1/messaging/settings', { email: { smtp_url: smtp.url(), from: 'Canyu 参与 <noreply@example.com>' } });
});
after(async () => {
  await t2.close();
  await t.close();
  await smtp.close();
});

const api = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown) => t.inject({ method, url, headers: bearer(tenant.secretKey), ...(payload === undefined ? {} : { payload: payload as object }) });
const identify = (userId: string, body: object) => api('POST', `/v1/users/${encodeURIComponent(userId)}`, body);
const q = async <T>(sql: string, params: unknown[]) => (await t.database.pool.query(sql, params)).rows as T[];
const sendEmail = (userId: string, extra: object = {}) => api('POST', '/v1/messaging/sends', { to: { user_id: userId }, content: { 'zh-CN': { title: '订单已发货：快递单号 SF123456789，请留意查收', body: '你的包裹正在路上。\n.这一行以点开头' } }, category: 'service', channels: ['email'], ...extra });

describe('email', () => {
  it('sends plain-text mail with an encoded subject, a one-click unsubscribe header and the delivery id', async () => {
    await identify('mia', { traits: { email: 'mia@example.com' }, locale: 'zh-CN' });
    const r = await sendEmail('mia');
    assert.equal(r.statusCode, 201, r.body);
    assert.equal(r.json().results[0].channels.email.status, 'queued');
    await t.services.messaging.idle();
    assert.equal(smtp.mails.length, 1);
    const mail = smtp.mails[0]!;
    assert.deepEqual(mail.to, ['mia@example.com']);
    assert.equal(mail.from, 'noreply@example.com');
    assert.equal(mail.auth, 'mailer:s3cret');
    assert.equal(mail.subject, '订单已发货：快递单号 SF123456789，请留意查收');
    assert.match(mail.text, /^你的包裹正在路上。\r?\n\.这一行以点开头/, 'dot-stuffing round-trips');
    assert.match(mail.text, /退订：https:\/\/canyu\.example\.com\/v1\/messaging\/unsubscribe\?token=/);
    assert.match(mail.headers['list-unsubscribe']!, /^<https:\/\/canyu\.example\.com\/v1\/messaging\/unsubscribe\?token=[^>]+>$/);
    assert.equal(mail.headers['list-unsubscribe-post'], 'List-Unsubscribe=One-Click');
    const msg = (await api('GET', `/v1/messaging/messages/${r.json().results[0].message_id}`)).json();
    assert.equal(msg.status, 'none', 'not an inbox message');
    assert.equal(msg.deliveries[0].status, 'sent');
    assert.equal(mail.headers['message-id'], `<${msg.deliveries[0].id}.${tenant.appId}@canyu>`);
    const settings = (await api('GET', '/v1/messaging/settings')).json();
    assert.equal(settings.email.smtp_url, `smtp://mailer:***@127.0.0.1:${smtp.port}`, 'the password is never shown');
  });

  it('a rule’s email goes out as soon as its event is handled, not on the minute tick', async () => {
    // Test servers run no jobs, so no tick would ever send it: only the kick after the consumer's
    // transaction commits can. (It once ran inside that transaction, before the deliveries were visible.)
    await identify('ruth', { traits: { email: 'ruth@example.com' }, locale: 'en' });
    await api('POST', '/v1/messaging/templates', { key: 'shipped', category: 'service', content: { 'zh-CN': { title: '订单 {{order}} 已发货', body: '在路上了。' }, en: { title: 'Order {{order}} shipped', body: 'On its way.' } }, variables: { order: { sample: 'A1' } } });
    const rule = await api('POST', '/v1/messaging/rules', { event: 'order.shipped', recipient: 'userId', template: 'shipped', data: { order: 'properties.order' }, channels: ['email'], transactional: true });
    assert.equal(rule.statusCode, 201, rule.body);
    const ev = await api('POST', '/v1/events', { events: [{ event_id: 'ship-1', user_id: 'ruth', name: 'order.shipped', properties: { order: 'SO-7' } }] });
    assert.ok(ev.statusCode < 300, ev.body);
    await waitFor('the rule’s mail', () => smtp.mails.find((m) => m.subject === 'Order SO-7 shipped'), { timeoutMs: 15_000 });
    assert.deepEqual(smtp.mails.map((m) => m.to), [['ruth@example.com']]);
  });

  it('suppresses users without an address and fails permanently on a 5xx, without retrying', async () => {
    await identify('nomail', {});
    await identify('bounce', { traits: { email: 'bounce@example.com' } });
    const a = await sendEmail('nomail');
    smtp.failNext(1, 550, '5.1.1 no such user');
    const b = await sendEmail('bounce');
    await t.services.messaging.idle();
    const status = async (r: typeof a) => (await api('GET', `/v1/messaging/messages/${r.json().results[0].message_id}`)).json().deliveries[0];
    assert.equal((await status(a)).status, 'suppressed');
    const bounced = await status(b);
    assert.deepEqual([bounced.status, bounced.attempts], ['failed', 1]);
    assert.match(bounced.last_error, /550/);
    now = new Date(now.getTime() + 86_400_000);
    await t.services.messaging.tick();
    assert.equal((await status(b)).attempts, 1);
    assert.equal(smtp.mails.length, 0);
  });
});

describe('retries', () => {
  it('retry temporary failures with backoff and deliver exactly once', async () => {
    await identify('retry', { traits: { email: 'retry@example.com' } });
    smtp.failNext(2);
    const r = await sendEmail('retry');
    await t.services.messaging.idle();
    const delivery = async () => (await api('GET', `/v1/messaging/messages/${r.json().results[0].message_id}`)).json().deliveries[0];
    let d = await delivery();
    assert.deepEqual([d.status, d.attempts, smtp.mails.length], ['queued', 1, 0]);
    assert.match(d.last_error, /451/);
    // Not before its backoff (30 s after the first attempt).
    await t.services.messaging.tick();
    assert.equal((await delivery()).attempts, 1);
    now = new Date(now.getTime() + 31_000);
    await t.services.messaging.tick();
    d = await delivery();
    assert.deepEqual([d.status, d.attempts], ['queued', 2]);
    now = new Date(now.getTime() + 61_000);
    await Promise.all([t.services.messaging.tick(), t2.services.messaging.tick(), t.services.messaging.dispatch(), t2.services.messaging.dispatch()]);
    d = await delivery();
    assert.deepEqual([d.status, d.attempts], ['sent', 3]);
    // Running the dispatchers again, later, sends nothing more.
    now = new Date(now.getTime() + 3600_000);
    await Promise.all([t.services.messaging.tick(), t2.services.messaging.tick()]);
    assert.equal(smtp.mails.length, 1, 'delivered exactly once');
  });

  it('never deliver twice when dispatchers on two servers race over 60 deliveries', async () => {
    for (let i = 0; i < 60; i++) await identify(`r${i}`, { traits: { email: `r${i}@example.com` } });
    // Queue without dispatching: the sends below kick this server's dispatcher, so the race starts at once.
    const users = Array.from({ length: 60 }, (_, i) => `r${i}`);
    const r = await api('POST', '/v1/messaging/sends', { to: { user_ids: users }, content: { en: { title: 'race', body: '.' } }, category: 'service', channels: ['email'] });
    assert.equal(r.statusCode, 201, r.body);
    await Promise.all([...Array.from({ length: 5 }, () => t.services.messaging.dispatch()), ...Array.from({ length: 5 }, () => t2.services.messaging.dispatch())]);
    await Promise.all([t.services.messaging.idle(), t2.services.messaging.idle()]);
    const to = smtp.mails.map((m) => m.to[0]);
    assert.equal(to.length, 60);
    assert.equal(new Set(to).size, 60, 'no address got two copies');
    const ids = smtp.mails.map((m) => m.headers['message-id']);
    assert.equal(new Set(ids).size, 60);
  });

  it('retry a delivery whose server crashed mid-send (lease expired), and refuse the stale attempt’s late result', async () => {
    await identify('crash', { traits: { email: 'crash@example.com' } });
    // Store the delivery as a crashed server left it: claimed (attempt 1), lease running out.
    const r = await api('POST', '/v1/messaging/sends', { to: { user_id: 'crash' }, content: { en: { title: 'crash', body: '.' } }, category: 'service', channels: ['email'], scheduled_at: new Date(now.getTime() + 1000).toISOString() });
    now = new Date(now.getTime() + 2000);
    await t.services.messaging.sending.run(t.systemCtx(), tenant.appId, r.json().id);
    await t.services.messaging.idle();
    smtp.mails.length = 0;
    const [row] = await q<{ id: string }>(`select id from ms_deliveries where app_id = $1`, [tenant.appId]);
    await t.database.pool.query(`update ms_deliveries set status = 'sending', attempts = 1, lease_until = $2 where id = $1`, [row!.id, new Date(now.getTime() + 60_000)]);
    await t.services.messaging.tick();
    assert.equal(smtp.mails.length, 0, 'the lease still holds');
    now = new Date(now.getTime() + 61_000);
    await Promise.all([t.services.messaging.tick(), t2.services.messaging.tick()]);
    assert.equal(smtp.mails.length, 1);
    assert.equal(smtp.mails[0]!.headers['message-id'], `<dlv_${row!.id}.${tenant.appId}@canyu>`, 'the retry carries the same id, so a receiver can recognise it');
    // The crashed attempt (attempt 1) reporting late cannot overwrite the retry's outcome.
    const late = await t.database.pool.query(`update ms_deliveries set status = 'failed' where id = $1 and status = 'sending' and attempts = 1 returning id`, [row!.id]);
    assert.equal(late.rowCount, 0);
    const [d] = await q<{ status: string; attempts: number }>(`select status, attempts from ms_deliveries where id = $1`, [row!.id]);
    assert.deepEqual(d, { status: 'sent', attempts: 2 });
  });
});

describe('links and tracking', () => {
  it('unsubscribe works without login: GET asks, POST (one-click) applies; later email is suppressed', async () => {
    await identify('leaver', { traits: { email: 'leaver@example.com' } });
    await sendEmail('leaver');
    await t.services.messaging.idle();
    const link = /<(https:\/\/canyu\.example\.com([^>]+))>/.exec(smtp.mails[0]!.headers['list-unsubscribe']!)![2]!;
    const page = await t.inject({ method: 'GET', url: link });
    assert.equal(page.statusCode, 200);
    assert.match(String(page.headers['content-type']), /text\/html/);
    assert.match(page.body, /退订/);
    assert.deepEqual((await api('GET', '/v1/users/leaver/messaging-preferences')).json().disabled, [], 'GET changes nothing');
    const post = await t.inject({ method: 'POST', url: link, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'List-Unsubscribe=One-Click' });
    assert.equal(post.statusCode, 200, post.body);
    assert.deepEqual(post.json(), { unsubscribed: true, category: 'service', channel: 'email' });
    assert.equal((await t.inject({ method: 'POST', url: link, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'List-Unsubscribe=One-Click' })).statusCode, 200, 'idempotent');
    assert.deepEqual((await api('GET', '/v1/users/leaver/messaging-preferences')).json().disabled, [{ category: 'service', channel: 'email' }]);
    const again = await sendEmail('leaver');
    assert.equal(again.json().results[0].channels.email.status, 'suppressed');
    const tampered = link.replace(/token=([A-Za-z0-9_-]{5})/, 'token=AAAAA');
    expectError(await t.inject({ method: 'POST', url: tampered }), 400, 'messaging.invalid_link');
    expectError(await t.inject({ method: 'GET', url: '/v1/messaging/unsubscribe?token=not-a-token-at-all' }), 400, 'messaging.invalid_link');
  });

  it('tracks clicks through signed links, and reports per-message and per-campaign statistics', async () => {
    for (const u of ['c1', 'c2', 'c3']) await identify(u, { traits: { email: `${u}@example.com` } });
    const s1 = await api('POST', '/v1/messaging/sends', { to: { user_ids: ['c1', 'c2'] }, content: { en: { title: 'Sale', body: 'Today only' } }, url: 'https://shop.example.com/sale', category: 'activity', channels: ['in_app', 'email'], campaign: 'spring' });
    const s2 = await api('POST', '/v1/messaging/sends', { to: { user_id: 'c3' }, content: { en: { title: 'Sale', body: 'Today only' } }, url: 'https://shop.example.com/sale', category: 'activity', channels: ['in_app'], campaign: 'spring' });
    assert.equal(s2.statusCode, 201);
    await t.services.messaging.idle();
    const mail = smtp.mails.find((m) => m.to[0] === 'c1@example.com')!;
    const click = /https:\/\/canyu\.example\.com(\/v1\/messaging\/click\?token=\S+)/.exec(mail.text)![1]!;
    const res = await t.inject({ method: 'GET', url: click });
    assert.equal(res.statusCode, 302);
    assert.equal(res.headers.location, 'https://shop.example.com/sale');
    assert.deepEqual((await t.inject({ method: 'GET', url: click, headers: { accept: 'application/json' } })).json(), { url: 'https://shop.example.com/sale' });
    const c3 = (await api('GET', '/v1/users/c3/inbox')).json().data[0];
    await api('POST', `/v1/users/c3/inbox/${c3.id}/read`);
    const stats = (await api('GET', `/v1/messaging/sends/${s1.json().id}`)).json().stats;
    assert.deepEqual(stats, { messages: 2, inbox: { sent: 2, capped: 0, suppressed: 0, read: 1, clicked: 1 }, channels: { email: { sent: 2 } } });
    const campaign = (await api('GET', '/v1/messaging/campaigns/spring/stats')).json();
    assert.deepEqual(campaign.inbox, { sent: 3, capped: 0, suppressed: 0, read: 2, clicked: 1 });
    const msg = (await api('GET', `/v1/messaging/messages/${s1.json().results[0].message_id}`)).json();
    assert.ok(msg.read_at && msg.clicked_at);
    expectError(await t.inject({ method: 'GET', url: `${click}x` }), 400, 'messaging.invalid_link');
  });
});

describe('SMTP safety', () => {
  it('writes the From name through the address encoder: a comma or quotes never make a second mailbox or header', async () => {
    await api('PATCH', '/v1/messaging/settings', { email: { smtp_url: smtp.url(), from: 'Shop, Inc. "Best" Bcc: x@evil.example <noreply@example.com>' } });
    await identify('from', { traits: { email: 'from@example.com' } });
    await sendEmail('from');
    await t.services.messaging.idle();
    const mail = smtp.mails[0]!;
    assert.equal(mail.from, 'noreply@example.com');
    assert.equal(mail.headers.bcc, undefined);
    // One quoted display name, then the one address.
    assert.match(mail.headers.from!, /^"Shop, Inc\. \\"Best\\" Bcc: x@evil\.example" <noreply@example\.com>$/);
  });

  it('never sends credentials (or mail) to a relay without TLS unless the deployment allows plaintext', async () => {
    const strictTls = await startTestApp({ clock, database: t.database, config: { ...local, smtpRequireTls: true } });
    try {
      await identify('tls', { traits: { email: 'tls@example.com' } });
      smtp.commands.length = 0;
      // Sent through the server that requires TLS; the catcher offers no STARTTLS.
      const r = await strictTls.inject({ method: 'POST', url: '/v1/messaging/sends', headers: bearer(tenant.secretKey), payload: { to: { user_id: 'tls' }, content: { en: { title: 'x', body: 'y' } }, category: 'service', channels: ['email'] } });
      assert.equal(r.statusCode, 201, r.body);
      await strictTls.services.messaging.idle();
      const d = (await api('GET', `/v1/messaging/messages/${r.json().results[0].message_id}`)).json().deliveries[0];
      assert.equal(smtp.mails.length, 0);
      assert.ok(smtp.commands.includes('EHLO'), `the relay was reached: ${smtp.commands.join(' ')}`);
      assert.ok(!smtp.commands.includes('AUTH'), `no AUTH without TLS: ${smtp.commands.join(' ')}`);
      assert.ok(!smtp.commands.includes('MAIL'));
      assert.deepEqual([d.status, d.attempts], ['failed', 1], 'a relay without TLS is a configuration error, not retried');
    } finally {
      await strictTls.close();
    }
  });

  it('refuses local, private and metadata relays on save and again when connecting', async () => {
    const strict = await startTestApp({ clock, database: t.database, config: { publicUrl: 'https://canyu.example.com', smtpRequireTls: false } });
    try {
      const h = bearer(tenant.secretKey);
      for (const url of ['smtp://u:p@127.0.0.1:25', 'smtp://127.1', 'smtp://2130706433:25', 'smtp://0x7f.1', 'smtps://[::1]:465', 'smtp://[::ffff:127.0.0.1]', 'smtp://localhost:25', 'smtp://10.0.0.1', 'smtp://169.254.169.254', 'smtp://100.64.1.1', 'smtp://[fd00::1]']) {
        const err = expectError(await strict.inject({ method: 'PATCH', url: '/v1/messaging/settings', headers: h, payload: { email: { smtp_url: url, from: 'a@example.com' } } }), 400, 'validation_failed');
        findIssue(err, 'body.email.smtp_url');
      }
      // Saved through the server that allows 127.0.0.1 (or before the check existed), sent through one that does not.
      await identify('ssrf', { traits: { email: 'ssrf@example.com' } });
      const before = smtp.connections;
      const r = await strict.inject({ method: 'POST', url: '/v1/messaging/sends', headers: h, payload: { to: { user_id: 'ssrf' }, content: { en: { title: 'x', body: 'y' } }, category: 'service', channels: ['email'] } });
      assert.equal(r.statusCode, 201, r.body);
      await strict.services.messaging.idle();
      const d = (await api('GET', `/v1/messaging/messages/${r.json().results[0].message_id}`)).json().deliveries[0];
      assert.deepEqual([d.status, d.attempts], ['failed', 1]);
      assert.match(d.last_error, /SMTP relay refused: 127\.0\.0\.1 is a loopback address/);
      assert.equal(smtp.connections, before, 'the local relay was never connected to');
    } finally {
      await strict.close();
    }
  });
});

