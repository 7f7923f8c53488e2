// The demo's other seed playbooks end to end (harness.ts: the demo started once, a real chromium):
// Starbucks hashtag UGC, Nike By You creations, Xiaomi MIUI core users and the QQ Mail
// 1000/100/10 workload view. A file of their own keeps each file well inside the runner's limit.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { waitFor } from '../server/src/testing/wait.ts';
import { demoHarness } from './harness.ts';

const h = demoHarness();
const { api, canyu, openPage, withPage } = h;

test('UGC page (Starbucks): an entry posted with the hashtag waits for review, is approved by an operator, appears in the gallery as text, is liked from another browser and announced as a winner', async () => {
  const author = await openPage(`${h.demo.url}/ugc.html?user=u001`);
  try {
    const { p } = author;
    await p.locator('body[data-ugc=ready]').waitFor({ state: 'attached' });
    assert.ok((await p.locator('#gallery [data-entry]').count()) >= 3, 'the seeded gallery');
    await p.locator('#winners li[data-entry]').first().waitFor();
    const text = '#星巴克猫爪杯# 我的 <b>猫爪杯</b> 拿铁';
    await p.locator('#entry-text').fill(text);
    await p.locator('#entry-form button[type=submit]').click();
    const mine = p.locator('#my-entries li[data-status=pending]').first();
    await mine.waitFor();
    const entryId = (await mine.getAttribute('data-entry'))!;
    // The operator approves it (the moderation queue, as the console would).
    await api('POST', `/v1/stories/entries/${entryId}/moderation`, { decision: 'approve' });
    const fan = await openPage(`${h.demo.url}/ugc.html?user=u002`);
    try {
      await fan.p.locator('body[data-ugc=ready]').waitFor({ state: 'attached' });
      const tile = fan.p.locator(`#gallery [data-entry="${entryId}"]`);
      assert.equal(await tile.locator('[data-role=text]').innerText(), text, 'user text is shown as text');
      assert.equal(await tile.locator('b').count(), 0, 'never as markup');
      await tile.locator('[data-role=like]').click();
      await fan.p.locator(`#gallery [data-entry="${entryId}"] [data-role=like][aria-pressed=true]`).waitFor();
      assert.equal((await api<{ likes: number }>('GET', `/v1/stories/entries/${entryId}`)).likes, 1);
      assert.deepEqual(fan.errors, []);
    } finally {
      await fan.close();
    }
    // Winners announced: the operator adds this entry; the page lists it.
    await api('POST', `/v1/stories/campaigns/${h.demo.seed.playbooks.ugc.campaign}/winners`, { prize: '星礼卡 100 元', entry_ids: [entryId] });
    await p.reload();
    await p.locator(`#winners li[data-entry="${entryId}"]`).waitFor();
    await p.locator(`#my-entries li[data-entry="${entryId}"][data-status=approved]`).waitFor();
    assert.deepEqual(author.errors, []);
  } finally {
    await author.close();
  }
});

test('creations page (Nike By You): a shared design is liked through <canyu-like> from another browser, its comments open, and featuring it puts it among the picks', async () => {
  const maker = await openPage(`${h.demo.url}/creations.html?user=u001`);
  try {
    const { p } = maker;
    await p.locator('body[data-creations=ready]').waitFor({ state: 'attached' });
    assert.ok((await p.locator('#featured [data-subject]').count()) >= 1, 'seeded picks');
    const title = '午夜蓝 Air Max <i>x</i>';
    await p.locator('#share-title').fill(title);
    await p.locator('#share-form button[type=submit]').click();
    const tile = p.locator('#creations [data-subject]', { hasText: title }).first();
    await tile.waitFor();
    const id = (await tile.getAttribute('data-subject'))!;
    const kind = h.demo.seed.playbooks.creations.kind;
    const fan = await openPage(`${h.demo.url}/creations.html?user=u002`);
    try {
      await fan.p.locator('body[data-creations=ready]').waitFor({ state: 'attached' });
      const theirs = fan.p.locator(`#creations [data-subject="${id}"]`);
      await theirs.locator('canyu-like button[aria-pressed=false]').click();
      await theirs.locator('canyu-like button[aria-pressed=true][aria-busy=false]').waitFor();
      const likers = await canyu<{ data: { user_id: string }[] }>(`/v1/subjects/${kind}/${id}/likers`);
      assert.deepEqual(likers.data.map((l) => l.user_id), ['u002']);
      await theirs.locator('[data-role=comments]').click();
      await fan.p.locator('#discussion canyu-comments textarea').first().waitFor();
      assert.deepEqual(fan.errors, []);
    } finally {
      await fan.close();
    }
    // The editors feature it (the host's backend tags the subject); the maker sees it picked, with its like.
    const s = await canyu<{ title: string; author_id: string; metadata: Record<string, unknown>; tags: string[] }>(`/v1/subjects/${kind}/${id}`);
    assert.equal(s.author_id, 'u001');
    await api('PUT', `/v1/subjects/${kind}/${id}`, { title: s.title, author_id: s.author_id, metadata: s.metadata, tags: [...s.tags, 'featured'] });
    await p.reload();
    const picked = p.locator(`#featured [data-subject="${id}"]`);
    await picked.waitFor();
    await picked.locator('canyu-like button .count', { hasText: '1' }).waitFor();
    assert.deepEqual(maker.errors, []);
  } finally {
    await maker.close();
  }
});

