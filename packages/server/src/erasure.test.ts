// Erasure reaches every module (the contract in erasure.ts): after DELETE of an app no table holds
// its id, and after DELETE of a user no table of that app names them — found through
// information_schema, so a table added later without erasure fails here. Another app, and the same
// user id in another app, stay untouched. Erasure is idempotent: running it twice is harmless.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { erasures } from './app.ts';
import { bearer, startTestApp, type Tenant, type TestApp } from './testing/app.ts';
import { allowReceivers, startReceiver, type Receiver } from './testing/receiver.ts';

const H = 3600_000;
const clock = {
  t: Date.parse('2030-06-01T08:00:00Z'),
  now() {
    return new Date(this.t);
  },
};
const iso = (ms: number) => new Date(ms).toISOString();

let t: TestApp;
let rx: Receiver;
/** Three apps with the same rows, all naming user 'u': A erases the user, B is deleted, C runs erasure twice. */
let A: Tenant;
let B: Tenant;
let C: Tenant;

before(async () => {
  t = await startTestApp({ clock, config: allowReceivers });
  rx = await startReceiver();
  A = await t.newTenant('erasing');
  B = await t.newTenant('doomed');
  C = await t.newTenant('twice');
  for (const ten of [A, B, C]) await populate(ten, 'u');
});
after(async () => {
  await rx.close();
  await t.close();
});

type Json = Record<string, unknown>;
type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

function client(ten: Tenant) {
  const call = async (method: Method, url: string, payload?: object, headers: Record<string, string> = bearer(ten.secretKey)): Promise<Json> => {
    const res = await t.inject({ method, url, headers, ...(payload === undefined ? {} : { payload }) });
    assert.ok(res.statusCode < 300, `${method} ${url} → ${res.statusCode} ${res.body.slice(0, 600)}`);
    return res.body ? (res.json() as Json) : {};
  };
  const asUser = async (userId: string) => ({ ...bearer(ten.publishableKey), 'x-user-token': await t.userToken(ten, userId) });
  return { call, asUser };
}

/**
 * Gives every module rows for the app, most of them naming `u` (as actor, author, voter, inviter,
 * invitee, helper, member…) next to other users.
 */
