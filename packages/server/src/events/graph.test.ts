// The event graph end to end through the HTTP API: any domain or host event drives earn rules,
// tasks and messaging rules; voters hear about the post they voted for; webhooks carry every
// domain event. (graph-scale.test.ts: a fan-out to 3,000 voters, and a server killed between
// commit and handling that loses nothing and doubles nothing.)
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'drizzle-orm';
import { bearer, startTestApp, type Tenant, type TestApp } from '../testing/app.ts';
import { allowReceivers, startReceiver } from '../testing/receiver.ts';

let t: TestApp;

before(async () => {
  t = await startTestApp({ config: allowReceivers });
});
after(async () => {
  await t.close();
});

const api = (tenant: Tenant) => async (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: unknown) => {
  const res = await t.inject({ method, url, headers: bearer(tenant.secretKey), ...(payload === undefined ? {} : { payload: payload as object }) });
  assert.ok(res.statusCode < 300, `${method} ${url} → ${res.statusCode} ${res.body}`);
  return res.body ? (res.json() as Record<string, unknown>) : {};
};

async function balance(tenant: Tenant, userId: string, type: string): Promise<number> {
  const b = await api(tenant)('GET', `/v1/users/${userId}/points`);
  const row = (b.data as { type: string; balance: number }[]).find((x) => x.type === type);
  return row?.balance ?? 0;
}

