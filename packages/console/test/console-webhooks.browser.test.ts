// The webhooks section in a real browser, against a receiver on 127.0.0.1: an endpoint added from
// the form (its secret shown once), a test call answered, a domain event delivered and its payload
// and the receiver's answer shown, a redelivery, the secret rotated, the endpoint disabled and
// deleted; a receiver's answer with markup stays text; both languages; an analyst sees no section.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { parseAllowList } from '../../server/src/lib/net-guard.ts';
import { closeDrawer, consoleHarness, XSS } from './harness.ts';

const received: { type: string; signature: string }[] = [];
let receiver: http.Server;
let url = '';

before(async () => {
  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      received.push({ type: (JSON.parse(body) as { type: string }).type, signature: String(req.headers['canyu-signature'] ?? '') });
      res.writeHead(200, { 'content-type': 'text/plain' }).end(`ok ${XSS.script}`);
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
});
after(() => receiver.close());

/** Closes the secret dialog, again if the click landed while it was still opening (a loaded machine). */
async function closeSecret(page: Page): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await page.locator('.ant-modal-confirm-btns .ant-btn:visible').click();
    try {
      await page.getByTestId('webhook-secret').waitFor({ state: 'detached', timeout: 3000 });
      await page.locator('.ant-modal-wrap:visible').waitFor({ state: 'detached', timeout: 3000 });
      return;
    } catch (err) {
      if (attempt >= 3) throw err;
    }
  }
}

const h = consoleHarness(undefined, { config: { webhookAllowPrivate: parseAllowList('127.0.0.1') } });

test('endpoints, a test call, the delivery log with payload and answer, redelivery, rotation, disable and delete', async (tc) => {
  await h.withPage(tc, async ({ page, dialogs, errors }) => {
    await h.signIn(page, h.owner);
    await h.open(page, '/webhooks', '[data-testid="webhook-endpoints"]');
    await page.getByTestId('webhook-url').fill(url);
    await page.getByTestId('webhook-events').locator('input').fill('webhook.test, user.identified');
    await page.getByTestId('webhook-events').locator('input').press('Enter');
    await page.getByTestId('webhook-create').click();
    const secret = await page.getByTestId('webhook-secret').innerText();
    assert.match(secret, /^whsec_/);
    await closeSecret(page);
    await page.getByTestId('webhook-endpoint-url').getByText(url).waitFor();
    const eps = (await h.api('GET', '/v1/webhooks/endpoints')) as { data: { id: string; event_types: string[] }[] };
    assert.deepEqual(eps.data[0]!.event_types, ['webhook.test', 'user.identified']);

    await page.getByTestId('webhook-test').click();
    await page.locator('.ant-message-success').getByText('测试成功').waitFor();
    assert.ok(received.some((r) => r.type === 'webhook.test' && r.signature.includes('v1=')), JSON.stringify(received));

    // A domain event the endpoint listens to: delivered (the API says so), then shown in the log.
    await h.api('POST', '/v1/users/hooked-user', { traits: { plan: 'gold' } });
    for (const until = Date.now() + 20_000; ; ) {
      const d = (await h.api('GET', '/v1/webhooks/deliveries?event_type=user.identified')) as { data: { status: string }[] };
      if (d.data.some((x) => x.status === 'succeeded')) break;
      assert.ok(Date.now() < until, 'the user.identified delivery succeeded');
      await new Promise((r) => setTimeout(r, 100));
    }
    await h.open(page, '/webhooks', '[data-testid="webhook-endpoints"]');
    await page.getByTestId('webhook-deliveries').click();
    await page.getByTestId('delivery-event').getByText('user.identified').waitFor();
    await page.getByTestId('delivery-event').getByText('webhook.test').click();
    await page.getByTestId('webhook-answer').first().waitFor();
    assert.equal(await page.getByTestId('webhook-answer').first().innerText(), `ok ${XSS.script}`);
    assert.match(await page.getByTestId('webhook-payload').innerText(), /"type": "webhook.test"/);
    await page.getByTestId('webhook-redeliver').click();
    await page.locator('.ant-message-success').getByText('已重新排队投递').waitFor();
    // The redelivery reaches the receiver again.
    for (const until = Date.now() + 20_000; received.filter((r) => r.type === 'webhook.test').length < 2; ) {
      assert.ok(Date.now() < until, 'the redelivered test event arrived');
      await new Promise((r) => setTimeout(r, 100));
    }
    await closeDrawer(page);

    await page.getByTestId('webhook-rotate').click();
    await h.confirm(page);
    const rotated = await page.getByTestId('webhook-secret').innerText();
    assert.ok(rotated.startsWith('whsec_') && rotated !== secret);
    await closeSecret(page);

    await page.getByTestId('webhook-enabled').click();
    await page.locator('[data-testid="webhook-enabled"][aria-checked="false"]').waitFor();
    assert.equal(((await h.api('GET', '/v1/webhooks/endpoints')) as { data: { enabled: boolean }[] }).data[0]!.enabled, false);

    assert.deepEqual(await h.untranslated(page), []);
    await h.assertInert(page, dialogs);
    await h.toEnglish(page);
    await page.getByText('Endpoints', { exact: true }).waitFor();
    assert.deepEqual(await h.untranslated(page), []);

    await page.getByTestId('webhook-delete').click();
    await h.confirm(page);
    await page.getByTestId('webhook-endpoint-url').waitFor({ state: 'detached' });
    assert.deepEqual(((await h.api('GET', '/v1/webhooks/endpoints')) as { data: unknown[] }).data, []);
    assert.deepEqual(errors, []);
  });
});

test('an analyst has no webhooks section', async (tc) => {
  await h.withPage(tc, async ({ page }) => {
    await h.signIn(page, h.analyst);
    await h.open(page, '/dashboard', '.ant-menu');
    assert.equal(await page.locator('.ant-menu-item', { hasText: 'Webhooks' }).count(), 0);
  });
});
