// The customer-service (客服) section in a real browser: the queue fills live from the operator
// stream (a conversation opened through the API appears without a reload), an agent claims it,
// answers with a canned reply, writes an internal note the user never sees, and resolves it; the
// user's XSS message stays text; an analyst reads but has no buttons; both languages translated.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { consoleHarness, XSS } from './harness.ts';

const FIRST = `${XSS.script}我的订单还没到`;
let firstId = '';

const h = consoleHarness(async (h) => {
  await h.api('PUT', '/v1/service/settings', { bot_enabled: false });
  await h.api('POST', '/v1/service/canned', { title: '物流查询 Shipping', body: '您好，已为您查询物流，预计明天送达。' });
  const r = (await h.api('POST', '/v1/service/conversations', { user_id: 'cs-1', text: FIRST })) as { conversation: { id: string } };
  firstId = r.conversation.id;
});

type Msg = { text: string; internal: boolean; author: { kind: string } };

test('the queue fills live; an agent claims, replies with a canned answer, notes internally and resolves', async (tc) => {
  await h.withPage(tc, async ({ page, dialogs, errors }) => {
    await h.signIn(page, h.owner);
    await h.open(page, '/service', '[data-testid="service-queue"]');
    await page.getByTestId('service-live').getByText('实时').waitFor();
    await page.getByTestId('service-conv-user').getByText('cs-1', { exact: true }).waitFor();
    // A conversation opened now shows up in the open queue without a reload.
    await h.api('POST', '/v1/service/conversations', { user_id: 'cs-2', text: 'hello?' });
    await page.getByTestId('service-conv-user').getByText('cs-2', { exact: true }).waitFor();

    await page.getByTestId('service-conv-user').getByText('cs-1', { exact: true }).click();
    await page.getByTestId('service-message-text').getByText(FIRST).waitFor();
    await page.getByTestId('service-claim').click();
    await page.getByTestId('service-detail-status').getByText('接待中').waitFor();

    // The canned reply fills the answer box (the select itself stays empty).
    const CANNED = '您好，已为您查询物流，预计明天送达。';
    await h.choose(page, 'service-canned', '物流查询', () =>
      page.waitForFunction((want) => (globalThis as unknown as { document: { querySelector(s: string): { value?: string } | null } }).document.querySelector('[data-testid="service-reply"]')?.value === want, CANNED, { timeout: 3000 }),
    );
    await page.getByTestId('service-send').click();
    await page.getByTestId('service-message-text').getByText('预计明天送达').waitFor();

    await page.getByTestId('service-internal').check();
    await page.getByTestId('service-reply').fill('用户情绪激动，优先处理');
    await page.getByTestId('service-send').click();
    await page.getByTestId('service-message').filter({ hasText: '优先处理' }).getByText('内部备注', { exact: true }).waitFor();

    // The user's view: the agent's answer, never the note.
    const token = (await h.api('POST', '/v1/users/cs-1/tokens', {})) as { token: string };
    const forUser = await fetch(`${h.base}/v1/service/conversations/${firstId}/messages`, { headers: { authorization: `Bearer ${h.tenant.publishableKey}`, 'x-user-token': token.token } });
    const texts = ((await forUser.json()) as { data: Msg[] }).data.map((m) => m.text);
    assert.ok(texts.includes('您好，已为您查询物流，预计明天送达。') && !texts.some((x) => x.includes('优先处理')), JSON.stringify(texts));

    await page.getByTestId('service-resolve').click();
    await page.getByTestId('service-detail-status').getByText('已结束').waitFor();
    const c = (await h.api('GET', `/v1/service/conversations/${firstId}`)) as { status: string };
    assert.equal(c.status, 'resolved');

    assert.deepEqual(await h.untranslated(page), []);
    await h.assertInert(page, dialogs);
    await h.toEnglish(page);
    await page.getByTestId('service-live').getByText('Live').waitFor();
    assert.deepEqual(await h.untranslated(page), []);
    assert.deepEqual(errors, []);
  });
});

test('an analyst reads conversations but has no buttons to work them', async (tc) => {
  await h.withPage(tc, async ({ page, errors }) => {
    await h.signIn(page, h.analyst);
    await h.open(page, '/service', '[data-testid="service-queue"]');
    await page.getByTestId('service-tab-all').click();
    await page.getByTestId('service-conv-user').getByText('cs-1', { exact: true }).click();
    await page.getByTestId('service-message-text').getByText(FIRST).waitFor();
    assert.equal(await page.getByTestId('service-claim').count(), 0);
    assert.equal(await page.getByTestId('service-reply').count(), 0);
    assert.equal(await page.getByTestId('service-agent-status').count(), 0);
    assert.deepEqual(errors, []);
  });
});

test('the FAQ tab: an entry made in the form answers a tried question, disabling it takes it out; an analyst cannot edit', async (tc) => {
  const question = `${XSS.trait}怎么申请退款？`;
  await h.withPage(tc, async ({ page, dialogs, errors }) => {
    await h.signIn(page, h.owner);
    await h.open(page, '/service', '[data-testid="service-queue"]');
    await page.getByTestId('service-section-faq').click();
    await page.getByTestId('faq-new').click();
    await page.getByTestId('faq-form-question').fill(question);
    await page.getByTestId('faq-form-variants').fill('退款流程是什么\n钱怎么退回来');
    await page.getByTestId('faq-form-answer').fill('在订单详情页点击“申请退款”，1-3 个工作日原路退回。');
    await page.getByTestId('faq-form-category').fill('售后');
    await page.getByTestId('faq-form-save').click();
    await page.getByTestId('faq-question').getByText(question).waitFor();
    const listed = (await h.api('GET', '/v1/faq/entries')) as { data: { question: string; variants: string[]; category: string }[] };
    assert.deepEqual(listed.data.map((e) => [e.question, e.variants, e.category]), [[question, ['退款流程是什么', '钱怎么退回来'], '售后']]);

    await page.getByTestId('faq-try').fill('退款流程');
    await page.getByTestId('faq-try').press('Enter');
    await page.getByTestId('faq-hit-question').getByText(question).waitFor();
    await page.getByTestId('faq-enabled').click();
    await page.locator('[data-testid="faq-enabled"][aria-checked="false"]').waitFor();
    await page.getByTestId('faq-try').fill('钱怎么退');
    await page.getByTestId('faq-try').press('Enter');
    await page.getByTestId('faq-hits').getByText('没有找到能回答的条目').waitFor();

    assert.deepEqual(await h.untranslated(page), []);
    await h.assertInert(page, dialogs);
    assert.deepEqual(errors, []);
  });
  await h.withPage(tc, async ({ page }) => {
    await h.signIn(page, h.analyst);
    await h.open(page, '/service', '[data-testid="service-queue"]');
    await page.getByTestId('service-section-faq').click();
    await page.getByTestId('faq-question').first().waitFor();
    assert.equal(await page.getByTestId('faq-new').count(), 0);
    assert.equal(await page.getByTestId('faq-edit').count(), 0);
  });
});
