// The campaign wizards in a real browser: a flash sale made in the wizard (a session with an item
// and its stock), created and scheduled at once, whose live monitor shows the stock drop as buyers
// reserve through the API, and which gets a new session and item while it runs; a coupon campaign
// (template, then issued to users) and 拼团 / 砍价 drafts whose settings the API reads back; a
// referral whose inviter and invitee rewards the API reads back; an analyst sees the monitor but
// no mutating button.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { consoleHarness } from './harness.ts';

const h = consoleHarness();

type Campaign = { id: string; name: string; kind: string; status: string; settings: Record<string, unknown> };
const campaigns = async () => ((await h.api('GET', '/v1/campaigns')) as { data: Campaign[] }).data;
const stat = async (page: Page, id: string) => (await page.getByTestId(id).locator('.ant-statistic-content').innerText()).trim();
async function statIs(page: Page, id: string, want: string): Promise<void> {
  await page.waitForFunction(
    ([tid, w]) => (globalThis as unknown as { document: { querySelector(s: string): { textContent: string | null } | null } }).document.querySelector(`[data-testid="${tid}"] .ant-statistic-content`)?.textContent?.trim() === w,
    [id, want] as const,
    { timeout: 10_000 },
  );
}

async function start(page: Page, kind: string): Promise<void> {
  await h.open(page, '/campaigns', '[data-testid="campaign-new"]');
  await page.getByTestId('campaign-new').click();
  await page.getByTestId(`wizard-kind-${kind}`).click();
}

