// Shared by the demo pages, as a host site's own page script would be: its header (navigation,
// the signed-in user, the language), the user's token from the host's backend (/api/token signs
// it with the SDK's signUserToken), the widgets configured with it, and the SDK's browser client
// for what the page does itself (the hot list, track()). Only the SDK's browser build and the
// widgets' dist files are used. Every text from Canyu is inserted with textContent.
import { createBrowserClient } from '/sdk/browser.js';

const TEXT = {
  'zh-CN': {
    title: '参与演示',
    'nav.video': '视频 · B 站',
    'nav.feedback': '反馈 · MIUI',
    'nav.daily': '每日 · 签到抽奖',
    user: '当前用户',
    lang: 'English',
    hot: '热门视频',
    'count.likes': '赞',
    'count.favourites': '收藏',
    'count.comments': '评论',
    webhooks: '站点后端收到的 Webhook',
    'webhooks.none': '还没有。点个赞、签个到试试。',
    player: '视频占位 · 弹幕会从这里飞过',
    comments: '评论',
    poll: '投票',
    board: '功能建议',
    checkin: '每日签到',
    lottery: '幸运转盘',
    pointsBoard: '本周积分榜',
    weekly: '每周必看',
    inbox: '消息',
    playbook: '玩法',
    'playbook.video': '一键三连（长按点赞）、评论、弹幕，右侧热榜由 SDK 调用 GET /v1/hot。',
    'playbook.feedback': '用户提建议、给建议投票，运营在后台改状态、写官方回复；版本投票实时出结果。',
    'playbook.daily': '签到领积分（第 7 天大奖），转盘抽奖（概率公示），站内信铃铛实时更新。',
    'nav.shop': '商城 · 拼团砍价',
    'nav.ugc': '话题 · 星巴克',
    'nav.creations': '晒设计 · Nike',
    'nav.core': '核心用户 · MIUI',
    'nav.workload': '工作量 · QQ 邮箱',
    'playbook.shop': '3 人团 24 小时内拼满（开团、分享、参团、付款成团），好友帮砍一刀，每天第一次打开拆红包，领券后在“我的优惠券”里。',
    'playbook.ugc': '带话题 #星巴克猫爪杯# 晒图，运营审核后进画廊，大家点赞，精选与获奖名单公布。',
    'playbook.creations': '用户分享自己设计的鞋，其他人点赞、评论，最受欢迎的被精选。',
    'playbook.core': '按使用频率、时长和消费选出核心用户（2/8 法则），邀请他们到功能建议板投票；需求上线时投票者收到站内信。',
    'playbook.workload': '运营每月的 1000/100/10：读 1000 条反馈、回复 100 位用户、做 10 份问卷（GET /v1/feedback/workload，经站点后端）。',
  },
  en: {
    title: 'Canyu demo',
    'nav.video': 'Video · Bilibili',
    'nav.feedback': 'Feedback · MIUI',
    'nav.daily': 'Daily · check-in & lottery',
    user: 'Signed in as',
    lang: '中文',
    hot: 'Hot videos',
    'count.likes': 'likes',
    'count.favourites': 'favourites',
    'count.comments': 'comments',
    webhooks: 'Webhooks received by the host backend',
    'webhooks.none': 'None yet. Like something or check in.',
    player: 'Video placeholder · danmaku fly across here',
    comments: 'Comments',
    poll: 'Poll',
    board: 'Ideas board',
    checkin: 'Daily check-in',
    lottery: 'Lucky wheel',
    pointsBoard: 'Points this week',
    weekly: 'Weekly must-watch',
    inbox: 'Inbox',
    playbook: 'Playbook',
    'playbook.video': 'Triple (long-press like), comments, danmaku; the hot list on the right is GET /v1/hot through the SDK.',
    'playbook.feedback': 'Users post ideas and vote; operators set statuses and answer in the console; the release poll shows results at once.',
    'playbook.daily': 'Check in for points (a day-7 bonus), spin the wheel (published odds), the inbox bell updates live.',
    'nav.shop': 'Shop · group buy',
    'nav.ugc': 'Hashtag · Starbucks',
    'nav.creations': 'Creations · Nike',
    'nav.core': 'Core users · MIUI',
    'nav.workload': 'Workload · QQ Mail',
    'playbook.shop': 'A 3-person group buy that must fill within 24 hours (open, share, join, pay), friends cut a bargain price, a red packet on the first open of the day, claimed coupons in "my coupons".',
    'playbook.ugc': 'Post a photo with #星巴克猫爪杯#; approved entries join the gallery, everyone likes, the featured entries and the winners are announced.',
    'playbook.creations': 'Users share the shoes they designed, others like and comment, the best are featured.',
    'playbook.core': 'Core users picked by frequency, duration and spend (the 2/8 rule), invited to vote on the ideas board; voters hear in their inbox when their request ships.',
    'playbook.workload': "The operators' monthly 1000/100/10: read 1000 pieces of feedback, answer 100 users, run 10 surveys (GET /v1/feedback/workload through the host's backend).",
  },
};

/** Page texts of their own (each page passes its TEXT in both languages to boot()). */
export const el = (tag, attrs = {}, text) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
};

