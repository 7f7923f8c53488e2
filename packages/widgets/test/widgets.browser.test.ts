// The widgets in a real browser (playwright-core driving the Debian chromium package) against a
// real Canyu server on a test database. The host page is served by a small local server, as a
// host site would serve it: the page and the built bundles (packages/widgets/dist), and /v1/*
// passed through to Canyu (the server sends no CORS headers, so a host puts Canyu behind its own
// origin). The size of each widget bundle (gzipped) is printed.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ensureBuilt, WIDGET_ENTRIES, widgetsDistDir } from '../../../scripts/build.js';
import { startTestApp, type TestApp, type Tenant } from '../../server/src/testing/app.ts';
import { waitFor } from '../../server/src/testing/wait.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
let t: TestApp;
let tenant: Tenant;
let canyu: string;
let host: http.Server;
let origin: string;
let browser: Browser;

function page(body: string, userToken: string, entry = 'index'): string {
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>widgets</title></head><body>
${body}
<script type="module">
import { configure } from '/widgets/${entry}.js';
configure({ baseUrl: location.origin, publishableKey: ${JSON.stringify(tenant.publishableKey)}, userToken: ${JSON.stringify(userToken)} });
</script></body></html>`;
}
const pages = new Map<string, string>();

before(async () => {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium fonts-noto-cjk, or set CHROMIUM_PATH`);
  await ensureBuilt(() => {});
  t = await startTestApp();
  canyu = await t.app.listen({ port: 0, host: '127.0.0.1' });
  tenant = await t.newTenant('Widgets test app');
  const target = new URL(canyu);
  host = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname.startsWith('/v1/')) {
      const up = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      up.on('error', () => res.destroy());
      req.pipe(up);
      return;
    }
    if (url.pathname.startsWith('/widgets/')) {
      const file = path.join(widgetsDistDir, path.normalize(url.pathname.slice('/widgets/'.length)).replace(/^(\.\.[/\\])+/, ''));
      if (fs.existsSync(file) && fs.statSync(file).isFile()) {
        res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
        res.end(fs.readFileSync(file));
        return;
      }
    }
    const html = pages.get(url.pathname);
    if (html) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(html);
      return;
    }
    res.writeHead(404).end();
  });
  // The realtime WebSocket passes through too, as a reverse proxy would.
  host.on('upgrade', (req, socket, head) => {
    const up = net.connect(Number(target.port), target.hostname, () => {
      up.write(`${req.method} ${req.url} HTTP/1.1\r\n${Object.entries(req.headers).map(([k, v]) => `${k}: ${String(v)}`).join('\r\n')}\r\n\r\n`);
      up.write(head);
      up.pipe(socket).pipe(up);
    });
    up.on('error', () => socket.destroy());
    socket.on('error', () => up.destroy());
  });
  await new Promise<void>((r) => host.listen(0, '127.0.0.1', r));
  const a = host.address();
  origin = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
});

after(async () => {
  await browser?.close();
  await new Promise((r) => host?.close(r));
  await t?.close();
});

async function withPage(fn: (p: Page, errors: string[]) => Promise<void>): Promise<void> {
  const ctx = await browser.newContext({ locale: 'zh-CN' });
  ctx.setDefaultTimeout(10_000);
  const p = await ctx.newPage();
  const errors: string[] = [];
  p.on('pageerror', (e) => errors.push(e.message));
  p.on('dialog', (d) => void d.dismiss());
  try {
    await fn(p, errors);
  } finally {
    await ctx.close();
  }
}