test('a flash sale made in the wizard runs, and its monitor shows the stock drop as users buy through the API', async (tc) => {
  await h.withPage(tc, async ({ page, dialogs, errors }) => {
    await h.signIn(page, h.owner);
    await start(page, 'flash_sale');
    await page.getByTestId('wizard-name').fill('双十一秒杀 Double 11');
    await page.getByTestId('wizard-next').click();
    await page.getByTestId('wizard-s1-i1-product').fill('sku-airpods');
    await page.getByTestId('wizard-s1-i1-name').fill('AirPods 耳机');
    await page.getByTestId('wizard-s1-i1-original').fill('1299');
    await page.getByTestId('wizard-s1-i1-sale').fill('999');
    await page.getByTestId('wizard-s1-i1-stock').fill('5');
    await page.getByTestId('wizard-next').click();
    await page.getByTestId('wizard-review').getByText('AirPods 耳机 · ¥999.00 × 5').waitFor();
    await page.getByTestId('wizard-create-schedule').click();
    await page.getByTestId('campaign-selected-status').getByText('进行中').waitFor();
    await statIs(page, 'monitor-remaining', '5');
    assert.equal(await stat(page, 'monitor-stock'), '5');

    const [sale] = await campaigns();
    assert.equal(sale?.kind, 'flash_sale');
    assert.equal(sale?.status, 'running');
    const sessions = (await h.api('GET', `/v1/campaigns/${sale!.id}/flash-sale/sessions`)) as { data: { items: { id: string; stock: number; sale_price: number; original_price: number; product_id: string }[] }[] };
    const item = sessions.data[0]!.items[0]!;
    assert.deepEqual([item.product_id, item.stock, item.original_price, item.sale_price], ['sku-airpods', 5, 129900, 99900]);

    // Buyers reserve through the API: the monitor's stock figure drops without a reload.
    const r1 = (await h.api('POST', `/v1/flash-sale/items/${item.id}/attempts`, { user_id: 'buyer-1' })) as { id: string };
    await h.api('POST', `/v1/flash-sale/items/${item.id}/attempts`, { user_id: 'buyer-2' });
    await statIs(page, 'monitor-remaining', '3');
    await statIs(page, 'monitor-reservations', '2');
    await h.api('POST', `/v1/flash-sale/reservations/${r1.id}/confirm`, { order_ref: 'order-1' });
    await statIs(page, 'monitor-confirmed', '1');
    await page.getByTestId('monitor-item-remaining').getByText('3 / 5').waitFor();
    // A refused attempt (buyer-2 already holds the one unit an item allows) shows as a refusal by reason.
    await assert.rejects(h.api('POST', `/v1/flash-sale/items/${item.id}/attempts`, { user_id: 'buyer-2' }), /flash_sale.limit_reached/);
    await statIs(page, 'monitor-rejections', '1');
    await page.getByTestId('monitor-reason').getByText('超过单品限购 1').waitFor();
    // Restocked from the monitor while the sale runs: 3 more units left.
    await page.getByTestId('monitor-restock-value').fill('8');
    await page.getByTestId('monitor-restock').click();
    await statIs(page, 'monitor-remaining', '6');
    assert.equal(((await h.api('GET', `/v1/flash-sale/items/${item.id}`)) as { stock: number }).stock, 8);
    // Not below the 2 units held or sold: the server's refusal is shown.
    await page.getByTestId('monitor-restock-value').fill('1');
    await page.getByTestId('monitor-restock').click();
    await page.locator('.ant-message').getByText('flash_sale.stock_below_sold').waitFor();

    // A session added while the sale runs, then an item in it: refused first under the field the server names.
    await page.getByTestId('fs-add-session').click();
    await page.getByTestId('fs-session-name').fill('晚场');
    await page.getByTestId('fs-session-save').click();
    await page.getByTestId('fs-session-row-name').getByText('晚场').waitFor();
    await page.getByTestId('flash-sessions').locator('tr', { hasText: '晚场' }).getByTestId('fs-add-item').click();
    await page.getByTestId('fs-item-product').fill('sku-case');
    await page.getByTestId('fs-item-name').fill('手机壳');
    await page.getByTestId('fs-item-original').fill('99');
    await page.getByTestId('fs-item-sale').fill('120');
    await page.getByTestId('fs-item-stock').fill('10');
    await page.getByTestId('fs-item-save').click();
    await page.locator('.ant-form-item-explain-error', { hasText: 'body.sale_price' }).waitFor();
    await page.getByTestId('fs-item-sale').fill('59');
    await page.getByTestId('fs-item-save').click();
    await statIs(page, 'monitor-remaining', '16');
    const after = (await h.api('GET', `/v1/campaigns/${sale!.id}/flash-sale/sessions`)) as { data: { name: string; items: { product_id: string; stock: number; sale_price: number }[] }[] };
    const byName = Object.fromEntries(after.data.map((s) => [s.name, s.items.map((i) => [i.product_id, i.stock, i.sale_price])]));
    assert.deepEqual(byName, { '': [['sku-airpods', 8, 99900]], 晚场: [['sku-case', 10, 5900]] });

    assert.deepEqual(await h.untranslated(page), []);
    await h.toEnglish(page);
    await page.getByTestId('flash-monitor').getByText('Stock left').first().waitFor();
    assert.deepEqual(await h.untranslated(page), []);
    await h.assertInert(page, dialogs);
    assert.deepEqual(errors, []);
  });
});

test('a coupon campaign: a template made in the wizard is issued to users', async (tc) => {
  await h.withPage(tc, async ({ page, errors }) => {
    await h.signIn(page, h.owner);
    await start(page, 'coupon');
    await page.getByTestId('coupon-name').fill('新人立减 10 元');
    await page.getByTestId('coupon-amount').fill('10');
    await page.getByTestId('coupon-save').click();
    await page.getByTestId('coupon-issue-users').fill('cu-1\ncu-2, cu-3');
    await page.getByTestId('coupon-issue').click();
    await page.getByTestId('coupon-issue-results').getByText('cu-3').waitFor();
    assert.equal(await page.getByTestId('coupon-issue-results').getByText('已发放').count(), 3);
    const mine = (await h.api('GET', '/v1/users/cu-2/coupons')) as { data: { status: string }[] };
    assert.deepEqual(mine.data.map((c) => c.status), ['available']);
    await page.getByTestId('coupon-wizard-done').click();

    await page.getByTestId('campaigns-tab-coupons').click();
    await page.getByTestId('coupon-template-name').getByText('新人立减 10 元').waitFor();
    await page.getByTestId('coupon-lookup').fill('cu-1');
    await page.getByTestId('coupon-lookup').press('Enter');
    await page.getByText('可使用').first().waitFor();
    assert.deepEqual(await h.untranslated(page), []);
    assert.deepEqual(errors, []);
  });
});

