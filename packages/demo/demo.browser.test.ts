// The demo host app end to end (harness.ts: the demo started once, a real chromium): the video
// page (a like through <canyu-triple> stored and received by the host as a verified webhook; the
// hot list through the SDK), the daily page (check-in, lottery odds), the feedback board, and the
// shop (Pinduoduo/Meituan: 拼团, 砍价, red packet, coupons).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { waitFor } from '../server/src/testing/wait.ts';
import { demoHarness } from './harness.ts';

const h = demoHarness();
const { api, canyu, openPage, withPage } = h;

test('video page: a like through <canyu-triple> is stored, reaches the host as a verified webhook; the hot list comes through the SDK', async () => {
  const user = 'u001';
  const video = h.demo.seed.videos[0]!;
  const likers = () => canyu<{ data: { user_id: string }[] }>(`/v1/subjects/video/${video.id}/likers?limit=200`);
  assert.ok(!(await likers()).data.some((l) => l.user_id === user), 'the picker users start without likes');
  await withPage(`${h.demo.pages.video}?user=${user}`, async (p, errors) => {
    assert.equal(await p.locator('#video-title').innerText(), video.title);
    // The hot list (GET /v1/hot through the SDK's browser build, cross-origin) lists the seeded videos.
    await p.locator('#hot li').first().waitFor();
    assert.ok((await p.locator('#hot li').count()) >= 3);
    const like = p.locator('canyu-triple button.like');
    await like.waitFor();
    assert.equal(await like.getAttribute('aria-pressed'), 'false');
    await like.click();
    await p.locator('canyu-triple button.like[aria-pressed=true]').waitFor();
    await waitFor('the like stored', async () => (await likers()).data.some((l) => l.user_id === user));
    // The host's backend got interaction.liked, its signature checked by verifyWebhook; the page shows it.
    await waitFor('the webhook received', () => h.demo.webhooks.some((w) => w.type === 'interaction.liked' && (w.data as { user_id?: string }).user_id === user));
    await p.locator('#webhooks code', { hasText: 'interaction.liked' }).first().waitFor();
    // 投币: a coin from the visitor's seeded coins is paid to the uploader.
    const coinsOf = async (u: string) => (await canyu<{ balance: number }>(`/v1/users/${u}/points/coin`)).balance;
    const [mine, uploader] = await Promise.all([coinsOf(user), coinsOf(video.author)]);
    await p.locator('canyu-triple button.coin').click();
    await p.locator('canyu-triple button.coin[aria-pressed=true][aria-busy=false]').waitFor();
    assert.deepEqual(await Promise.all([coinsOf(user), coinsOf(video.author)]), [mine - 1, uploader + 1]);
    // 每周必看: the week's ranking of videos.
    await p.locator('canyu-leaderboard li[data-id]').first().waitFor();
    // The comments and the danmaku loaded with the seeded ids.
    await p.locator('canyu-danmaku[data-live=joined]').waitFor({ state: 'attached' });
    assert.deepEqual(errors, []);
  });
});

test('daily page: checking in through <canyu-checkin> is stored; the lottery shows its odds', async () => {
  const user = 'u002';
  await withPage(`${h.demo.pages.daily}?user=${user}`, async (p, errors) => {
    const button = p.locator('canyu-checkin button.primary');
    await button.waitFor();
    assert.equal(await button.innerText(), '签到');
    await button.click();
    await p.locator('canyu-checkin .day.today.on').waitFor();
    const month = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit' }).format(new Date()).slice(0, 7);
    const cal = await canyu<Record<string, unknown>>(`/v1/users/${user}/checkins?month=${month}`);
    assert.match(JSON.stringify(cal), /"streak":1|"current_streak":1/, JSON.stringify(cal));
    await p.locator('canyu-lottery table tr[data-id]').first().waitFor();
    // The week's points board (GET /v1/points/leaderboard) says where the visitor stands, exactly.
    const board = await canyu<{ me: { rank: number | null; score: number } }>(`/v1/points/leaderboard?type=points&period=week&timezone=Asia%2FShanghai&user_id=${user}`);
    assert.ok(board.me.score >= 5, JSON.stringify(board));
    await p.locator('canyu-leaderboard [role=status]', { hasText: `第 ${board.me.rank} 名` }).waitFor();
    assert.deepEqual(errors, []);
  });
});