/** Calls Canyu with the tenant's secret key (seeding and checking outcomes); fails on an unexpected status. */
async function admin<T = Record<string, unknown>>(method: string, url: string, body?: unknown, expect = [200, 201, 202, 204]): Promise<T> {
  const r = await fetch(`${canyu}${url}`, { method, headers: { authorization: `Bearer ${tenant.secretKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await r.text();
  assert.ok(expect.includes(r.status), `${method} ${url}: ${r.status} ${text}`);
  return (text ? JSON.parse(text) : null) as T;
}

const XSS = `<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>`;

/** No payload ran and none became markup inside the element. */
async function assertInert(p: Page, selector: string): Promise<void> {
  assert.equal(await p.evaluate(() => (globalThis as unknown as { __xss?: number }).__xss), undefined, 'a payload ran');
  assert.equal(await p.locator(`${selector} img, ${selector} script`).count(), 0, 'a payload became markup');
}

test('bundle sizes: every widget entry with the chunks it imports, gzipped', () => {
  const sizes: string[] = [];
  for (const name of Object.keys(WIDGET_ENTRIES)) {
    // The entry and every chunk it (transitively) imports.
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const src = fs.readFileSync(file, 'utf8');
      for (const m of src.matchAll(/from\s*"(\.\/[^"]+)"|import\s*"(\.\/[^"]+)"/g)) visit(path.join(path.dirname(file), (m[1] ?? m[2])!));
    };
    visit(path.join(widgetsDistDir, `${name}.js`));
    const all = [...seen].map((f) => fs.readFileSync(f));
    const raw = all.reduce((n, b) => n + b.length, 0);
    const gz = gzipSync(Buffer.concat(all), { level: 9 }).length;
    sizes.push(`${name}.js: ${(raw / 1024).toFixed(1)} KB, ${(gz / 1024).toFixed(1)} KB gzipped (with its chunks)`);
    // Issue 17's budget: a page with one widget loads at most 10 KB (gzipped) of script for it.
    if (name !== 'index') assert.ok(gz <= 10 * 1024, `${name} is ${gz} bytes gzipped, over the 10 KB budget`);
  }
  console.log(`[widgets] bundle sizes:\n  ${sizes.join('\n  ')}`);
});

test('<canyu-like>: a click likes at once, the count is right after a reload, a second click unlikes', async () => {
  const user = 'u-like-1';
  // Someone else liked it already: the count starts at 1.
  const other = await t.userToken(tenant, 'u-like-0');
  const r = await fetch(`${canyu}/v1/subjects/video/BV-like/like`, { method: 'PUT', headers: { authorization: `Bearer ${tenant.publishableKey}`, 'x-user-token': other, 'content-type': 'application/json' }, body: '{}' });
  assert.equal(r.status, 200, await r.text());
  pages.set('/like.html', page('<canyu-like kind="video" subject="BV-like"></canyu-like>', await t.userToken(tenant, user), 'canyu-like'));
  await withPage(async (p, errors) => {
    await p.goto(`${origin}/like.html`);
    const button = p.locator('canyu-like button');
    await p.locator('canyu-like .count', { hasText: '1' }).waitFor();
    assert.equal(await button.getAttribute('aria-pressed'), 'false');
    assert.match((await button.getAttribute('aria-label')) ?? '', /点赞/);
    await button.click();
    assert.equal(await button.getAttribute('aria-pressed'), 'true');
    await p.locator('canyu-like .count', { hasText: '2' }).waitFor();
    // The server confirmed it (aria-busy false), then reload: the page shows what the server has.
    await p.locator('canyu-like button[aria-busy=false]').waitFor();
    const s = (await (await fetch(`${canyu}/v1/subjects/video/BV-like`, { headers: { authorization: `Bearer ${tenant.secretKey}` } })).json()) as { counts: { likes: number } };
    assert.equal(s.counts.likes, 2);
    await p.reload();
    await p.locator('canyu-like .count', { hasText: '2' }).waitFor();
    assert.equal(await button.getAttribute('aria-pressed'), 'true');
    await button.click();
    await p.locator('canyu-like .count', { hasText: '1' }).waitFor();
    await p.locator('canyu-like button[aria-busy=false]').waitFor();
    await p.reload();
    await p.locator('canyu-like .count', { hasText: '1' }).waitFor();
    assert.equal(await button.getAttribute('aria-pressed'), 'false');
    assert.deepEqual(errors, []);
  });
});

test('<canyu-like>: a like in one browser changes the count in another at once (realtime), over one connection per page', async () => {
  const three = '<canyu-like kind="video" subject="BV-rt"></canyu-like><canyu-like kind="video" subject="BV-rt2"></canyu-like><canyu-like kind="video" subject="BV-rt3"></canyu-like>';
  pages.set('/like-rt-a.html', page(three, await t.userToken(tenant, 'u-rt-a'), 'canyu-like'));
  pages.set('/like-rt-b.html', page(three, await t.userToken(tenant, 'u-rt-b'), 'canyu-like'));
  const ctxB = await browser.newContext({ locale: 'zh-CN' });
  ctxB.setDefaultTimeout(10_000);
  try {
    const b = await ctxB.newPage();
    const sockets: string[] = [];
    b.on('websocket', (ws) => sockets.push(ws.url()));
    await b.goto(`${origin}/like-rt-b.html`);
    const first = b.locator('canyu-like').first();
    await b.locator('canyu-like[data-live=joined]').nth(2).waitFor();
    assert.equal(sockets.length, 1, 'three like buttons share one realtime connection');
    assert.equal(await first.locator('.count').innerText(), '0');
    await withPage(async (a, errors) => {
      await a.goto(`${origin}/like-rt-a.html`);
      // The first element's own button (a bare 'canyu-like button' would be whichever rendered first).
      const mine = a.locator('canyu-like').first().locator('button');
      await mine.click();
      await a.locator('canyu-like').first().locator('button[aria-busy=false][aria-pressed=true]').waitFor();
      assert.deepEqual(errors, []);
    });
    // B never reloaded: the count came over realtime; B's own button is still not pressed.
    await first.locator('.count', { hasText: '1' }).waitFor();
    assert.equal(await first.locator('button').getAttribute('aria-pressed'), 'false');
    assert.equal(await b.locator('canyu-like .count').nth(1).innerText(), '0', 'other subjects are untouched');
    // B likes too: 2 on B's page, from its own answer and the event alike.
    await first.locator('button').click();
    await first.locator('.count', { hasText: '2' }).waitFor();
    await first.locator('button[aria-busy=false]').waitFor();
    // Someone likes through the API: B hears it.
    await admin('PUT', '/v1/subjects/video/BV-rt/like', { user_id: 'u-rt-c' });
    await first.locator('.count', { hasText: '3' }).waitFor();
    assert.equal(await first.locator('button').getAttribute('aria-pressed'), 'true');
  } finally {
    await ctxB.close();
  }
});

test('<canyu-like>: a refused like is rolled back and a translated message shown', async () => {
  // A visitor without a user token: the server refuses the like; the count goes back.
  pages.set('/like-anon.html', page('<canyu-like kind="video" subject="BV-anon"></canyu-like>', '', 'canyu-like'));
  await withPage(async (p) => {
    await p.goto(`${origin}/like-anon.html`);
    await p.locator('canyu-like .count', { hasText: '0' }).waitFor();
    await p.locator('canyu-like button').click();
    await p.locator('canyu-like [role=alert]', { hasText: '请先登录' }).waitFor();
    assert.equal(await p.locator('canyu-like .count').innerText(), '0');
    assert.equal(await p.locator('canyu-like button').getAttribute('aria-pressed'), 'false');
  });
});

test('<canyu-comments>: a comment with an XSS payload is shown as text and no script runs; a reply shows under it', async () => {
  pages.set('/comments.html', page('<canyu-comments kind="video" subject="BV-cm" sort="new"></canyu-comments>', await t.userToken(tenant, 'u-cm-1'), 'canyu-comments'));
  await withPage(async (p, errors) => {
    await p.goto(`${origin}/comments.html`);
    await p.locator('canyu-comments .empty').waitFor();
    await p.locator('canyu-comments form textarea').first().fill(XSS);
    await p.locator('canyu-comments form button[type=submit]').first().click();
    await p.locator('canyu-comments .text', { hasText: 'window.__xss=2' }).waitFor();
    assert.equal(await p.locator('canyu-comments .text').first().innerText(), XSS);
    await p.reload();
    await p.locator('canyu-comments .text', { hasText: 'window.__xss=2' }).waitFor();
    assert.equal(await p.locator('canyu-comments .text').first().innerText(), XSS);
    assert.equal(await p.evaluate(() => (globalThis as unknown as { __xss?: number }).__xss), undefined, 'a payload ran');
    assert.equal(await p.locator('canyu-comments img, canyu-comments script').count(), 0, 'a payload became markup');
    // Reply.
    await p.locator('canyu-comments li .actions button', { hasText: '回复' }).first().click();
    await p.locator('canyu-comments li form textarea').fill('回复一下');
    await p.locator('canyu-comments li form button[type=submit]').click();
    await p.locator('canyu-comments ul ul .text', { hasText: '回复一下' }).waitFor();
    // An operator features and pins it: after a reload it carries both tags.
    const { data } = await admin<{ data: { id: string }[] }>('GET', '/v1/subjects/video/BV-cm/comments?sort=new&limit=1');
    await admin('PUT', `/v1/comments/${data[0]!.id}/feature`);
    await admin('PUT', `/v1/comments/${data[0]!.id}/pin`);
    await p.reload();
    await p.locator('canyu-comments li .tag.featured', { hasText: '精彩' }).waitFor();
    assert.equal(await p.locator('canyu-comments li .tag.pinned').innerText(), '置顶');
    assert.deepEqual(errors, []);
  });
});

test('<canyu-checkin>: checking in marks today and shows the streak', async () => {
  for (const key of ['points', 'growth', 'makeup_card']) {
    const r = await fetch(`${canyu}/v1/points/types/${key}`, { method: 'PUT', headers: { authorization: `Bearer ${tenant.secretKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: key }) });
    assert.ok(r.status < 300, await r.text());
  }
  pages.set('/checkin.html', page('<canyu-checkin></canyu-checkin>', await t.userToken(tenant, 'u-ci-1'), 'canyu-checkin'));
  await withPage(async (p, errors) => {
    await p.goto(`${origin}/checkin.html`);
    const button = p.locator('canyu-checkin button.primary');
    await button.waitFor();
    assert.equal(await button.innerText(), '签到');
    assert.equal(await p.locator('canyu-checkin .day.today.on').count(), 0);
    await button.click();
    await p.locator('canyu-checkin .day.today.on').waitFor();
    await p.locator('canyu-checkin .streak', { hasText: '已连续签到 1 天' }).waitFor();
    assert.equal(await button.innerText(), '今日已签到');
    await p.reload();
    await p.locator('canyu-checkin .day.today.on').waitFor();
    assert.equal(await p.locator('canyu-checkin button.primary').isDisabled(), true);
    assert.deepEqual(errors, []);
  });
});

