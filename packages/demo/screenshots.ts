// The demo's pictures in the README: `node --import tsx packages/demo/screenshots.ts` starts the
// demo (a throw-away Canyu, seeded), plays a little on the playbook pages as the visitor would
// (a team opened and joined, a bargain cut, a coupon claimed, a red packet opened), and photographs
// them with the Debian chromium in zh-CN into docs/screenshots/demo-*.png.
import path from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { startDemo } from './src/demo.ts';

const out = path.resolve(import.meta.dirname, '..', '..', 'docs', 'screenshots');
const demo = await startDemo({ port: 0, users: 120, days: 7, onProgress: (step) => process.stderr.write(`\r${step.padEnd(60)}`) });
process.stderr.write('\n');
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-dev-shm-usage'] });
try {
  const open = async (page: string, user: string): Promise<Page> => {
    const ctx = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
    ctx.setDefaultTimeout(30_000);
    const p = await ctx.newPage();
    await p.goto(`${demo.url}/${page}?user=${user}&lang=zh-CN`);
    await p.locator('body[data-ready=true]').waitFor({ state: 'attached' });
    return p;
  };
  const shot = async (p: Page, name: string) => {
    await p.evaluate(() => (globalThis as unknown as { document: { fonts: { ready: Promise<unknown> } } }).document.fonts.ready.then(() => true));
    await p.screenshot({ path: path.join(out, `demo-${name}.png`), fullPage: false });
    process.stderr.write(`docs/screenshots/demo-${name}.png\n`);
  };

  // Shop: 小明 opens a team that 阿花 joins and pays, starts a bargain that 阿花 cuts, claims a coupon.
  const shop = await open('shop.html', 'u001');
  await shop.locator('body[data-shop=ready]').waitFor({ state: 'attached' });
  await shop.locator('#gb-open').click();
  const link = await shop.locator('#my-teams [data-role=share]').first().innerText();
  const friend = await open(`shop.html?join=${new URL(link).searchParams.get('join')}`, 'u002');
  await friend.locator('#my-teams [data-role=pay]').first().click();
  await shop.locator('#bg-start').click();
  const bargain = (await shop.locator('#my-bargain [data-bargain]').getAttribute('data-bargain'))!;
  await friend.goto(`${demo.url}/shop.html?user=u002&bargain=${bargain}`);
  await friend.locator(`#friend-bargains [data-bargain="${bargain}"] [data-role=cut]`).click();
  await shop.locator('#my-bargain ul li').first().waitFor();
  await shop.locator('#coupons [data-role=claim]').first().click();
  await shop.locator('#my-coupons [data-coupon]').first().waitFor();
  await shop.locator('#red-packet').click();
  await shop.locator('#red-packet-result[data-amount]').waitFor();
  await shop.locator('#my-teams .seat.paid').nth(0).waitFor();
  await shot(shop, 'shop');

  const ugc = await open('ugc.html', 'u003');
  await ugc.locator('body[data-ugc=ready]').waitFor({ state: 'attached' });
  await ugc.locator('#winners li[data-entry]').first().waitFor();
  await shot(ugc, 'ugc');

  const creations = await open('creations.html', 'u004');
  await creations.locator('body[data-creations=ready]').waitFor({ state: 'attached' });
  await creations.locator('#creations canyu-like button').first().waitFor();
  await shot(creations, 'creations');

  const core = await open('core.html', 'u005');
  await core.locator('body[data-core=ready]').waitFor({ state: 'attached' });
  await core.locator('canyu-feedback-board li[data-id]').first().waitFor();
  await shot(core, 'core');
} finally {
  await browser.close();
  await demo.stop();
}
