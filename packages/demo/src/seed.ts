// Configures the demo app and fills it with a believable week, all through Canyu's HTTP API as a
// host's backend would (the secret key; an operator session where the API asks for one). The
// randomness is seeded, so every run tells the same story.
import { seedPlaybooks, type PlaybooksResult } from './seed-playbooks.ts';

export type SeedInput = {
  canyuUrl: string;
  appId: string;
  secretKey: string;
  operator: { email: string; password: string };
  /** Operators measured in the workload view (the owner above first), with their ids. */
  staff: { id: string; email: string; password: string }[];
  /** Browser origins of the host's pages (CORS). */
  origins: string[];
  webhookUrl: string;
  users: number;
  days: number;
  progress: (step: string, done: number, total: number) => void;
};

export type SeedResult = {
  pickerUsers: { id: string; name: string }[];
  videos: { id: string; title: string; author: string }[];
  products: { id: string; title: string }[];
  roomId: string;
  pollId: string;
  boardId: string;
  lotteryId: string;
  webhookSecret: string;
  playbooks: PlaybooksResult;
  /** Names of every seeded user, for the host's own pages (core users, workload). */
  names: Record<string, string>;
  counts: { users: number; events: number; likes: number; comments: number };
};

/** mulberry32: a small seeded generator, so the demo data is the same on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Runs fn over items with at most n calls in flight. */
async function pool<T>(items: T[], n: number, fn: (item: T, i: number) => Promise<void>, onDone?: () => void): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i]!, i);
      onDone?.();
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
}

const PICKER = [
  { id: 'u001', name: '小明' },
  { id: 'u002', name: '阿花' },
  { id: 'u003', name: 'Lily' },
  { id: 'u004', name: '老王' },
  { id: 'u005', name: 'Tom' },
];
const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '赵', '黄', '周', '吴', '徐', '孙', '胡', '朱', '高'];
const GIVEN = ['伟', '芳', '娜', '敏', '静', '磊', '洋', '艳', '勇', '军', '杰', '娟', '涛', '超', '明', '霞'];
const EN_NAMES = ['Alex', 'Emma', 'Jack', 'Mia', 'Leo', 'Zoe', 'Max', 'Ivy'];
const CITIES: [string, string][] = [['北京', 'Asia/Shanghai'], ['上海', 'Asia/Shanghai'], ['深圳', 'Asia/Shanghai'], ['成都', 'Asia/Shanghai'], ['杭州', 'Asia/Shanghai'], ['香港', 'Asia/Hong_Kong'], ['台北', 'Asia/Taipei'], ['新加坡', 'Asia/Singapore'], ['东京', 'Asia/Tokyo'], ['London', 'Europe/London'], ['San Francisco', 'America/Los_Angeles']];
const VIDEOS = [
  { id: 'BV1demo0001', title: '【4K】猫猫合集：今天也是元气满满的一天', author: 'up_miao', tags: ['猫', '萌宠'] },
  { id: 'BV1demo0002', title: '三分钟学会番茄炒蛋（附翻车现场）', author: 'up_chef', tags: ['美食', '教程'] },
  { id: 'BV1demo0003', title: '用 TypeScript 写一个弹幕引擎', author: 'up_code', tags: ['编程', '前端'] },
  { id: 'BV1demo0004', title: '川西自驾 7 天：稻城亚丁的星空', author: 'up_trip', tags: ['旅行', 'vlog'] },
  { id: 'BV1demo0005', title: '原神 4.0 新地图全收集攻略', author: 'up_game', tags: ['游戏', '攻略'] },
  { id: 'BV1demo0006', title: '钢琴弹唱《晴天》', author: 'up_music', tags: ['音乐', '翻唱'] },
  { id: 'BV1demo0007', title: '百元耳机横评：谁是性价比之王', author: 'up_tech', tags: ['数码', '评测'] },
  { id: 'BV1demo0008', title: '每天 10 分钟居家燃脂', author: 'up_fit', tags: ['健身'] },
];
const PRODUCTS = [
  { id: 'sku-1001', title: '小米手环 8', tags: ['穿戴'] },
  { id: 'sku-1002', title: 'Redmi Buds 5', tags: ['耳机'] },
  { id: 'sku-1003', title: '米家台灯 Pro', tags: ['家居'] },
  { id: 'sku-1004', title: '充电宝 20000mAh', tags: ['配件'] },
  { id: 'sku-1005', title: '小米电视 65"', tags: ['电视'] },
  { id: 'sku-1006', title: '扫地机器人 X10', tags: ['家居'] },
];
const COMMENTS = ['前排！', '太可爱了吧', 'up 主辛苦了', '已三连，求更新', '学到了，感谢分享', '这个 BGM 是什么？', '哈哈哈哈哈哈', '第一次看到这么详细的教程', '下次出个续集吧', '收藏了，慢慢看', 'Great video!', '泪目了', '弹幕护体', '打卡 ✔'];
const IDEAS: [string, string][] = [
  ['希望支持深色模式自动切换', '晚上看手机太亮了，能不能跟随日落时间自动切换？'],
  ['桌面小部件增加天气', '现在的小部件只有时间，希望能加上天气和空气质量。'],
  ['相册支持按人物分类', '找照片太难了，希望可以识别人物自动分组。'],
  ['锁屏通知太多', '能否按应用折叠锁屏通知？'],
  ['充电提示音可以自定义', '想换成自己喜欢的声音。'],
  ['应用双开支持更多应用', '工作和生活两个账号切换很麻烦。'],
  ['耗电排行显示更详细', '希望看到每个应用后台耗电的时间线。'],
  ['负一屏可以关闭', '不常用负一屏，希望可以彻底关闭。'],
];

