// The interactions (互动) content tabs in a real browser: subjects of a kind with their counters,
// the hot list and the weekly ranking (refreshed asynchronously after the likes), and a curated
// slot (推荐位) created in the UI, filled with two subjects, reordered (buttons and drag) and saved,
// in the order the API then returns. An XSS title stays text; an analyst reads the content tabs
// but has no moderation tab and no mutating control.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { waitFor } from '../../server/src/testing/wait.ts';
import { consoleHarness, XSS } from './harness.ts';

const EVIL = `${XSS.script}${XSS.trait}爆款视频`;
const CALM = '安静的视频 calm';
const THIRD = '第三个视频';

const h = consoleHarness(async (h) => {
  await h.api('PUT', '/v1/subjects/video/v-evil', { title: EVIL, author_id: 'up-1' });
  await h.api('PUT', '/v1/subjects/video/v-calm', { title: CALM, author_id: 'up-2' });
  await h.api('PUT', '/v1/subjects/video/v-third', { title: THIRD, author_id: 'up-2' });
  for (const u of ['u1', 'u2', 'u3']) await h.api('PUT', '/v1/subjects/video/v-evil/like', { user_id: u });
  await h.api('PUT', '/v1/subjects/video/v-calm/like', { user_id: 'u1' });
  // Hot scores and rankings are refreshed shortly after the interactions, not within them.
  const first = async (url: string) => ((await h.api('GET', url)) as { data: { id: string }[] }).data.map((s) => s.id);
  await waitFor('the hot list', async () => (await first('/v1/hot?kind=video')).join() === 'v-evil,v-calm');
  await waitFor('the weekly ranking', async () => (await first('/v1/rankings?kind=video&period=week')).join() === 'v-evil,v-calm');
});

test('subjects, hot list, rankings and a curated slot edited in the console', async (tc) => {
  await h.withPage(tc, async ({ page, dialogs, errors }) => {
    await h.signIn(page, h.owner);
    await h.open(page, '/interactions', '[data-testid="tab-subjects"]');
    await page.getByTestId('tab-subjects').click();
    await page.getByTestId('subject-title').first().waitFor();
    assert.deepEqual((await page.getByTestId('subject-title').allInnerTexts()).sort(), [CALM, EVIL, THIRD].sort(), 'titles as the host wrote them');
    const likes = await page.locator('.ant-table-row', { hasText: '爆款视频' }).getByTestId('subject-likes').innerText();
    assert.equal(likes, '3');

    await page.getByTestId('tab-discovery').click();
    await page.getByTestId('discovery-title').first().waitFor();
    assert.deepEqual(await page.getByTestId('discovery-title').allInnerTexts(), [EVIL, CALM]);
    assert.deepEqual(await page.getByTestId('discovery-rank').allInnerTexts(), ['1', '2']);
    await page.getByTestId('discovery-view').getByText('周榜').click();
    await waitFor('the weekly scores', async () => (await page.getByTestId('discovery-score').allInnerTexts()).join() === '3,1');
    assert.deepEqual(await page.getByTestId('discovery-title').allInnerTexts(), [EVIL, CALM]);

    // A new slot with two subjects, reordered with the buttons and then by dragging a row.
    await page.getByTestId('tab-slots').click();
    await page.getByTestId('slot-new').click();
    await page.getByTestId('slot-key').fill('home-top');
    await page.getByTestId('slot-name').fill('首页推荐');
    await page.getByTestId('slot-create').click();
    await page.getByTestId('slot-editor').getByText('首页推荐 (home-top)').waitFor();
    for (const id of ['v-calm', 'v-evil']) {
      await page.getByTestId('slot-add-id').fill(id);
      await page.getByTestId('slot-add').click();
      await page.getByTestId('slot-item-title').filter({ hasText: id === 'v-calm' ? 'calm' : '爆款' }).waitFor();
    }
    const order = () => page.getByTestId('slot-item-title').allInnerTexts();
    assert.deepEqual(await order(), [CALM, EVIL]);
    await page.getByTestId('slot-items').locator('.ant-table-row', { hasText: '爆款' }).getByTestId('slot-item-up').click();
    assert.deepEqual(await order(), [EVIL, CALM]);
    await page.getByTestId('slot-save').click();
    await page.locator('.ant-message-success', { hasText: '推荐位已保存' }).waitFor();
    const saved = (await h.api('GET', '/v1/slots/home-top?all=true')) as { title: string; items: { subject: { id: string } }[] };
    assert.equal(saved.title, '首页推荐');
    assert.deepEqual(saved.items.map((i) => i.subject.id), ['v-evil', 'v-calm']);

    const rows = page.getByTestId('slot-items').locator('.ant-table-row');
    await rows.nth(1).dragTo(rows.nth(0));
    await waitFor('the dragged order', async () => (await order()).join() === [CALM, EVIL].join());
    await page.getByTestId('slot-save').click();
    await waitFor('the dragged order saved', async () => ((await h.api('GET', '/v1/slots/home-top?all=true')) as typeof saved).items.map((i) => i.subject.id).join() === 'v-calm,v-evil');

    assert.deepEqual(await h.untranslated(page), []);
    await h.assertInert(page, dialogs);
    await h.toEnglish(page);
    await page.getByTestId('tab-slots').getByText('Curated slots').waitFor();
    await page.getByTestId('tab-discovery').click();
    await page.getByTestId('discovery-view').getByText('Week').waitFor();
    assert.deepEqual(await h.untranslated(page), []);
    assert.deepEqual(errors, []);
  });
});

test('an analyst reads subjects, rankings and slots but changes nothing', async (tc) => {
  await h.api('POST', '/v1/slots', { key: 'analyst-view', title: '只读推荐位' });
  await h.api('PUT', '/v1/slots/analyst-view/items', { items: [{ kind: 'video', subject_id: 'v-third' }] });
  await h.withPage(tc, async ({ page, errors }) => {
    await h.signIn(page, h.analyst);
    await h.open(page, '/interactions', '[data-testid="subject-title"]');
    assert.equal(await page.getByTestId('tab-queue').count(), 0, 'no moderation for an analyst');
    await page.getByTestId('tab-discovery').click();
    await page.getByTestId('discovery-title').first().waitFor();
    await page.getByTestId('tab-slots').click();
    await page.locator('.ant-table-row', { hasText: 'analyst-view' }).getByTestId('slot-open').click();
    await page.getByTestId('slot-item-title').getByText(THIRD).waitFor();
    for (const id of ['slot-new', 'slot-add', 'slot-add-id', 'slot-save', 'slot-item-up', 'slot-item-down', 'slot-item-remove']) {
      assert.equal(await page.getByTestId(id).count(), 0, id);
    }
    assert.equal(await page.locator('[draggable="true"]').count(), 0);
    assert.deepEqual(errors, []);
  });
});
