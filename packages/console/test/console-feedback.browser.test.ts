// The feedback section in a real browser: a survey with an NPS question and a text question built
// in the builder, answered through the API by several users, whose results show the NPS split and
// score the answers make; a feedback post's status changed with a note in the UI and read back
// through the API; an XSS payload in a post title and in a survey answer stays text; a survey's
// questions, a board's settings and a post's assignee and tags edited in the UI are what the API
// reads, and a named poll lists its voters; an analyst sees the section without a single mutating
// button; both languages translated.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closeDrawer, consoleHarness, XSS } from './harness.ts';

const TITLE = `${XSS.trait}希望支持深色模式`;
const ANSWER = `${XSS.script}太慢了`;
const STORY = `${XSS.name}我和猫爪杯的故事`;
let postId = '';
let dupId = '';
let otherId = '';
let entryId = '';
let storyId = '';

const h = consoleHarness(async (h) => {
  const board = (await h.api('POST', '/v1/feedback/boards', { name: '产品建议 Ideas' })) as { id: string };
  postId = ((await h.api('POST', `/v1/feedback/boards/${board.id}/posts`, { user_id: 'fb-1', title: TITLE, body: XSS.name })) as { id: string }).id;
  const other = (await h.api('POST', `/v1/feedback/boards/${board.id}/posts`, { user_id: 'fb-2', title: '导出 Excel 报表' })) as { id: string };
  await h.api('POST', `/v1/feedback/posts/${other.id}/votes`, { user_id: 'fb-3' });
  otherId = other.id;
  dupId = ((await h.api('POST', `/v1/feedback/boards/${board.id}/posts`, { user_id: 'fb-4', title: '能导出报表吗' })) as { id: string }).id;
  storyId = ((await h.api('POST', '/v1/stories/campaigns', { kind: 'story', title: '猫爪杯故事征集' })) as { id: string }).id;
  entryId = ((await h.api('POST', `/v1/stories/campaigns/${storyId}/entries`, { user_id: 's-1', text: STORY })) as { id: string }).id;
  await h.api('POST', `/v1/stories/campaigns/${storyId}/entries`, { user_id: 's-2', text: '普通的故事' });
  await h.api('POST', '/v1/polls', { question: '下一个功能做什么？', options: [{ text: '深色模式' }, { text: '导出' }] });
});

