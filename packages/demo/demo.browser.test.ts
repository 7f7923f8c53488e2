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