async function populate(ten: Tenant, u: string): Promise<void> {
  const { call, asUser } = client(ten);
  const id = (r: Json) => r.id as string;
  const now = clock.t;

  // users, events (ingestion and the log), webhooks
  await call('POST', `/v1/users/${u}`, { traits: { plan: 'pro', email: `${u}@example.com` }, timezone: 'Asia/Shanghai' });
  await call('POST', '/v1/users/friend', { traits: { plan: 'free' } });
  await call('POST', '/v1/webhooks/endpoints', { url: rx.url, event_types: ['*'] });

  // points and gamification
  for (const k of ['points', 'growth', 'makeup_card']) await call('PUT', `/v1/points/types/${k}`, { name: k, expiry: { kind: 'never' } });
  await call('POST', '/v1/points/rules', { name: 'Watch', source: 'event', event: 'video.watched', type: 'points', amount: 5, daily_cap: 100 });
  await call('POST', '/v1/events', { events: [{ event_id: `${ten.appId}-w1`, user_id: u, name: 'video.watched' }, { event_id: `${ten.appId}-w2`, user_id: 'friend', name: 'video.watched' }] });
  await call('POST', `/v1/users/${u}/points/adjust`, { type: 'points', amount: 500, reason: 'welcome', idempotency_key: 'welcome-1' });
  await call('POST', `/v1/users/${u}/points/spend`, { type: 'points', amount: 5, reason: 'spend', idempotency_key: 'spend-1' });
  await call('PUT', '/v1/gamification/config', { checkin: { rewards: [1, 2, 5], growth: 3 }, daily_reward: { enabled: true, min: 3, max: 8, daily_budget: 1000 } });
  await call('PUT', '/v1/gamification/levels', { levels: [{ level: 1, name: 'L1', threshold: 0 }, { level: 2, name: 'L2', threshold: 1 }] });
  await call('POST', `/v1/users/${u}/checkins`);
  await call('POST', `/v1/users/${u}/daily-reward`);
  const task = await call('POST', '/v1/tasks', { key: 'watch', name: 'Watch', period: 'once', event: 'video.watched', rewards: [{ type: 'points', amount: 1 }] });
  const badge = await call('POST', '/v1/badges', { key: 'hero', name: 'Hero', criteria: { kind: 'manual' } });
  await call('POST', '/v1/badges', { key: 'watcher', name: 'Watcher', criteria: { kind: 'event_count', event: 'video.watched', count: 5 } });
  await call('POST', `/v1/users/${u}/badges/${id(badge)}`, {});
  const lottery = await call('POST', '/v1/lotteries', { name: 'Wheel', cost_type: 'points', cost: 1, daily_limit: 3, prizes: [{ name: 'Coins', kind: 'points', reward_type: 'points', reward_amount: 2, weight: 1 }] });
  await call('POST', `/v1/users/${u}/lotteries/${id(lottery)}/draws`);
  const item = await call('POST', '/v1/mall/items', { name: 'Mug', kind: 'physical', price_type: 'points', price: 10, stock: 3 });
  await call('POST', `/v1/users/${u}/orders`, { item_id: id(item), shipping: { name: '张三', phone: '13800000000', address: '上海' } });
  await call('POST', '/v1/events', { events: [{ event_id: `${ten.appId}-w3`, user_id: u, name: 'video.watched' }] });
  await t.services.bus.drain();
  await call('POST', `/v1/users/${u}/tasks/${id(task)}/claim`, {});

  // interactions
  for (const who of [u, 'friend']) await call('PUT', '/v1/subjects/video/V1/like', { user_id: who });
  await call('PUT', '/v1/subjects/video/V1/favourite', { user_id: u });
  await call('PUT', '/v1/subjects/video/V1/follow', { user_id: u });
  await call('POST', '/v1/subjects/video/V1/shares', { user_id: u, channel: 'wechat' });
  await call('POST', '/v1/subjects/video/V2/triple', { user_id: u });
  await call('PUT', '/v1/subjects/video/V3', { author_id: u });
  await call('PUT', `/v1/users/${u}/following/friend`);
  await call('PUT', `/v1/users/friend/following/${u}`);
  await call('POST', `/v1/users/${u}/folders`, { name: '学习' });
  const root = await call('POST', '/v1/subjects/video/V1/comments', { user_id: u, body: 'my words' });
  const reply = await call('POST', `/v1/comments/${id(root)}/replies`, { user_id: 'friend', body: 'a reply' });
  await call('PUT', `/v1/comments/${id(reply)}/like`, { user_id: u });
  await call('POST', `/v1/comments/${id(reply)}/reports`, { user_id: u, reason: 'spam' });
  await call('PUT', '/v1/moderation/blocks/troll', { reason: '刷屏' });
  // communities: a group reply is a comment on a reserved subject, with a ledger row in co_replies
  const group = await call('POST', '/v1/communities', { name: '核心用户群', owner_id: 'friend' });
  await call('POST', `/v1/communities/${id(group)}/join`, { user_id: u });
  const question = await call('POST', `/v1/communities/${id(group)}/posts`, { user_id: u, kind: 'question', body: '怎么导出？' });
  await call('POST', `/v1/communities/${id(group)}/posts/${id(question)}/replies`, { user_id: 'friend', body: '设置里' });
  const welcome = await call('POST', `/v1/communities/${id(group)}/posts`, { user_id: 'friend', body: '欢迎' });
  await call('POST', `/v1/communities/${id(group)}/posts/${id(welcome)}/replies`, { user_id: u, body: '谢谢群主' });
  await call('POST', '/v1/slots', { key: 'must-watch', title: '入站必刷' });

  // polls, surveys, stories, feedback
  const poll = await call('POST', '/v1/polls', { question: 'Best?', options: [{ text: 'a' }, { text: 'b' }] });
  const options = poll.options as { id: string }[];
  await call('POST', `/v1/polls/${id(poll)}/votes`, { user_id: u, option_ids: [options[0]!.id] });
  await call('PUT', '/v1/surveys/settings', { recontact_days: 0 });
  const survey = await call('POST', '/v1/surveys', { name: 'NPS', status: 'active', questions: [{ id: 'nps', type: 'nps', title: 'Recommend us?' }] });
  await call('POST', '/v1/surveys', { name: 'After order', status: 'active', trigger_event: 'order.completed', questions: [{ id: 'csat', type: 'nps', title: 'How was it?' }] });
  await call('POST', '/v1/events', { events: [{ event_id: `${ten.appId}-o1`, user_id: u, name: 'order.completed' }] });
  await t.services.bus.drain();
  await call('POST', '/v1/surveys/next', { user_id: u });
  await call('POST', `/v1/surveys/${id(survey)}/responses`, { user_id: u, answers: [{ question_id: 'nps', value: 9 }], complete: true });
  const story = await call('POST', '/v1/stories/campaigns', { kind: 'story', title: '我和咖啡的故事', moderation: 'post' });
  const entry = await call('POST', `/v1/stories/campaigns/${id(story)}/entries`, { user_id: u, text: '拉花', image_urls: ['https://img.example.com/a.jpg'] });
  await call('POST', `/v1/stories/entries/${id(entry)}/likes`, { user_id: 'friend' });
  await call('POST', `/v1/stories/campaigns/${id(story)}/winners`, { prize: '猫爪杯', entry_ids: [id(entry)] });
  const board = await call('POST', '/v1/feedback/boards', { name: '产品建议' });
  const post = await call('POST', `/v1/feedback/boards/${id(board)}/posts`, { user_id: u, title: '夜间模式' });
  await call('POST', `/v1/feedback/posts/${id(post)}/votes`, { user_id: 'friend' });
  await call('POST', `/v1/feedback/posts/${id(post)}/comments`, { user_id: u, body: '+1' });
  await call('POST', `/v1/feedback/posts/${id(post)}/followers`, { user_id: 'friend' });

  // messaging and live
  await call('POST', '/v1/messaging/templates', { key: 'hello', category: 'service', content: { 'zh-CN': { title: '你好', body: '欢迎' }, en: { title: 'Hi', body: 'Welcome' } } });
  await call('POST', '/v1/messaging/caps', { category: 'activity', max: 3, period: 'day' });
  await call('POST', '/v1/messaging/sends', { to: { user_id: u }, template: 'hello', channels: ['in_app'] });
  await call('POST', '/v1/messaging/announcements', { content: { 'zh-CN': { title: '版本更新', body: '新功能上线' } } });
  await call('POST', `/v1/users/${u}/inbox/read`, {});
  await call('PATCH', `/v1/users/${u}/messaging-preferences`, { disabled: [{ category: 'activity', channel: 'email' }] });
  await call('POST', `/v1/users/${u}/contact-budget/reservations`, { category: 'activity', channel: 'webhook', source: 'surveys', ref: 'r1' });
  const room = await call('POST', '/v1/live/rooms', { title: '发布会直播' });
  await call('POST', `/v1/live/rooms/${id(room)}/messages`, { text: '主播好' }, await asUser(u));
  await call('POST', `/v1/live/rooms/${id(room)}/interactions`, { kind: 'poll', ref: id(poll), title: '投票' });

  // coupons and campaigns
  const tpl = await call('POST', '/v1/coupon-templates', { name: '新人券', kind: 'fixed', amount: 500, valid_days: 7, claimable: true });
  await call('POST', `/v1/coupon-templates/${id(tpl)}/claim`, { user_id: u });
  const campaign = async (body: Json) => {
    const c = await call('POST', '/v1/campaigns', { starts_at: iso(now), ends_at: iso(now + 48 * H), ...body });
    return id(c);
  };
  const fs = await campaign({ kind: 'flash_sale', name: '秒杀' });
  const session = await call('POST', `/v1/campaigns/${fs}/flash-sale/sessions`, { name: '场', starts_at: iso(now), ends_at: iso(now + H) });
  const fsItem = await call('POST', `/v1/flash-sale/sessions/${id(session)}/items`, { product_id: 'sku-1', name: '耳机', original_price: 19900, sale_price: 9900, stock: 10, per_user_limit: 1 });
  const bg = await campaign({ kind: 'bargain', name: '砍一刀', per_user_limit: 2, settings: { product_id: 'kettle', original_price: 10_000, floor_price: 1, max_cuts: 8, min_cut: 100, max_cut: 2000, new_user_multiplier: 3, bargain_ttl_seconds: 6 * 3600 } });
  const gb = await campaign({ kind: 'group_buy', name: '3人团', settings: { product_id: 'durian', original_price: 9900, group_price: 5900, team_size: 3, team_ttl_seconds: 24 * 3600 } });
  const rf = await campaign({ kind: 'referral', name: '邀请有礼', settings: { qualifying_event: 'order.paid', inviter_reward: { points: [{ type: 'points', amount: 100 }] } } });
  for (const c of [fs, bg, gb, rf]) await call('POST', `/v1/campaigns/${c}/schedule`);
  await t.services.campaigns.tick();
  await call('POST', `/v1/flash-sale/items/${id(fsItem)}/attempts`, { user_id: u });
  const team = await call('POST', `/v1/campaigns/${gb}/group-buy/teams`, { user_id: u });
  await call('POST', '/v1/group-buy/join', { share_code: team.share_code, user_id: 'friend' });
  const bargain = await call('POST', `/v1/campaigns/${bg}/bargains`, { user_id: 'friend' });
  await call('POST', `/v1/bargains/${id(bargain)}/cuts`, { user_id: u });
  await call('POST', `/v1/campaigns/${bg}/bargains`, { user_id: u });
  const code = await call('POST', `/v1/campaigns/${rf}/referral/codes`, { user_id: u });
  await call('POST', `/v1/campaigns/${rf}/referral/attributions`, { user_id: 'newbie', code: code.code });

  await t.services.bus.drain();
}