test('a survey built in the UI, answered through the API, shows the NPS split and score of the answers', async (tc) => {
  await h.withPage(tc, async ({ page, dialogs, errors }) => {
    await h.signIn(page, h.owner);
    await h.open(page, '/feedback', '[data-testid="survey-list"]');
    await page.getByTestId('survey-list').getByText('还没有问卷').waitFor();
    await page.getByTestId('survey-recontact').fill('3');
    await page.getByTestId('survey-recontact-save').click();
    await page.getByTestId('survey-recontact-save').and(page.locator('[disabled]')).waitFor();
    assert.deepEqual(await h.api('GET', '/v1/surveys/settings'), { recontact_days: 3 });
    await page.getByTestId('survey-new').click();
    await page.getByTestId('survey-name').fill('会员满意度调研');
    await h.choose(page, 'survey-status', '进行中');
    await page.getByTestId('survey-q1-title').fill('你有多大可能把我们推荐给朋友？');
    await page.getByTestId('survey-add-question').click();
    await h.choose(page, 'survey-q2-type', '文本');
    await page.getByTestId('survey-q2-title').fill('还有什么建议？');
    await page.getByTestId('survey-q2-required').click();
    // Promoters (9 and up) skip the text question.
    await page.getByTestId('survey-q1-add-branch').click();
    await h.choose(page, 'survey-q1-b1-op', '≥');
    await page.getByTestId('survey-q1-b1-value').fill('9');
    // The operator select's dropdown is gone before the next select opens.
    await page.locator('.ant-select-dropdown:not(.ant-select-dropdown-hidden)').first().waitFor({ state: 'hidden' });
    await h.choose(page, 'survey-q1-b1-goto', '结束问卷');
    await page.getByTestId('survey-save').click();
    await page.getByTestId('survey-detail-status').getByText('进行中').waitFor();

    const list = (await h.api('GET', '/v1/surveys')) as { data: { id: string; status: string; questions: { id: string; type: string; required: boolean; branches?: unknown }[] }[] };
    assert.equal(list.data.length, 1);
    const survey = list.data[0]!;
    assert.equal(survey.status, 'active');
    assert.deepEqual(survey.questions.map((q) => [q.id, q.type, q.required]), [['q1', 'nps', true], ['q2', 'text', false]]);
    assert.deepEqual(survey.questions[0]!.branches, [{ when: { gte: 9 }, goto: 'end' }]);

    // Five users answer: 10, 10, 9 promote, 7 is passive, 2 detracts: NPS = (3 − 1) / 5 = 40.
    const scores = [10, 10, 9, 7, 2];
    for (const [i, score] of scores.entries()) {
      await h.api('POST', `/v1/surveys/${survey.id}/responses`, { user_id: `nps-${i}`, answers: [{ question_id: 'q1', value: score }, { question_id: 'q2', value: i === 4 ? ANSWER : `好 ${i}` }], complete: true });
    }
    await page.getByTestId('survey-refresh').click();
    await page.getByTestId('survey-completed').getByText('5').waitFor();
    const stat = async (id: string) => (await page.getByTestId(id).locator('.ant-statistic-content').innerText()).trim();
    assert.equal(await stat('survey-nps-score'), '40');
    assert.equal(await stat('survey-nps-promoters'), '3');
    assert.equal(await stat('survey-nps-passives'), '1');
    assert.equal(await stat('survey-nps-detractors'), '1');
    await page.getByTestId('survey-nps-chart').locator('canvas').waitFor();

    await page.getByTestId('survey-tab-answers').click();
    await page.getByTestId('survey-answer').getByText(ANSWER, { exact: true }).waitFor();
    assert.equal(await page.getByTestId('survey-answers').locator('.ant-table-row').count(), 5);
    const download = page.waitForEvent('download');
    await page.getByTestId('survey-export').click();
    assert.match((await download).suggestedFilename(), /\.csv$/);

    assert.deepEqual(await h.untranslated(page), []);
    await h.assertInert(page, dialogs);
    assert.deepEqual(errors, []);
  });
});

