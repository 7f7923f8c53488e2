// The interactions (互动) moderation section in a real browser: reported comments in the queue with
// their reasons, the auto-hidden ones apart, a bulk approval and a single delete; report notes;
// blocking and unblocking a user from the form; the sensitive-word list switched to "refuse",
// after which the API refuses a comment with the word. XSS in comments and report notes stays
// text; a moderator cannot change the word list; an analyst sees no moderation tab.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { consoleHarness, XSS } from './harness.ts';

const BAD = `${XSS.script}买粉丝加微信 spam`;
const RUDE = `${XSS.trait}你这个笨蛋`;
const NOTE = `${XSS.name} 广告`;
let badId = '';
let rudeId = '';

const h = consoleHarness(async (h) => {
  await h.api('PATCH', '/v1/interactions/settings', { moderation: { auto_hide_reports: 2 } });
  const comment = async (user: string, body: string) => ((await h.api('POST', '/v1/subjects/video/v-1/comments', { user_id: user, body })) as { id: string }).id;
  badId = await comment('spammer', BAD);
  rudeId = await comment('rude', RUDE);
  await comment('nice', '好看 nice');
  for (const [id, who, reason] of [[badId, 'r1', 'spam'], [badId, 'r2', 'spam'], [rudeId, 'r3', 'abuse']] as const) {
    await h.api('POST', `/v1/comments/${id}/reports`, { user_id: who, reason, note: NOTE });
  }
});

test('moderation: the queue with reasons, bulk approval, a delete, reports, blocks and the word list', async (tc) => {
  await h.withPage(tc, async ({ page, dialogs, errors }) => {
    await h.signIn(page, h.owner);
    await h.open(page, '/interactions', '[data-testid="moderation-comment"]');
    const texts = await page.getByTestId('moderation-comment').allInnerTexts();
    assert.deepEqual(texts, [BAD, RUDE], 'most reported first, text as the user wrote it');
    await page.locator('.ant-table-row', { hasText: '笨蛋' }).getByTestId('moderation-reasons').getByText('辱骂 ×1').waitFor();

    // Two reports hid the spam: it is alone under "auto-hidden".
    await page.getByTestId('moderation-status').getByText('已自动隐藏').click();
    await page.locator('.ant-table-row', { hasText: '笨蛋' }).waitFor({ state: 'detached' });
    await page.getByTestId('moderation-status').getByText('全部').click();
    await page.locator('.ant-table-row', { hasText: '笨蛋' }).waitFor();

    // Delete the spam, approve the other in bulk.
    await page.locator('.ant-table-row', { hasText: 'spam' }).getByTestId('moderation-delete').click();
    await page.locator('.ant-table-row', { hasText: 'spam' }).waitFor({ state: 'detached' });
    await page.locator('.ant-table-row', { hasText: '笨蛋' }).locator('.ant-checkbox-input').check();
    await page.getByTestId('moderation-bulk-approve').click();
    await page.locator('.ant-table-row', { hasText: '笨蛋' }).waitFor({ state: 'detached' });
    const reports = (await h.api('GET', '/v1/moderation/reports')) as { data: { comment_id: string; resolution: string | null }[] };
    assert.deepEqual(reports.data.map((r) => [r.comment_id, r.resolution]).sort(), [[badId, 'delete'], [badId, 'delete'], [rudeId, 'approve']].sort());

    await page.getByTestId('tab-reports').click();
    await page.getByTestId('moderation-report-note').first().waitFor();
    assert.deepEqual(await page.getByTestId('moderation-report-note').allInnerTexts(), [NOTE, NOTE, NOTE]);
    await h.choose(page, 'reports-open', '待处理');
    await page.getByTestId('moderation-report-note').first().waitFor({ state: 'detached' });

    await page.getByTestId('tab-blocks').click();
    await page.getByTestId('block-user').fill('spammer');
    await page.getByTestId('block-reason').fill('广告 ads');
    await page.getByTestId('block-save').click();
    await page.getByTestId('blocked-user').getByText('spammer').waitFor();
    const blocked = await fetch(`${h.base}/v1/subjects/video/v-1/comments`, { method: 'POST', headers: { authorization: `Bearer ${h.tenant.secretKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ user_id: 'spammer', body: 'again' }) });
    assert.equal(blocked.status, 403);
    await page.getByTestId('unblock').click();
    await h.confirm(page);
    await page.getByTestId('blocked-user').waitFor({ state: 'detached' });

    await page.getByTestId('tab-words').click();
    await page.getByTestId('words').fill('笨蛋\n买粉丝');
    await page.getByTestId('words-mode').getByText('拒绝发布').click();
    await page.getByTestId('words-save').click();
    await page.locator('.ant-message-success', { hasText: '已保存' }).waitFor();
    const refused = await fetch(`${h.base}/v1/subjects/video/v-1/comments`, { method: 'POST', headers: { authorization: `Bearer ${h.tenant.secretKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ user_id: 'nice', body: '你真是个 笨 蛋' }) });
    assert.equal(refused.status, 400);
    assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'interactions.sensitive_content');

    assert.deepEqual(await h.untranslated(page), []);
    await h.assertInert(page, dialogs);
    await h.toEnglish(page);
    await page.getByTestId('tab-queue').getByText('Moderation queue').waitFor();
    assert.deepEqual(await h.untranslated(page), []);
    assert.deepEqual(errors, []);
  });
});

test('an analyst has no moderation tabs (only the content ones)', async (tc) => {
  await h.withPage(tc, async ({ page }) => {
    await h.signIn(page, h.analyst);
    await h.open(page, '/interactions', '[data-testid="tab-subjects"]');
    assert.equal(await page.getByTestId('tab-queue').count(), 0);
    assert.equal(await page.getByTestId('tab-words').count(), 0);
  });
});

test('a moderator works the queue but cannot change the word list', async (tc) => {
  const m = await h.t.newOperator(h.tenant.appId, 'moderator');
  await h.withPage(tc, async ({ page }) => {
    await h.signIn(page, { email: m.email, password: m.password });
    await h.open(page, '/interactions', '[data-testid="moderation-queue"]');
    await page.getByTestId('tab-words').click();
    await page.getByTestId('words').waitFor();
    assert.equal(await page.getByTestId('words').isDisabled(), true);
    assert.equal(await page.getByTestId('words-save').count(), 0);
  });
});