/** Every base table of the public schema with its columns. */
async function tables(): Promise<Map<string, string[]>> {
  const r = await t.database.pool.query<{ table_name: string; column_name: string }>(
    `select c.table_name, c.column_name from information_schema.columns c join information_schema.tables t using (table_schema, table_name)
     where c.table_schema = 'public' and t.table_type = 'BASE TABLE' and c.table_name not like '%drizzle%' order by c.table_name, c.ordinal_position`,
  );
  const out = new Map<string, string[]>();
  for (const row of r.rows) out.set(row.table_name, [...(out.get(row.table_name) ?? []), row.column_name]);
  return out;
}

const count = async (q: string, params: unknown[]) => Number((await t.database.pool.query<{ n: string }>(q, params)).rows[0]!.n);

/** Rows per table with `app_id` = appId. */
async function rowsByApp(appId: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const [table, cols] of await tables()) if (cols.includes('app_id')) out.set(table, await count(`select count(*) as n from "${table}" where app_id = $1`, [appId]));
  return out;
}

/**
 * Tables without an app_id that hold an app's rows, and the parent through which they belong to
 * it: after erasure none may point at a parent that is gone.
 */
const CHILDREN: Record<string, { column: string; parent: string }> = {
  cm_bg_cuts: { column: 'bargain_id', parent: 'cm_bg_bargains' },
  cm_cf_tiers: { column: 'campaign_id', parent: 'cm_campaigns' },
  cm_fs_rejections: { column: 'campaign_id', parent: 'cm_campaigns' },
  cm_fs_stock: { column: 'item_id', parent: 'cm_fs_items' },
  cm_fs_user_counts: { column: 'item_id', parent: 'cm_fs_items' },
  cm_user_quota: { column: 'campaign_id', parent: 'cm_campaigns' },
  cp_user_counts: { column: 'template_id', parent: 'cp_templates' },
  ix_counters: { column: 'subject_id', parent: 'ix_subjects' },
  ix_dirty: { column: 'subject_id', parent: 'ix_subjects' },
  ix_subject_days: { column: 'subject_id', parent: 'ix_subjects' },
  ix_triples: { column: 'subject_id', parent: 'ix_subjects' },
  ix_slot_items: { column: 'slot_id', parent: 'ix_slots' },
  pl_choices: { column: 'poll_id', parent: 'pl_polls' },
  pl_options: { column: 'poll_id', parent: 'pl_polls' },
  st_winners: { column: 'campaign_id', parent: 'st_campaigns' },
  sv_answers: { column: 'response_id', parent: 'sv_responses' },
  wh_attempts: { column: 'delivery_id', parent: 'wh_deliveries' },
};
/** Tables that belong to no app: the app list itself, operators, the log's checkpoints, and short-lived HTTP state. */
const GLOBAL = ['tn_apps', 'tn_operators', 'tn_operator_sessions', 'ev_consumers', 'http_idempotency', 'http_rate_limits'];

