// Inbox, announcements and templates over HTTP on a real database: templates render per locale
// with declared variables, the inbox merges messages with announcements stored once, and unread
// counts, read/read-all/delete and pagination behave.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bearer, startTestApp, type Tenant, type TestApp } from '../../testing/app.ts';
import { expectError, findIssue } from '../../testing/http.ts';

let t: TestApp;
let tenant: Tenant;

before(async () => {
  t = await startTestApp();
  tenant = await t.newTenant();
});
after(() => t.close());

const api = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown, headers: Record<string, string> = bearer(tenant.secretKey)) =>
  t.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as object }) });
const identify = (userId: string, body: object, key = tenant.secretKey) => t.inject({ method: 'POST', url: `/v1/users/${encodeURIComponent(userId)}`, headers: bearer(key), payload: body });

const welcome = {
  key: 'welcome',
  category: 'system',
  content: {
    'zh-CN': { title: '欢迎，{{nickname}}', body: '你获得了 {{points}} 积分' },
    en: { title: 'Welcome, {{nickname}}', body: 'You earned {{points}} points' },
  },
  url: 'https://example.com/points?u={{user_id}}',
  variables: { points: { sample: 100, fallback: 0 } },
};

describe('templates', () => {
  it('creates a template, refuses a duplicate key, and gets it back', async () => {
    const r = await api('POST', '/v1/messaging/templates', welcome);
    assert.equal(r.statusCode, 201, r.body);
    assert.equal(r.json().content['zh-CN'].title, '欢迎，{{nickname}}');
    expectError(await api('POST', '/v1/messaging/templates', welcome), 409, 'messaging.template_exists');
    assert.equal((await api('GET', '/v1/messaging/templates/welcome')).json().variables.points.sample, 100);
  });

  it('names an undeclared or malformed placeholder', async () => {
    let err = expectError(await api('POST', '/v1/messaging/templates', { ...welcome, key: 'bad1', content: { ...welcome.content, 'zh-CN': { title: 'x', body: '{{points}} 和 {{coins}}' } } }), 400, 'validation_failed');
    assert.match(findIssue(err, 'body.content.zh-CN.body').message, /coins/);
    err = expectError(await api('POST', '/v1/messaging/templates', { ...welcome, key: 'bad2', content: { ...welcome.content, en: { title: 'Hi {{name', body: 'x' } } }), 400, 'validation_failed');
    assert.match(findIssue(err, 'body.content.en.title').message, /never closed/);
    err = expectError(await api('POST', '/v1/messaging/templates', { ...welcome, key: 'bad3', content: { ...welcome.content, en: { title: 'Hi {{ 9x }}', body: 'x' } } }), 400, 'validation_failed');
    findIssue(err, 'body.content.en.title');
    err = expectError(await api('POST', '/v1/messaging/templates', { ...welcome, key: 'Bad Key' }), 400, 'validation_failed');
    findIssue(err, 'body.key');
  });

  it('previews with sample data in both languages, data overriding samples; an unknown variable is a 400', async () => {
    const r = await api('POST', '/v1/messaging/templates/welcome/preview', {});
    assert.equal(r.statusCode, 200, r.body);
    assert.deepEqual(r.json().rendered['zh-CN'], { title: '欢迎，小明', body: '你获得了 100 积分', url: 'https://example.com/points?u=user_123' });
    assert.equal(r.json().rendered.en.body, 'You earned 100 points');
    const o = await api('POST', '/v1/messaging/templates/welcome/preview', { data: { points: 7 }, locale: 'en-US' });
    assert.deepEqual(Object.keys(o.json().rendered), ['en-US']);
    assert.equal(o.json().rendered['en-US'].body, 'You earned 7 points');
    const err = expectError(await api('POST', '/v1/messaging/templates/welcome/preview', { data: { coins: 1 } }), 400, 'validation_failed');
    assert.equal(findIssue(err, 'body.data.coins').code, 'unknown_variable');
    expectError(await api('POST', '/v1/messaging/templates/nope/preview', {}), 404, 'messaging.template_not_found');
  });

  it('patches a template and keeps checking its placeholders', async () => {
    const r = await api('PATCH', '/v1/messaging/templates/welcome', { variables: { points: { sample: 5 }, level: { sample: 'Lv2' } } });
    assert.equal(r.statusCode, 200, r.body);
    const err = expectError(await api('PATCH', '/v1/messaging/templates/welcome', { variables: {} }), 400, 'validation_failed');
    findIssue(err, 'body.content.zh-CN.body');
  });
});

