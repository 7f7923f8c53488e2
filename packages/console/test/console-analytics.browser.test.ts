// Browser tests of the console's analytics sections (segments, analytics, experiments), split from
// console.browser.test.ts so that each file stays within the runner's per-file timeout.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { consoleHarness, seedUserAndOperator, XSS } from './harness.ts';

const XSS_NAME = XSS.name;
const userId = 'u-console-1';

const h = consoleHarness((h) => seedUserAndOperator(h, userId));
const { api, withPage, signIn, open, untranslated, choose } = h;

test('a segment made in the UI previews its size, lists its members, and its name stays text; analytics filters by it', async (tc) => {
  await withPage(tc, async ({ page, dialogs, errors }) => {
    for (const [u, plan] of [['seg-a', 'gold'], ['seg-b', 'gold'], ['seg-c', 'free']] as const) await api('POST', `/v1/users/${u}`, { traits: { plan } });
    const today = new Date().toISOString();
    await api('POST', '/v1/events', { events: ['seg-a', 'seg-b', 'seg-c'].map((u) => ({ event_id: `open-${u}`, user_id: u, name: 'app.open', timestamp: today })) });
    // A two-step funnel, five minutes apart, for seg-a and seg-b.
    const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString();
    await api('POST', '/v1/events', {
      events: ['seg-a', 'seg-b'].flatMap((u) => [
        { event_id: `fa-${u}`, user_id: u, name: 'fun.a', timestamp: at(10) },
        { event_id: `fb-${u}`, user_id: u, name: 'fun.b', timestamp: at(5) },
      ]),
    });
    await signIn(page, h.owner);
    await open(page, '/segments', '[data-testid="segment-new-name"]');
    const name = `金卡 ${XSS_NAME}`;
    await page.getByTestId('segment-new-name').fill(name);
    await page.getByTestId('segment-trait').fill('plan');
    await page.getByTestId('segment-value').fill('gold');
    await page.getByTestId('segment-preview').click();
    // seg-a, seg-b and the seeded user (plan gold).
    await page.getByTestId('segment-preview-count').getByText('3').waitFor();
    await page.getByTestId('segment-save').click();
    await page.getByTestId('segment-members-title').waitFor();
    // The member's profile lists the segment by name (as text).
    await open(page, '/users/seg-a', '[data-testid="user-segments"]');
    await page.getByTestId('user-segments').getByText(name).waitFor();
    assert.equal(await page.getByTestId('user-rfm').innerText(), '窗口内没有购买，无 RFM 分类');
    await open(page, '/segments', '[data-testid="segment-name"]');
    await page.getByTestId('segment-name').getByText(name).click();
    assert.ok((await page.getByTestId('segment-members-title').innerText()).includes(name), 'the name is shown as text');
    await page.locator('.ant-table-row', { hasText: 'seg-b' }).waitFor();
    assert.ok((await page.getByTestId('segment-name').allInnerTexts()).includes(name));
    // The size history card shows a chart or its empty state, never a raw key.
    await page.locator('[data-testid="segment-sizes"] [data-testid="trend-chart"], [data-testid="segment-sizes"] .ant-empty').first().waitFor();
    assert.deepEqual(await untranslated(page), []);
    assert.equal(await page.evaluate('window.__xss'), undefined, 'a payload ran');
    assert.equal(await page.locator('#root svg[onload]').count(), 0, 'a payload became markup');
    // Analytics for the segment: today's DAU is its two active members (the seeded user sent no event).
    const segs = (await api('GET', '/v1/segments')) as { data: { id: string; name: string }[] };
    const seg = segs.data.find((x) => x.name === name)!;
    const from = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const to = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const r = (await api('GET', `/v1/analytics/active-users?from=${from}&to=${to}&segment=${seg.id}`)) as { days: { dau: number }[] };
    assert.equal(Math.max(...r.days.map((d) => d.dau)), 2);
    await open(page, '/analytics', '[data-testid="retention-table"]');
    await choose(page, 'analytics-segment', '金卡');
    await page.getByTestId('trend-chart').waitFor();
    assert.match(await page.getByTestId('stickiness').innerText(), /粘性 \(DAU\/MAU\): \d/);
    // The funnel of the two steps: both members convert, five minutes apart (median).
    await page.getByTestId('funnel-steps').click();
    await page.keyboard.type('fun.a');
    await page.keyboard.press('Enter');
    await page.keyboard.type('fun.b');
    await page.keyboard.press('Enter');
    await page.getByTestId('funnel-median').getByText('中位耗时 5 分钟').waitFor();
    assert.equal(await page.getByTestId('funnel-result').locator('.ant-progress-text').last().innerText(), '100%');
    assert.deepEqual(await untranslated(page), []);
    // A points-balance rule previews the users holding at least that many coins: the seeded user
    // (100 or more), and seg-a (40) only once the minimum drops below 40.
    await api('POST', '/v1/users/seg-a/points/adjust', { type: 'coins', amount: 40, reason: 'test', idempotency_key: 'seg-a-coins' });
    await open(page, '/segments', '[data-testid="segment-new-name"]');
    await page.getByTestId('segment-new-name').fill('积分用户');
    await choose(page, 'segment-kind', '积分余额');
    await page.getByTestId('segment-balance-min').fill('50');
    await page.getByTestId('segment-preview').click();
    await page.getByTestId('segment-preview-count').locator('.ant-statistic-content-value', { hasText: /^1$/ }).waitFor();
    await page.getByTestId('segment-balance-min').fill('30');
    await page.getByTestId('segment-preview').click();
    await page.getByTestId('segment-preview-count').locator('.ant-statistic-content-value', { hasText: /^2$/ }).waitFor();
    assert.deepEqual(await untranslated(page), []);
    assert.deepEqual(dialogs, []);
    assert.deepEqual(errors, []);
  });
});

test('the report of an experiment shows each arm against the control, and goals their progress', async (tc) => {
  await withPage(tc, async ({ page, errors }) => {
    const name = `按钮颜色 ${XSS_NAME}`;
    await api('POST', '/v1/experiments', { key: 'ui-button', name, variants: [{ key: 'control' }, { key: 'green' }], holdout_percent: 10, goal: { kind: 'conversion', event: 'order.paid' } });
    await api('POST', '/v1/experiments/ui-button/start');
    for (let i = 0; i < 40; i++) await api('POST', '/v1/experiments/ui-button/exposures', { user_id: `x${i}` });
    const day = new Date().toISOString().slice(0, 10);
    await api('POST', '/v1/goals', { name: '日签到 1000', metric: { kind: 'event_count', event: 'checkin' }, baseline: 0, target: 1000, start_day: day, due_day: new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10) });
    await signIn(page, h.owner);
    await open(page, '/experiments', '[data-testid="experiments-table"]');
    await page.getByTestId('experiment-name').getByText(name).click();
    await page.getByTestId('experiment-report-title').waitFor();
    // The arms come in their own query after the title: wait for the last one before reading them.
    await page.locator('[data-testid="experiment-arms"] .ant-table-row', { hasText: 'green' }).waitFor();
    const rows = await page.locator('[data-testid="experiment-arms"] .ant-table-row').allInnerTexts();
    assert.deepEqual(rows.map((r) => r.split(/\s/)[0]), ['holdout', 'control', 'green']);
    await page.getByTestId('goal').getByText('日签到 1000').waitFor();
    assert.equal(await page.evaluate('window.__xss'), undefined, 'a payload ran');
    assert.deepEqual(errors, []);
  });
});
