// The messaging section in a real browser: a template written in zh-CN and English with its
// variables (found from the texts), previewed with its samples and with a sample user's traits,
// then composed and sent to a user from the composer — the message is in the user's inbox
// through the API and the send is listed as done; a rule made in the console messages the user
// when the host tracks an event. A frequency cap and quiet hours are saved. An
// XSS payload in the template body stays text; an analyst reads every tab and sees no mutating
// button; both languages translated.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closeDrawer, consoleHarness, XSS } from './harness.ts';

const USER = 'msg-user-1';
const ZH_BODY = `你好 {{name}}，送你 {{coupon}} 元优惠券 ${XSS.script}`;

const h = consoleHarness(async (h) => {
  await h.api('POST', `/v1/users/${USER}`, { traits: { name: '小明' }, locale: 'zh-CN', timezone: 'Asia/Shanghai' });
});

type Inbox = { data: { title: string; body: string; kind: string }[] };

test('a template in both languages, previewed, composed and sent lands in the user inbox', async (tc) => {
  await h.withPage(tc, async ({ page, dialogs, errors }) => {
    await h.signIn(page, h.owner);
    await h.open(page, '/messaging', '[data-testid="msg-templates"]');
    await page.getByTestId('msg-templates').getByText('还没有模板').waitFor();

    await page.getByTestId('msg-template-new').click();
    await page.getByTestId('msg-template-key').fill('welcome');
    await page.getByTestId('msg-template-zh-title-input').fill('欢迎 {{name}}');
    await page.getByTestId('msg-template-zh-body-input').fill(ZH_BODY);
    await page.getByTestId('msg-template-en-title-input').fill('Welcome {{name}}');
    await page.getByTestId('msg-template-en-body-input').fill('Hi {{name}}, here is a {{coupon}} yuan coupon');
    await page.getByTestId('msg-var-detect').click();
    assert.equal(await page.getByTestId('msg-var-row').count(), 2);
    await page.getByTestId('msg-var-sample').nth(0).fill('示例用户');
    await page.getByTestId('msg-var-sample').nth(1).fill('10');
    await page.getByTestId('msg-template-save').click();
    await page.getByTestId('msg-template-zh-title').getByText('欢迎 {{name}}').waitFor();
    assert.equal(await page.getByTestId('msg-template-zh-body').innerText(), ZH_BODY);
    const tpl = (await h.api('GET', '/v1/messaging/templates/welcome')) as { variables: Record<string, { sample: unknown }>; content: { en: { title: string } } };
    assert.deepEqual(tpl.variables, { name: { sample: '示例用户' }, coupon: { sample: 10 } });
    assert.equal(tpl.content.en.title, 'Welcome {{name}}');

    // Preview with the samples, then with the sample user's traits.
    await page.getByTestId('msg-template-preview').click();
    await page.getByTestId('msg-preview-title-zh-CN').getByText('欢迎 示例用户').waitFor();
    await page.getByTestId('msg-preview-title-en').getByText('Welcome 示例用户').waitFor();
    await page.getByTestId('msg-preview-user').fill(USER);
    await page.getByTestId('msg-preview-user').press('Enter');
    await page.getByTestId('msg-preview-title-zh-CN').getByText('欢迎 小明').waitFor();
    assert.equal(await page.getByTestId('msg-preview-body-zh-CN').innerText(), `你好 小明，送你 10 元优惠券 ${XSS.script}`);
    await closeDrawer(page);

    // Compose: the template, a coupon value, the user, in-app; preview; send.
    await page.getByTestId('msg-tab-sends').click();
    await page.getByTestId('msg-sends').getByText('还没有发送记录').waitFor();
    await h.choose(page, 'msg-compose-template', 'welcome');
    await page.getByTestId('msg-compose-var-coupon').fill('20');
    await page.getByTestId('msg-compose-users').locator('input').fill(USER);
    await page.getByTestId('msg-compose-users').locator('input').press('Enter');
    await page.getByTestId('msg-compose-preview').click();
    await page.getByTestId('msg-preview-body-en').getByText('Hi 示例用户, here is a 20 yuan coupon').waitFor();
    await page.getByTestId('msg-compose-send').click();
    await page.locator('.ant-message-success').getByText('已发给 1 位用户').waitFor();
    await page.getByTestId('msg-send-status').getByText('已完成').waitFor();
    assert.equal(await page.getByTestId('msg-send-template').innerText(), 'welcome');

    // The user's inbox through the API: their language, their name, the coupon, the payload as text.
    const inbox = (await h.api('GET', `/v1/users/${USER}/inbox`)) as Inbox;
    const msg = inbox.data.find((m) => m.kind === 'message');
    assert.ok(msg, JSON.stringify(inbox));
    assert.equal(msg.title, '欢迎 小明');
    assert.equal(msg.body, `你好 小明，送你 20 元优惠券 ${XSS.script}`);

    await page.getByTestId('msg-send-stats').click();
    await page.getByTestId('msg-send-detail').waitFor();
    await closeDrawer(page);

    // A rule: when the host tracks order.shipped, the user gets the template with the amount.
    await page.getByTestId('msg-tab-rules').click();
    await page.getByTestId('msg-rules').getByText('还没有消息规则').waitFor();
    await page.getByTestId('msg-rule-event').fill('order.shipped');
    await page.getByTestId('msg-rule-event').press('Tab');
    await page.getByTestId('msg-rule-recipient').fill('userId');
    await h.choose(page, 'msg-rule-template', 'welcome');
    await page.getByTestId('msg-rule-data').fill('coupon=properties.amount');
    await page.getByTestId('msg-rule-add').click();
    await page.getByTestId('msg-rule-template-cell').getByText('welcome').waitFor();
    await h.api('POST', '/v1/events', { events: [{ event_id: 'msg-e1', user_id: USER, name: 'order.shipped', timestamp: new Date().toISOString(), properties: { amount: 30 } }] });
    for (const until = Date.now() + 20_000; ; ) {
      const items = ((await h.api('GET', `/v1/users/${USER}/inbox`)) as Inbox).data;
      if (items.some((m) => m.body === `你好 小明，送你 30 元优惠券 ${XSS.script}`)) break;
      assert.ok(Date.now() < until, `the rule's message arrived: ${JSON.stringify(items)}`);
      await new Promise((r) => setTimeout(r, 100));
    }

    // Contact budget: a cap of 3 a day and quiet hours.
    await page.getByTestId('msg-tab-budget').click();
    await page.getByTestId('msg-cap-max').fill('3');
    await page.getByTestId('msg-cap-add').click();
    await page.getByTestId('msg-cap-limit').getByText('每天最多 3 条').waitFor();
    await page.getByTestId('msg-quiet-on').click();
    await page.getByTestId('msg-quiet-start').fill('22:30');
    await page.getByTestId('msg-quiet-end').fill('07:30');
    await page.getByTestId('msg-settings-save').click();
    for (const until = Date.now() + 10_000; ; ) {
      const s = (await h.api('GET', '/v1/messaging/settings')) as { quiet_hours: { start: string; end: string } | null };
      if (s.quiet_hours?.start === '22:30' && s.quiet_hours.end === '07:30') break;
      assert.ok(Date.now() < until, `quiet hours saved: ${JSON.stringify(s)}`);
      await new Promise((r) => setTimeout(r, 100));
    }

    assert.deepEqual(await h.untranslated(page), []);
    await h.assertInert(page, dialogs);
    await h.toEnglish(page);
    await page.getByText('Contact budget (frequency caps)').waitFor();
    assert.deepEqual(await h.untranslated(page), []);
    assert.deepEqual(errors, []);
  });
});