test("a post's status changed with a note in the UI is what the API reads; the title stays text", async (tc) => {
  await h.withPage(tc, async ({ page, dialogs, errors }) => {
    await h.signIn(page, h.owner);
    await h.open(page, '/feedback', '[data-testid="survey-list"]');
    await page.getByTestId('feedback-tab-boards').click();
    await page.getByTestId('post-title').getByText(TITLE).waitFor();
    await page.getByTestId('post-title').getByText(TITLE).click();
    await page.getByTestId('post-detail-title').getByText(TITLE).waitFor();
    await h.choose(page, 'post-next-status', '已计划');
    await page.getByTestId('post-status-note').fill('下个版本上线 ships next release');
    await page.getByTestId('post-status-save').click();
    await page.getByTestId('post-history-note').getByText('下个版本上线 ships next release').waitFor();
    await page.getByTestId('post-reply').fill('感谢建议，已排期。');
    await page.getByTestId('post-reply-send').click();
    await page.getByTestId('post-response').getByText('感谢建议，已排期。').waitFor();

    const post = (await h.api('GET', `/v1/feedback/posts/${postId}`)) as { status: string; response: { body: string } | null };
    assert.equal(post.status, 'planned');
    assert.equal(post.response?.body, '感谢建议，已排期。');
    const history = (await h.api('GET', `/v1/feedback/posts/${postId}/history`)) as { data: { from: string; to: string; note: string }[] };
    assert.deepEqual(history.data.map((c) => [c.from, c.to, c.note]), [['open', 'planned', '下个版本上线 ships next release']]);

    await closeDrawer(page);

    // A duplicate merged into the post it repeats: its vote moves there.
    await page.getByTestId('post-title').getByText('能导出报表吗').click();
    await page.getByTestId('post-detail-title').getByText('能导出报表吗').waitFor();
    await h.choose(page, 'post-merge-into', '导出 Excel 报表');
    await page.getByTestId('post-merge').click();
    await h.confirm(page);
    await page.getByText('已合并到').waitFor();
    const dup = (await h.api('GET', `/v1/feedback/posts/${dupId}`)) as { merged_into: string | null };
    assert.equal(dup.merged_into, otherId);
    await closeDrawer(page);

    await page.getByTestId('board-tab-roadmap').click();
    await page.getByTestId('roadmap').getByText(TITLE).waitFor();

    // Stories: the pending entry approved, featured and picked as the winner; its text stays text.
    await page.getByTestId('feedback-tab-stories').click();
    await page.getByTestId('story-title').getByText('猫爪杯故事征集').click();
    await page.getByTestId('entry-text').getByText(STORY, { exact: true }).waitFor();
    await page.locator('.ant-table-row', { hasText: '猫爪杯的故事' }).getByTestId('entry-approve').click();
    await page.getByTestId('entry-text').getByText(STORY, { exact: true }).waitFor({ state: 'detached' });
    await h.choose(page, 'entries-status', '已通过');
    await page.locator('.ant-table-row', { hasText: '猫爪杯的故事' }).getByTestId('entry-feature').click();
    await page.locator('.ant-table-row', { hasText: '猫爪杯的故事' }).getByText('取消精选').waitFor();
    await page.getByTestId('winners-prize').fill('星礼卡 100 元');
    await page.getByTestId('winners-top').fill('1');
    await page.getByTestId('winners-pick').click();
    await page.getByTestId('winner').getByText('星礼卡 100 元', { exact: false }).waitFor();
    const entry = (await h.api('GET', `/v1/stories/entries/${entryId}`)) as { status: string; featured: boolean };
    assert.deepEqual([entry.status, entry.featured], ['approved', true]);
    const winners = (await h.api('GET', `/v1/stories/campaigns/${storyId}/winners`)) as { data: { entry_id: string; prize: string }[] };
    assert.deepEqual(winners.data.map((w) => [w.entry_id, w.prize]), [[entryId, '星礼卡 100 元']]);
    await page.getByTestId('feedback-tab-polls').click();
    await page.getByTestId('poll-question').getByText('下一个功能做什么？').click();
    await page.getByTestId('poll-chart').locator('canvas').waitFor();
    await page.getByTestId('feedback-tab-workload').click();
    await page.getByTestId('workload').waitFor();

    assert.deepEqual(await h.untranslated(page), []);
    await h.assertInert(page, dialogs);
    await h.toEnglish(page);
    await page.getByTestId('feedback-tab-boards').getByText('Boards').waitFor();
    assert.deepEqual(await h.untranslated(page), []);
    assert.deepEqual(errors, []);
  });
});

test('an analyst reads every feedback tab but sees no mutating button', async (tc) => {
  await h.withPage(tc, async ({ page, dialogs, errors }) => {
    await h.signIn(page, h.analyst);
    await h.open(page, '/feedback', '[data-testid="survey-list"]');
    await page.getByTestId('survey-row-name').first().click();
    await page.getByTestId('survey-detail-status').waitFor();
    for (const id of ['survey-new', 'survey-launch', 'survey-pause', 'survey-close', 'survey-edit', 'survey-recontact-save']) assert.equal(await page.getByTestId(id).count(), 0, id);
    await closeDrawer(page);
    await page.getByTestId('feedback-tab-boards').click();
    await page.getByTestId('post-title').getByText(TITLE).click();
    await page.getByTestId('post-detail-title').getByText(TITLE).waitFor();
    for (const id of ['board-new', 'board-edit', 'post-next-status', 'post-status-save', 'post-reply', 'post-merge', 'post-assignee', 'post-meta-save']) assert.equal(await page.getByTestId(id).count(), 0, id);
    await closeDrawer(page);
    await page.getByTestId('feedback-tab-polls').click();
    await page.getByTestId('poll-question').first().waitFor();
    for (const id of ['poll-new', 'poll-close', 'poll-delete']) assert.equal(await page.getByTestId(id).count(), 0, id);
    await page.getByTestId('feedback-tab-stories').click();
    await page.getByTestId('story-campaigns').waitFor();
    assert.equal(await page.getByTestId('story-new').count(), 0);
    await h.assertInert(page, dialogs);
    assert.deepEqual(errors, []);
  });
});