test('core users page (Xiaomi MIUI): the ranking by frequency, duration and spend is listed; a voter of a request finds in the inbox (<canyu-inbox>) that it shipped', async () => {
  const user = 'u005';
  const board = h.demo.seed.boardId;
  const { data: posts } = await canyu<{ data: { id: string; title: string; status: string }[] }>(`/v1/feedback/boards/${board}/posts?status=in_progress`);
  const post = posts[0]!;
  await withPage(`${h.demo.url}/core.html?user=${user}`, async (p, errors) => {
    await p.locator('body[data-core=ready]').waitFor({ state: 'attached' });
    const ranked = await canyu<{ data: { user_id: string; core: boolean }[] }>('/v1/segments/core/users?limit=100');
    const rows = p.locator('#core-users tbody tr');
    assert.equal(await rows.count(), ranked.data.length);
    assert.equal(await rows.first().getAttribute('data-user'), ranked.data[0]!.user_id);
    assert.equal(await p.locator('#core-users tr[data-core=true]').count(), ranked.data.filter((u) => u.core).length);
    // The visitor votes for the request on the board.
    const item = p.locator(`canyu-feedback-board li[data-id="${post.id}"]`);
    await item.locator('button.vote').click();
    await item.locator('button.vote[aria-pressed=true][aria-busy=false]').waitFor();
    // The team ships the request: the voter's open page hears it live (the rule's message is
    // pushed as soon as the event is handled), no reload.
    await api('POST', `/v1/feedback/posts/${post.id}/status`, { status: 'done', note: '已在 MIUI 15.1 上线 · Shipped in MIUI 15.1' });
    await waitFor('the message in the voter\'s inbox', async () => (await canyu<{ data: { title: string }[] }>(`/v1/users/${user}/inbox?limit=10`)).data.some((m) => m.title.includes(post.title)));
    await p.locator('canyu-inbox button.bell').click();
    await p.locator('canyu-inbox li .title', { hasText: post.title }).waitFor();
    await p.locator('canyu-inbox li .text', { hasText: '已在 MIUI 15.1 上线' }).waitFor();
    assert.deepEqual(errors, []);
  });
});

test('core users page (Xiaomi MIUI): a core user joins the invite-only core-user group and reads the pinned weekly update; others are not invited', async () => {
  const ranked = await canyu<{ data: { user_id: string; core: boolean }[] }>('/v1/segments/core/users?limit=100');
  const coreUser = ranked.data.find((u) => u.core && /^u\d{3}$/.test(u.user_id))?.user_id;
  const outsider = ['u001', 'u002', 'u003', 'u004', 'u005', 'u006'].find((u) => !ranked.data.some((r) => r.user_id === u && r.core));
  assert.ok(coreUser && outsider, JSON.stringify(ranked.data.slice(0, 5)));
  await withPage(`${h.demo.url}/core.html?user=${coreUser}`, async (p, errors) => {
    await p.locator('body[data-core=ready]').waitFor({ state: 'attached' });
    await p.locator('#core-posts li', { hasText: '第 48 周更新' }).waitFor();
    assert.equal(await p.locator('#core-posts li .badge', { hasText: '置顶' }).count(), 1);
    await p.locator('#core-join').click();
    await p.locator('#core-group[data-member=true]').waitFor({ state: 'attached' });
    assert.equal(await p.locator('#core-join').isHidden(), true);
    assert.deepEqual(errors, []);
  });
  const member = await canyu<{ status: string }>(`/v1/communities/${h.demo.seed.playbooks.core.group}/members/${coreUser}`);
  assert.equal(member.status, 'active');
  await withPage(`${h.demo.url}/core.html?user=${outsider}`, async (p) => {
    await p.locator('body[data-core=ready]').waitFor({ state: 'attached' });
    assert.equal(await p.locator('#core-join').isHidden(), true);
    assert.equal(await p.locator('#core-group[data-member=false]').count(), 1);
  });
  // The host's backend refuses the invite to anyone not ranked core.
  const r = await fetch(`${h.demo.url}/api/core-group/join?user=${outsider}`, { method: 'POST' });
  assert.equal(r.status, 403);
});

test('workload page (QQ Mail 1000/100/10): each operator\'s reads, users answered and surveys against the monthly targets, from the host backend', async () => {
  await withPage(`${h.demo.url}/workload.html?user=u001`, async (p, errors) => {
    await p.locator('body[data-workload=ready]').waitFor({ state: 'attached' });
    const month = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit' }).format(new Date()).slice(0, 7);
    const w = await canyu<{ operators: { operator_id: string; read: number; users_answered: number; surveys_run: number }[] }>(`/v1/feedback/workload?month=${month}&tz=Asia%2FShanghai`);
    assert.equal(w.operators.length, 2, 'the owner and the support operator');
    assert.equal(await p.locator('[data-operator]').count(), 2);
    for (const o of w.operators) {
      assert.ok(o.read > 0 && o.users_answered > 0 && o.surveys_run > 0, JSON.stringify(o));
      const card = p.locator(`[data-operator="${o.operator_id}"]`);
      assert.equal(await card.locator('[data-goal=read] [data-role=value]').innerText(), `${o.read} / 1000`);
      assert.equal(await card.locator('[data-goal=users_answered] [data-role=value]').innerText(), `${o.users_answered} / 100`);
      assert.equal(await card.locator('[data-goal=surveys_run] [data-role=value]').innerText(), `${o.surveys_run} / 10`);
    }
    assert.ok(Number(await p.locator('#totals tr[data-total=received] td.num').innerText()) > 0);
    assert.deepEqual(errors, []);
  });
});
