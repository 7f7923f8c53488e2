// The communities (社群) section in a real browser: groups with their member counts, a new group
// made in the form, a group's health, members by status with an application approved, the
// questions waiting for an answer, lurkers; both languages without an untranslated key; an
// analyst sees no mutating button; XSS in a group name and a question stays text.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { consoleHarness } from './harness.ts';

const XSS_GROUP = `<img src=x onerror="window.__xss=1">核心用户群`;
const XSS_QUESTION = `<script>window.__xss=2</script>怎么领取内测资格？`;
let groupId = '';
let applyId = '';

const h = consoleHarness(async (h) => {
  const g = await h.api('POST', '/v1/communities', { name: XSS_GROUP, owner_id: 'owner-1', rules: '友善交流 Be kind', unanswered_minutes: 30, tags: ['core'] });
  groupId = g.id as string;
  for (const u of ['m-1', 'm-2', 'm-3']) await h.api('POST', `/v1/communities/${groupId}/join`, { user_id: u });
  await h.api('POST', `/v1/communities/${groupId}/posts`, { user_id: 'm-1', kind: 'question', body: XSS_QUESTION });
  const a = await h.api('POST', '/v1/communities', { name: 'Beta testers 内测群', owner_id: 'owner-1', type: 'apply', questions: ['Why do you want to join?'] });
  applyId = a.id as string;
  await h.api('POST', `/v1/communities/${applyId}/join`, { user_id: 'applicant-1', answers: ['I use it every day 每天都用'] });
});

test('groups, a new group, health, members and an approved application, unanswered questions, lurkers', async (tc) => {
  await h.withPage(tc, async ({ page, dialogs, errors }) => {
    await h.signIn(page, h.owner);
    await h.open(page, '/communities', '[data-testid="community-name"]');
    assert.ok((await page.getByTestId('community-name').allInnerTexts()).includes(XSS_GROUP), 'the name is shown as text');

    // A new group from the form appears in the list with its owner as the one member.
    await page.getByTestId('community-new-name').fill('Seed users 种子用户');
    await page.getByTestId('community-new-owner').fill('owner-2');
    await page.getByTestId('community-save').click();
    await page.getByTestId('community-detail-title').filter({ hasText: 'Seed users 种子用户' }).waitFor();
    const created = (await h.api('GET', '/v1/communities?q=Seed')) as { data: { name: string; member_count: number }[] };
    assert.deepEqual(created.data.map((g) => [g.name, g.member_count]), [['Seed users 种子用户', 1]]);

    // The first group: health, members, the waiting question (as text), lurkers.
    await page.getByTestId('community-name').filter({ hasText: '核心用户群' }).click();
    await page.getByTestId('community-health').waitFor();
    await page.locator('[data-testid="community-detail-title"]', { hasText: '核心用户群' }).waitFor();
    const memberRows = page.locator('.ant-tabs-tabpane-active .ant-table-row');
    await memberRows.first().waitFor();
    assert.equal(await memberRows.count(), 4, 'owner and three members');
    await page.getByRole('tab', { name: '待回答问题' }).click();
    await page.getByTestId('community-question').first().waitFor();
    assert.equal(await page.getByTestId('community-question').first().innerText(), XSS_QUESTION);
    await page.getByRole('tab', { name: '潜水成员' }).click();
    await page.getByTestId('lurker-days').fill('0');
    await page.locator('.ant-tabs-tabpane-active .ant-table-row', { hasText: 'm-2' }).waitFor();

    // The application group: the pending applicant with their answer, approved in the UI.
    await h.open(page, '/communities', '[data-testid="community-name"]');
    await page.getByTestId('community-name').filter({ hasText: '内测群' }).click();
    await page.locator('[data-testid="community-detail-title"]', { hasText: '内测群' }).waitFor();
    await h.choose(page, 'member-status', '待审核');
    await page.locator('.ant-table-row', { hasText: 'applicant-1' }).waitFor();
    assert.ok((await page.locator('.ant-table-row', { hasText: 'applicant-1' }).innerText()).includes('每天都用'));
    await page.locator('.ant-table-row', { hasText: 'applicant-1' }).getByTestId('member-approve').click();
    await page.locator('.ant-table-row', { hasText: 'applicant-1' }).waitFor({ state: 'detached' });
    const m = await h.api('GET', `/v1/communities/${applyId}/members/applicant-1`);
    assert.equal(m.status, 'active');

    await h.assertInert(page, dialogs);
    assert.deepEqual(errors, []);
  });
});

test('both languages have every string; an analyst sees the groups but no mutating button', async (tc) => {
  await h.withPage(tc, async ({ page }) => {
    await h.signIn(page, h.owner);
    for (const lang of ['zh-CN', 'en'] as const) {
      if (lang === 'en') await h.toEnglish(page);
      await h.open(page, '/communities', '[data-testid="community-name"]');
      await page.getByTestId('community-name').filter({ hasText: '核心用户群' }).click();
      await page.getByTestId('community-health').waitFor();
      for (const tab of lang === 'en' ? ['Unanswered questions', 'Lurkers'] : ['待回答问题', '潜水成员']) {
        await page.getByRole('tab', { name: tab }).click();
        assert.deepEqual(await h.untranslated(page), [], `${lang} ${tab}`);
      }
    }
  });
  await h.withPage(tc, async ({ page }) => {
    await h.signIn(page, h.analyst);
    await h.open(page, '/communities', '[data-testid="community-name"]');
    assert.equal(await page.getByTestId('community-save').count(), 0);
    await page.getByTestId('community-name').filter({ hasText: '内测群' }).click();
    await page.locator('.ant-tabs-tabpane-active .ant-table-row').first().waitFor();
    for (const id of ['member-approve', 'member-reject', 'member-remove', 'member-ban', 'member-mute']) assert.equal(await page.getByTestId(id).count(), 0, id);
    assert.equal(await page.locator('#root .ant-btn-dangerous').count(), 0);
  });
});
