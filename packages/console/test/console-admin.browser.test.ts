// The operator console in a real browser, the shell's other checks (console.browser.test.ts has
// sign-in, sessions, every page in both languages and XSS): adjusting points in the UI changes the
// balance and the ledger; allowed origins saved on the API keys page answer CORS; an analyst sees
// no mutating button. A file of its own keeps each file well inside the runner's per-file limit.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { consoleHarness, seedUserAndOperator } from './harness.ts';

const userId = 'u-console-1';

const h = consoleHarness((h) => seedUserAndOperator(h, userId));
const { api, withPage, signIn, open } = h;

test('adjusting points in the UI changes the balance and the ledger', async (tc) => {
  await withPage(tc, async ({ page }) => {
    await signIn(page, h.owner);
    await open(page, `/users/${userId}`, '[data-testid="balance-coins"]');
    const before = Number((await page.getByTestId('balance-coins').innerText()).replace(/\D/g, ''));
    await page.getByTestId('adjust-points').click();
    await page.getByTestId('adjust-amount').fill('25');
    await page.getByTestId('adjust-reason').fill('客服补偿 compensation');
    await page.getByTestId('adjust-submit').click();
    // A function, not a string: the console's Content-Security-Policy forbids eval in the page.
    await page.waitForFunction(
      (want) => (globalThis as unknown as { document: { querySelector(s: string): { textContent: string | null } | null } }).document.querySelector('[data-testid="balance-coins"]')?.textContent?.replace(/\D/g, '') === want,
      String(before + 25),
    );
    await page.locator('[data-testid="ledger"] tr', { hasText: '客服补偿 compensation' }).waitFor();
    assert.equal(await page.locator('[data-testid="ledger"] tr', { hasText: '客服补偿 compensation' }).getByTestId('ledger-amount').innerText(), '+25');
    const server = await api('GET', `/v1/users/${userId}/points/coins`);
    assert.equal(server.balance, before + 25);
  });
});

test('allowed origins saved on the API keys page answer CORS; a bad origin is refused in words', async (tc) => {
  await withPage(tc, async ({ page }) => {
    await signIn(page, h.owner);
    await open(page, '/keys', '[data-testid="origins"]');
    const preflight = () => fetch(`${h.base}/v1/events`, { method: 'OPTIONS', headers: { origin: 'https://shop.example.com', 'access-control-request-method': 'POST' } });
    assert.equal((await preflight()).headers.get('access-control-allow-origin'), null);
    await page.getByTestId('origins').fill('https://shop.example.com\nhttps://*.example.cn');
    await page.getByTestId('origins-save').click();
    await page.locator('.ant-message-success').waitFor();
    assert.equal((await preflight()).headers.get('access-control-allow-origin'), 'https://shop.example.com');
    const app = await api('GET', `/v1/apps/${h.tenant.appId}`, undefined, h.ownerToken);
    assert.deepEqual(app.allowed_origins, ['https://shop.example.com', 'https://*.example.cn']);
    await page.getByTestId('origins').fill('https://shop.example.com/path');
    await page.getByTestId('origins-save').click();
    await page.locator('.ant-message-error').waitFor();
    assert.deepEqual((await api('GET', `/v1/apps/${h.tenant.appId}`, undefined, h.ownerToken)).allowed_origins, ['https://shop.example.com', 'https://*.example.cn']);
  });
});

test('an analyst sees no mutating button', async (tc) => {
  await withPage(tc, async ({ page }) => {
    await signIn(page, h.analyst);
    // Sections the role may not read are not in the menu.
    await page.getByTestId('nav-users').waitFor();
    assert.equal(await page.getByTestId('nav-keys').count(), 0);
    assert.equal(await page.getByTestId('nav-audit').count(), 0);
    const mutating = ['key-create', 'operator-add', 'adjust-points', 'block-user', 'segment-save'];
    for (const [p, ready] of [
      ['/dashboard', '[data-testid="kpi-dau"]'],
      ['/users', '[data-testid="user-search"]'],
      [`/users/${userId}`, '[data-testid="ledger"]'],
      ['/operators', '[data-testid="member-name"]'],
      ['/analytics', '[data-testid="retention-table"]'],
      ['/segments', '.ant-table'],
    ] as const) {
      await open(page, p, ready);
      for (const id of mutating) assert.equal(await page.getByTestId(id).count(), 0, `${id} on ${p}`);
      assert.equal(await page.locator('#root .ant-btn-dangerous').count(), 0, `a danger button on ${p}`);
    }
  });
});