describe('sending to the inbox', () => {
  it("renders in each user's language with their traits, and answers each recipient's outcome", async () => {
    await identify('zh-user', { traits: { nickname: '阿明' }, locale: 'zh-CN' });
    await identify('en-user', { traits: { nickname: 'Sam', points: 42 }, locale: 'en-GB' });
    const r = await api('POST', '/v1/messaging/sends', { to: { user_ids: ['zh-user', 'en-user', 'never-identified'] }, template: 'welcome', data: { points: 10 } });
    assert.equal(r.statusCode, 201, r.body);
    const body = r.json();
    assert.equal(body.status, 'done');
    assert.deepEqual(body.counts, { targeted: 3, sent: 3, deferred: 0, capped: 0, suppressed: 0, held_out: 0 });
    assert.deepEqual(body.results.map((x: { status: string }) => x.status), ['sent', 'sent', 'sent']);
    const inbox = async (u: string) => (await api('GET', `/v1/users/${u}/inbox`)).json().data as { id: string; title: string; body: string; url: string }[];
    assert.equal((await inbox('zh-user'))[0]!.title, '欢迎，阿明');
    assert.equal((await inbox('zh-user'))[0]!.body, '你获得了 10 积分', 'send data wins over traits');
    assert.equal((await inbox('en-user'))[0]!.title, 'Welcome, Sam');
    assert.equal((await inbox('en-user'))[0]!.url, 'https://example.com/points?u=en-user');
    // No profile: the app's default language (zh-CN), the user id as nickname.
    assert.equal((await inbox('never-identified'))[0]!.title, '欢迎，never-identified');
  });

  it('refuses bad sends with a 4xx naming the field', async () => {
    let err = expectError(await api('POST', '/v1/messaging/sends', { to: { user_id: 'u' }, template: 'welcome', data: { pionts: 1 } }), 400, 'validation_failed');
    assert.equal(findIssue(err, 'body.data.pionts').code, 'unknown_variable');
    err = expectError(await api('POST', '/v1/messaging/sends', { to: { user_id: 'u' }, template: 'welcome', channels: ['in_app', 'carrier_pigeon'] }), 400, 'validation_failed');
    findIssue(err, 'body.channels.1');
    err = expectError(await api('POST', '/v1/messaging/sends', { to: { user_id: 'u' }, template: 'welcome', scheduled_at: new Date(Date.now() - 60_000).toISOString() }), 400, 'validation_failed');
    findIssue(err, 'body.scheduled_at');
    err = expectError(await api('POST', '/v1/messaging/sends', { to: { user_id: 'u', user_ids: ['v'] }, template: 'welcome' }), 400, 'validation_failed');
    findIssue(err, 'body.to');
    err = expectError(await api('POST', '/v1/messaging/sends', { to: { user_id: 'u' }, content: { en: { title: 't', body: 'b' } } }), 400, 'validation_failed');
    findIssue(err, 'body.category');
    expectError(await api('POST', '/v1/messaging/sends', { to: { user_id: 'u' }, template: 'missing' }), 404, 'messaging.template_not_found');
    expectError(await api('POST', '/v1/messaging/sends', { to: { user_id: 'u' }, template: 'welcome', channels: ['email'] }), 409, 'messaging.channel_unavailable');
    findIssue(expectError(await api('POST', '/v1/messaging/sends', { to: { audience: { segment: 'seg_1' } }, template: 'welcome' }), 400, 'validation_failed'), 'body.to.audience.segment');
  });

  it('counts unread per category, marks read one by one and all at once, deletes', async () => {
    const ten = await t.newTenant();
    const h = bearer(ten.secretKey);
    const send = (category: string, title: string) => api('POST', '/v1/messaging/sends', { to: { user_id: 'reader' }, content: { 'zh-CN': { title, body: '…' } }, category }, h);
    for (const [c, n] of [['interaction', 3], ['activity', 2], ['service', 1]] as const) for (let i = 0; i < n; i++) assert.equal((await send(c, `${c} ${i}`)).statusCode, 201);
    const unread = async () => (await api('GET', '/v1/users/reader/inbox/unread', undefined, h)).json();
    assert.deepEqual(await unread(), { total: 6, by_category: { system: 0, interaction: 3, activity: 2, service: 1 } });
    const items = (await api('GET', '/v1/users/reader/inbox?category=interaction', undefined, h)).json().data as { id: string }[];
    assert.equal(items.length, 3);
    assert.equal((await api('POST', `/v1/users/reader/inbox/${items[0]!.id}/read`, undefined, h)).statusCode, 204);
    assert.equal((await api('POST', `/v1/users/reader/inbox/${items[0]!.id}/read`, undefined, h)).statusCode, 204, 'idempotent');
    assert.equal((await unread()).by_category.interaction, 2);
    assert.equal((await api('GET', '/v1/users/reader/inbox?unread=false', undefined, h)).json().data.length, 1);
    assert.equal((await api('POST', '/v1/users/reader/inbox/read', { category: 'activity' }, h)).json().marked, 2);
    assert.deepEqual((await unread()).by_category, { system: 0, interaction: 2, activity: 0, service: 1 });
    assert.equal((await api('DELETE', `/v1/users/reader/inbox/${items[1]!.id}`, undefined, h)).statusCode, 204);
    expectError(await api('DELETE', `/v1/users/reader/inbox/${items[1]!.id}`, undefined, h), 404, 'messaging.message_not_found');
    assert.equal((await unread()).total, 2);
    assert.equal((await api('POST', '/v1/users/reader/inbox/read', {}, h)).json().marked, 2);
    assert.equal((await unread()).total, 0);
    // Another user's message id is not in this inbox.
    expectError(await api('POST', `/v1/users/someone-else/inbox/${items[2]!.id}/read`, undefined, h), 404, 'messaging.message_not_found');
    expectError(await api('POST', '/v1/users/reader/inbox/msg_abc/read', undefined, h), 400, 'validation_failed');
  });

  it('a user token reads only its own inbox', async () => {
    const token = await t.userToken(tenant, 'zh-user');
    const me = { ...bearer(tenant.publishableKey), 'x-user-token': token };
    assert.equal((await api('GET', '/v1/users/zh-user/inbox', undefined, me)).statusCode, 200);
    expectError(await api('GET', '/v1/users/en-user/inbox', undefined, me), 403, 'auth.wrong_user');
    expectError(await api('POST', '/v1/messaging/sends', { to: { user_id: 'x' }, template: 'welcome' }, me), 403, 'auth.forbidden');
  });
});

