// What the demo's browser tests share: startDemo() (Canyu as its own process on a temp embedded
// PostgreSQL, configured and seeded through the API, the host serving its pages) once per test
// file, a real chromium (playwright-core driving the Debian package), pages opened as visitors in
// browser contexts of their own, and calls as the host's backend (secret key) would make them.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startDemo, type Demo } from './src/demo.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export type DemoHarness = {
  readonly demo: Demo;
  /** A page in its own browser context (another visitor), open until close(). */
  openPage(url: string): Promise<{ p: Page; errors: string[]; close: () => Promise<void> }>;
  /** A page for the length of `fn`. */
  withPage(url: string, fn: (p: Page, errors: string[]) => Promise<void>): Promise<void>;
  /** A call as the host's backend (secret key) or an operator would make it; asserts a 2xx. */
  api<T>(method: string, path: string, body?: unknown): Promise<T>;
  /** A GET as the host's backend; asserts a 200. */
  canyu<T>(path: string): Promise<T>;
};

export function demoHarness(): DemoHarness {
  let demo: Demo | undefined;
  let browser: Browser | undefined;
  before(async () => {
    if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium fonts-noto-cjk, or set CHROMIUM_PATH`);
    // A small seed keeps the tests short; the pages do not depend on the numbers.
    demo = await startDemo({ port: 0, users: 20, days: 2 });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  });
  after(async () => {
    await browser?.close();
    await demo?.stop();
  });
  const started = () => {
    if (!demo || !browser) throw new Error('the demo has not started');
    return { demo, browser };
  };
  async function openPage(url: string) {
    const ctx = await started().browser.newContext({ locale: 'zh-CN' });
    ctx.setDefaultTimeout(15_000);
    const p = await ctx.newPage();
    const errors: string[] = [];
    p.on('pageerror', (e) => errors.push(e.message));
    await p.goto(url);
    await p.locator('body[data-ready=true]').waitFor({ state: 'attached' });
    return { p, errors, close: () => ctx.close() };
  }
  return {
    get demo() {
      return started().demo;
    },
    openPage,
    async withPage(url, fn) {
      const { p, errors, close } = await openPage(url);
      try {
        await fn(p, errors);
      } finally {
        await close();
      }
    },
    async api<T>(method: string, path: string, body?: unknown): Promise<T> {
      const d = started().demo;
      const r = await fetch(`${d.canyuUrl}${path}`, { method, headers: { authorization: `Bearer ${d.secretKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
      const text = await r.text();
      assert.ok(r.status < 300, `${method} ${path}: ${r.status} ${text}`);
      return JSON.parse(text) as T;
    },
    async canyu<T>(path: string): Promise<T> {
      const d = started().demo;
      const r = await fetch(`${d.canyuUrl}${path}`, { headers: { authorization: `Bearer ${d.secretKey}` } });
      const text = await r.text();
      assert.equal(r.status, 200, `${path}: ${text}`);
      return JSON.parse(text) as T;
    },
  };
}