test('拼团 and 砍价 drafts made in the wizard carry their settings', async (tc) => {
  await h.withPage(tc, async ({ page, errors }) => {
    await h.signIn(page, h.owner);
    await start(page, 'group_buy');
    await page.getByTestId('wizard-name').fill('三人拼团');
    await page.getByTestId('wizard-next').click();
    await page.getByTestId('wizard-product').fill('sku-tea');
    await page.getByTestId('wizard-original').fill('59');
    await page.getByTestId('wizard-group-price').fill('39.9');
    await page.getByTestId('wizard-next').click();
    await page.getByTestId('wizard-create-draft').click();
    await page.getByTestId('campaign-selected-status').getByText('草稿').waitFor();

    await page.getByTestId('campaign-new').click();
    await page.getByTestId('wizard-kind-bargain').click();
    await page.getByTestId('wizard-name').fill('砍价免费拿');
    await page.getByTestId('wizard-next').click();
    await page.getByTestId('wizard-product').fill('sku-bag');
    await page.getByTestId('wizard-original').fill('100');
    await page.getByTestId('wizard-floor').fill('1');
    await page.getByTestId('wizard-max-cut').fill('20');
    await page.getByTestId('wizard-next').click();
    await page.getByTestId('wizard-create-draft').click();
    await page.getByTestId('campaign-selected').getByText('砍价免费拿').waitFor();

    const all = await campaigns();
    const gb = all.find((c) => c.kind === 'group_buy')!;
    const bg = all.find((c) => c.kind === 'bargain')!;
    assert.equal(gb.status, 'draft');
    assert.deepEqual([gb.settings.product_id, gb.settings.original_price, gb.settings.group_price, gb.settings.team_size], ['sku-tea', 5900, 3990, 3]);
    assert.deepEqual([bg.settings.product_id, bg.settings.original_price, bg.settings.floor_price, bg.settings.max_cut, bg.settings.max_cuts], ['sku-bag', 10000, 100, 2000, 10]);
    // The draft is scheduled from its card.
    await page.getByTestId('campaign-schedule').click();
    await page.getByTestId('campaign-selected-status').getByText('进行中').waitFor();
    // A bargain started through the API shows among the participants.
    await h.api('POST', `/v1/campaigns/${bg.id}/bargains`, { user_id: 'bg-user-1' });
    await page.getByTestId('campaign-participants').getByText('bg-user-1').waitFor();
    await page.getByTestId('campaign-participants').getByText('砍价中').waitFor();
    assert.deepEqual(await h.untranslated(page), []);
    assert.deepEqual(errors, []);
  });
});