describe('any event drives rewards', () => {
  it('like → points: an earn rule on interaction.liked grants once per like, not on a repeated like', async () => {
    const ten = await t.newTenant();
    const call = api(ten);
    await call('PUT', '/v1/points/types/coins', { name: 'Coins', expiry: { kind: 'never' } });
    await call('POST', '/v1/points/rules', { name: 'Like earns', source: 'domain', event: 'interaction.liked', type: 'coins', amount: 2 });
    for (const v of ['v1', 'v2', 'v3']) await call('PUT', `/v1/subjects/video/${v}/like`, { user_id: 'fan' });
    await call('PUT', '/v1/subjects/video/v1/like', { user_id: 'fan' }); // already liked: no event
    await t.services.bus.drain();
    assert.equal(await balance(ten, 'fan', 'coins'), 6);
  });

  it('a run of events credited together keeps a running balance per user, skips keys already granted, and caps still hold', async () => {
    const ten = await t.newTenant();
    const call = api(ten);
    await call('PUT', '/v1/points/types/coins', { name: 'Coins', expiry: { kind: 'never' } });
    await call('PUT', '/v1/points/types/stars', { name: 'Stars', expiry: { kind: 'days', days: 30 } });
    await call('POST', '/v1/points/rules', { name: 'Watch earns', source: 'event', event: 'video.watched', type: 'coins', amount: 3 });
    await call('POST', '/v1/points/rules', { name: 'Watch stars', source: 'event', event: 'video.watched', type: 'stars', amount: 1 });
    await call('POST', '/v1/points/rules', { name: 'Capped share', source: 'event', event: 'video.shared', type: 'coins', amount: 5, daily_cap: 10 });
    const users = ['u1', 'u2', 'u3'];
    // One request of 300 events: the consumer sees them in one run and credits them together.
    const events = Array.from({ length: 300 }, (_, i) => ({ event_id: `w-${i}`, user_id: users[i % 3]!, name: i % 10 === 9 ? 'video.shared' : 'video.watched' }));
    await call('POST', '/v1/events', { events: events.slice(0, 100) });
    await t.services.bus.drain();
    await call('POST', '/v1/events', { events }); // the first 100 again (already granted) and 200 new
    await t.services.bus.drain();
    for (const u of users) {
      const watched = events.filter((e) => e.user_id === u && e.name === 'video.watched').length;
      assert.equal(await balance(ten, u, 'coins'), watched * 3 + 10, `coins of ${u}`);
      assert.equal(await balance(ten, u, 'stars'), watched, `stars of ${u}`);
      // Every entry's running balance follows the one before it, in ledger order.
      const rows = await t.database.db.execute<{ amount: number; balance_after: number; expires_at: Date | null }>(
        sql`select amount, balance_after, expires_at from pt_entries where app_id = ${ten.appId} and user_id = ${u} and type = 'coins' order by id`,
      );
      let running = 0;
      for (const r of rows.rows) {
        running += Number(r.amount);
        assert.equal(Number(r.balance_after), running);
      }
      const stars = await t.database.db.execute<{ n: number; expiring: number }>(sql`select count(*)::int as n, count(expires_at)::int as expiring from pt_lots where app_id = ${ten.appId} and user_id = ${u} and type = 'stars'`);
      assert.deepEqual([stars.rows[0]!.n, stars.rows[0]!.expiring], [watched, watched]);
    }
    const dup = await t.database.db.execute<{ n: number }>(sql`select count(*)::int as n from (select idem_key from pt_entries where app_id = ${ten.appId} group by idem_key having count(*) > 1) d`);
    assert.equal(dup.rows[0]!.n, 0);
    // Each grant announced once: points.changed per entry.
    const changed = await t.database.db.execute<{ n: number }>(sql`select count(*)::int as n from ev_log where app_id = ${ten.appId} and name = 'points.changed'`);
    const entries = await t.database.db.execute<{ n: number }>(sql`select count(*)::int as n from pt_entries where app_id = ${ten.appId}`);
    assert.equal(changed.rows[0]!.n, entries.rows[0]!.n);
  });

  it('survey → points and host event → points, each once per event id', async () => {
    const ten = await t.newTenant();
    const call = api(ten);
    await call('PUT', '/v1/points/types/coins', { name: 'Coins', expiry: { kind: 'never' } });
    await call('POST', '/v1/points/rules', { name: 'Survey done', source: 'domain', event: 'survey.completed', type: 'coins', amount: 20 });
    await call('POST', '/v1/points/rules', { name: 'Video watched', source: 'event', event: 'video.watched', type: 'coins', amount: 1 });
    const s = await call('POST', '/v1/surveys', { name: 'NPS', status: 'active', questions: [{ id: 'nps', type: 'nps', title: 'Recommend us?' }] });
    await call('POST', `/v1/surveys/${s.id as string}/responses`, { user_id: 'answerer', answers: [{ question_id: 'nps', value: 9 }], complete: true });
    await call('POST', '/v1/events', { events: [{ event_id: 'w-1', user_id: 'answerer', name: 'video.watched' }, { event_id: 'w-2', user_id: 'answerer', name: 'video.watched' }] });
    await call('POST', '/v1/events', { events: [{ event_id: 'w-1', user_id: 'answerer', name: 'video.watched' }] }); // a retry
    await t.services.bus.drain();
    assert.equal(await balance(ten, 'answerer', 'coins'), 22);
  });

  it('a task on comment.created counts comments and completes at its target', async () => {
    const ten = await t.newTenant();
    const call = api(ten);
    await call('PUT', '/v1/points/types/coins', { name: 'Coins', expiry: { kind: 'never' } });
    await call('POST', '/v1/tasks', { key: 'talker', name: 'Write 3 comments', period: 'once', event: 'comment.created', target: 3, rewards: [{ type: 'coins', amount: 5 }] });
    for (let i = 0; i < 3; i++) await call('POST', '/v1/subjects/article/a1/comments', { user_id: 'talker', body: `comment ${i}` });
    await t.services.bus.drain();
    const tasks = await call('GET', '/v1/users/talker/tasks');
    const task = (tasks.data as { task: { key: string }; progress: number; completed: boolean }[]).find((x) => x.task.key === 'talker');
    assert.ok(task, JSON.stringify(tasks));
    assert.deepEqual([task.progress, task.completed], [3, true]);
  });
});