/** What erasure deliberately leaves of a deleted app, keyed by table (documented in the README's data section). */
const APP_KEPT: Record<string, string> = {
  // Consumers (on every server) may not have read the event yet; the retention prune removes it.
  ev_log: "name = 'app.deleted'",
};

/** Columns that name an end user, found by name. */
const USER_COLUMN = /(^|_)(user_id|author_id|voter_id|follower_id|followee_id|reporter_id|helper_user_id|leader_user_id|inviter_user_id|invitee_user_id|author_user_id|reply_to_user_id|actor_id)$/;

const ERASED_AFTER = "id >= coalesce((select min(id) from ev_log d where d.app_id = $1 and d.name = 'user.deleted' and d.actor_id = $2), 9223372036854775807)";

/**
 * What erasure deliberately leaves naming an erased user, keyed by table.column (documented in the
 * README's data section).
 */
const USER_KEPT: Record<string, string> = {
  // `user.deleted` itself (consumers may not have read it yet) and what erasure publishes after it
  // (flash_sale.released for units the user held, owed to the host): the retention prune removes them.
  'ev_log.actor_id': ERASED_AFTER,
  // The receipt that the erasure was asked for: who asked and when (before/after are cleared).
  'au_log.target_id': "action = 'user.delete'",
};

async function namingUser(appId: string, userId: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const [table, cols] of await tables()) {
    if (!cols.includes('app_id')) continue;
    for (const col of cols.filter((c) => USER_COLUMN.test(c) || (table === 'au_log' && c === 'target_id'))) {
      const keep = USER_KEPT[`${table}.${col}`];
      out.set(`${table}.${col}`, await count(`select count(*) as n from "${table}" where app_id = $1 and "${col}" = $2${keep ? ` and not (${keep})` : ''}`, [appId, userId]));
    }
  }
  // Child tables without app_id, through their parent.
  const via = async (q: string) => count(q, [appId, userId]);
  out.set('cm_bg_cuts.helper_user_id', await via('select count(*) as n from cm_bg_cuts c join cm_bg_bargains b on b.id = c.bargain_id where b.app_id = $1 and c.helper_user_id = $2'));
  out.set('cm_fs_user_counts.user_id', await via('select count(*) as n from cm_fs_user_counts c join cm_fs_items i on i.id = c.item_id where i.app_id = $1 and c.user_id = $2'));
  out.set('cm_user_quota.user_id', await via('select count(*) as n from cm_user_quota q join cm_campaigns c on c.id = q.campaign_id where c.app_id = $1 and q.user_id = $2'));
  out.set('cp_user_counts.user_id', await via('select count(*) as n from cp_user_counts q join cp_templates c on c.id = q.template_id where c.app_id = $1 and q.user_id = $2'));
  out.set('ix_triples.user_id', await via('select count(*) as n from ix_triples x join ix_subjects s on s.id = x.subject_id where s.app_id = $1 and x.user_id = $2'));
  out.set('pl_choices.user_id', await via('select count(*) as n from pl_choices x join pl_polls p on p.id = x.poll_id where p.app_id = $1 and x.user_id = $2'));
  out.set('st_winners.user_id', await via('select count(*) as n from st_winners x join st_campaigns c on c.id = x.campaign_id where c.app_id = $1 and x.user_id = $2'));
  out.set('ev_log.user_ids', await via(`select count(*) as n from ev_log where app_id = $1 and $2 = any(user_ids) and not (${ERASED_AFTER})`));
  return out;
}