test('an analyst reads every messaging tab and sees no mutating button', async (tc) => {
  await h.withPage(tc, async ({ page, dialogs, errors }) => {
    await h.signIn(page, h.analyst);
    await h.open(page, '/messaging', '[data-testid="msg-templates"]');
    await page.getByTestId('msg-template-zh-body').getByText(ZH_BODY).waitFor();
    const mutating = ['msg-template-new', 'msg-template-edit', 'msg-template-delete', 'msg-compose-send', 'msg-send-cancel', 'msg-ann-new', 'msg-ann-withdraw', 'msg-cap-add', 'msg-cap-delete', 'msg-settings-save', 'msg-rule-add', 'msg-rule-delete'];
    const checks: Record<string, string> = { templates: 'msg-templates', sends: 'msg-sends', announcements: 'msg-announcements', budget: 'msg-caps', rules: 'msg-rules', stats: 'msg-stats-campaign' };
    for (const [key, ready] of Object.entries(checks)) {
      await page.getByTestId(`msg-tab-${key}`).click();
      await page.getByTestId(ready).waitFor();
      await page.locator('.ant-spin-spinning').first().waitFor({ state: 'detached' }).catch(() => {});
      for (const id of mutating) assert.equal(await page.getByTestId(id).count(), 0, `${key}: ${id} shown to an analyst`);
      assert.equal(await page.locator('.ant-switch:visible:not(.ant-switch-disabled)').count(), 0, `${key}: an enabled switch`);
      assert.deepEqual(await h.untranslated(page), [], key);
    }
    await page.getByTestId('msg-tab-sends').click();
    await page.getByTestId('msg-send-template').getByText('welcome').first().waitFor();
    // Templates are still previewable (a read).
    await page.getByTestId('msg-tab-templates').click();
    await page.getByTestId('msg-template-preview').click();
    await page.getByTestId('msg-preview-body-zh-CN').getByText(XSS.script, { exact: false }).waitFor();
    await h.assertInert(page, dialogs);
    assert.deepEqual(errors, []);
  });
});