describe('the log through the API', () => {
  it('lists the app\'s events by position with a cursor, shows consumers caught up, and refuses bad input', async () => {
    const ten = await t.newTenant();
    const call = api(ten);
    for (const v of ['a', 'b', 'c']) await call('PUT', `/v1/subjects/video/${v}/like`, { user_id: 'liker' });
    await t.services.bus.drain();
    const p1 = await call('GET', '/v1/events/log?name=interaction.liked&limit=2');
    const first = p1.data as { position: number; name: string; actor_id: string; payload: { subject: { id: string } } }[];
    assert.equal(first.length, 2);
    assert.ok(first[0]!.position < first[1]!.position);
    const p2 = await call('GET', `/v1/events/log?name=interaction.liked&limit=2&cursor=${p1.next_cursor as string}`);
    const all = [...first, ...(p2.data as typeof first)];
    assert.deepEqual(all.map((e) => [e.name, e.actor_id, e.payload.subject.id]), [['interaction.liked', 'liker', 'a'], ['interaction.liked', 'liker', 'b'], ['interaction.liked', 'liker', 'c']]);
    const after = await call('GET', `/v1/events/log?name=interaction.liked&after=${first[0]!.position}`);
    assert.equal((after.data as unknown[]).length, 2);
    // Another app's events are not listed.
    const other = await t.newTenant();
    assert.equal(((await api(other)('GET', '/v1/events/log')).data as unknown[]).filter((e) => (e as { name: string }).name === 'interaction.liked').length, 0);
    const consumers = (await call('GET', '/v1/events/consumers')).data as { consumer: string; behind: number }[];
    assert.ok(consumers.some((c) => c.consumer === 'points.domain'));
    assert.ok(consumers.every((c) => c.behind === 0), JSON.stringify(consumers));
    assert.deepEqual((await call('GET', '/v1/events/failures')).data, []);
    const h = bearer(ten.secretKey);
    const tampered = Buffer.from(JSON.stringify({ p: -1 })).toString('base64url');
    assert.equal((await t.inject({ method: 'GET', url: `/v1/events/log?cursor=${tampered}`, headers: h })).statusCode, 400);
    assert.equal((await t.inject({ method: 'GET', url: '/v1/events/log?since=0000-01-01T00:00:00Z', headers: h })).statusCode, 400);
    assert.equal((await t.inject({ method: 'GET', url: '/v1/events/log?after=abc', headers: h })).statusCode, 400);
    const retry = await t.inject({ method: 'POST', url: '/v1/events/failures/points.domain/1/retry', headers: h });
    assert.equal(retry.statusCode, 404, retry.body);
    assert.equal((retry.json() as { error: { code: string } }).error.code, 'events.failure_not_found');
  });
});

describe('the catalogue', () => {
  it('lists every domain event with its description and list key, and the host names the app sent; a rule on an unknown domain event is a 400', async () => {
    const ten = await t.newTenant();
    const call = api(ten);
    await call('POST', '/v1/events', { events: [{ event_id: 'c-1', user_id: 'u', name: 'video.watched' }, { event_id: 'c-2', user_id: 'u', name: 'video.watched' }, { event_id: 'c-3', user_id: 'u', name: 'order.paid' }] });
    const cat = await call('GET', '/v1/events/catalog');
    const domain = cat.domain as { name: string; module: string; description: { en: string; 'zh-CN': string }; list: string | null }[];
    assert.ok(domain.length >= 80);
    const status = domain.find((d) => d.name === 'feedback.post.status_changed')!;
    assert.deepEqual([status.module, status.list], ['feedback', 'recipients']);
    assert.ok(status.description['zh-CN'].length > 0 && status.description.en.length > 0);
    assert.ok(!domain.some((d) => d.name === 'event.ingested'));
    assert.deepEqual((cat.host as { name: string; count: number }[]).map((h) => [h.name, h.count]), [['video.watched', 2], ['order.paid', 1]]);
    await call('PUT', '/v1/points/types/coins', { name: 'Coins', expiry: { kind: 'never' } });
    const bad = await t.inject({ method: 'POST', url: '/v1/points/rules', headers: bearer(ten.secretKey), payload: { name: 'typo', source: 'domain', event: 'interaction.likd', type: 'coins', amount: 1 } });
    assert.equal(bad.statusCode, 400, bad.body);
    assert.equal((bad.json() as { error: { details: { issues: { field: string }[] } } }).error.details.issues[0]!.field, 'body.event');
    // Host event names are free: a rule may wait for a name nobody has sent yet.
    await call('POST', '/v1/points/rules', { name: 'future', source: 'event', event: 'not.sent.yet', type: 'coins', amount: 1 });
  });
});

