// What every console browser test file needs: a real Canyu server on a free port with a tenant,
// an owner and an analyst, one chromium for the file, a fresh context per test (its screenshot
// saved when the test fails), sign-in, opening a page and waiting for it, and the untranslated
// keys (⟦key⟧) on a page. A file calls `consoleHarness(seed)` once at its top level; its own data
// goes in `seed` (on Node 20 a second top-level `before` would start before this one ended).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, type TestContext } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { ensureBuilt } from '../../../scripts/build.js';
import { startTestApp, type TestApp, type Tenant } from '../../server/src/testing/app.ts';
import type { Config } from '../../server/src/config.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export type Who = { email: string; password: string };
export type Session = { ctx: BrowserContext; page: Page; dialogs: string[]; errors: string[] };

export type Harness = {
  readonly t: TestApp;
  readonly tenant: Tenant;
  readonly base: string;
  readonly owner: Who;
  /** The owner's session token (ops_…), for API calls made as the owner. */
  readonly ownerToken: string;
  readonly analyst: Who;
  /** Calls the API with the tenant's secret key (or another bearer token); throws on a non-2xx. */
  api(method: string, url: string, body?: unknown, token?: string): Promise<Record<string, unknown>>;
  withPage(tc: TestContext, fn: (s: Session) => Promise<void>): Promise<void>;
  signIn(page: Page, who: Who): Promise<void>;
  /** Opens a console path and waits for `ready` and for its loading indicators to go. */
  open(page: Page, p: string, ready: string): Promise<void>;
  untranslated(page: Page): Promise<string[]>;
  /** Switches the console's language to English from the header (the page must show the shell). */
  toEnglish(page: Page): Promise<void>;
  /**
   * Picks `option` in the Ant Design select with this test id, again if the click landed while the
   * dropdown was still opening (a loaded machine): until `chosen` holds, by default until the select shows it.
   */
  choose(page: Page, testId: string, option: string, chosen?: () => Promise<unknown>): Promise<void>;
  /** Confirms the open Popconfirm, again if the click landed while it was still opening, until it is gone. */
  confirm(page: Page): Promise<void>;
  /** Neither an XSS payload ran nor became markup, and no dialog opened. */
  assertInert(page: Page, dialogs: string[]): Promise<void>;
};

/**
 * Closes the open drawer with its close button. The click goes to the button itself: a toast
 * (ant-message) shown at the top of the page may lie over the button, and a pointer click would
 * land on the toast instead.
 */
export async function closeDrawer(page: Page): Promise<void> {
  await page.locator('.ant-drawer-open .ant-drawer-close').dispatchEvent('click');
  await page.locator('.ant-drawer-open').waitFor({ state: 'detached' });
}

/** XSS payloads the console tests seed through user-writable fields. */
export const XSS = {
  trait: `<img src=x onerror="window.__xss=1;alert('xss')">`,
  script: `<script>window.__xss=2</script>`,
  name: `<svg onload="window.__xss=3">Eve`,
};

/**
 * The common seed of the console's page tests: an operator whose name is an XSS payload (added
 * through the API as the owner would), a points type, and `userId` with XSS traits and 100 coins.
 */
export async function seedUserAndOperator(h: Harness, userId: string): Promise<void> {
  await h.api('POST', `/v1/apps/${h.tenant.appId}/members`, { email: 'eve@example.com', role: 'operator', name: XSS.name, password: 'correct horse battery' }, h.ownerToken);
  await h.api('PUT', '/v1/points/types/coins', { name: 'Coins' });
  await h.api('POST', `/v1/users/${userId}`, { traits: { name: XSS.trait, bio: XSS.script, plan: 'gold' }, timezone: 'Asia/Shanghai' });
  await h.api('POST', `/v1/users/${userId}/points/adjust`, { type: 'coins', amount: 100, reason: 'welcome', idempotency_key: 'seed-1' });
}

