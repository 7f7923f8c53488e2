// The demo host app end to end: startDemo() (Canyu as its own process on a temp embedded
// PostgreSQL, configured and seeded through the API, the host serving its pages), then a real
// browser (playwright-core driving the Debian chromium package) on the pages as a visitor:
// a like through <canyu-triple> on the video page is stored (checked through the API) and
// reaches the host's backend as a verified webhook; a check-in on the daily page is stored.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startDemo, type Demo } from './src/demo.ts';
import { waitFor } from '../server/src/testing/wait.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
let demo: Demo;
let browser: Browser;

before(async () => {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium fonts-noto-cjk, or set CHROMIUM_PATH`);
  // A small seed keeps the test short; the pages do not depend on the numbers.
  demo = await startDemo({ port: 0, users: 20, days: 2 });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
});

after(async () => {
  await browser?.close();
  await demo?.stop();
});

async function withPage(url: string, fn: (p: Page, errors: string[]) => Promise<void>): Promise<void> {
  const ctx = await browser.newContext({ locale: 'zh-CN' });
  ctx.setDefaultTimeout(15_000);
  const p = await ctx.newPage();
  const errors: string[] = [];
  p.on('pageerror', (e) => errors.push(e.message));
  try {
    await p.goto(url);
    await p.locator('body[data-ready=true]').waitFor({ state: 'attached' });
    await fn(p, errors);
  } finally {
    await ctx.close();
  }
}

/** A page in its own browser context (another visitor), open until close(). */
async function openPage(url: string): Promise<{ p: Page; errors: string[]; close: () => Promise<void> }> {
  const ctx = await browser.newContext({ locale: 'zh-CN' });
  ctx.setDefaultTimeout(15_000);
  const p = await ctx.newPage();
  const errors: string[] = [];
  p.on('pageerror', (e) => errors.push(e.message));
  await p.goto(url);
  await p.locator('body[data-ready=true]').waitFor({ state: 'attached' });
  return { p, errors, close: () => ctx.close() };
}

/** A call as the host's backend (secret key) or an operator would make it. */
async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const r = await fetch(`${demo.canyuUrl}${path}`, { method, headers: { authorization: `Bearer ${demo.secretKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await r.text();
  assert.ok(r.status < 300, `${method} ${path}: ${r.status} ${text}`);
  return JSON.parse(text) as T;
}

/** Canyu as the visitor would be seen by the host's backend: the secret key. */
async function canyu<T>(path: string): Promise<T> {
  const r = await fetch(`${demo.canyuUrl}${path}`, { headers: { authorization: `Bearer ${demo.secretKey}` } });
  const text = await r.text();
  assert.equal(r.status, 200, `${path}: ${text}`);
  return JSON.parse(text) as T;
}

test('video page: a like through <canyu-triple> is stored, reaches the host as a verified webhook; the hot list comes through the SDK', async () => {
  const user = 'u001';
  const video = demo.seed.videos[0]!;
  const likers = () => canyu<{ data: { user_id: string }[] }>(`/v1/subjects/video/${video.id}/likers?limit=200`);
  assert.ok(!(await likers()).data.some((l) => l.user_id === user), 'the picker users start without likes');
  await withPage(`${demo.pages.video}?user=${user}`, async (p, errors) => {
    assert.equal(await p.locator('#video-title').innerText(), video.title);
    // The hot list (GET /v1/hot through the SDK's browser build, cross-origin) lists the seeded videos.
    await p.locator('#hot li').first().waitFor();
    assert.ok((await p.locator('#hot li').count()) >= 3);
    const like = p.locator('canyu-triple button.like');
    await like.waitFor();
    assert.equal(await like.getAttribute('aria-pressed'), 'false');
    await like.click();
    await p.locator('canyu-triple button.like[aria-pressed=true]').waitFor();
    await waitFor('the like stored', async () => (await likers()).data.some((l) => l.user_id === user));
    // The host's backend got interaction.liked, its signature checked by verifyWebhook; the page shows it.
    await waitFor('the webhook received', () => demo.webhooks.some((w) => w.type === 'interaction.liked' && (w.data as { user_id?: string }).user_id === user));
    await p.locator('#webhooks code', { hasText: 'interaction.liked' }).first().waitFor();
    // The comments and the danmaku loaded with the seeded ids.
    await p.locator('canyu-danmaku[data-live=joined]').waitFor({ state: 'attached' });
    assert.deepEqual(errors, []);
  });
});

test('daily page: checking in through <canyu-checkin> is stored; the lottery shows its odds', async () => {
  const user = 'u002';
  await withPage(`${demo.pages.daily}?user=${user}`, async (p, errors) => {
    const button = p.locator('canyu-checkin button.primary');
    await button.waitFor();
    assert.equal(await button.innerText(), '签到');
    await button.click();
    await p.locator('canyu-checkin .day.today.on').waitFor();
    const month = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit' }).format(new Date()).slice(0, 7);
    const cal = await canyu<Record<string, unknown>>(`/v1/users/${user}/checkins?month=${month}`);
    assert.match(JSON.stringify(cal), /"streak":1|"current_streak":1/, JSON.stringify(cal));
    await p.locator('canyu-lottery table tr[data-id]').first().waitFor();
    assert.deepEqual(errors, []);
  });
});

test('feedback page: the seeded board lists the most voted idea first; a vote through <canyu-feedback-board> is stored', async () => {
  const user = 'u003';
  await withPage(`${demo.pages.feedback}?user=${user}`, async (p, errors) => {
    const first = p.locator('canyu-feedback-board li[data-id]').first();
    await first.waitFor();
    assert.equal(await first.locator('.badge').innerText(), '已计划');
    const id = (await first.getAttribute('data-id'))!;
    await first.locator('button.vote').click();
    await first.locator('button.vote[aria-pressed=true][aria-busy=false]').waitFor();
    const post = await canyu<{ my_vote: boolean }>(`/v1/feedback/posts/${id}?user_id=${user}`);
    assert.equal(post.my_vote, true);
    await p.locator('canyu-poll input[type=radio]').first().waitFor();
    assert.deepEqual(errors, []);
  });
});

test('shop page (Pinduoduo/Meituan): a 3-person team fills and completes; friends cut the bargain price; the red packet opens; a claimed coupon is in "my coupons"', async () => {
  const leader = await openPage(`${demo.url}/shop.html?user=u004`);
  try {
    const { p } = leader;
    // Group buy: u004 starts a team and gets its share link.
    await p.locator('#gb-open').click();
    const mine = p.locator('#my-teams li[data-team]').first();
    await mine.waitFor();
    assert.equal(await mine.getAttribute('data-status'), 'open');
    const teamId = (await mine.getAttribute('data-team'))!;
    const link = await mine.locator('[data-role=share]').innerText();
    const code = new URL(link).searchParams.get('join')!;
    // u005 opens the shared link in another browser: joined at once, then pays on the page.
    const friend = await openPage(`${link}&user=u005`);
    try {
      const theirs = friend.p.locator(`#my-teams li[data-team="${teamId}"]`);
      await theirs.locator('[data-role=pay]').click();
      await theirs.locator('.badge.ok').waitFor();
      // u001 joins through the API and pays through the host's backend (it confirms the seat).
      await api('POST', '/v1/group-buy/join', { share_code: code, user_id: 'u001' });
      const paid = await fetch(`${demo.url}/api/shop/pay?user=u001&team=${teamId}`, { method: 'POST' });
      assert.equal(paid.status, 200, await paid.text());
      // The leader pays last: the third confirmation completes the team, on both pages.
      await mine.locator('[data-role=pay]').click();
      await p.locator(`#my-teams li[data-team="${teamId}"][data-status=succeeded]`).waitFor();
      await friend.p.locator(`#my-teams li[data-team="${teamId}"][data-status=succeeded]`).waitFor();
      const team = await api<{ status: string; confirmed_count: number; members: { user_id: string }[] }>('GET', `/v1/group-buy/teams/${teamId}`);
      assert.equal(team.status, 'succeeded');
      assert.equal(team.confirmed_count, 3);
      assert.deepEqual(team.members.map((m) => m.user_id).sort(), ['u001', 'u004', 'u005']);

      // Bargain: u004 starts one; u005 cuts from the shared link, u002 through the API.
      await p.locator('#bg-start').click();
      const card = p.locator('#my-bargain [data-bargain]');
      await card.waitFor();
      assert.equal(await card.locator('[data-role=price]').innerText(), '¥199.00');
      const bargainId = (await card.getAttribute('data-bargain'))!;
      await friend.p.goto(`${demo.url}/shop.html?user=u005&bargain=${bargainId}`);
      await friend.p.locator(`#friend-bargains [data-bargain="${bargainId}"] [data-role=cut]`).click();
      await api('POST', `/v1/bargains/${bargainId}/cuts`, { user_id: 'u002' });
      await waitFor('both cuts shown on the starter\'s page', async () => (await card.locator('ul li').count()) === 2);
      const price = Number((await card.locator('[data-role=price]').innerText()).slice(1));
      const stored = await api<{ current_price: number; cuts: number }>('GET', `/v1/bargains/${bargainId}`);
      assert.equal(stored.cuts, 2);
      assert.ok(price < 199 && price * 100 === stored.current_price, `${price} vs ${stored.current_price}`);
      assert.deepEqual(friend.errors, []);
    } finally {
      await friend.close();
    }

    // The daily red packet: the first open today grants points.
    await p.locator('#red-packet').click();
    const packet = p.locator('#red-packet-result[data-amount]');
    await packet.waitFor();
    assert.ok(Number(await packet.getAttribute('data-amount')) >= 1);
    // A coupon claimed appears in "my coupons".
    const template = demo.seed.playbooks.shop.coupons[0]!;
    await p.locator(`#coupons [data-template="${template}"] [data-role=claim]`).click();
    await p.locator(`#my-coupons [data-template="${template}"]`).waitFor();
    const coupons = await canyu<{ data: { template_id: string; status: string }[] }>('/v1/users/u004/coupons');
    assert.deepEqual(coupons.data.map((c) => [c.template_id, c.status]), [[template, 'available']]);
    assert.deepEqual(leader.errors, []);
  } finally {
    await leader.close();
  }
});

test('UGC page (Starbucks): an entry posted with the hashtag waits for review, is approved by an operator, appears in the gallery as text, is liked from another browser and announced as a winner', async () => {
  const author = await openPage(`${demo.url}/ugc.html?user=u001`);
  try {
    const { p } = author;
    await p.locator('body[data-ugc=ready]').waitFor({ state: 'attached' });
    assert.ok((await p.locator('#gallery [data-entry]').count()) >= 3, 'the seeded gallery');
    await p.locator('#winners li[data-entry]').first().waitFor();
    const text = '#星巴克猫爪杯# 我的 <b>猫爪杯</b> 拿铁';
    await p.locator('#entry-text').fill(text);
    await p.locator('#entry-form button[type=submit]').click();
    const mine = p.locator('#my-entries li[data-status=pending]').first();
    await mine.waitFor();
    const entryId = (await mine.getAttribute('data-entry'))!;
    // The operator approves it (the moderation queue, as the console would).
    await api('POST', `/v1/stories/entries/${entryId}/moderation`, { decision: 'approve' });
    const fan = await openPage(`${demo.url}/ugc.html?user=u002`);
    try {
      await fan.p.locator('body[data-ugc=ready]').waitFor({ state: 'attached' });
      const tile = fan.p.locator(`#gallery [data-entry="${entryId}"]`);
      assert.equal(await tile.locator('[data-role=text]').innerText(), text, 'user text is shown as text');
      assert.equal(await tile.locator('b').count(), 0, 'never as markup');
      await tile.locator('[data-role=like]').click();
      await fan.p.locator(`#gallery [data-entry="${entryId}"] [data-role=like][aria-pressed=true]`).waitFor();
      assert.equal((await api<{ likes: number }>('GET', `/v1/stories/entries/${entryId}`)).likes, 1);
      assert.deepEqual(fan.errors, []);
    } finally {
      await fan.close();
    }
    // Winners announced: the operator adds this entry; the page lists it.
    await api('POST', `/v1/stories/campaigns/${demo.seed.playbooks.ugc.campaign}/winners`, { prize: '星礼卡 100 元', entry_ids: [entryId] });
    await p.reload();
    await p.locator(`#winners li[data-entry="${entryId}"]`).waitFor();
    await p.locator(`#my-entries li[data-entry="${entryId}"][data-status=approved]`).waitFor();
    assert.deepEqual(author.errors, []);
  } finally {
    await author.close();
  }
});

test('creations page (Nike By You): a shared design is liked through <canyu-like> from another browser, its comments open, and featuring it puts it among the picks', async () => {
  const maker = await openPage(`${demo.url}/creations.html?user=u001`);
  try {
    const { p } = maker;
    await p.locator('body[data-creations=ready]').waitFor({ state: 'attached' });
    assert.ok((await p.locator('#featured [data-subject]').count()) >= 1, 'seeded picks');
    const title = '午夜蓝 Air Max <i>x</i>';
    await p.locator('#share-title').fill(title);
    await p.locator('#share-form button[type=submit]').click();
    const tile = p.locator('#creations [data-subject]', { hasText: title }).first();
    await tile.waitFor();
    const id = (await tile.getAttribute('data-subject'))!;
    const kind = demo.seed.playbooks.creations.kind;
    const fan = await openPage(`${demo.url}/creations.html?user=u002`);
    try {
      await fan.p.locator('body[data-creations=ready]').waitFor({ state: 'attached' });
      const theirs = fan.p.locator(`#creations [data-subject="${id}"]`);
      await theirs.locator('canyu-like button[aria-pressed=false]').click();
      await theirs.locator('canyu-like button[aria-pressed=true][aria-busy=false]').waitFor();
      const likers = await canyu<{ data: { user_id: string }[] }>(`/v1/subjects/${kind}/${id}/likers`);
      assert.deepEqual(likers.data.map((l) => l.user_id), ['u002']);
      await theirs.locator('[data-role=comments]').click();
      await fan.p.locator('#discussion canyu-comments textarea').first().waitFor();
      assert.deepEqual(fan.errors, []);
    } finally {
      await fan.close();
    }
    // The editors feature it (the host's backend tags the subject); the maker sees it picked, with its like.
    const s = await canyu<{ title: string; author_id: string; metadata: Record<string, unknown>; tags: string[] }>(`/v1/subjects/${kind}/${id}`);
    assert.equal(s.author_id, 'u001');
    await api('PUT', `/v1/subjects/${kind}/${id}`, { title: s.title, author_id: s.author_id, metadata: s.metadata, tags: [...s.tags, 'featured'] });
    await p.reload();
    const picked = p.locator(`#featured [data-subject="${id}"]`);
    await picked.waitFor();
    await picked.locator('canyu-like button .count', { hasText: '1' }).waitFor();
    assert.deepEqual(maker.errors, []);
  } finally {
    await maker.close();
  }
});

test('core users page (Xiaomi MIUI): the ranking by frequency, duration and spend is listed; a voter of a request finds in the inbox (<canyu-inbox>) that it shipped', async () => {
  const user = 'u005';
  const board = demo.seed.boardId;
  const { data: posts } = await canyu<{ data: { id: string; title: string; status: string }[] }>(`/v1/feedback/boards/${board}/posts?status=in_progress`);
  const post = posts[0]!;
  await withPage(`${demo.url}/core.html?user=${user}`, async (p, errors) => {
    await p.locator('body[data-core=ready]').waitFor({ state: 'attached' });
    const ranked = await canyu<{ data: { user_id: string; core: boolean }[] }>('/v1/segments/core/users?limit=100');
    const rows = p.locator('#core-users tbody tr');
    assert.equal(await rows.count(), ranked.data.length);
    assert.equal(await rows.first().getAttribute('data-user'), ranked.data[0]!.user_id);
    assert.equal(await p.locator('#core-users tr[data-core=true]').count(), ranked.data.filter((u) => u.core).length);
    // The visitor votes for the request on the board.
    const item = p.locator(`canyu-feedback-board li[data-id="${post.id}"]`);
    await item.locator('button.vote').click();
    await item.locator('button.vote[aria-pressed=true][aria-busy=false]').waitFor();
    // The team ships the request: the voters' inbox gets the message at once (in_app). The
    // realtime push of a message made by an event rule waits for the server's minute dispatch
    // tick (rules do not kick the dispatcher), so the page is reloaded rather than waited on.
    await api('POST', `/v1/feedback/posts/${post.id}/status`, { status: 'done', note: '已在 MIUI 15.1 上线 · Shipped in MIUI 15.1' });
    await waitFor('the message in the voter\'s inbox', async () => (await canyu<{ data: { title: string }[] }>(`/v1/users/${user}/inbox?limit=10`)).data.some((m) => m.title.includes(post.title)));
    await p.reload();
    await p.locator('body[data-core=ready]').waitFor({ state: 'attached' });
    await p.locator('canyu-inbox button.bell').click();
    await p.locator('canyu-inbox li .title', { hasText: post.title }).waitFor();
    await p.locator('canyu-inbox li .text', { hasText: '已在 MIUI 15.1 上线' }).waitFor();
    assert.deepEqual(errors, []);
  });
});

test('workload page (QQ Mail 1000/100/10): each operator\'s reads, users answered and surveys against the monthly targets, from the host backend', async () => {
  await withPage(`${demo.url}/workload.html?user=u001`, async (p, errors) => {
    await p.locator('body[data-workload=ready]').waitFor({ state: 'attached' });
    const month = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit' }).format(new Date()).slice(0, 7);
    const w = await canyu<{ operators: { operator_id: string; read: number; users_answered: number; surveys_run: number }[] }>(`/v1/feedback/workload?month=${month}&tz=Asia%2FShanghai`);
    assert.equal(w.operators.length, 2, 'the owner and the support operator');
    assert.equal(await p.locator('[data-operator]').count(), 2);
    for (const o of w.operators) {
      assert.ok(o.read > 0 && o.users_answered > 0 && o.surveys_run > 0, JSON.stringify(o));
      const card = p.locator(`[data-operator="${o.operator_id}"]`);
      assert.equal(await card.locator('[data-goal=read] [data-role=value]').innerText(), `${o.read} / 1000`);
      assert.equal(await card.locator('[data-goal=users_answered] [data-role=value]').innerText(), `${o.users_answered} / 100`);
      assert.equal(await card.locator('[data-goal=surveys_run] [data-role=value]').innerText(), `${o.surveys_run} / 10`);
    }
    assert.ok(Number(await p.locator('#totals tr[data-total=received] td.num').innerText()) > 0);
    assert.deepEqual(errors, []);
  });
});