describe('announcements', () => {
  it('are stored once and merged into every matching inbox on read, with per-user state kept sparse', async () => {
    const ten = await t.newTenant();
    const h = bearer(ten.secretKey);
    for (let i = 0; i < 5; i++) await identify(`fan-${i}`, { traits: { plan: i < 2 ? 'pro' : 'free' }, locale: i % 2 ? 'en' : 'zh-CN' }, ten.secretKey);
    const all = await api('POST', '/v1/messaging/announcements', { content: { 'zh-CN': { title: '版本更新', body: '新功能上线' }, en: { title: 'Update', body: 'New features' } } }, h);
    assert.equal(all.statusCode, 201, all.body);
    const pro = await api('POST', '/v1/messaging/announcements', { category: 'activity', content: { 'zh-CN': { title: '会员专享', body: '…' } }, audience: { traits: { plan: 'pro' } } }, h);
    assert.equal(pro.statusCode, 201, pro.body);
    const rows = await t.database.pool.query<{ n: number }>('select count(*)::int as n from ms_announcements where app_id = $1', [ten.appId]);
    assert.equal(rows.rows[0]!.n, 2, 'one row per announcement, whatever the audience');
    const inbox = async (u: string) => (await api('GET', `/v1/users/${u}/inbox`, undefined, h)).json().data as { id: string; kind: string; title: string; read_at: string | null }[];
    assert.deepEqual((await inbox('fan-0')).map((x) => x.title), ['会员专享', '版本更新']);
    assert.deepEqual((await inbox('fan-1')).map((x) => x.title), ['会员专享', 'Update'], 'English user, and the zh-only announcement falls back to zh');
    assert.deepEqual((await inbox('fan-3')).map((x) => x.title), ['Update']);
    assert.deepEqual((await inbox('not-identified')).map((x) => x.title), ['版本更新'], 'an unknown user sees announcements to all');
    const annId = all.json().id as string;
    await api('POST', `/v1/users/fan-0/inbox/${annId}/read`, undefined, h);
    assert.ok((await inbox('fan-0')).find((x) => x.id === annId)!.read_at);
    assert.equal((await inbox('fan-2')).find((x) => x.id === annId)!.read_at, null, 'read state is per user');
    assert.equal((await api('GET', '/v1/users/fan-2/inbox/unread', undefined, h)).json().total, 1);
    assert.equal((await api('GET', '/v1/users/fan-0/inbox/unread', undefined, h)).json().by_category.activity, 1);
    await api('DELETE', `/v1/users/fan-2/inbox/${annId}`, undefined, h);
    assert.equal((await inbox('fan-2')).length, 0);
    expectError(await api('POST', `/v1/users/fan-3/inbox/${pro.json().id}/read`, undefined, h), 404, 'messaging.message_not_found');
    const states = await t.database.pool.query<{ n: number }>('select count(*)::int as n from ms_announcement_states where app_id = $1', [ten.appId]);
    assert.equal(states.rows[0]!.n, 2, 'state rows exist only for the two users who acted');
    const stats = (await api('GET', `/v1/messaging/announcements/${annId}`, undefined, h)).json().stats;
    assert.deepEqual(stats, { read: 1, clicked: 0, deleted: 1 });
    // Withdrawn: gone from every inbox.
    assert.equal((await api('DELETE', `/v1/messaging/announcements/${annId}`, undefined, h)).statusCode, 200);
    assert.deepEqual((await inbox('fan-4')).map((x) => x.title), []);
  });

  it('respects starts_at and expires_at, and pages through the merged inbox without gaps or repeats', async () => {
    const ten = await t.newTenant();
    const h = bearer(ten.secretKey);
    const later = await api('POST', '/v1/messaging/announcements', { content: { en: { title: 'later', body: '.' } }, starts_at: new Date(Date.now() + 3600_000).toISOString() }, h);
    assert.equal(later.json().pushed_at, null);
    expectError(await api('POST', '/v1/messaging/announcements', { content: { en: { title: 'x', body: '.' } }, expires_at: new Date(Date.now() - 1000).toISOString() }, h), 400, 'validation_failed');
    const expected: string[] = [];
    for (let i = 0; i < 7; i++) {
      const a = await api('POST', '/v1/messaging/announcements', { content: { en: { title: `a${i}`, body: '.' } } }, h);
      expected.push(a.json().id);
      const m = await api('POST', '/v1/messaging/sends', { to: { user_id: 'pager' }, content: { en: { title: `m${i}`, body: '.' } }, category: 'service' }, h);
      expected.push(m.json().results[0].message_id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await api('GET', `/v1/users/pager/inbox?limit=3${cursor ? `&cursor=${cursor}` : ''}`, undefined, h);
      assert.equal(res.statusCode, 200, res.body);
      seen.push(...(res.json().data as { id: string }[]).map((x) => x.id));
      cursor = res.json().next_cursor;
    } while (cursor);
    assert.equal(seen.length, 14);
    assert.deepEqual([...seen].sort(), [...expected].sort(), 'every item exactly once; the future announcement is not there');
    expectError(await api('GET', '/v1/users/pager/inbox?cursor=garbage'), 400, 'invalid_cursor');
  });
});