export async function seedDemo(s: SeedInput): Promise<SeedResult> {
  const rand = rng(17);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;

  async function call<T = Record<string, unknown>>(method: string, path: string, body?: unknown, headers: Record<string, string> = { authorization: `Bearer ${s.secretKey}` }): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const r = await fetch(`${s.canyuUrl}${path}`, {
        method,
        headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await r.text();
      // Back-pressure (429/503) is expected while seeding fast: wait as long as the server says.
      if ((r.status === 429 || r.status === 503) && attempt < 10) {
        await new Promise((res) => setTimeout(res, Math.min(5000, 1000 * Number(r.headers.get('retry-after') ?? 1))));
        continue;
      }
      if (r.status >= 300) throw new Error(`${method} ${path} → ${r.status} ${text}`);
      return (text ? JSON.parse(text) : null) as T;
    }
  }

  // --- configuration -----------------------------------------------------------------------
  const steps = { done: 0, total: 12 };
  const step = (name: string) => s.progress(`Configuring 配置: ${name}`, ++steps.done, steps.total);

  // Origins need an operator with app.manage: the owner the CLI just made.
  const login = await call<{ token: string }>('POST', '/v1/auth/login', s.operator, {});
  await call('PATCH', `/v1/apps/${s.appId}`, { allowed_origins: s.origins }, { authorization: `Bearer ${login.token}` });
  step('allowed origins (CORS)');
  await call('PUT', '/v1/points/types/points', { name: '积分', expiry: { kind: 'never' } });
  await call('PUT', '/v1/points/types/growth', { name: '成长值' });
  await call('PUT', '/v1/points/types/makeup_card', { name: '补签卡' });
  // 硬币: what users give videos they love (投币), paid to the uploader.
  await call('PUT', '/v1/points/types/coin', { name: '硬币', expiry: { kind: 'never' } });
  step('points types');
  await call('PUT', '/v1/gamification/config', {
    timezone: 'Asia/Shanghai',
    points_type: 'points',
    growth_type: 'growth',
    checkin: { enabled: true, rewards: [5, 5, 10, 5, 5, 10, 30], growth: 2, makeup: { enabled: true, max_per_month: 3, card_type: 'makeup_card' } },
    // 每日红包: the first open of each local day grants a random 1-88 points.
    daily_reward: { enabled: true, min: 1, max: 88, daily_budget: 100_000 },
  });
  step('check-in');
  await call('PATCH', '/v1/interactions/settings', {
    auto_create_subjects: true,
    // design: the shoes users make on the Nike By You page.
    kinds: ['video', 'post', 'article', 'product', 'image', 'audio', 'live', 'design'],
    timezone: 'Asia/Shanghai',
    // Bilibili's 一键三连: 点赞 + 投币 + 收藏; a coin is points of type coin, paid to the uploader.
    triple: { default: ['like', 'coin', 'favourite'] },
    coins: { point_type: 'coin', max_per_user: 2, to_author: true },
    hot: { weights: { like: 1, favourite: 2, share: 3, comment: 2, follow: 1 } },
    moderation: { filter_mode: 'mask', words: ['傻瓜', 'idiot'] },
  });
  step('interactions');
  const now = Date.now();
  for (const [i, v] of VIDEOS.entries()) {
    await call('PUT', `/v1/subjects/video/${v.id}`, { title: v.title, author_id: v.author, tags: v.tags, created_at: new Date(now - (i + 1) * 20 * 3600_000).toISOString(), metadata: { duration_s: 120 + i * 95 } });
  }
  for (const p of PRODUCTS) await call('PUT', `/v1/subjects/product/${p.id}`, { title: p.title, tags: p.tags, metadata: { price: 99 + Math.floor(rand() * 2000) } });
  step('videos and products');
  const room = await call<{ id: string }>('POST', '/v1/live/rooms', { title: '猫猫直播间', chat: { max: 10, window_seconds: 60 } });
  step('live room (danmaku)');
  const poll = await call<{ id: string; options: { id: string }[] }>('POST', '/v1/polls', {
    question: 'MIUI 下个版本，你最想先要哪个功能？',
    options: [{ text: '深色模式自动切换' }, { text: '桌面天气小部件' }, { text: '相册人物分类' }, { text: '通知折叠' }],
    results_visibility: 'after_vote',
  });
  step('poll');
  const board = await call<{ id: string }>('POST', '/v1/feedback/boards', { name: 'MIUI 功能建议', description: '说出你的想法，投票决定下个版本做什么' });
  step('feedback board');
  const lottery = await call<{ id: string }>('POST', '/v1/lotteries', {
    name: '每日幸运转盘',
    daily_limit: 3,
    prizes: [
      { name: '100 积分', kind: 'points', reward_type: 'points', reward_amount: 100, weight: 10 },
      { name: '10 积分', kind: 'points', reward_type: 'points', reward_amount: 10, weight: 40 },
      { name: '补签卡', kind: 'points', reward_type: 'makeup_card', reward_amount: 1, weight: 15 },
      { name: '小米手环 8', kind: 'item', weight: 1, stock: 5 },
      { name: '谢谢参与', kind: 'none', weight: 34 },
    ],
  });
  step('lottery');
  await call('POST', '/v1/messaging/announcements', {
    category: 'system',
    content: { 'zh-CN': { title: '欢迎来到参与演示', body: '签到、抽奖、三连，试试看吧！' }, en: { title: 'Welcome to the Canyu demo', body: 'Check in, spin the wheel, give a triple!' } },
    audience: { all: true },
  });
  step('announcement');

  // --- users -------------------------------------------------------------------------------
  const users: { id: string; name: string; tz: string }[] = [];
  for (let i = 0; i < s.users; i++) {
    const id = `u${String(i + 1).padStart(3, '0')}`;
    const [city, tz] = i < PICKER.length ? CITIES[i % 5]! : pick(CITIES);
    const name = PICKER[i]?.name ?? (tz.startsWith('Asia') ? pick(SURNAMES) + pick(GIVEN) + (rand() < 0.5 ? pick(GIVEN) : '') : pick(EN_NAMES));
    users.push({ id, name, tz });
    void city;
  }
  let done = 0;
  const total = users.length;
  await pool(users, 8, async (u, i) => {
    await call('POST', `/v1/users/${u.id}`, {
      traits: { name: u.name, nickname: u.name, plan: rand() < 0.2 ? 'pro' : 'free', city: CITIES.find(([, tz]) => tz === u.tz)?.[0] ?? null, device: pick(['Xiaomi 14', 'Redmi K70', 'iPhone 15', 'Xiaomi 13']), signup_day: new Date(now - (i % 60) * 86400_000).toISOString().slice(0, 10) },
      timezone: u.tz,
      locale: /^[A-Za-z]/.test(u.name) ? 'en' : 'zh-CN',
    });
    // A few coins each (Bilibili gives one a day for signing in).
    await call('POST', `/v1/users/${u.id}/points/earn`, { type: 'coin', amount: 3 + (i % 5), idempotency_key: `seed-coins-${u.id}`, reason: '每日登录奖励' });
  }, () => s.progress('Users 用户', ++done, total));

  // --- interactions ------------------------------------------------------------------------
  type Job = () => Promise<void>;
  const jobs: Job[] = [];
  const counts = { users: users.length, events: 0, likes: 0, comments: 0 };
  const isPicker = (id: string) => PICKER.some((x) => x.id === id);
  for (const u of users) {
    // The picker's users are the visitor: their likes, votes and check-ins are left to the pages.
    if (isPicker(u.id)) continue;
    for (const v of VIDEOS) {
      // Earlier videos are the popular ones: a hot list with a shape.
      if (rand() < 0.35 - VIDEOS.indexOf(v) * 0.03) {
        counts.likes++;
        jobs.push(async () => void (await call('PUT', `/v1/subjects/video/${v.id}/like`, { user_id: u.id })));
        if (rand() < 0.3) jobs.push(async () => void (await call('PUT', `/v1/subjects/video/${v.id}/favourite`, { user_id: u.id })));
      }
      if (rand() < 0.04) {
        counts.comments++;
        jobs.push(async () => void (await call('POST', `/v1/subjects/video/${v.id}/comments`, { user_id: u.id, body: pick(COMMENTS) })));
      }
    }
    if (rand() < 0.15) {
      const p = pick(PRODUCTS);
      jobs.push(async () => void (await call('PUT', `/v1/subjects/product/${p.id}/like`, { user_id: u.id })));
      counts.likes++;
    }
    if (rand() < 0.4) {
      const weights = [0.45, 0.25, 0.2, 0.1];
      let r = rand();
      const opt = poll.options[weights.findIndex((w) => (r -= w) < 0)] ?? poll.options[0]!;
      jobs.push(async () => void (await call('POST', `/v1/polls/${poll.id}/votes`, { user_id: u.id, option_ids: [opt.id] })));
    }
  }
  // Feedback: posts by seeded users, votes, a few statuses with an official note.
  const postIds: string[] = [];
  for (const [i, [title, body]] of IDEAS.entries()) {
    await call<{ id: string }>('POST', `/v1/feedback/boards/${board.id}/posts`, { user_id: users[(i * 7 + 10) % users.length]!.id, title, body }).then((p) => void postIds.push(p.id));
  }
  for (const [i, id] of postIds.entries()) {
    const voters = Math.max(1, Math.floor(users.length * (0.3 - i * 0.03)));
    for (let k = 0; k < voters; k++) {
      const u = users[(k * 13 + i) % users.length]!;
      if (!isPicker(u.id)) jobs.push(async () => void (await call('POST', `/v1/feedback/posts/${id}/votes`, { user_id: u.id })));
    }
  }
  done = 0;
  await pool(jobs, 8, (j) => j(), () => s.progress('Likes, comments, votes 点赞 · 评论 · 投票', ++done, jobs.length));
  // 精彩点评: an operator features the first comment of the first video (the widget tags it).
  const first = await call<{ data: { id: string }[] }>('GET', `/v1/subjects/video/${VIDEOS[0]!.id}/comments?sort=new&limit=1`);
  if (first.data[0]) await call('PUT', `/v1/comments/${first.data[0].id}/feature`);
  const statuses: [number, string, string][] = [[0, 'planned', '已排入下个版本 · Planned for the next release'], [1, 'in_progress', '开发中 · In progress'], [2, 'under_review', '评估中 · Under review'], [4, 'done', '已上线 · Shipped']];
  for (const [i, status, note] of statuses) if (postIds[i]) await call('POST', `/v1/feedback/posts/${postIds[i]}/status`, { status, note });

  // --- a week of host events ---------------------------------------------------------------
  const events: { event_id: string; user_id: string; name: string; properties: Record<string, unknown>; timestamp: string }[] = [];
  const dayMs = 86400_000;
  for (const u of users) {
    const activity = rand(); // some users are daily, some drop by once
    for (let d = s.days - 1; d >= 0; d--) {
      if (rand() > activity) continue;
      const sessionStart = now - d * dayMs - Math.floor(rand() * (d === 0 ? 3600_000 : dayMs - 3600_000)) - 60_000;
      let t = sessionStart;
      const at = () => new Date((t += 15_000 + Math.floor(rand() * 120_000))).toISOString();
      events.push({ event_id: `demo-${u.id}-${d}-open`, user_id: u.id, name: 'app.opened', properties: { platform: pick(['android', 'ios', 'web']) }, timestamp: at() });
      const n = 1 + Math.floor(rand() * 5);
      for (let k = 0; k < n; k++) {
        if (rand() < 0.7) {
          const v = pick(VIDEOS);
          events.push({ event_id: `demo-${u.id}-${d}-${k}-play`, user_id: u.id, name: 'video.played', properties: { video: v.id, seconds: 20 + Math.floor(rand() * 400) }, timestamp: at() });
        } else {
          const p = pick(PRODUCTS);
          events.push({ event_id: `demo-${u.id}-${d}-${k}-view`, user_id: u.id, name: 'product.viewed', properties: { product: p.id }, timestamp: at() });
          if (rand() < 0.15) events.push({ event_id: `demo-${u.id}-${d}-${k}-paid`, user_id: u.id, name: 'order.paid', properties: { product: p.id, amount: 99 + Math.floor(rand() * 1900) }, timestamp: at() });
        }
      }
    }
  }
  counts.events = events.length;
  const batches: (typeof events)[] = [];
  for (let i = 0; i < events.length; i += 1000) batches.push(events.slice(i, i + 1000));
  done = 0;
  await pool(batches, 2, async (b) => void (await call('POST', '/v1/events', { events: b })), () => s.progress('Events 事件（一周）', ++done, batches.length));

  // The shop, UGC, core-user and workload playbooks (after the events: core users read them).
  const sessions = await Promise.all(s.staff.map(async (o) => ({ id: o.id, token: (await call<{ token: string }>('POST', '/v1/auth/login', { email: o.email, password: o.password }, {})).token })));
  const playbooks = await seedPlaybooks({ call, rand, users, isPicker, hostUrl: s.origins[0]!, appId: s.appId, boardId: board.id, postIds, operators: sessions, progress: s.progress });

  // Webhooks last, so the seeding itself does not flood the host's log.
  const endpoint = await call<{ secret: string }>('POST', '/v1/webhooks/endpoints', { url: s.webhookUrl, description: 'Demo host 演示站点' });

  return {
    pickerUsers: PICKER.filter((p) => users.some((u) => u.id === p.id)),
    videos: VIDEOS.map(({ id, title, author }) => ({ id, title, author })),
    products: PRODUCTS.map(({ id, title }) => ({ id, title })),
    roomId: room.id,
    pollId: poll.id,
    boardId: board.id,
    lotteryId: lottery.id,
    webhookSecret: endpoint.secret,
    playbooks,
    names: Object.fromEntries(users.map((u) => [u.id, u.name])),
    counts,
  };
}