describe('erasing a user', () => {
  it('leaves no row naming them in that app, and the same id in another app untouched', async () => {
    const [a, b] = [A, C];
    const beforeA = await namingUser(a.appId, 'u');
    const named = [...beforeA].filter(([, n]) => n > 0).map(([c]) => c);
    assert.ok(named.length >= 40, `only ${named.length} columns name the user: ${named.join(' ')}`);
    const beforeB = await namingUser(b.appId, 'u');

    await client(a).call('DELETE', '/v1/users/u');
    await t.services.bus.drain();

    const left = [...(await namingUser(a.appId, 'u'))].filter(([, n]) => n > 0).map(([c, n]) => `${c}: ${n}`);
    assert.deepEqual(left, [], 'rows still name the erased user');
    // Their words are gone too: their group reply (a comment) is blanked, and the question they asked
    // went with its thread (the reply to it).
    const words = await t.database.pool.query(`select count(*)::int as n from ix_comments where app_id = $1 and body in ('谢谢群主', '设置里')`, [a.appId]);
    assert.equal(words.rows[0].n, 0);
    const afterB = await namingUser(b.appId, 'u');
    for (const [col, n] of beforeB) assert.ok(afterB.get(col)! >= n, `${col} lost rows of the same user id in another app`);
    // The receipt stays, without the profile it erased.
    const receipt = await t.database.pool.query(`select before, after from au_log where app_id = $1 and action = 'user.delete' and target_id = 'u'`, [a.appId]);
    assert.deepEqual(receipt.rows, [{ before: null, after: null }]);
  });
});

