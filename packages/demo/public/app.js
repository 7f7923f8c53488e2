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
    inbox: '消息',
    playbook: '玩法',
    'playbook.video': '一键三连（长按点赞）、评论、弹幕，右侧热榜由 SDK 调用 GET /v1/hot。',
    'playbook.feedback': '用户提建议、给建议投票，运营在后台改状态、写官方回复；版本投票实时出结果。',
    'playbook.daily': '签到领积分（第 7 天大奖），转盘抽奖（概率公示），站内信铃铛实时更新。',
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
    inbox: 'Inbox',
    playbook: 'Playbook',
    'playbook.video': 'Triple (long-press like), comments, danmaku; the hot list on the right is GET /v1/hot through the SDK.',
    'playbook.feedback': 'Users post ideas and vote; operators set statuses and answer in the console; the release poll shows results at once.',
    'playbook.daily': 'Check in for points (a day-7 bonus), spin the wheel (published odds), the inbox bell updates live.',
  },
};

const el = (tag, attrs = {}, text) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
};

/**
 * Boots a page: mount(cfg, t) puts the widgets' elements in place (their ids come from the seed),
 * then the widgets are configured for the chosen user. Returns what the page script needs.
 */
export async function boot(entries, mount) {
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
  for (const page of ['video', 'feedback', 'daily']) {
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