describe('voters are told', () => {
  it('a messaging rule on feedback.post.status_changed with recipients messages every voter once', async () => {
    const ten = await t.newTenant();
    const call = api(ten);
    await call('POST', '/v1/messaging/templates', { key: 'shipped', category: 'service', content: { 'zh-CN': { title: '你支持的「{{title}}」已上线', body: '.' }, en: { title: '"{{title}}" you voted for has shipped', body: '.' } }, variables: { title: { sample: 'Dark mode' } } });
    await call('POST', '/v1/messaging/rules', { event: 'feedback.post.status_changed', recipient: 'recipients', template: 'shipped', data: { title: 'title' } });
    const board = await call('POST', '/v1/feedback/boards', { name: 'Ideas' });
    const post = await call('POST', `/v1/feedback/boards/${board.id as string}/posts`, { user_id: 'author', title: 'Dark mode' });
    for (const u of ['voter-1', 'voter-2', 'voter-3']) await call('POST', `/v1/feedback/posts/${post.id as string}/votes`, { user_id: u });
    await call('POST', `/v1/feedback/posts/${post.id as string}/status`, { status: 'planned', note: 'Coming next month' });
    await t.services.bus.drain();
    for (const u of ['author', 'voter-1', 'voter-2', 'voter-3']) {
      const inbox = (await call('GET', `/v1/users/${u}/inbox`)).data as { title: string }[];
      assert.equal(inbox.length, 1, `${u}: ${JSON.stringify(inbox)}`);
      assert.match(inbox[0]!.title, /Dark mode/);
    }
  });
});