test('presale, crowdfunding and referral drafts made in the wizard carry their settings', async (tc) => {
  await h.withPage(tc, async ({ page, errors }) => {
    await h.api('PUT', '/v1/points/types/coins', { name: 'Coins' });
    await h.signIn(page, h.owner);
    const made = async (kind: string, name: string, fill: () => Promise<void>, review?: () => Promise<void>) => {
      await start(page, kind);
      await page.getByTestId('wizard-name').fill(name);
      await page.getByTestId('wizard-next').click();
      await fill();
      await page.getByTestId('wizard-next').click();
      await review?.();
      await page.getByTestId('wizard-create-draft').click();
      await page.getByTestId('campaign-selected').getByText(name).waitFor();
    };
    await made('presale', '新品预售', async () => {
      await page.getByTestId('wizard-product').fill('sku-phone');
      await page.getByTestId('wizard-price').fill('5999');
      await page.getByTestId('wizard-deposit').fill('100');
      await page.getByTestId('wizard-deposit-value').fill('200');
    });
    await made('crowdfunding', '众筹新品', async () => {
      await page.getByTestId('wizard-goal').fill('10000');
      await page.getByTestId('wizard-tier1-name').fill('早鸟档');
      await page.getByTestId('wizard-tier1-amount').fill('99');
    });
    // The inviter earns 50 coins, the invitee a coupon (the template of the coupon test) and 7 VIP days from the host.
    await made(
      'referral',
      '三月老带新',
      async () => {
        await page.getByTestId('wizard-qualifying-event').fill('order.paid');
        await page.getByTestId('wizard-max-rewards').fill('5');
        await page.getByTestId('wizard-inviter-add-points').click();
        await h.choose(page, 'wizard-inviter-points1-type', 'Coins (coins)');
        await page.getByTestId('wizard-inviter-points1-amount').fill('50');
        await h.choose(page, 'wizard-invitee-coupons', '新人立减 10 元');
        await page.getByTestId('wizard-invitee-host').fill('[7]');
        await page.getByTestId('wizard-next').click();
        await page.getByTestId('wizard-invitee-reward').getByText('须为 JSON 对象').waitFor();
        await page.getByTestId('wizard-invitee-host').fill('{"vip_days":7}');
      },
      () => page.getByTestId('wizard-review-inviter').getByText('coins × 50').waitFor(),
    );
    const all = await campaigns();
    const ps = all.find((c) => c.kind === 'presale')!;
    const cf = all.find((c) => c.kind === 'crowdfunding')!;
    const rf = all.find((c) => c.kind === 'referral')!;
    assert.deepEqual([ps.settings.product_id, ps.settings.price, ps.settings.deposit, ps.settings.deposit_value], ['sku-phone', 599900, 10000, 20000]);
    assert.deepEqual([cf.settings.goal_type, cf.settings.goal, cf.settings.tiers], ['amount', 1000000, [{ id: 'basic', name: '早鸟档', amount: 9900 }]]);
    assert.equal(rf.settings.qualifying_event, 'order.paid');
    const templates = ((await h.api('GET', '/v1/coupon-templates')) as { data: { id: string; name: string }[] }).data;
    const welcome = templates.find((x) => x.name === '新人立减 10 元')!;
    const referral = (await h.api('GET', `/v1/campaigns/${rf.id}`)) as Campaign;
    assert.deepEqual(referral.settings.inviter_reward, { points: [{ type: 'coins', amount: 50 }], coupons: [] });
    assert.deepEqual(referral.settings.invitee_reward, { points: [], coupons: [welcome.id], host: { vip_days: 7 } });
    assert.equal(referral.settings.max_rewards_per_inviter, 5);
    assert.deepEqual(await h.untranslated(page), []);
    assert.deepEqual(errors, []);
  });
});

test('an analyst watches the monitor but has no button to create, schedule, cancel or issue', async (tc) => {
  await h.withPage(tc, async ({ page, errors }) => {
    await h.signIn(page, h.analyst);
    await h.open(page, '/campaigns', '[data-testid="campaign-name"]');
    await page.getByTestId('campaign-name').getByText('双十一秒杀 Double 11').click();
    await page.getByTestId('flash-monitor').waitFor();
    await statIs(page, 'monitor-remaining', '16');
    await page.getByTestId('fs-session-row-name').getByText('晚场').waitFor();
    for (const id of ['campaign-new', 'campaign-schedule', 'campaign-cancel', 'monitor-restock', 'fs-add-session', 'fs-add-item']) assert.equal(await page.getByTestId(id).count(), 0, id);
    await page.getByTestId('campaigns-tab-coupons').click();
    await page.getByTestId('coupon-template-name').first().waitFor();
    for (const id of ['coupon-new', 'coupon-issue-open', 'coupon-toggle']) assert.equal(await page.getByTestId(id).count(), 0, id);
    assert.deepEqual(errors, []);
  });
});
