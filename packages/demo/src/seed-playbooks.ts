// The commerce, UGC, core-user and workload playbooks' seed data (issue 17), after seed.ts has
// made the users, the MIUI board and a week of events. Everything goes through Canyu's HTTP API:
// the secret key as the host's backend, an operator session where the API measures an operator
// (the QQ Mail workload view counts what each operator read, answered and ran).

export type Call = <T = Record<string, unknown>>(method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<T>;

export type PlaybooksInput = {
  call: Call;
  rand: () => number;
  /** Seeded users (the picker's first five are left to the visitor). */
  users: { id: string; name: string }[];
  isPicker: (id: string) => boolean;
  /** The host's own origin: images of entries and creations are the host's files. */
  hostUrl: string;
  appId: string;
  boardId: string;
  postIds: string[];
  /** Operator sessions (bearer tokens) with their ids, the owner first. */
  operators: { id: string; token: string }[];
  progress: (step: string, done: number, total: number) => void;
};

export type PlaybooksResult = {
  shop: {
    groupBuy: { id: string; product: string; title: string; original_price: number; group_price: number; team_size: number };
    bargain: { id: string; product: string; title: string; original_price: number; floor_price: number };
    coupons: string[];
  };
  ugc: { campaign: string; hashtag: string };
  creations: { kind: string };
  core: { users: number; core: number; group: string; invite: string };
};

const COUPONS = [
  { name: '满 99 减 20 · ¥20 off ¥99', kind: 'threshold', amount: 2000, min_spend: 9900, valid_days: 7, per_user_limit: 1 },
  { name: '新人 5 元无门槛 · ¥5 off, no minimum', kind: 'fixed', amount: 500, valid_days: 3, per_user_limit: 1 },
  { name: '数码 9 折 · 10% off gadgets', kind: 'percentage', percent_off: 10, max_discount: 5000, valid_days: 14, per_user_limit: 1 },
] as const;

const CUP_POSTS = [
  '排了一个小时终于买到了 #星巴克猫爪杯# 粉色的爪子太可爱了',
  '早上的第一杯燕麦拿铁，配上 #星巴克猫爪杯# 心情都变好了',
  'My first #星巴克猫爪杯# — the paw fills up pink when you pour milk in!',
  '和闺蜜一人一个 #星巴克猫爪杯# 今天也是被治愈的一天',
  '办公室桌面新成员 #星巴克猫爪杯# 同事都来问哪里买的',
  '#星巴克猫爪杯# 装了抹茶拿铁，绿色爪爪也很好看',
  '生日礼物收到了 #星巴克猫爪杯# 谢谢男朋友',
  '#星巴克猫爪杯# 限量款终于集齐两色',
];

const DESIGNS = [
  { title: 'Air Max 90 · 赛博霓虹', model: 'Air Max 90', colors: ['#ff2e88', '#1e90ff'] },
  { title: 'Air Force 1 · 水墨山水', model: 'Air Force 1', colors: ['#222222', '#e8e4da'] },
  { title: 'Blazer Mid · 熊猫配色', model: 'Blazer Mid', colors: ['#111111', '#ffffff'] },
  { title: 'Air Max 97 · 橘子汽水', model: 'Air Max 97', colors: ['#ff8c00', '#fff3c4'] },
  { title: 'Dunk Low · 春日樱花', model: 'Dunk Low', colors: ['#ffb7c5', '#f5f5f5'] },
  { title: 'Pegasus 40 · 极光绿', model: 'Pegasus 40', colors: ['#00c48c', '#0b1f33'] },
];
const DESIGN_COMMENTS = ['配色绝了', '求同款！', 'Love the colourway', '这个渐变怎么调的？', '下单了下单了', '樱花款好温柔', '熊猫配色永不过时'];

/** A seeded share of a list, picked with the seeded generator. */
const some = <T>(rand: () => number, xs: T[], p: number): T[] => xs.filter(() => rand() < p);

export async function seedPlaybooks(s: PlaybooksInput): Promise<PlaybooksResult> {
  const { call, rand } = s;
  const now = Date.now();
  const iso = (ms: number) => new Date(ms).toISOString();
  const crowd = s.users.filter((u) => !s.isPicker(u.id));
  const total = 6;
  let done = 0;
  const step = (name: string) => s.progress(`Playbooks 玩法: ${name}`, ++done, total);
  const all = <T, R>(xs: T[], fn: (x: T, i: number) => Promise<R>): Promise<R[]> => Promise.all(xs.map(fn));

  // --- Pinduoduo / Meituan: a 3-person group buy (24 h), a 砍价, coupons ----------------------
  const gbSettings = { product_id: 'sku-1002', original_price: 19900, group_price: 9900, team_size: 3, team_ttl_seconds: 86_400 };
  const gb = await call<{ id: string }>('POST', '/v1/campaigns', {
    kind: 'group_buy', name: 'Redmi Buds 5 三人团 · 3-person group buy', description: '3 人成团，24 小时内拼满', starts_at: iso(now - 3600_000), ends_at: iso(now + 14 * 86400_000), per_user_limit: 5, settings: gbSettings,
  });
  await call('POST', `/v1/campaigns/${gb.id}/schedule`);
  const bgSettings = { product_id: 'sku-1003', original_price: 19900, floor_price: 990, max_cuts: 10, min_cut: 500, max_cut: 3000, bargain_ttl_seconds: 86_400 };
  const bg = await call<{ id: string }>('POST', '/v1/campaigns', {
    kind: 'bargain', name: '米家台灯 Pro 砍到 9.9 · Cut the lamp to ¥9.90', description: '好友帮砍，最多 10 刀', starts_at: iso(now - 3600_000), ends_at: iso(now + 14 * 86400_000), settings: bgSettings,
  });
  await call('POST', `/v1/campaigns/${bg.id}/schedule`);
  const coupons = await all([...COUPONS], (c) => call<{ id: string }>('POST', '/v1/coupon-templates', { ...c, claimable: true }));
  step('group buy, bargain, coupons');
  // Teams in every state: filled (all paid), two open waiting for their last member.
  const leaders = crowd.slice(0, 3);
  const [full, ...open] = await all(leaders, (u) => call<{ id: string; share_code: string }>('POST', `/v1/campaigns/${gb.id}/group-buy/teams`, { user_id: u.id }));
  const others = crowd.slice(3);
  const joins: [string, { id: string; share_code: string }][] = [[others[0]?.id ?? 'u006', full!], [others[1]?.id ?? 'u007', full!], [others[2]?.id ?? 'u008', open[0]!]];
  for (const [user, team] of joins) await call('POST', '/v1/group-buy/join', { share_code: team.share_code, user_id: user });
  for (const user of [leaders[0]!.id, others[0]!.id, others[1]!.id, leaders[1]!.id]) {
    const team = user === leaders[1]!.id ? open[0]! : full!;
    await call('POST', `/v1/group-buy/teams/${team.id}/members/${user}/confirm`, { order_ref: `order-${team.id}-${user}` });
  }
  // Bargains with a few friends' cuts each.
  for (const [i, u] of crowd.slice(5, 7).entries()) {
    const b = await call<{ id: string }>('POST', `/v1/campaigns/${bg.id}/bargains`, { user_id: u.id });
    for (const f of crowd.slice(8 + i * 4, 11 + i * 4)) await call('POST', `/v1/bargains/${b.id}/cuts`, { user_id: f.id });
  }
  await all(some(rand, crowd, 0.25), (u) => call('POST', `/v1/coupon-templates/${coupons[Math.floor(rand() * coupons.length)]!.id}/claim`, { user_id: u.id }));
  step('teams, bargains, claimed coupons');

  // --- Starbucks: a hashtag UGC campaign with a gallery, likes and a prize --------------------
  const hashtag = '#星巴克猫爪杯#';
  const ugc = await call<{ id: string }>('POST', '/v1/stories/campaigns', {
    kind: 'hashtag', title: '晒出你的猫爪杯 · Show us your cat-paw cup', description: '带话题 #星巴克猫爪杯# 发图，点赞最多的 3 位送星礼卡 100 元', hashtag, moderation: 'pre', ends_at: iso(now + 7 * 86400_000),
  });
  const entries = await all(CUP_POSTS, (text, i) => call<{ id: string }>('POST', `/v1/stories/campaigns/${ugc.id}/entries`, { user_id: crowd[(i * 3 + 1) % crowd.length]!.id, text, image_urls: [`${s.hostUrl}/img/cup-${i % 4}.svg`], source_ref: `weibo-${i + 1}` }));
  // The last one waits in the moderation queue; the others are approved and liked.
  await all(entries.slice(0, -1), (e) => call('POST', `/v1/stories/entries/${e.id}/moderation`, { decision: 'approve' }));
  const likeJobs: [string, string][] = [];
  for (const [i, e] of entries.slice(0, -1).entries()) for (const u of some(rand, crowd, 0.5 - i * 0.05)) likeJobs.push([e.id, u.id]);
  for (let i = 0; i < likeJobs.length; i += 8) await all(likeJobs.slice(i, i + 8), ([e, u]) => call('POST', `/v1/stories/entries/${e}/likes`, { user_id: u }));
  await all(entries.slice(1, 3), (e) => call('POST', `/v1/stories/entries/${e.id}/feature`, { featured: true }));
  await call('POST', `/v1/stories/campaigns/${ugc.id}/winners`, { prize: '星礼卡 100 元 · ¥100 Starbucks card', top_likes: 1 });
  step('hashtag campaign (Starbucks)');

  // --- Nike By You: creations shared as subjects, liked and commented, the best featured -------
  const kind = 'design';
  await all(DESIGNS, (d, i) =>
    call('PUT', `/v1/subjects/${kind}/nby-${i + 1}`, { title: d.title, author_id: crowd[(i * 5 + 2) % crowd.length]!.id, tags: i < 2 ? ['featured', d.model] : [d.model], created_at: iso(now - (i + 1) * 7 * 3600_000), metadata: { model: d.model, colors: d.colors, image: `${s.hostUrl}/img/shoe-${i}.svg` } }),
  );
  const nikeJobs: (() => Promise<unknown>)[] = [];
  for (const [i] of DESIGNS.entries()) {
    for (const u of some(rand, crowd, 0.45 - i * 0.06)) nikeJobs.push(() => call('PUT', `/v1/subjects/${kind}/nby-${i + 1}/like`, { user_id: u.id }));
    for (const u of some(rand, crowd, 0.12)) nikeJobs.push(() => call('POST', `/v1/subjects/${kind}/nby-${i + 1}/comments`, { user_id: u.id, body: DESIGN_COMMENTS[Math.floor(rand() * DESIGN_COMMENTS.length)]! }));
  }
  for (let i = 0; i < nikeJobs.length; i += 8) await all(nikeJobs.slice(i, i + 8), (j) => j());
  step('creations (Nike By You)');

  // --- Xiaomi MIUI: core users by frequency, duration and spend, invited to the board ----------
  const core = await call<{ users: number; core: number }>('PUT', '/v1/segments/core/settings', { window_days: 30, top_percent: 20, weights: { frequency: 1, duration: 1, spend: 1 }, spend_event: 'order.paid', amount_path: 'amount' });
  const top = await call<{ data: { user_id: string; core: boolean }[] }>('GET', '/v1/segments/core/users?core_only=true&limit=100');
  const invited = top.data.map((u) => u.user_id);
  // The core-user group (核心用户群): invite-only; a product manager posts the weekly update, pinned.
  const group = await call<{ id: string }>('POST', '/v1/communities', { name: 'MIUI 核心用户群', description: '每周更新、需求进展和内测资格 · Weekly updates, request progress and beta access', type: 'invite_only', owner_id: 'miui_pm', time_zone: 'Asia/Shanghai' });
  const invite = await call<{ code: string }>('POST', `/v1/communities/${group.id}/invites`, { max_uses: 200 });
  const weekly = await call<{ id: string }>('POST', `/v1/communities/${group.id}/posts`, {
    user_id: 'miui_pm',
    title: '第 48 周更新 · Week 48 update',
    body: '本周上线：深色模式自动切换（感谢 37 位核心用户的投票）。下周计划：桌面天气小部件内测。 · Shipped this week: automatic dark mode (thanks to the 37 core users who voted). Next: a beta of the home-screen weather widget.',
  });
  await call('POST', `/v1/communities/${group.id}/posts/${weekly.id}/pin`, {});
  if (invited.length > 0) {
    await call('POST', '/v1/messaging/sends', {
      to: { user_ids: invited },
      category: 'activity',
      content: {
        'zh-CN': { title: '邀请你加入 MIUI 核心用户群', body: '你是最活跃的 100 位用户之一：加入核心用户群看每周更新，来功能建议板投票、提需求，每周更新都会回复你。' },
        en: { title: 'Join the MIUI core-user group', body: 'You are one of our 100 most engaged users: join the core-user group for the weekly updates, and vote and post on the ideas board; every weekly update answers you.' },
      },
      url: '/core.html',
      campaign: 'miui-core-users',
    });
  }
  // Voters hear when the request they voted for changes status (shipped included).
  await call('POST', '/v1/messaging/templates', {
    key: 'feedback-status',
    category: 'service',
    content: {
      'zh-CN': { title: '你支持的建议有新进展：{{title}}', body: '{{note}}' },
      en: { title: 'News on an idea you voted for: {{title}}', body: '{{note}}' },
    },
    url: '/core.html',
    variables: { title: { sample: '希望支持深色模式自动切换' }, note: { sample: '已上线 · Shipped' } },
  });
  await call('POST', '/v1/messaging/rules', { event: 'feedback.post.status_changed', recipient: 'recipients', template: 'feedback-status', channels: ['in_app', 'realtime'], data: { title: 'title', note: 'note' } });
  step('core users (MIUI)');

  // --- QQ Mail 1000/100/10: operators read, answer and run surveys ----------------------------
  const answers = ['感谢反馈，已转给产品同学评估 · Thanks, passed to the product team', '这个需求已排期，下个版本见 · Scheduled for the next release', '可以在 设置 > 显示 里先试试 · Try Settings > Display for now'];
  for (const [i, postId] of s.postIds.entries()) {
    const op = s.operators[i % s.operators.length]!;
    const as = { authorization: `Bearer ${op.token}`, 'x-canyu-app': s.appId };
    await call('PATCH', `/v1/feedback/posts/${postId}`, { assignee: op.id });
    await call('GET', `/v1/feedback/posts/${postId}`, undefined, as);
    if (i % 3 !== 2) await call('POST', `/v1/feedback/posts/${postId}/response`, { body: answers[i % answers.length]! }, as);
  }
  for (const [i, op] of s.operators.entries()) {
    for (let k = 0; k <= i; k++) {
      await call('POST', '/v1/surveys', { name: `${['MIUI 满意度', '相册体验', '通知体验'][(i + k) % 3]} · survey ${i + 1}.${k + 1}`, status: 'active', questions: [{ id: 'nps', type: 'nps', title: '你会把 MIUI 推荐给朋友吗？' }] }, { authorization: `Bearer ${op.token}`, 'x-canyu-app': s.appId });
    }
  }
  step('operator workload (QQ Mail)');

  return {
    shop: {
      groupBuy: { id: gb.id, product: gbSettings.product_id, title: 'Redmi Buds 5', original_price: gbSettings.original_price, group_price: gbSettings.group_price, team_size: gbSettings.team_size },
      bargain: { id: bg.id, product: bgSettings.product_id, title: '米家台灯 Pro', original_price: bgSettings.original_price, floor_price: bgSettings.floor_price },
      coupons: coupons.map((c) => c.id),
    },
    ugc: { campaign: ugc.id, hashtag },
    creations: { kind },
    core: { users: core.users, core: core.core, group: group.id, invite: invite.code },
  };
}
