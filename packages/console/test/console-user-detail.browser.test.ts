// The console's user profile beyond traits and points: the user's messages (an XSS title shown as
// text), coupons, level and badges, events timeline, and erasing the user after typing the id;
// an analyst sees the cards but no erase button.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { consoleHarness, seedUserAndOperator, XSS } from './harness.ts';

const userId = 'u-profile-1';
const victim = 'u-erase-1';
const TITLE = `${XSS.trait} 欢迎 welcome`;

const h = consoleHarness(async (h) => {
  await seedUserAndOperator(h, userId);
  await h.api('POST', `/v1/users/${victim}`, { traits: { plan: 'free' } });
  await h.api('POST', '/v1/messaging/sends', { to: { user_id: userId }, content: { 'zh-CN': { title: TITLE, body: 'b' }, en: { title: TITLE, body: 'b' } }, category: 'system' });
  const tp = (await h.api('POST', '/v1/coupon-templates', { name: '新人券 newcomer', kind: 'fixed', amount: 500, valid_days: 7 })) as { id: string };
  await h.api('POST', `/v1/coupon-templates/${tp.id}/issue`, { user_ids: [userId], key: 'profile-seed' });
  const badge = (await h.api('POST', '/v1/badges', { key: 'helper', name: '热心用户 helper', criteria: { kind: 'manual' } })) as { id: string };
  await h.api('POST', `/v1/users/${userId}/badges/${badge.id}`, {});
  await h.api('POST', '/v1/events', { events: [{ event_id: 'ev-profile-1', user_id: userId, name: 'video.watched', properties: { video: 'BV1xx', note: XSS.script } }] });
  // A send is delivered by the dispatcher: wait until it is in the inbox.
  for (let i = 0; ; i++) {
    const inbox = (await h.api('GET', `/v1/users/${userId}/inbox`)) as { data: unknown[] };
    if (inbox.data.length > 0) break;
    if (i > 100) throw new Error('the message never reached the inbox');
    await new Promise((r) => setTimeout(r, 100));
  }
});
const { withPage, signIn, open } = h;

test('the profile shows messages, coupons, level and badges, events; user text stays text', async (tc) => {
  await withPage(tc, async ({ page, dialogs, errors }) => {
    await signIn(page, h.owner);
    await open(page, `/users/${userId}`, '[data-testid="user-message-title"]');
    assert.equal(await page.getByTestId('user-message-title').first().innerText(), TITLE);
    assert.equal(await page.getByTestId('user-message-read').first().innerText(), '未读');
    await page.getByTestId('user-coupon-template').first().waitFor();
    assert.equal(await page.getByTestId('user-coupon-template').first().innerText(), '新人券 newcomer');
    assert.equal(await page.getByTestId('user-coupon-status').first().innerText(), '可使用');
    await page.getByTestId('user-badge').first().waitFor();
    assert.equal(await page.getByTestId('user-badge').first().innerText(), '热心用户 helper');
    await page.getByTestId('user-level').waitFor();
    await page.getByTestId('user-event-name').first().waitFor();
    assert.equal(await page.getByTestId('user-event-name').first().innerText(), 'video.watched');
    const props = await page.getByTestId('user-event-properties').first().innerText();
    assert.ok(props.includes('BV1xx') && props.includes(XSS.script), `properties as text: ${props}`);
    assert.deepEqual(await h.untranslated(page), []);
    await h.toEnglish(page);
    await page.getByText('Events timeline').waitFor();
    assert.deepEqual(await h.untranslated(page), []);
    await h.assertInert(page, dialogs);
    assert.deepEqual(errors, []);
  });
});

test('an analyst sees the profile cards but no erase button', async (tc) => {
  await withPage(tc, async ({ page }) => {
    await signIn(page, h.analyst);
    await open(page, `/users/${userId}`, '[data-testid="user-event-name"]');
    await page.getByTestId('user-message-title').first().waitFor();
    assert.equal(await page.getByTestId('erase-user').count(), 0);
  });
});

test('erasing asks for the user id typed back, then the user is gone', async (tc) => {
  await withPage(tc, async ({ page }) => {
    await signIn(page, h.owner);
    await open(page, `/users/${victim}`, '[data-testid="erase-user"]');
    await page.getByTestId('erase-user').click();
    const submit = page.locator('.ant-modal:visible .ant-btn-dangerous.ant-btn-primary, .ant-modal:visible .ant-btn-dangerous').last();
    await page.getByTestId('erase-typed').fill('u-erase-');
    assert.equal(await submit.isDisabled(), true, 'a wrong id does not enable erase');
    await page.getByTestId('erase-typed').fill(victim);
    await submit.click();
    await page.waitForURL((u) => u.pathname.replace(/\/$/, '').endsWith('/console/users'));
    const r = await fetch(`${h.base}/v1/users/${victim}`, { headers: { authorization: `Bearer ${h.tenant.secretKey}` } });
    assert.equal(r.status, 404);
  });
});
