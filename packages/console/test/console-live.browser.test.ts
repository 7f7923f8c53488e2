// The live rooms monitor (messaging section) in a real browser: a room opened from the form, its
// chat and likes sent through the API show up without a reload (the monitor polls), chat with
// markup stays text, closing the room ends it for the API too; an analyst has no live tab.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { consoleHarness, XSS } from './harness.ts';

const h = consoleHarness();

test('a room opened in the console shows its chat and likes live, as text; closing it ends it', async (tc) => {
  await h.withPage(tc, async ({ page, dialogs }) => {
    await h.signIn(page, h.owner);
    await h.open(page, '/messaging?tab=live', '[data-testid="live-rooms"]');
    await page.getByText('没有直播间').waitFor();
    await page.getByTestId('live-new-title').fill('猫猫直播间');
    await page.getByTestId('live-new').click();
    await page.getByTestId('live-room-title').getByText('猫猫直播间').waitFor();
    const rooms = (await h.api('GET', '/v1/live/rooms')) as { data: { id: string; title: string }[] };
    const room = rooms.data.find((r) => r.title === '猫猫直播间')!;
    assert.ok(room);
    await h.api('POST', `/v1/live/rooms/${room.id}/messages`, { user_id: 'viewer-1', text: `前方高能 ${XSS.trait}` });
    await h.api('POST', `/v1/live/rooms/${room.id}/likes`, { user_id: 'viewer-1', count: 5 });
    await page.getByTestId('live-chat-text').getByText(`前方高能 ${XSS.trait}`).waitFor();
    await page.locator('[data-testid="live-messages"]', { hasText: '1' }).waitFor();
    await page.locator('[data-testid="live-likes"]', { hasText: '5' }).waitFor({ timeout: 20_000 });
    await page.getByTestId('live-close').click();
    await h.confirm(page);
    await page.locator('.ant-tag', { hasText: '已结束' }).first().waitFor();
    assert.equal(((await h.api('GET', `/v1/live/rooms/${room.id}`)) as { status: string }).status, 'closed');
    await h.assertInert(page, dialogs);
  });
});

test('an analyst has no live rooms tab', async (tc) => {
  await h.withPage(tc, async ({ page }) => {
    await h.signIn(page, h.analyst);
    await h.open(page, '/messaging', '[data-testid="msg-tab-templates"]');
    assert.equal(await page.getByTestId('msg-tab-live').count(), 0);
  });
});
