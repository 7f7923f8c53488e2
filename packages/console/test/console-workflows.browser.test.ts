// The workflows section in a real browser: a workflow made in the form (an event trigger and a
// grant-points step) takes effect — an ingested event enters the user and the points arrive — and
// its figures, steps and runs show; pause and the status filter; a name with markup stays text; an
// analyst reads but has no button to change anything.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { waitFor } from '../../server/src/testing/wait.ts';
import { consoleHarness, XSS } from './harness.ts';

const NAME = `新课完成奖励 ${XSS.script}`;

const h = consoleHarness(async (h) => {
  await h.api('PUT', '/v1/points/types/points', { name: '积分' });
});

async function balance(userId: string): Promise<number> {
  return ((await h.api('GET', `/v1/users/${userId}/points/points`)) as { balance: number }).balance;
}

async function fillEvent(page: Page, name: string): Promise<void> {
  const input = page.locator('[data-testid="wf-event"] input, input[data-testid="wf-event"]').first();
  await input.fill(name);
  await input.press('Tab'); // (Escape would close the drawer)
}

test('a workflow made in the form grants points when its event arrives; figures, runs, pause and the filter', async (tc) => {
  await h.withPage(tc, async ({ page, dialogs }) => {
    await h.signIn(page, h.owner);
    await h.open(page, '/workflows', '[data-testid="workflows-table"]');
    await page.getByText('还没有自动化流程').waitFor();
    await page.getByTestId('wf-new').click();
    await page.getByTestId('wf-name').fill(NAME);
    await fillEvent(page, 'course.finished');
    await page.getByTestId('wf-step-points-type-0').fill('points');
    await page.locator('#steps_0_amount').fill('7');
    await page.getByTestId('wf-create').click();
    await page.getByTestId('wf-row-name').getByText(NAME).waitFor();
    assert.equal(await page.getByTestId('wf-row-status').innerText(), '运行中');
    const wf = ((await h.api('GET', '/v1/automation/workflows')) as { data: { id: string; status: string; definition: { trigger: { event: string }; steps: unknown[] } }[] }).data[0]!;
    assert.equal(wf.status, 'active');
    assert.equal(wf.definition.trigger.event, 'course.finished');
    assert.deepEqual(wf.definition.steps, [{ id: 'step_1', type: 'grant_points', points_type: 'points', amount: 7 }]);

    // The rule made in the UI takes effect: an ingested event enters the user, the points arrive.
    await h.api('POST', '/v1/events', { events: [{ event_id: 'wf-e1', user_id: 'learner-1', name: 'course.finished', timestamp: new Date().toISOString() }] });
    await waitFor('the granted points', async () => (await balance('learner-1')) === 7, { timeoutMs: 20_000, everyMs: 100 });
    await page.getByTestId('wf-row-name').getByText(NAME).click();
    await page.getByTestId('wf-detail-title').waitFor();
    await page.locator('[data-testid="wf-stat-entered"]', { hasText: '1' }).waitFor();
    await page.locator('[data-testid="wf-stat-completed"]', { hasText: '1' }).waitFor();
    await page.getByTestId('wf-runs').getByText('learner-1').waitFor();
    await page.getByTestId('wf-steps').getByText('step_1').waitFor();

    // Pause: the status changes and a new event enters nobody.
    await page.getByTestId('wf-pause').click();
    await page.locator('[data-testid="wf-row-status"]', { hasText: '已暂停' }).waitFor();
    assert.equal(((await h.api('GET', `/v1/automation/workflows/${wf.id}`)) as { status: string }).status, 'paused');
    await page.getByTestId('wf-activate').waitFor();
    // The status filter asks the server.
    await h.choose(page, 'wf-status-filter', '运行中');
    await page.getByText('还没有自动化流程').waitFor();
    await h.assertInert(page, dialogs);
  });
});

test('an analyst reads workflows but has no button to create, pause or archive', async (tc) => {
  await h.withPage(tc, async ({ page, dialogs }) => {
    await h.signIn(page, h.analyst);
    await h.open(page, '/workflows', '[data-testid="workflows-table"]');
    await page.getByTestId('wf-row-name').first().click();
    await page.getByTestId('wf-detail-title').waitFor();
    await page.getByTestId('wf-stats').waitFor();
    for (const id of ['wf-new', 'wf-pause', 'wf-activate', 'wf-archive']) assert.equal(await page.getByTestId(id).count(), 0, id);
    assert.deepEqual(await h.untranslated(page), []);
    await h.assertInert(page, dialogs);
  });
});