describe('erasure is idempotent', () => {
  it('runs twice for an app and a user without failing or touching anything else', async () => {
    const [a, b] = [C, B];
    const beforeB = await rowsByApp(b.appId);
    const modules = erasures(t.modules);
    // As if a consumer crashed half way and ran again from the start: every module twice.
    for (let round = 0; round < 2; round++) {
      for (const [name, e] of Object.entries(modules)) {
        await t.database.db.transaction(async (tx) => {
          await e.eraseUser?.(tx, a.appId, 'u');
        }).catch((err: unknown) => assert.fail(`${name}.eraseUser, round ${round + 1}: ${String(err)}`));
      }
    }
    // The profile (us_users) goes in the DELETE request itself, not here; the audit receipt and the
    // log's user.deleted row come with the DELETE, which this test does not send.
    const named = [...(await namingUser(a.appId, 'u'))].filter(([c, n]) => n > 0 && !/^(au_log|ev_log|us_users)\./.test(c));
    assert.deepEqual(named, []);
    for (let round = 0; round < 2; round++) {
      for (const [name, e] of Object.entries(modules)) {
        await t.database.db.transaction(async (tx) => {
          await e.eraseApp?.(tx, a.appId);
        }).catch((err: unknown) => assert.fail(`${name}.eraseApp, round ${round + 1}: ${String(err)}`));
      }
    }
    const left = [...(await rowsByApp(a.appId))].filter(([table, n]) => n > 0 && table !== 'tn_app_keys' && table !== 'tn_app_members').map(([table, n]) => `${table}: ${n}`);
    assert.deepEqual(left, []);
    const afterB = await rowsByApp(b.appId);
    for (const [table, n] of beforeB) assert.equal(afterB.get(table), n, `${table} of the other app changed`);
  });
});