/** A Canyu server, a chromium and an app with an owner and an analyst for one test file; `config` changes the server's (e.g. to let webhooks reach 127.0.0.1). */
export function consoleHarness(seed?: (h: Harness) => Promise<void>, opts: { config?: Partial<Config> } = {}): Harness {
  let t: TestApp;
  let tenant: Tenant;
  let base = '';
  let browser: Browser;
  let owner: Who;
  let ownerToken = '';
  let analyst: Who;
  const shots = fs.mkdtempSync(path.join(os.tmpdir(), 'canyu-console-shots-'));

  before(async () => {
    if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium fonts-noto-cjk (.ci/run does), or set CHROMIUM_PATH`);
    await ensureBuilt(() => {});
    t = await startTestApp(opts.config ? { config: opts.config } : {});
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const addr = t.app.server.address();
    base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    tenant = await t.newTenant('Console test app');
    const o = await t.newOperator(tenant.appId, 'owner');
    owner = { email: o.email, password: o.password };
    ownerToken = o.token;
    const a = await t.newOperator(tenant.appId, 'analyst');
    analyst = { email: a.email, password: a.password };
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
    await seed?.(h);
  });

  after(async () => {
    await browser?.close();
    await t?.close();
    if (fs.existsSync(shots) && fs.readdirSync(shots).length === 0) fs.rmSync(shots, { recursive: true, force: true });
  });

  const h: Harness = {
    get t() {
      return t;
    },
    get tenant() {
      return tenant;
    },
    get base() {
      return base;
    },
    get owner() {
      return owner;
    },
    get ownerToken() {
      return ownerToken;
    },
    get analyst() {
      return analyst;
    },
    async api(method, url, body, token = tenant.secretKey) {
      const r = await fetch(`${base}${url}`, { method, headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body) });
      const json = r.status === 204 ? null : await r.json();
      if (!r.ok) throw new Error(`${method} ${url}: ${r.status} ${JSON.stringify(json)}`);
      return json as Record<string, unknown>;
    },
    async withPage(tc, fn) {
      const ctx = await browser.newContext({ locale: 'zh-CN' });
      ctx.setDefaultTimeout(10_000);
      const page = await ctx.newPage();
      const dialogs: string[] = [];
      const errors: string[] = [];
      page.on('dialog', (d) => {
        dialogs.push(d.message());
        void d.dismiss();
      });
      page.on('pageerror', (e) => errors.push(e.message));
      try {
        await fn({ ctx, page, dialogs, errors });
      } catch (err) {
        const file = path.join(shots, `${tc.name.replace(/[^\w-]+/g, '_')}.png`);
        await page.screenshot({ path: file, fullPage: true }).catch(() => {});
        tc.diagnostic(`screenshot: ${file}`);
        console.error(`[console browser test] "${tc.name}" failed; screenshot: ${file}`);
        throw err;
      } finally {
        await ctx.close();
      }
    },
    async signIn(page, who) {
      await page.goto(`${base}/console/`);
      await page.getByTestId('email').waitFor();
      await page.getByTestId('email').fill(who.email);
      await page.getByTestId('password').fill(who.password);
      await page.getByTestId('sign-in').click();
      await page.getByTestId('operator-name').waitFor();
    },
    async open(page, p, ready) {
      await page.goto(`${base}/console${p}`);
      await page.locator(ready).first().waitFor();
      await page.locator('.ant-spin-spinning, .ant-skeleton-active').first().waitFor({ state: 'detached' }).catch(() => {});
    },
    async toEnglish(page) {
      await h.choose(page, 'language', 'English', () => page.getByRole('button', { name: 'Sign out' }).waitFor({ timeout: 3000 }));
    },
    async confirm(page) {
      for (let attempt = 1; ; attempt++) {
        await page.locator('.ant-popconfirm .ant-btn-primary:visible').first().click();
        try {
          await page.locator('.ant-popconfirm:visible').waitFor({ state: 'detached', timeout: 3000 });
          return;
        } catch (err) {
          if (attempt >= 3) throw err;
        }
      }
    },
    async choose(page, testId, option, chosen) {
      const select = page.getByTestId(testId);
      const done = chosen ?? (() => select.locator('.ant-select-selection-item', { hasText: option }).waitFor({ timeout: 3000 }));
      for (let attempt = 1; ; attempt++) {
        try {
          // This select's own dropdown (its input names the list it controls while open): another
          // select's dropdown may still be fading out from the choice before.
          if (!(await select.evaluate((el) => el.matches('.ant-select-open') || !!el.querySelector('.ant-select-open')))) await select.click();
          const input = select.locator('input[aria-controls]').first();
          await input.waitFor({ state: 'attached', timeout: 3000 });
          const list = await input.getAttribute('aria-controls');
          await page.locator(`.ant-select-dropdown:has([id="${list}"]) .ant-select-item-option`, { hasText: option }).first().click({ timeout: 3000 });
          await done();
          return;
        } catch (err) {
          if (attempt >= 3) throw err;
        }
      }
    },
    async assertInert(page, dialogs) {
      assert.equal(await page.evaluate('window.__xss'), undefined, 'a payload ran');
      assert.equal(await page.locator('#root img[src="x"], #root svg[onload], #root script').count(), 0, 'a payload became markup');
      assert.deepEqual(dialogs, []);
    },
    async untranslated(page) {
      const text = await page.locator('body').innerText();
      return [...text.matchAll(/⟦[^⟧]*⟧/g)].map((m) => m[0]);
    },
  };
  return h;
}