describe('webhooks for every domain event', () => {
  it('delivers poll.voted and comment.created to an endpoint subscribed to them, with snake_case data', async () => {
    const ten = await t.newTenant();
    const call = api(ten);
    const r = await startReceiver();
    try {
      await call('POST', '/v1/webhooks/endpoints', { url: r.url, event_types: ['poll.*', 'comment.created'] });
      const poll = await call('POST', '/v1/polls', { question: 'Tea or coffee?', options: [{ text: 'Tea' }, { text: 'Coffee' }] });
      const optionId = (poll.options as { id: string }[])[0]!.id;
      await call('POST', `/v1/polls/${poll.id as string}/votes`, { user_id: 'drinker', option_ids: [optionId] });
      await call('POST', '/v1/subjects/article/a1/comments', { user_id: 'writer', body: 'hello' });
      await call('PUT', '/v1/subjects/article/a1/like', { user_id: 'writer' }); // not subscribed
      await t.services.bus.drain();
      assert.ok(await r.waitFor(2, 20_000), `got ${r.received.length}`);
      const types = r.received.map((x) => (JSON.parse(x.body) as { type: string }).type).sort();
      assert.deepEqual(types, ['comment.created', 'poll.voted']);
      const voted = r.received.map((x) => JSON.parse(x.body) as { type: string; data: Record<string, unknown> }).find((x) => x.type === 'poll.voted')!;
      assert.equal(voted.data.user_id, 'drinker');
      assert.deepEqual(voted.data.option_ids, [optionId]);
      // Replay from the start of the log: the same two events again, with the same ids. (Wait until
      // both outcomes are recorded: a delivery still being sent is left to finish, not replayed.)
      const until = Date.now() + 20_000;
      while (((await call('GET', '/v1/webhooks/deliveries')).data as { status: string }[]).some((d) => d.status !== 'succeeded')) {
        assert.ok(Date.now() < until, 'deliveries recorded');
        await new Promise((res) => setTimeout(res, 50));
      }
      const endpoints = (await call('GET', '/v1/webhooks/endpoints')).data as { id: string }[];
      const replay = await call('POST', `/v1/webhooks/endpoints/${endpoints[0]!.id}/replay`, { after: 0 });
      assert.deepEqual(replay, { queued: 2, next_after: null });
      assert.ok(await r.waitFor(4, 20_000), `got ${r.received.length}`);
      const ids = r.received.map((x) => (JSON.parse(x.body) as { id: string }).id);
      assert.deepEqual(new Set(ids.slice(2)), new Set(ids.slice(0, 2)));
      const h = bearer(ten.secretKey);
      for (const body of [{}, { after: 0, since: '2026-01-01T00:00:00Z' }, { since: '0000-01-01T00:00:00Z' }]) {
        const bad = await t.inject({ method: 'POST', url: `/v1/webhooks/endpoints/${endpoints[0]!.id}/replay`, headers: h, payload: body });
        assert.equal(bad.statusCode, 400, bad.body);
      }
      assert.equal((await t.inject({ method: 'POST', url: '/v1/webhooks/endpoints/whe_nope/replay', headers: h, payload: { after: 0 } })).statusCode, 404);
    } finally {
      await r.close();
    }
  });
});

describe('one sensitive-word filter for every text users write (issue 11 #12)', () => {
  it('feedback posts and comments and story entries are masked or refused like comments', async () => {
    const ten = await t.newTenant();
    const call = api(ten);
    const h = bearer(ten.secretKey);
    await call('PATCH', '/v1/interactions/settings', { moderation: { filter_mode: 'reject', words: ['傻逼', 'scam'] } });
    const board = await call('POST', '/v1/feedback/boards', { name: 'Ideas' });
    const refused = await t.inject({ method: 'POST', url: `/v1/feedback/boards/${board.id as string}/posts`, headers: h, payload: { user_id: 'u', title: 'this is a scam' } });
    assert.equal(refused.statusCode, 400, refused.body);
    assert.deepEqual([(refused.json() as { error: { code: string; details: { field: string } } }).error.code, (refused.json() as { error: { details: { field: string } } }).error.details.field], ['interactions.sensitive_content', 'body.title']);
    const campaign = await call('POST', '/v1/stories/campaigns', { kind: 'story', title: 'Stories' });
    const story = await t.inject({ method: 'POST', url: `/v1/stories/campaigns/${campaign.id as string}/entries`, headers: h, payload: { user_id: 'u', text: '你是傻逼', image_urls: [] } });
    assert.equal(story.statusCode, 400, story.body);
    assert.equal((story.json() as { error: { details: { field: string } } }).error.details.field, 'body.text');
    await call('PATCH', '/v1/interactions/settings', { moderation: { filter_mode: 'mask' } });
    const post = await call('POST', `/v1/feedback/boards/${board.id as string}/posts`, { user_id: 'u', title: 'this is a scam', body: 'a scam indeed' });
    assert.equal((post.title as string).includes('scam'), false, JSON.stringify(post));
    const c = await call('POST', `/v1/feedback/posts/${post.id as string}/comments`, { user_id: 'v', body: 'scam!' });
    assert.equal((c.body as string).includes('scam'), false, JSON.stringify(c));
    const entry = await call('POST', `/v1/stories/campaigns/${campaign.id as string}/entries`, { user_id: 'u', text: '你是傻逼', image_urls: [] });
    assert.equal((entry.text as string).includes('傻逼'), false, JSON.stringify(entry));
  });
});