test('<canyu-inbox>: a message sent through the API raises the unread count live; opening it marks it read', async () => {
  const user = 'u-inbox-1';
  pages.set('/inbox.html', page('<canyu-inbox></canyu-inbox>', await t.userToken(tenant, user), 'canyu-inbox'));
  await withPage(async (p, errors) => {
    await p.goto(`${origin}/inbox.html`);
    await p.locator('canyu-inbox button.bell').waitFor();
    assert.equal(await p.locator('canyu-inbox .badge').isVisible(), false);
    const send = async (title: string) => {
      const r = await fetch(`${canyu}/v1/messaging/sends`, { method: 'POST', headers: { authorization: `Bearer ${tenant.secretKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ to: { user_id: user }, content: { 'zh-CN': { title, body: '<b>正文</b>' } }, category: 'interaction', channels: ['in_app', 'realtime'] }) });
      assert.equal(r.status, 201, await r.text());
    };
    // The realtime connection may still be opening: send until the live update arrives.
    await send('第一条消息');
    await p.locator('canyu-inbox .badge', { hasText: /^[12]$/ }).waitFor({ timeout: 15_000 }).catch(async () => {
      await send('第二条消息');
      await p.locator('canyu-inbox .badge', { hasText: /^[12]$/ }).waitFor();
    });
    const before = Number(await p.locator('canyu-inbox .badge').innerText());
    await send('又一条消息');
    await p.locator('canyu-inbox .badge', { hasText: String(before + 1) }).waitFor();
    await p.locator('canyu-inbox button.bell').click();
    const item = p.locator('canyu-inbox li.unread', { hasText: '又一条消息' });
    await item.waitFor();
    assert.match(await item.innerText(), /<b>正文<\/b>/);
    await item.click();
    await p.locator('canyu-inbox .badge', { hasText: String(before) }).waitFor();
    await p.locator('canyu-inbox button.read-all').click();
    await p.locator('canyu-inbox .badge').waitFor({ state: 'hidden' });
    assert.deepEqual(errors, []);
  });
});

test('<canyu-poll>: single choice by keyboard, results as bars after voting; texts stay text', async () => {
  const poll = await admin<{ id: string; options: { id: string }[] }>('POST', '/v1/polls', { question: `最喜欢哪个？${XSS}`, options: [{ text: XSS }, { text: '选项二' }, { text: '选项三' }] });
  // Someone else chose the first option already.
  await admin('POST', `/v1/polls/${poll.id}/votes`, { user_id: 'u-poll-0', option_ids: [poll.options[0]!.id] });
  pages.set('/poll.html', page(`<canyu-poll poll="${poll.id}"></canyu-poll>`, await t.userToken(tenant, 'u-poll-1'), 'canyu-poll'));
  await withPage(async (p, errors) => {
    await p.goto(`${origin}/poll.html`);
    await p.locator('canyu-poll legend', { hasText: 'window.__xss=2' }).waitFor();
    assert.equal(await p.locator('canyu-poll legend').innerText(), `最喜欢哪个？${XSS}`);
    assert.equal(await p.locator('canyu-poll label .text').first().innerText(), XSS);
    const submit = p.locator('canyu-poll button[type=submit]');
    assert.equal(await submit.isDisabled(), true, 'nothing chosen yet');
    // Keyboard only: focus the first radio, arrow to the second (selects it), tab to the button.
    await p.locator('canyu-poll input[type=radio]').first().focus();
    await p.keyboard.press('ArrowDown');
    await p.keyboard.press('Tab');
    await p.keyboard.press('Enter');
    await p.locator('canyu-poll .result.mine', { hasText: '选项二' }).waitFor();
    assert.equal(await p.locator('canyu-poll [role=progressbar]').first().getAttribute('aria-valuenow'), '50');
    assert.equal(await p.locator('canyu-poll .voters').innerText(), '2 人参与');
    const seen = await admin<{ my_vote: string[]; voters: number }>('GET', `/v1/polls/${poll.id}?user_id=u-poll-1`);
    assert.deepEqual(seen.my_vote, [poll.options[1]!.id]);
    assert.equal(seen.voters, 2);
    await assertInert(p, 'canyu-poll');
    assert.deepEqual(errors, []);
  });
});

test('<canyu-poll>: multiple choice up to max_choices; a closed poll and a second vote are refused in words', async () => {
  const multi = await admin<{ id: string; options: { id: string }[] }>('POST', '/v1/polls', { question: 'Pick two', kind: 'multiple', max_choices: 2, options: [{ text: 'A' }, { text: 'B' }, { text: 'C' }] });
  const closing = await admin<{ id: string; options: { id: string }[] }>('POST', '/v1/polls', { question: 'Closes soon', options: [{ text: 'Yes' }, { text: 'No' }] });
  const once = await admin<{ id: string; options: { id: string }[] }>('POST', '/v1/polls', { question: 'Once', options: [{ text: 'Tea' }, { text: 'Coffee' }] });
  const user = 'u-poll-2';
  pages.set('/poll-multi.html', page(`<div lang="en"><canyu-poll id="m" poll="${multi.id}"></canyu-poll><canyu-poll id="c" poll="${closing.id}"></canyu-poll><canyu-poll id="o" poll="${once.id}"></canyu-poll></div>`, await t.userToken(tenant, user), 'canyu-poll'));
  await withPage(async (p, errors) => {
    await p.goto(`${origin}/poll-multi.html`);
    const m = p.locator('#m');
    await m.locator('input[type=checkbox]').first().waitFor();
    await m.locator('label', { hasText: 'A' }).click();
    await m.locator('label', { hasText: 'C' }).click();
    assert.equal(await m.locator('input[value="' + multi.options[1]!.id + '"]').isDisabled(), true, 'a third choice is disabled');
    await m.locator('button[type=submit]').click();
    await m.locator('.result.mine').nth(1).waitFor();
    assert.deepEqual((await admin<{ my_vote: string[] }>('GET', `/v1/polls/${multi.id}?user_id=${user}`)).my_vote.sort(), [multi.options[0]!.id, multi.options[2]!.id].sort());

    // Closed after the page loaded: the vote is refused with a translated sentence, results shown.
    const c = p.locator('#c');
    await c.locator('input[type=radio]').first().waitFor();
    await admin('POST', `/v1/polls/${closing.id}/close`);
    await c.locator('label', { hasText: 'Yes' }).click();
    await c.locator('button[type=submit]').click();
    await c.locator('[role=alert]', { hasText: 'This poll is closed.' }).waitFor();
    await c.locator('legend', { hasText: 'Closed' }).waitFor();

    // Voted elsewhere (another tab) after the page loaded: a different choice is refused.
    const o = p.locator('#o');
    await o.locator('input[type=radio]').first().waitFor();
    await admin('POST', `/v1/polls/${once.id}/votes`, { user_id: user, option_ids: [once.options[0]!.id] });
    await o.locator('label', { hasText: 'Coffee' }).click();
    await o.locator('button[type=submit]').click();
    await o.locator('[role=alert]', { hasText: 'You have already voted.' }).waitFor();
    await o.locator('.result.mine', { hasText: 'Tea' }).waitFor();
    assert.deepEqual((await admin<{ my_vote: string[] }>('GET', `/v1/polls/${once.id}?user_id=${user}`)).my_vote, [once.options[0]!.id]);
    assert.deepEqual(errors, []);
  });
});

test('<canyu-triple>: favourite toggles; a long press on like does like + favourite + follow the author, confirmed by the server', async () => {
  await admin('PUT', '/v1/subjects/video/BV-tri', { title: `三连 ${XSS}`, author_id: 'u-tri-author' });
  await admin('PUT', '/v1/subjects/video/BV-tri/like', { user_id: 'u-tri-0' });
  const user = 'u-tri-1';
  pages.set('/triple.html', page('<canyu-triple kind="video" subject="BV-tri" hold-ms="400"></canyu-triple>', await t.userToken(tenant, user), 'canyu-triple'));
  const subject = () => admin<{ counts: { likes: number; favourites: number }; viewer: { liked: boolean; favourited: boolean } }>('GET', `/v1/subjects/video/BV-tri?user_id=${user}`);
  await withPage(async (p, errors) => {
    await p.goto(`${origin}/triple.html`);
    const like = p.locator('canyu-triple button.like');
    const fav = p.locator('canyu-triple button.favourite');
    const follow = p.locator('canyu-triple button.follow');
    await p.locator('canyu-triple .like .count', { hasText: '1' }).waitFor();
    assert.equal(await follow.innerText(), '关注作者');
    // Favourite on and off, each confirmed by the server.
    await fav.click();
    await p.locator('canyu-triple button.favourite[aria-pressed=true][aria-busy=false]').waitFor();
    assert.equal((await subject()).viewer.favourited, true);
    await fav.click();
    await p.locator('canyu-triple button.favourite[aria-pressed=false][aria-busy=false]').waitFor();
    assert.equal((await subject()).counts.favourites, 0);
    // Long press on like: the triple happens while the button is still held; releasing it does not unlike.
    await like.hover();
    await p.mouse.down();
    await p.locator('canyu-triple [role=status]', { hasText: '三连成功' }).waitFor();
    await p.mouse.up();
    await p.locator('canyu-triple button.follow[aria-pressed=true][aria-busy=false]').waitFor();
    assert.equal(await like.getAttribute('aria-pressed'), 'true');
    assert.equal(await fav.getAttribute('aria-pressed'), 'true');
    assert.equal(await p.locator('canyu-triple .like .count').innerText(), '2');
    assert.equal(await follow.innerText(), '已关注');
    const s = await subject();
    assert.deepEqual([s.viewer.liked, s.viewer.favourited, s.counts.likes, s.counts.favourites], [true, true, 2, 1]);
    assert.equal((await admin<{ following: boolean }>('GET', `/v1/users/${user}/relationships/u-tri-author`)).following, true);
    await p.reload();
    await p.locator('canyu-triple button.follow[aria-pressed=true]').waitFor();
    assert.equal(await p.locator('canyu-triple .like .count').innerText(), '2');
    assert.deepEqual(errors, []);
  });
});

test('<canyu-triple coins>: 投币 spends a coin point, a second one without coins is refused and rolled back; 三连 with coin in the set gives one', async () => {
  await admin('PUT', '/v1/points/types/tricoin', { name: '硬币' });
  await admin('PATCH', '/v1/interactions/settings', { coins: { point_type: 'tricoin', max_per_user: 2 }, triple: { by_kind: { image: ['like', 'coin', 'favourite'] } } });
  await admin('PUT', '/v1/subjects/image/IMG-coin', { title: 'coin me', author_id: 'u-coin-up' });
  for (const u of ['u-coin-a', 'u-coin-b']) await admin('POST', `/v1/users/${u}/points/earn`, { type: 'tricoin', amount: 1, idempotency_key: `tc-${u}` });
  const balance = async (u: string) => (await admin<{ balance: number }>('GET', `/v1/users/${u}/points/tricoin`)).balance;
  pages.set('/coin-a.html', page('<canyu-triple kind="image" subject="IMG-coin" coins="2"></canyu-triple>', await t.userToken(tenant, 'u-coin-a'), 'canyu-triple'));
  pages.set('/coin-b.html', page('<canyu-triple kind="image" subject="IMG-coin" coins="2"></canyu-triple>', await t.userToken(tenant, 'u-coin-b'), 'canyu-triple'));
  await withPage(async (p, errors) => {
    await p.goto(`${origin}/coin-a.html`);
    const coin = p.locator('canyu-triple button.coin');
    await p.locator('canyu-triple button.coin[aria-pressed=false]').waitFor();
    await coin.click();
    await p.locator('canyu-triple button.coin[aria-pressed=true][aria-busy=false]').waitFor();
    assert.equal(await coin.locator('.count').innerText(), '1');
    assert.equal(await balance('u-coin-a'), 0);
    assert.equal(await balance('u-coin-up'), 1);
    // No coin left: refused, said in words, the count goes back.
    await coin.click();
    await p.locator('canyu-triple [role=alert]', { hasText: '硬币不足' }).waitFor();
    await p.locator('canyu-triple button.coin[aria-busy=false]').waitFor();
    assert.equal(await coin.locator('.count').innerText(), '1');
    await p.goto(`${origin}/coin-b.html`);
    await p.locator('canyu-triple .coin .count', { hasText: '1' }).waitFor();
    await p.locator('canyu-triple button.triple').click();
    await p.locator('canyu-triple [role=status]', { hasText: '三连成功' }).waitFor();
    assert.equal(await p.locator('canyu-triple .coin .count').innerText(), '2');
    assert.equal(await p.locator('canyu-triple button.coin').getAttribute('aria-pressed'), 'true');
    assert.equal(await balance('u-coin-b'), 0);
    const s = await admin<{ counts: { coins: number; likes: number }; viewer: { coins: number } }>('GET', '/v1/subjects/image/IMG-coin?user_id=u-coin-b');
    assert.deepEqual([s.counts.coins, s.counts.likes, s.viewer.coins], [2, 1, 1]);
    assert.deepEqual(errors, []);
  });
});

test('<canyu-triple>: a refused triple (blocked user) is rolled back and said in words; keyboard reaches the 三连 button', async () => {
  await admin('PUT', '/v1/subjects/video/BV-tri2', { author_id: 'u-tri-author' });
  const user = 'u-tri-blocked';
  await admin('PUT', `/v1/moderation/blocks/${user}`, { reason: 'test' });
  pages.set('/triple-blocked.html', page('<canyu-triple kind="video" subject="BV-tri2"></canyu-triple>', await t.userToken(tenant, user), 'canyu-triple'));
  await withPage(async (p) => {
    await p.goto(`${origin}/triple-blocked.html`);
    await p.locator('canyu-triple .like .count', { hasText: '0' }).waitFor();
    await p.locator('canyu-triple button.triple').focus();
    await p.keyboard.press('Enter');
    await p.locator('canyu-triple [role=alert]', { hasText: '你暂时不能互动' }).waitFor();
    await p.locator('canyu-triple button.like[aria-busy=false]').waitFor();
    for (const b of ['like', 'favourite', 'follow']) assert.equal(await p.locator(`canyu-triple button.${b}`).getAttribute('aria-pressed'), 'false', b);
    assert.equal(await p.locator('canyu-triple .like .count').innerText(), '0');
    const s = await admin<{ counts: { likes: number; favourites: number } }>('GET', '/v1/subjects/video/BV-tri2');
    assert.deepEqual([s.counts.likes, s.counts.favourites], [0, 0]);
  });
});

test('<canyu-feedback-board>: sorted lists with status badges, vote and unvote, a new request; titles and bodies stay text', async () => {
  const board = await admin<{ id: string }>('POST', '/v1/feedback/boards', { name: 'Ideas' });
  const planned = await admin<{ id: string }>('POST', `/v1/feedback/boards/${board.id}/posts`, { user_id: 'u-fb-a', title: '夜间模式', body: '晚上看太亮了' });
  await admin('POST', `/v1/feedback/posts/${planned.id}/votes`, { user_id: 'u-fb-b' });
  await admin('POST', `/v1/feedback/posts/${planned.id}/status`, { status: 'planned', note: '下个版本' });
  const xss = await admin<{ id: string }>('POST', `/v1/feedback/boards/${board.id}/posts`, { user_id: 'u-fb-a', title: XSS, body: `正文 ${XSS}` });
  const user = 'u-fb-1';
  const post = (id: string) => admin<{ votes: number; my_vote: boolean }>('GET', `/v1/feedback/posts/${id}?user_id=${user}`);
  pages.set('/feedback.html', page(`<canyu-feedback-board board="${board.id}"></canyu-feedback-board>`, await t.userToken(tenant, user), 'canyu-feedback-board'));
  await withPage(async (p, errors) => {
    await p.goto(`${origin}/feedback.html`);
    const items = p.locator('canyu-feedback-board li[data-id]');
    await items.nth(1).waitFor();
    // Most voted first, with its status.
    assert.equal(await items.first().getAttribute('data-id'), planned.id);
    assert.equal(await items.first().locator('.badge').innerText(), '已计划');
    const x = p.locator(`canyu-feedback-board li[data-id="${xss.id}"]`);
    assert.equal(await x.locator('.title').innerText(), `${XSS}待处理`);
    assert.equal(await x.locator('.main > .text').innerText(), `正文 ${XSS}`);
    // Vote, confirmed by the server; then take it back.
    await x.locator('button.vote').click();
    await x.locator('button.vote[aria-pressed=true][aria-busy=false]').waitFor();
    assert.equal(await x.locator('.vote .count').innerText(), '2');
    const voted = await post(xss.id);
    assert.deepEqual([voted.votes, voted.my_vote], [2, true]);
    await x.locator('button.vote').press('Enter');
    await x.locator('button.vote[aria-pressed=false][aria-busy=false]').waitFor();
    assert.equal(await x.locator('.vote .count').innerText(), '1');
    assert.equal((await post(xss.id)).my_vote, false);
    // Newest first.
    await p.locator('canyu-feedback-board select[part=sort]').selectOption('new');
    await p.locator(`canyu-feedback-board li[data-id="${xss.id}"]:first-child`).waitFor();
    // A new request: shown at the top with the author's own vote, stored as the user's.
    await p.locator('canyu-feedback-board select[name=type]').selectOption('bug');
    await p.locator('canyu-feedback-board input[name=title]').fill(`新的请求 ${XSS}`);
    await p.locator('canyu-feedback-board textarea[name=body]').fill('步骤：<b>1</b>');
    await p.locator('canyu-feedback-board form button[type=submit]').click();
    await p.locator('canyu-feedback-board li:first-child .title', { hasText: '新的请求' }).waitFor();
    assert.equal(await p.locator('canyu-feedback-board li:first-child .vote').getAttribute('aria-pressed'), 'true');
    const listed = await admin<{ data: { title: string; author_id: string; type: string; votes: number }[] }>('GET', `/v1/feedback/boards/${board.id}/posts?sort=new`);
    assert.equal(listed.data[0]?.author_id, user);
    assert.equal(listed.data[0]?.type, 'bug');
    await assertInert(p, 'canyu-feedback-board');
    assert.deepEqual(errors, []);
  });
  // A visitor (no user token) reads the board; a vote asks them to sign in and changes nothing.
  pages.set('/feedback-anon.html', page(`<canyu-feedback-board board="${board.id}"></canyu-feedback-board>`, '', 'canyu-feedback-board'));
  await withPage(async (p) => {
    await p.goto(`${origin}/feedback-anon.html`);
    const x = p.locator(`canyu-feedback-board li[data-id="${xss.id}"]`);
    await x.waitFor();
    assert.equal(await x.locator('.title').innerText(), `${XSS}待处理`);
    await x.locator('button.vote').click();
    await p.locator('canyu-feedback-board [role=alert]').filter({ hasText: /\S/ }).waitFor();
    await x.locator('button.vote[aria-pressed=false][aria-busy=false]').waitFor();
    assert.equal((await admin<{ votes: number }>('GET', `/v1/feedback/posts/${xss.id}`)).votes, 1);
  });
});

test('<canyu-feedback-board>: a refused vote (the board turned private meanwhile) is rolled back and said in words', async () => {
  const board = await admin<{ id: string }>('POST', '/v1/feedback/boards', { name: 'Soon private' });
  const post = await admin<{ id: string }>('POST', `/v1/feedback/boards/${board.id}/posts`, { user_id: 'u-fb-a', title: 'Dark mode' });
  pages.set('/feedback-private.html', page(`<canyu-feedback-board board="${board.id}" lang="en"></canyu-feedback-board>`, await t.userToken(tenant, 'u-fb-2'), 'canyu-feedback-board'));
  await withPage(async (p) => {
    await p.goto(`${origin}/feedback-private.html`);
    const vote = p.locator(`canyu-feedback-board li[data-id="${post.id}"] button.vote`);
    await vote.waitFor();
    // Only operators (and each author) see a private board's posts: the vote is refused.
    await admin('PATCH', `/v1/feedback/boards/${board.id}`, { visibility: 'private' });
    await vote.click();
    await p.locator('canyu-feedback-board [role=alert]', { hasText: 'This request does not exist.' }).waitFor();
    await p.locator(`canyu-feedback-board li[data-id="${post.id}"] button.vote[aria-busy=false]`).waitFor();
    assert.equal(await vote.getAttribute('aria-pressed'), 'false');
    assert.equal(await vote.locator('.count').innerText(), '1');
    assert.equal((await admin<{ votes: number }>('GET', `/v1/feedback/posts/${post.id}`)).votes, 1);
  });
});

test('<canyu-leaderboard>: the top N of the week with the viewer\'s own best rank; periods switch; titles stay text', async () => {
  // A kind of its own, so the ranking holds only these.
  const seed: [string, string, number][] = [['lb-1', 'u-lb-other', 3], ['lb-2', 'u-lb-1', 2], ['lb-3', 'u-lb-1', 1]];
  for (const [id, author, likes] of seed) {
    await admin('PUT', `/v1/subjects/audio/${id}`, { title: id === 'lb-2' ? XSS : `片段 ${id}`, author_id: author });
    for (let i = 0; i < likes; i++) await admin('PUT', `/v1/subjects/audio/${id}/like`, { user_id: `u-lb-fan-${i}` });
  }
  // Rankings are refreshed after interactions, not in the same call: wait until they show all three.
  await waitFor('the audio ranking', async () => {
    const r = await admin<{ data: { id: string }[] }>('GET', '/v1/rankings?kind=audio&period=week');
    return r.data.map((s) => s.id).join() === 'lb-1,lb-2,lb-3' || null;
  });
  pages.set('/leaderboard.html', page('<canyu-leaderboard kind="audio" limit="2"></canyu-leaderboard>', await t.userToken(tenant, 'u-lb-1'), 'canyu-leaderboard'));
  pages.set('/leaderboard-en.html', page('<canyu-leaderboard kind="audio" lang="en"></canyu-leaderboard>', await t.userToken(tenant, 'u-lb-nobody'), 'canyu-leaderboard'));
  await withPage(async (p, errors) => {
    await p.goto(`${origin}/leaderboard.html`);
    const rows = p.locator('canyu-leaderboard li[data-id]');
    await rows.nth(1).waitFor();
    assert.deepEqual(await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-id'))), ['lb-1', 'lb-2']);
    assert.equal(await rows.nth(1).locator('.title').innerText(), XSS);
    assert.equal(await rows.nth(1).getAttribute('aria-current'), 'true');
    assert.equal(await rows.nth(0).getAttribute('aria-current'), null);
    assert.equal(await p.locator('canyu-leaderboard [role=status]').innerText(), '你的最佳排名：第 2 名');
    await p.locator('canyu-leaderboard .tabs button[data-period=all]').click();
    await p.locator('canyu-leaderboard .tabs button[data-period=all][aria-pressed=true]').waitFor();
    await rows.nth(1).waitFor();
    await assertInert(p, 'canyu-leaderboard');
    await p.goto(`${origin}/leaderboard-en.html`);
    await p.locator('canyu-leaderboard li[data-id]').nth(2).waitFor();
    assert.equal(await p.locator('canyu-leaderboard [role=status]').innerText(), 'You are not ranked yet');
    assert.equal(await p.locator('canyu-leaderboard .tabs button[aria-pressed=true]').innerText(), 'This week');
    assert.deepEqual(errors, []);
  });
});

test('<canyu-leaderboard points>: users ranked by points earned this week with the viewer\'s exact rank; user ids stay text', async () => {
  await admin('PUT', '/v1/points/types/lbcoin', { name: 'coin' });
  const seed: [string, number][] = [['u-pl-a', 50], [XSS, 40], ['u-pl-b', 40], ['u-pl-me', 10]];
  for (const [i, [u, n]] of seed.entries()) await admin('POST', `/v1/users/${encodeURIComponent(u)}/points/earn`, { type: 'lbcoin', amount: n, idempotency_key: `pl-${i}` });
  pages.set('/points-board.html', page('<canyu-leaderboard points="lbcoin" limit="3" timezone="Asia/Shanghai"></canyu-leaderboard>', await t.userToken(tenant, 'u-pl-me'), 'canyu-leaderboard'));
  await withPage(async (p, errors) => {
    await p.goto(`${origin}/points-board.html`);
    const rows = p.locator('canyu-leaderboard li[data-id]');
    await rows.nth(2).waitFor();
    assert.deepEqual(await rows.evaluateAll((els) => els.map((e) => [e.querySelector('.n')!.textContent, e.querySelector('.title')!.textContent, e.querySelector('.score')!.textContent])), [['1', 'u-pl-a', '50 分'], ['2', XSS, '40 分'], ['2', 'u-pl-b', '40 分']]);
    assert.equal(await p.locator('canyu-leaderboard [role=status]').innerText(), '你的排名：第 4 名 · 10 分');
    // Earning more moves the viewer up on the next load (the month tab reloads).
    await admin('POST', '/v1/users/u-pl-me/points/earn', { type: 'lbcoin', amount: 45, idempotency_key: 'pl-me-2' });
    await p.locator('canyu-leaderboard .tabs button[data-period=month]').click();
    await p.locator('canyu-leaderboard [role=status]', { hasText: '第 1 名' }).waitFor();
    assert.equal(await rows.nth(0).getAttribute('aria-current'), 'true');
    await assertInert(p, 'canyu-leaderboard');
    assert.deepEqual(errors, []);
  });
});

test('<canyu-lottery>: the wheel shows the published odds, a draw lands on the server\'s prize, the daily limit is said in words; names stay text', async () => {
  // The first prize is certain (the others weigh 0), so the outcome is known.
  const lottery = await admin<{ id: string }>('POST', '/v1/lotteries', {
    name: `转盘 ${XSS}`,
    daily_limit: 1,
    prizes: [{ name: XSS, kind: 'item', weight: 1 }, { name: '谢谢参与', kind: 'none', weight: 0 }, { name: '手环', kind: 'item', weight: 0, stock: 0 }],
  });
  const user = 'u-lot-1';
  pages.set('/lottery.html', page(`<canyu-lottery lottery="${lottery.id}" spin-ms="50"></canyu-lottery>`, await t.userToken(tenant, user), 'canyu-lottery'));
  await withPage(async (p, errors) => {
    await p.goto(`${origin}/lottery.html`);
    const rows = p.locator('canyu-lottery table tr[data-id]');
    await rows.nth(2).waitFor();
    assert.deepEqual(await Promise.all([0, 1, 2].map((i) => rows.nth(i).locator('td').allTextContents())), [[XSS, '100.00%'], ['谢谢参与', '0.00%'], ['手环', '已抽完']]);
    assert.equal(await p.locator('canyu-lottery svg text').first().textContent(), `${[...XSS].slice(0, 5).join('')}…`, 'a long name is cut on the wheel');
    assert.equal(await p.locator('canyu-lottery path').count(), 1, 'only prizes with odds get a sector');
    assert.equal(await p.locator('canyu-lottery .rules').innerText(), '免费抽奖 · 每天 1 次 · 今天还剩 1 次');
    await p.locator('canyu-lottery button.primary').focus();
    await p.keyboard.press('Enter');
    await p.locator('canyu-lottery [role=status]', { hasText: '恭喜获得' }).waitFor();
    assert.equal(await p.locator('canyu-lottery .rules').innerText(), '免费抽奖 · 每天 1 次 · 今天还剩 0 次');
    assert.equal(await p.locator('canyu-lottery [role=status]').innerText(), `恭喜获得：${XSS}`);
    const draws = await admin<{ data: { outcome: string; prize: { name: string } | null }[] }>('GET', `/v1/lotteries/${lottery.id}/draws?user_id=${user}`);
    assert.deepEqual(draws.data.map((d) => [d.outcome, d.prize?.name]), [['prize', XSS]]);
    // The wheel turned (whole turns plus the stop inside the prize's sector).
    assert.match((await p.locator('canyu-lottery svg').getAttribute('style')) ?? '', /rotate\(\d/);
    // A second draw today is refused, in words, and nothing is drawn.
    await p.locator('canyu-lottery button.primary:not([disabled])').click();
    await p.locator('canyu-lottery [role=alert]', { hasText: '今天的抽奖次数已用完' }).waitFor();
    assert.equal((await admin<{ data: unknown[] }>('GET', `/v1/lotteries/${lottery.id}/draws?user_id=${user}`)).data.length, 1);
    await assertInert(p, 'canyu-lottery');
    assert.deepEqual(errors, []);
  });
});

test('<canyu-survey>: shown when the server says so, follows the branching, sends the answers; the recontact wait keeps it away; texts stay text', async () => {
  await admin('PUT', '/v1/surveys/settings', { recontact_days: 30 });
  const survey = await admin<{ id: string }>('POST', '/v1/surveys', {
    name: `满意度调查 ${XSS}`,
    status: 'active',
    points: 5,
    questions: [
      { id: 'nps', type: 'nps', title: '你会把我们推荐给朋友吗？', branches: [{ when: { gte: 9 }, goto: 'pick' }] },
      { id: 'why', type: 'text', title: '哪里可以做得更好？', required: false },
      { id: 'pick', type: 'single', title: `最喜欢的功能 ${XSS}`, options: [{ id: 'a', text: XSS }, { id: 'b', text: '弹幕' }] },
    ],
  });
  const responses = () => admin<{ data: { user_id: string; status: string; answers: Record<string, unknown> }[] }>('GET', `/v1/surveys/${survey.id}/responses`);
  pages.set('/survey.html', page('<canyu-survey></canyu-survey>', await t.userToken(tenant, 'u-sv-1'), 'canyu-survey'));
  pages.set('/survey-2.html', page('<canyu-survey lang="en"></canyu-survey>', await t.userToken(tenant, 'u-sv-2'), 'canyu-survey'));
  await withPage(async (p, errors) => {
    await p.goto(`${origin}/survey.html`);
    const dialog = p.locator('canyu-survey [role=dialog]');
    await dialog.waitFor();
    assert.equal(await p.locator('canyu-survey .name').innerText(), `满意度调查 ${XSS}`);
    assert.equal(await p.locator('canyu-survey legend').innerText(), '你会把我们推荐给朋友吗？');
    // Keyboard: nothing chosen is refused in words; then 10 (a promoter) jumps over "why".
    await p.locator('canyu-survey button[type=submit]').press('Enter');
    await p.locator('canyu-survey [role=alert]', { hasText: '请先回答这道题' }).waitFor();
    await p.locator('canyu-survey input[value="10"]').check();
    assert.equal(await p.locator('canyu-survey button[type=submit]').innerText(), '下一题');
    await p.locator('canyu-survey button[type=submit]').press('Enter');
    await p.locator('canyu-survey legend', { hasText: '最喜欢的功能' }).waitFor();
    assert.equal(await p.locator('canyu-survey legend').innerText(), `最喜欢的功能 ${XSS}`);
    assert.equal(await p.locator('canyu-survey label').first().innerText(), XSS);
    await p.locator('canyu-survey label', { hasText: 'window.__xss' }).click();
    assert.equal(await p.locator('canyu-survey button[type=submit]').innerText(), '提交');
    await p.locator('canyu-survey button[type=submit]').click();
    await p.locator('canyu-survey [role=status]', { hasText: '感谢你的反馈' }).waitFor();
    await p.locator('canyu-survey[data-state=completed]').waitFor({ state: 'attached' });
    const r = (await responses()).data.find((x) => x.user_id === 'u-sv-1');
    assert.equal(r?.status, 'completed');
    assert.deepEqual(r?.answers, { nps: 10, pick: 'a' });
    await assertInert(p, 'canyu-survey');
    // Shown again later: the app's recontact wait says no, and nothing appears.
    await p.reload();
    await p.locator('canyu-survey[data-state=none][data-reason=recontact_wait]').waitFor({ state: 'attached' });
    assert.equal(await dialog.count(), 0);
    // Another user: a detractor is asked why; Escape dismisses the survey and nothing is sent.
    await p.goto(`${origin}/survey-2.html`);
    await dialog.waitFor();
    await p.locator('canyu-survey input[value="3"]').check();
    await p.locator('canyu-survey button[type=submit]').click();
    await p.locator('canyu-survey legend', { hasText: '哪里可以做得更好' }).waitFor();
    assert.equal(await p.locator('canyu-survey .step').innerText(), 'Question 2');
    await p.locator('canyu-survey textarea').press('Escape');
    await p.locator('canyu-survey[data-state=dismissed]').waitFor({ state: 'attached' });
    assert.equal(await dialog.count(), 0);
    assert.equal((await responses()).data.filter((x) => x.user_id === 'u-sv-2').length, 0);
    assert.deepEqual(errors, []);
  });
});

test('<canyu-danmaku>: messages from others fly in over realtime, one\'s own at once; the rate limit and the end of the live are said in words; texts stay text', async () => {
  const room = await admin<{ id: string }>('POST', '/v1/live/rooms', { title: '直播间', chat: { max: 2, window_seconds: 600 } });
  const user = 'u-dm-1';
  const history = () => admin<{ data: { user_id: string; text: string }[] }>('GET', `/v1/live/rooms/${room.id}/messages`);
  pages.set('/danmaku.html', page(`<canyu-danmaku room="${room.id}" style="display:block;width:640px"><div style="height:240px;background:#000"></div></canyu-danmaku>`, await t.userToken(tenant, user), 'canyu-danmaku'));
  await withPage(async (p, errors) => {
    await p.goto(`${origin}/danmaku.html`);
    await p.locator('canyu-danmaku[data-live=joined]').waitFor({ state: 'attached' });
    // Someone else speaks: it arrives over realtime and flies across, as text.
    await admin('POST', `/v1/live/rooms/${room.id}/messages`, { user_id: 'u-dm-0', text: XSS });
    const theirs = p.locator('canyu-danmaku .fly:not(.mine)');
    await theirs.waitFor();
    assert.equal(await theirs.textContent(), XSS);
    assert.equal(await p.locator('canyu-danmaku [role=log] li').last().textContent(), XSS);
    // One's own: typed, Enter, shown at once and marked.
    const input = p.locator('canyu-danmaku input[type=text]');
    await input.fill('前方高能 <b>!</b>');
    await input.press('Enter');
    await p.locator('canyu-danmaku .fly.mine', { hasText: '前方高能' }).waitFor();
    assert.equal(await p.locator('canyu-danmaku .fly.mine').textContent(), '前方高能 <b>!</b>');
    assert.equal(await input.inputValue(), '');
    assert.deepEqual((await history()).data.filter((m) => m.user_id === user).length, 1);
    // Two per ten minutes in this room: the third is refused in words.
    await input.fill('二');
    await input.press('Enter');
    await p.locator('canyu-danmaku .fly.mine', { hasText: '二' }).waitFor();
    await input.fill('三');
    await input.press('Enter');
    await p.locator('canyu-danmaku [role=alert]', { hasText: '发言太快了，请稍后再试' }).waitFor();
    assert.equal(await input.inputValue(), '三', 'the refused text stays for a retry');
    // The switch hides the overlay.
    const toggle = p.locator('canyu-danmaku button.toggle');
    await toggle.click();
    assert.equal(await toggle.getAttribute('aria-pressed'), 'false');
    assert.equal(await p.locator('canyu-danmaku .fly').count(), 0);
    // The live ends: the room says so and sending stops.
    await admin('POST', `/v1/live/rooms/${room.id}/close`);
    await p.locator('canyu-danmaku[data-live=closed]').waitFor({ state: 'attached' });
    assert.equal(await input.isDisabled(), true);
    await p.locator('canyu-danmaku [role=alert]', { hasText: '直播已结束' }).waitFor();
    await assertInert(p, 'canyu-danmaku');
    assert.deepEqual(errors, []);
  });
});