/**
 * Boots a page: mount(cfg, t) puts the widgets' elements in place (their ids come from the seed),
 * then the widgets are configured for the chosen user. Returns what the page script needs.
 */
export async function boot(entries, mount, pageText) {
  if (pageText) for (const l of Object.keys(TEXT)) Object.assign(TEXT[l], pageText[l]);
  const q = new URLSearchParams(location.search);
  if (q.get('user')) localStorage.setItem('canyu-demo-user', q.get('user'));
  if (q.get('lang')) localStorage.setItem('canyu-demo-lang', q.get('lang'));
  const lang = localStorage.getItem('canyu-demo-lang') === 'en' ? 'en' : 'zh-CN';
  document.documentElement.lang = lang;
  const t = (k) => TEXT[lang][k] ?? k;
  for (const n of document.querySelectorAll('[data-t]')) n.textContent = t(n.dataset.t);
  document.title = `${t(document.body.dataset.page ? `nav.${document.body.dataset.page}` : 'title')} — ${t('title')}`;

  const cfg = await fetch('/api/config').then((r) => (r.ok ? r.json() : Promise.reject(new Error(`/api/config ${r.status}`))));
  const user = cfg.users.find((u) => u.id === localStorage.getItem('canyu-demo-user')) ?? cfg.users[0];
  const refreshUserToken = () => fetch(`/api/token?user=${encodeURIComponent(user.id)}`).then((r) => (r.ok ? r.text() : Promise.reject(new Error(`/api/token ${r.status}`))));
  const userToken = await refreshUserToken();

  header(cfg, user, lang, t);
  mount?.(cfg, t);
  // Every widget entry exports the same configure() (it lives in their shared chunk).
  const mods = await Promise.all(entries.map((name) => import(`/widgets/${name}.js`)));
  mods[0]?.configure({ baseUrl: cfg.canyuUrl, publishableKey: cfg.publishableKey, userToken, refreshUserToken });
  const sdk = createBrowserClient({ baseUrl: cfg.canyuUrl, publishableKey: cfg.publishableKey, userToken, refreshUserToken });
  webhookLog(t);
  document.body.dataset.ready = 'true';
  return { cfg, user, lang, t, sdk };
}

function header(cfg, user, lang, t) {
  const h = document.querySelector('header.site');
  h.replaceChildren();
  h.append(el('a', { href: '/', class: 'brand' }, t('title')));
  const nav = el('nav');
  for (const page of PAGES) {
    const a = el('a', { href: `/${page}.html` }, t(`nav.${page}`));
    if (document.body.dataset.page === page) a.setAttribute('aria-current', 'page');
    nav.append(a);
  }
  h.append(nav);
  const label = el('label', { class: 'user' }, `${t('user')} `);
  const select = el('select', { id: 'user-picker' });
  for (const u of cfg.users) {
    const o = el('option', { value: u.id }, `${u.name} (${u.id})`);
    if (u.id === user.id) o.selected = true;
    select.append(o);
  }
  select.addEventListener('change', () => {
    localStorage.setItem('canyu-demo-user', select.value);
    location.reload();
  });
  label.append(select);
  h.append(label);
  const switcher = el('button', { type: 'button', class: 'lang', lang: lang === 'en' ? 'zh-CN' : 'en' }, t('lang'));
  switcher.addEventListener('click', () => {
    localStorage.setItem('canyu-demo-lang', lang === 'en' ? 'zh-CN' : 'en');
    location.reload();
  });
  h.append(switcher);
}

export const PAGES = ['video', 'feedback', 'daily', 'shop', 'ugc', 'creations', 'core', 'workload'];

/** Canyu returns user-written text HTML-escaped; turned back into plain text for textContent. */
export function unescapeHtml(s) {
  return String(s ?? '').replace(/&(lt|gt|quot|#39|#96|amp);/g, (_, e) => ({ lt: '<', gt: '>', quot: '"', '#39': "'", '#96': '`', amp: '&' })[e]);
}

/** Minor units as yuan: 9900 → ¥99.00. */
export const yuan = (minor) => `¥${(minor / 100).toFixed(2)}`;

/** The host backend's JSON routes (secret-key calls stay on the server). */
export async function backend(path, init) {
  const r = await fetch(path, init);
  const body = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(body.message ?? body.error ?? `${path} ${r.status}`);
  return body;
}

/** What the host's backend received at /api/webhooks (verified with the SDK's verifyWebhook). */
function webhookLog(t) {
  const box = document.querySelector('#webhooks');
  if (!box) return;
  box.replaceChildren(el('h2', {}, t('webhooks')));
  const list = el('ol', { 'aria-live': 'polite' });
  box.append(list);
  const refresh = async () => {
    const r = await fetch('/api/webhooks').catch(() => null);
    if (!r?.ok) return;
    const { data } = await r.json();
    if (data.length === 0) return list.replaceChildren(el('li', { class: 'muted' }, t('webhooks.none')));
    list.replaceChildren(...data.slice(0, 12).map((w) => {
      const li = el('li');
      li.append(el('code', {}, w.type), el('span', { class: 'muted' }, ` ${w.data?.user_id ?? ''} ${w.data?.subject ? `${w.data.subject.kind}/${w.data.subject.id}` : ''}`));
      return li;
    }));
  };
  void refresh();
  setInterval(refresh, 2000);
}