test("a survey's questions, a board's settings and a post's assignee and tags edited in the UI are what the API reads; a poll lists its voters", async (tc) => {
  const survey = (await h.api('POST', '/v1/surveys', { name: '待编辑问卷', questions: [{ id: 'q1', type: 'single', title: '旧问题', description: '单选', options: [{ id: 'o1', text: '是' }, { id: 'o2', text: '否' }] }] })) as { id: string };
  const poll = (await h.api('POST', '/v1/polls', { question: '午饭吃什么？', options: [{ text: '面条' }, { text: '米饭' }] })) as { id: string; options: { id: string }[] };
  await h.api('POST', `/v1/polls/${poll.id}/votes`, { user_id: 'voter-1', option_ids: [poll.options[0]!.id] });
  await h.api('POST', `/v1/polls/${poll.id}/votes`, { user_id: 'voter-2', option_ids: [poll.options[1]!.id] });
  const me = (await h.api('GET', '/v1/auth/me', undefined, h.ownerToken)) as { operator: { id: string } };
  await h.withPage(tc, async ({ page, dialogs, errors }) => {
    await h.signIn(page, h.owner);
    await h.open(page, '/feedback', '[data-testid="survey-list"]');
    await page.getByTestId('survey-row-name').getByText('待编辑问卷').click();
    await page.getByTestId('survey-edit').click();
    const editor = page.locator('.ant-drawer-open');
    await editor.getByTestId('survey-q1-title').fill('新问题');
    await editor.getByTestId('survey-q1-options').fill('是\n否\n不确定');
    await editor.getByTestId('survey-edit-save').click();
    await page.getByTestId('survey-detail-status').waitFor();
    const s = (await h.api('GET', `/v1/surveys/${survey.id}`)) as { status: string; questions: { id: string; title: string; description?: string; options: { text: string }[] }[] };
    assert.deepEqual(s.questions.map((q) => [q.id, q.title, q.description, q.options.map((o) => o.text)]), [['q1', '新问题', '单选', ['是', '否', '不确定']]]);
    assert.equal(s.status, 'draft');
    await closeDrawer(page);

    await page.getByTestId('feedback-tab-boards').click();
    await page.getByTestId('board-edit').click();
    await page.getByTestId('board-edit-name').fill('产品建议 Product ideas');
    await h.choose(page, 'board-edit-assignee', h.owner.email);
    await page.getByTestId('board-edit-save').click();
    await page.getByTestId('board-select').getByText('产品建议 Product ideas').waitFor();
    const boards = (await h.api('GET', '/v1/feedback/boards')) as { data: { name: string; default_assignee: string | null }[] };
    assert.deepEqual(boards.data.map((b) => [b.name, b.default_assignee]), [['产品建议 Product ideas', me.operator.id]]);

    await page.getByTestId('post-title').getByText(TITLE).click();
    await h.choose(page, 'post-assignee', h.owner.email);
    await page.getByTestId('post-tags').click();
    await page.keyboard.type('深色模式');
    await page.keyboard.press('Enter');
    await page.getByTestId('post-tags').locator('.ant-select-selection-item', { hasText: '深色模式' }).waitFor();
    await page.getByTestId('post-meta-save').click();
    await page.getByTestId('post-assignee-shown').waitFor();
    const post = (await h.api('GET', `/v1/feedback/posts/${postId}`)) as { assignee: string | null; tags: string[] };
    assert.deepEqual([post.assignee, post.tags], [me.operator.id, ['深色模式']]);
    await closeDrawer(page);

    await page.getByTestId('feedback-tab-polls').click();
    await page.getByTestId('poll-question').getByText('午饭吃什么？').click();
    await page.getByTestId('poll-voter').getByText('voter-1').waitFor();
    await h.choose(page, 'poll-voters-option', '米饭');
    await page.getByTestId('poll-voter').getByText('voter-2').waitFor();
    assert.equal(await page.getByTestId('poll-voter').count(), 1);

    assert.deepEqual(await h.untranslated(page), []);
    await h.assertInert(page, dialogs);
    assert.deepEqual(errors, []);
  });
});