describe('deleting an app', () => {
  it('leaves no row with its id in any table, keeps the other app whole, and refuses its keys', async () => {
    const [gone, kept] = [B, A];
    const op = await t.newOperator(gone.appId, 'owner');

    const all = await tables();
    for (const [table, cols] of all) {
      if (cols.includes('app_id') || GLOBAL.includes(table)) continue;
      assert.ok(CHILDREN[table], `${table} has no app_id: say through which parent it belongs to an app (CHILDREN) or that it is global (GLOBAL)`);
    }
    const beforeGone = await rowsByApp(gone.appId);
    const beforeKept = await rowsByApp(kept.appId);
    // Most tables really hold rows of the app before it is deleted (the check below is not vacuous).
    const filled = [...beforeGone].filter(([, n]) => n > 0).map(([table]) => table);
    assert.ok(filled.length >= 80, `only ${filled.length} tables have rows: ${filled.join(' ')}`);

    const del = await t.inject({ method: 'DELETE', url: `/v1/apps/${gone.appId}`, headers: bearer(op.token) });
    assert.equal(del.statusCode, 204, del.body);
    await t.services.bus.drain();

    const left: string[] = [];
    for (const [table, cols] of await tables()) {
      if (!cols.includes('app_id')) continue;
      const keep = APP_KEPT[table];
      const n = await count(`select count(*) as n from "${table}" where app_id = $1${keep ? ` and not (${keep})` : ''}`, [gone.appId]);
      if (n > 0) left.push(`${table}: ${n}`);
    }
    assert.deepEqual(left, [], 'rows of the deleted app remain');
    assert.equal(await count('select count(*) as n from tn_apps where id = $1', [gone.appId]), 0);
    for (const [table, c] of Object.entries(CHILDREN)) {
      const orphans = await count(`select count(*) as n from "${table}" x where not exists (select 1 from "${c.parent}" p where p.id = x."${c.column}")`, []);
      assert.equal(orphans, 0, `${table} has rows whose ${c.parent} is gone`);
    }
    // The other app lost nothing (its tables only grew: consumers may still have run for it).
    const afterKept = await rowsByApp(kept.appId);
    for (const [table, n] of beforeKept) assert.ok(afterKept.get(table)! >= n, `${table} of the other app lost rows`);

    // The audit log keeps one tombstone: who deleted the app, outside any app.
    const tomb = await t.database.pool.query<{ action: string; actor_id: string; app_id: string | null }>(`select action, actor_id, app_id from au_log where target_id = $1 and target_type = 'app'`, [gone.appId]);
    assert.deepEqual(tomb.rows, [{ action: 'app.delete', actor_id: op.operatorId, app_id: null }]);

    // Its keys no longer open anything; deleting it again is a 404.
    const withKey = await t.inject({ method: 'GET', url: '/v1/users/u', headers: bearer(gone.secretKey) });
    assert.equal(withKey.statusCode, 401, withKey.body);
    const withPk = await t.inject({ method: 'GET', url: '/v1/polls', headers: bearer(gone.publishableKey) });
    assert.equal(withPk.statusCode, 401, withPk.body);
    const again = await t.inject({ method: 'DELETE', url: `/v1/apps/${gone.appId}`, headers: bearer(op.token) });
    assert.equal(again.statusCode, 404, again.body);
  });
});
