// The operator console in a real browser (playwright-core driving the Debian chromium package)
// against a real Canyu server listening on a free port, on a test database: sign-in, sign-out
// and an expired session; every page in both languages with no untranslated key; XSS payloads in
// a user's traits and an operator's name stay text (console-admin.browser.test.ts: points, allowed
// origins, the analyst). Screenshots of a failing test go to a
// temporary folder (printed). One browser for the file, a fresh context per test.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { consoleHarness, seedUserAndOperator, XSS } from './harness.ts';

const { trait: XSS_TRAIT, script: XSS_SCRIPT, name: XSS_NAME } = XSS;
const userId = 'u-console-1';

const h = consoleHarness((h) => seedUserAndOperator(h, userId));
const { api, withPage, signIn, open, untranslated } = h;

test('sign in, see the dashboard, sign out revokes the session', async (tc) => {
  await withPage(tc, async ({ page, errors }) => {
    // Unknown console paths are the app shell (client-side routes), assets are cached for good.
    const shell = await fetch(`${h.base}/console/users/deep/link`);
    assert.equal(shell.status, 200);
    assert.equal(shell.headers.get('cache-control'), 'no-cache');
    const asset = (await shell.text()).match(/\/console\/(assets\/[^"]+\.js)/)![1]!;
    assert.match((await fetch(`${h.base}/console/${asset}`)).headers.get('cache-control') ?? '', /immutable/);
    assert.equal((await fetch(`${h.base}/console/assets/nope.js`)).status, 404);

    await signIn(page, h.owner);
    await page.getByTestId('kpi-dau').waitFor();
    assert.equal(await page.getByRole('heading', { name: '概览' }).count(), 1);
    const token = (await page.evaluate(`localStorage.getItem('canyu.console.token')`)) as string | null;
    assert.ok(token?.startsWith('ops_'), 'the session token is kept in the page');
    await page.getByTestId('sign-out').click();
    await page.getByTestId('sign-in').waitFor();
    const r = await fetch(`${h.base}/v1/auth/me`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(r.status, 401, 'sign-out revoked the session on the server');
    assert.deepEqual(errors, []);
  });
});

test('an expired or revoked session returns to sign-in', async (tc) => {
  await withPage(tc, async ({ page }) => {
    await signIn(page, h.owner);
    const token = (await page.evaluate(`localStorage.getItem('canyu.console.token')`)) as string | null;
    await api('POST', '/v1/auth/logout', undefined, token!);
    // Any request the page makes now is refused. A background refetch of the dashboard may
    // already have sent the page to sign-in (the sidebar is then gone, which is what CI once
    // saw); otherwise opening another section makes the refused request.
    const expired = page.getByTestId('session-expired');
    if (!(await expired.isVisible())) await page.getByTestId('nav-users').click({ timeout: 3000 }).catch(() => {});
    await expired.waitFor();
    assert.equal(await page.evaluate(`localStorage.getItem('canyu.console.token')`), null, 'the refused token is forgotten');
  });
});

test('every page in both languages has no untranslated key; the language is remembered', async (tc) => {
  await withPage(tc, async ({ page, errors }) => {
    await signIn(page, h.owner);
    const pages: [string, string][] = [
      ['/dashboard', '[data-testid="kpi-dau"]'],
      ['/users', '[data-testid="user-search"]'],
      [`/users/${userId}`, '[data-testid="ledger"]'],
      ['/keys', '[data-testid="key-create"]'],
      ['/operators', '[data-testid="member-name"]'],
      ['/audit', '.ant-table-row'],
      ['/analytics', '[data-testid="engagement-table"]'],
      ['/segments', '[data-testid="segment-new-name"]'],
      ['/experiments', '[data-testid="experiments-table"]'],
      ['/planned/campaigns', '.ant-result'],
    ];
    for (const lang of ['zh-CN', 'en'] as const) {
      if (lang === 'en') await h.toEnglish(page);
      for (const [p, ready] of pages) {
        await open(page, p, ready);
        assert.deepEqual(await untranslated(page), [], `${lang} ${p}`);
      }
      // The audit log's before/after diff.
      await open(page, '/audit', '.ant-table-row');
      await page.locator('.ant-table-row-expand-icon').first().click();
      await page.locator('.ant-table-expanded-row').first().waitFor();
      assert.deepEqual(await untranslated(page), [], `${lang} audit diff`);
    }
    await page.reload();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    assert.equal(await page.evaluate('document.documentElement.lang'), 'en');
    assert.deepEqual(errors, []);
  });
});

test('XSS payloads in traits and an operator name are shown as text and never run', async (tc) => {
  await withPage(tc, async ({ page, dialogs }) => {
    await signIn(page, h.owner);
    await open(page, '/users', '[data-testid="user-traits-summary"]');
    assert.equal(await page.getByTestId('user-traits-summary').first().innerText(), XSS_TRAIT);
    await open(page, `/users/${userId}`, '[data-testid="trait-value"]');
    const values = await page.getByTestId('trait-value').allInnerTexts();
    assert.ok(values.includes(XSS_TRAIT) && values.includes(XSS_SCRIPT), `traits shown as text: ${JSON.stringify(values)}`);
    await open(page, '/operators', '[data-testid="member-name"]');
    assert.ok((await page.getByTestId('member-name').allInnerTexts()).includes(XSS_NAME));
    await open(page, '/audit', '.ant-table-row');
    for (const icon of await page.locator('.ant-table-row-expand-icon').all()) await icon.click();
    await h.assertInert(page, dialogs);
  });
});
