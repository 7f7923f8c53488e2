// The gamification section in a real browser: a point type, an earn rule (event, a condition, a
// daily cap) and the check-in rewards made in the console take effect — an event ingested through
// the API and a check-in move the user's balance, seen in the user page. A lottery's prize table
// gives the published odds; a badge and a lottery prize named with XSS payloads stay text; a badge,
// a task and a prize edited in the console are what the API reads; an analyst sees every tab and
// no mutating button; both languages translated.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { consoleHarness, XSS } from './harness.ts';

const USER = 'gm-user-1';
const h = consoleHarness(async (h) => {
  await h.api('POST', `/v1/users/${USER}`, { traits: { name: XSS.name }, timezone: 'Asia/Shanghai' });
});

type Balance = { data: { type: string; balance: number }[] };
const balance = async () => ((await h.api('GET', `/v1/users/${USER}/points`)) as Balance).data.find((b) => b.type === 'stars')?.balance ?? 0;

async function untilBalance(want: number): Promise<void> {
  for (const until = Date.now() + 20_000; ; ) {
    const b = await balance();
    if (b === want) return;
    assert.ok(Date.now() < until, `balance reached ${want} (is ${b})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function tab(page: Page, key: string): Promise<void> {
  await page.getByTestId(`gm-tab-${key}`).click();
}

test('a point type, an earn rule and check-in rewards made in the console move a balance', async (tc) => {
  await h.withPage(tc, async ({ page, dialogs, errors }) => {
    await h.signIn(page, h.owner);
    await h.open(page, '/gamification', '[data-testid="gm-types"]');
    await page.getByTestId('gm-types').getByText('还没有积分类型').waitFor();

    // A point type.
    await page.getByTestId('gm-type-new').click();
    await page.getByTestId('gm-type-key').fill('stars');
    await page.getByTestId('gm-type-name-input').fill('星星 Stars');
    await page.getByTestId('gm-type-save').click();
    await page.getByTestId('gm-type-name').getByText('星星 Stars').waitFor();

    // An earn rule: video.watched with duration ≥ 60 gives 5 stars, at most 10 a day.
    await tab(page, 'rules');
    await page.getByTestId('gm-rules').getByText('还没有积分规则').waitFor();
    await page.getByTestId('gm-rule-new').click();
    await page.getByTestId('gm-rule-name-input').fill('看视频得星星');
    await page.getByTestId('gm-rule-event').fill('video.watched');
    await page.getByTestId('cond-add').click();
    await page.getByTestId('cond-path').fill('duration');
    await h.choose(page, 'cond-op', 'gte');
    await page.getByTestId('cond-value').fill('60');
    await page.getByTestId('gm-rule-amount').fill('5');
    await page.getByTestId('gm-rule-daily-cap').fill('10');
    await page.getByTestId('gm-rule-save').click();
    await page.getByTestId('gm-rule-name').getByText('看视频得星星').waitFor();
    const rules = (await h.api('GET', '/v1/points/rules')) as { data: { event: string; type: string; amount: number; daily_cap: number; conditions: unknown }[] };
    assert.deepEqual(
      rules.data.map((r) => [r.event, r.type, r.amount, r.daily_cap, r.conditions]),
      [['video.watched', 'stars', 5, 10, { duration: { gte: 60 } }]],
    );

    // Check-in: paid in stars, 3 then 4 then 7.
    await tab(page, 'checkin');
    await page.getByTestId('gm-checkin-rewards').waitFor();
    await h.choose(page, 'gm-checkin-type', 'stars');
    await page.getByTestId('gm-checkin-rewards').fill('3, 4, 7');
    await page.getByTestId('gm-streak-preview').getByText('+7').first().waitFor();
    await page.getByTestId('gm-checkin-save').click();
    // Saved when the server has it (an earlier save's message may still show).
    for (const until = Date.now() + 10_000; ; ) {
      const cfg = (await h.api('GET', '/v1/gamification/config')) as { points_type: string; checkin: { rewards: number[] } };
      if (cfg.points_type === 'stars' && cfg.checkin.rewards.join() === '3,4,7') break;
      assert.ok(Date.now() < until, `check-in settings saved: ${JSON.stringify(cfg)}`);
      await new Promise((r) => setTimeout(r, 100));
    }

    // Events through the API: three long views (the cap stops the third) and a short one.
    const now = new Date().toISOString();
    await h.api('POST', '/v1/events', {
      events: [
        { event_id: 'gm-e1', user_id: USER, name: 'video.watched', timestamp: now, properties: { duration: 120 } },
        { event_id: 'gm-e2', user_id: USER, name: 'video.watched', timestamp: now, properties: { duration: 30 } },
        { event_id: 'gm-e3', user_id: USER, name: 'video.watched', timestamp: now, properties: { duration: 90 } },
        { event_id: 'gm-e4', user_id: USER, name: 'video.watched', timestamp: now, properties: { duration: 300 } },
      ],
    });
    await untilBalance(10);
    await h.api('POST', `/v1/users/${USER}/checkins`, {});
    await untilBalance(13);

    // The user page shows it, and the check-in calendar shows the day.
    await h.open(page, `/users/${USER}`, '[data-testid="user-id"]');
    await page.getByTestId('balance-stars').getByText('13').waitFor();
    await h.open(page, '/gamification?tab=checkin', '[data-testid="gm-calendar-user"]');
    await page.getByTestId('gm-calendar-user').fill(USER);
    await page.getByTestId('gm-calendar-user').press('Enter');
    await page.getByTestId('gm-calendar').getByText('连续 1 天').waitFor();

    // Pausing the rule from the list stops it.
    await h.open(page, '/gamification?tab=rules', '[data-testid="gm-rule-name"]');
    await page.getByTestId('gm-rule-active').click();
    await page.locator('[data-testid="gm-rule-active"][aria-checked="false"]').waitFor();
    assert.equal(((await h.api('GET', '/v1/points/rules')) as { data: { active: boolean }[] }).data[0]!.active, false);

    assert.deepEqual(await h.untranslated(page), []);
    await h.assertInert(page, dialogs);
    assert.deepEqual(errors, []);
  });
});

test('a lottery from its prize table shows the published odds; badge and prize names stay text', async (tc) => {
  await h.withPage(tc, async ({ page, dialogs, errors }) => {
    await h.signIn(page, h.owner);
    await h.open(page, '/gamification?tab=badges', '[data-testid="gm-badges"]');
    await page.getByTestId('gm-badge-new').click();
    await page.getByTestId('gm-badge-key').fill('xss-badge');
    await page.getByTestId('gm-badge-name-input').fill(XSS.trait);
    await page.getByTestId('gm-badge-icon').fill('https://example.com/badge.png');
    await page.getByTestId('gm-badge-save').click();
    await page.getByTestId('gm-badge-name').getByText(XSS.trait).waitFor();

    await h.open(page, '/gamification?tab=lottery', '[data-testid="gm-lotteries"]');
    await page.getByTestId('gm-lottery-new').click();
    await page.getByTestId('gm-lottery-name-input').fill('每日抽奖 Daily draw');
    const names = page.getByTestId('gm-prize-name');
    await names.nth(0).fill(XSS.script);
    await h.choose(page, 'gm-prize-type', 'stars');
    await page.getByTestId('gm-prize-amount').fill('50');
    await page.getByTestId('gm-prize-weight').nth(0).fill('25');
    await names.nth(1).fill('谢谢参与');
    await page.getByTestId('gm-prize-weight').nth(1).fill('75');
    await page.getByTestId('gm-prize-percent').getByText('25.00%').waitFor();
    await page.getByTestId('gm-lottery-save').click();
    // The odds open for the new lottery, as the server publishes them.
    await page.getByTestId('gm-odds-name').getByText(XSS.script).waitFor();
    assert.deepEqual(await page.getByTestId('gm-odds-percent').allInnerTexts(), ['25.00%', '75.00%']);

    assert.deepEqual(await h.untranslated(page), []);
    await h.assertInert(page, dialogs);
    assert.deepEqual(errors, []);
  });
});

test('an analyst reads every gamification tab and sees no mutating button', async (tc) => {
  await h.withPage(tc, async ({ page, dialogs, errors }) => {
    await h.signIn(page, h.analyst);
    await h.toEnglish(page);
    await h.open(page, '/gamification', '[data-testid="gm-types"]');
    await page.getByTestId('gm-type-name').getByText('星星 Stars').waitFor();
    const mutating = ['gm-type-new', 'gm-type-edit', 'gm-rule-new', 'gm-rule-edit', 'gm-rule-delete', 'gm-checkin-save', 'gm-levels-edit', 'gm-badge-new', 'gm-badge-edit', 'gm-task-new', 'gm-task-edit', 'gm-lottery-new', 'gm-item-new', 'gm-order-ship', 'gm-flag-block', 'gm-unblock'];
    const checks: Record<string, string> = { points: 'gm-types', rules: 'gm-rules', checkin: 'gm-checkin-rewards', levels: 'gm-levels', badges: 'gm-badges', tasks: 'gm-tasks', lottery: 'gm-lotteries', mall: 'gm-orders', abuse: 'gm-flags' };
    for (const [key, ready] of Object.entries(checks)) {
      await tab(page, key);
      await page.getByTestId(ready).waitFor();
      await page.locator('.ant-spin-spinning').first().waitFor({ state: 'detached' }).catch(() => {});
      for (const id of mutating) assert.equal(await page.getByTestId(id).count(), 0, `${key}: ${id} shown to an analyst`);
      assert.equal(await page.locator('.ant-switch:visible:not(.ant-switch-disabled)').count(), 0, `${key}: an enabled switch`);
      assert.deepEqual(await h.untranslated(page), [], key);
    }
    await tab(page, 'badges');
    await page.getByTestId('gm-badge-name').getByText(XSS.trait).waitFor();
    // The odds are public; editing a prize is not.
    await tab(page, 'lottery');
    await page.getByTestId('gm-lottery-odds').first().click();
    await page.getByTestId('gm-odds-name').first().waitFor();
    assert.equal(await page.getByTestId('gm-prize-edit').count(), 0, 'gm-prize-edit shown to an analyst');
    await h.assertInert(page, dialogs);
    assert.deepEqual(errors, []);
  });
});

test('a badge, a task and a lottery prize edited in the console are what the API reads', async (tc) => {
  const badge = (await h.api('POST', '/v1/badges', { key: 'edit-badge', name: '旧勋章', criteria: { kind: 'manual' } })) as { id: string };
  const task = (await h.api('POST', '/v1/tasks', { key: 'edit-task', name: '旧任务', period: 'daily', event: 'post.created', target: 1, rewards: [{ type: 'stars', amount: 5 }] })) as { id: string };
  const lottery = (await h.api('POST', '/v1/lotteries', { name: '编辑抽奖', prizes: [{ name: '大奖', kind: 'points', reward_type: 'stars', reward_amount: 10, weight: 10 }, { name: '谢谢参与', kind: 'none', weight: 90 }] })) as { id: string };
  await h.withPage(tc, async ({ page, dialogs, errors }) => {
    await h.signIn(page, h.owner);
    await h.open(page, '/gamification?tab=badges', '[data-testid="gm-badge-name"]');
    await page.locator('.ant-table-row', { hasText: '旧勋章' }).getByTestId('gm-badge-edit').click();
    await page.getByTestId('gm-badge-edit-name').fill('新勋章 New badge');
    await page.getByTestId('gm-badge-edit-icon').fill('https://example.com/new.png');
    await page.getByTestId('gm-badge-edit-save').click();
    await page.getByTestId('gm-badge-name').getByText('新勋章 New badge').waitFor();
    const b = (await h.api('GET', `/v1/badges/${badge.id}`)) as { name: string; icon_url: string | null; criteria: { kind: string } };
    assert.deepEqual([b.name, b.icon_url, b.criteria.kind], ['新勋章 New badge', 'https://example.com/new.png', 'manual']);

    await tab(page, 'tasks');
    await page.locator('.ant-table-row', { hasText: '旧任务' }).getByTestId('gm-task-edit').click();
    await page.getByTestId('gm-task-edit-name').fill('发三篇帖子');
    await page.getByTestId('gm-task-edit-target').fill('3');
    await page.getByTestId('gm-task-edit-amount').fill('20');
    // A value the server refuses is shown under its field, named as the server names it.
    await page.getByTestId('gm-task-edit-group').fill('Bad Group');
    await page.getByTestId('gm-task-edit-save').click();
    await page.locator('.ant-form-item-explain-error', { hasText: 'body.group' }).waitFor();
    await page.getByTestId('gm-task-edit-group').fill('');
    await page.getByTestId('gm-task-edit-save').click();
    await page.getByTestId('gm-task-name').getByText('发三篇帖子').waitFor();
    const x = (await h.api('GET', `/v1/tasks/${task.id}`)) as { name: string; target: number; rewards: unknown; event: string };
    assert.deepEqual([x.name, x.target, x.rewards, x.event], ['发三篇帖子', 3, [{ type: 'stars', amount: 20 }], 'post.created']);

    // A prize's weight changed from the odds drawer: the published odds follow.
    await tab(page, 'lottery');
    await page.locator('.ant-table-row', { hasText: '编辑抽奖' }).getByTestId('gm-lottery-odds').click();
    await page.locator('.ant-drawer-open .ant-table-row', { hasText: '大奖' }).getByTestId('gm-prize-edit').click();
    await page.getByTestId('gm-prize-edit-weight').fill('30');
    await page.getByTestId('gm-prize-edit-save').click();
    await page.getByTestId('gm-odds-percent').getByText('25.00%').waitFor();
    const l = (await h.api('GET', `/v1/lotteries/${lottery.id}`)) as { prizes: { name: string; weight: number }[] };
    assert.deepEqual(l.prizes.map((p) => [p.name, p.weight]), [['大奖', 30], ['谢谢参与', 90]]);

    assert.deepEqual(await h.untranslated(page), []);
    await h.assertInert(page, dialogs);
    assert.deepEqual(errors, []);
  });
});