test('feedback page: the seeded board lists the most voted idea first; a vote through <canyu-feedback-board> is stored', async () => {
  const user = 'u003';
  await withPage(`${h.demo.pages.feedback}?user=${user}`, async (p, errors) => {
    const first = p.locator('canyu-feedback-board li[data-id]').first();
    await first.waitFor();
    assert.equal(await first.locator('.badge').innerText(), '已计划');
    const id = (await first.getAttribute('data-id'))!;
    await first.locator('button.vote').click();
    await first.locator('button.vote[aria-pressed=true][aria-busy=false]').waitFor();
    const post = await canyu<{ my_vote: boolean }>(`/v1/feedback/posts/${id}?user_id=${user}`);
    assert.equal(post.my_vote, true);
    await p.locator('canyu-poll input[type=radio]').first().waitFor();
    assert.deepEqual(errors, []);
  });
});

test('shop page (Pinduoduo/Meituan): a 3-person team fills and completes; friends cut the bargain price; the red packet opens; a claimed coupon is in "my coupons"', async () => {
  const leader = await openPage(`${h.demo.url}/shop.html?user=u004`);
  try {
    const { p } = leader;
    // Group buy: u004 starts a team and gets its share link.
    await p.locator('#gb-open').click();
    const mine = p.locator('#my-teams li[data-team]').first();
    await mine.waitFor();
    assert.equal(await mine.getAttribute('data-status'), 'open');
    const teamId = (await mine.getAttribute('data-team'))!;
    const link = await mine.locator('[data-role=share]').innerText();
    const code = new URL(link).searchParams.get('join')!;
    // u005 opens the shared link in another browser: joined at once, then pays on the page.
    const friend = await openPage(`${link}&user=u005`);
    try {
      const theirs = friend.p.locator(`#my-teams li[data-team="${teamId}"]`);
      await theirs.locator('[data-role=pay]').click();
      await theirs.locator('.badge.ok').waitFor();
      // u001 joins through the API and pays through the host's backend (it confirms the seat).
      await api('POST', '/v1/group-buy/join', { share_code: code, user_id: 'u001' });
      const paid = await fetch(`${h.demo.url}/api/shop/pay?user=u001&team=${teamId}`, { method: 'POST' });
      assert.equal(paid.status, 200, await paid.text());
      // The leader pays last: the third confirmation completes the team, on both pages.
      await mine.locator('[data-role=pay]').click();
      await p.locator(`#my-teams li[data-team="${teamId}"][data-status=succeeded]`).waitFor();
      await friend.p.locator(`#my-teams li[data-team="${teamId}"][data-status=succeeded]`).waitFor();
      const team = await api<{ status: string; confirmed_count: number; members: { user_id: string }[] }>('GET', `/v1/group-buy/teams/${teamId}`);
      assert.equal(team.status, 'succeeded');
      assert.equal(team.confirmed_count, 3);
      assert.deepEqual(team.members.map((m) => m.user_id).sort(), ['u001', 'u004', 'u005']);

      // Bargain: u004 starts one; u005 cuts from the shared link, u002 through the API.
      await p.locator('#bg-start').click();
      const card = p.locator('#my-bargain [data-bargain]');
      await card.waitFor();
      assert.equal(await card.locator('[data-role=price]').innerText(), '¥199.00');
      const bargainId = (await card.getAttribute('data-bargain'))!;
      await friend.p.goto(`${h.demo.url}/shop.html?user=u005&bargain=${bargainId}`);
      await friend.p.locator(`#friend-bargains [data-bargain="${bargainId}"] [data-role=cut]`).click();
      await api('POST', `/v1/bargains/${bargainId}/cuts`, { user_id: 'u002' });
      await waitFor('both cuts shown on the starter\'s page', async () => (await card.locator('ul li').count()) === 2);
      const price = Number((await card.locator('[data-role=price]').innerText()).slice(1));
      const stored = await api<{ current_price: number; cuts: number }>('GET', `/v1/bargains/${bargainId}`);
      assert.equal(stored.cuts, 2);
      assert.ok(price < 199 && Math.round(price * 100) === stored.current_price, `${price} vs ${stored.current_price}`);
      assert.deepEqual(friend.errors, []);
    } finally {
      await friend.close();
    }

    // The daily red packet: the first open today grants points.
    await p.locator('#red-packet').click();
    const packet = p.locator('#red-packet-result[data-amount]');
    await packet.waitFor();
    assert.ok(Number(await packet.getAttribute('data-amount')) >= 1);
    // A coupon claimed appears in "my coupons".
    const template = h.demo.seed.playbooks.shop.coupons[0]!;
    await p.locator(`#coupons [data-template="${template}"] [data-role=claim]`).click();
    await p.locator(`#my-coupons [data-template="${template}"]`).waitFor();
    const coupons = await canyu<{ data: { template_id: string; status: string }[] }>('/v1/users/u004/coupons');
    assert.deepEqual(coupons.data.map((c) => [c.template_id, c.status]), [[template, 'available']]);
    assert.deepEqual(leader.errors, []);
  } finally {
    await leader.close();
  }
});
