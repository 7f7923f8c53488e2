// The campaigns (活动) section in a real browser: the list with kind, status and budget, filtered
// by kind and searched by name, a campaign's report; both languages without an untranslated key;
// an analyst sees no mutating button; XSS in a campaign name stays text.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { consoleHarness } from './harness.ts';

const XSS_NAME = `<img src=x onerror="window.__xss=1">双十一秒杀`;
const day = 86_400_000;

const h = consoleHarness(async (h) => {
  const starts_at = new Date(Date.now() + day).toISOString();
  const ends_at = new Date(Date.now() + 2 * day).toISOString();
  await h.api('POST', '/v1/campaigns', { kind: 'flash_sale', name: XSS_NAME, starts_at, ends_at, budget: 500000 });
  await h.api('POST', '/v1/campaigns', { kind: 'flash_sale', name: 'Spring sale 春季特卖', starts_at, ends_at });
});

test('campaigns: list with status and budget, search, filter, report', async (tc) => {
  await h.withPage(tc, async ({ page, dialogs, errors }) => {
    await h.signIn(page, h.owner);
    await h.open(page, '/campaigns', '[data-testid="campaign-name"]');
    const names = await page.getByTestId('campaign-name').allInnerTexts();
    assert.deepEqual(names, ['Spring sale 春季特卖', XSS_NAME], 'newest first, names as text');
    const row = page.locator('.ant-table-row', { hasText: '双十一' });
    const text = await row.innerText();
    assert.ok(text.includes('草稿') && text.includes('秒杀') && text.includes('5000.00'), text);

    await page.getByTestId('campaign-search').fill('春季');
    await page.getByTestId('campaign-search').press('Enter');
    // The server's search answers: wait for its one row (not only for the others to go).
    await page.locator('.ant-table-row', { hasText: '双十一' }).waitFor({ state: 'detached' });
    await page.getByTestId('campaign-name').getByText('Spring sale 春季特卖').waitFor();
    assert.equal(await page.getByTestId('campaign-name').count(), 1);
    await page.getByTestId('campaign-search').fill('');
    await page.getByTestId('campaign-search').press('Enter');
    await page.locator('.ant-table-row', { hasText: '双十一' }).waitFor();

    await h.choose(page, 'campaign-status', '进行中');
    await page.locator('.ant-table-row', { hasText: '双十一' }).waitFor({ state: 'detached' });
    await page.getByText('暂无活动').waitFor();

    await h.open(page, '/campaigns', '[data-testid="campaign-name"]');
    await page.locator('.ant-table-row', { hasText: '双十一' }).click();
    await page.getByTestId('campaign-report').waitFor();
    await page.locator('[data-testid="campaign-report"] .ant-statistic-content', { hasText: '0' }).first().waitFor();

    await h.assertInert(page, dialogs);
    assert.deepEqual(errors, []);
  });
});

test('campaigns: both languages have every string; an analyst sees no mutating button', async (tc) => {
  await h.withPage(tc, async ({ page }) => {
    await h.signIn(page, h.owner);
    for (const lang of ['zh-CN', 'en'] as const) {
      if (lang === 'en') await h.toEnglish(page);
      await h.open(page, '/campaigns', '[data-testid="campaign-name"]');
      await page.locator('.ant-table-row', { hasText: '双十一' }).click();
      await page.getByTestId('campaign-report').waitFor();
      assert.deepEqual(await h.untranslated(page), [], lang);
    }
  });
  await h.withPage(tc, async ({ page }) => {
    await h.signIn(page, h.analyst);
    await h.open(page, '/campaigns', '[data-testid="campaign-name"]');
    await page.locator('.ant-table-row', { hasText: '双十一' }).click();
    await page.getByTestId('campaign-report').waitFor();
    assert.equal(await page.locator('#root .ant-btn-dangerous').count(), 0);
  });
});
