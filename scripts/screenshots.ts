// The console screenshots in the README: a Canyu on a throw-away embedded PostgreSQL with demo
// data (2,000 users over 30 days), a segment, an experiment and a goal, reported comments,
// customer-service conversations and a survey's NPS answers (plus the campaign wizard), photographed by the Debian
// chromium in zh-CN. Run: node --import tsx scripts/screenshots.ts (writes docs/screenshots/*.png).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { chromium } from 'playwright-core';
import { migrate } from '../packages/server/src/db/index.ts';
import { startEmbeddedPostgres } from '../packages/server/src/db/embedded.ts';
import { generateDemo } from '../packages/server/src/demo/generate.ts';
import { startTestApp } from '../packages/server/src/testing/app.ts';
import { ensureBuilt } from './build.js';

const out = path.resolve(import.meta.dirname, '..', 'docs', 'screenshots');
await ensureBuilt(() => {});
// A migrated template database as the test helpers expect it (what scripts/test.ts prepares).
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'canyu-shots-'));
fs.chmodSync(dataDir, 0o755);
const embedded = await startEmbeddedPostgres({ dataDir, ephemeralSettings: true, database: 'postgres' });
const admin = new pg.Client({ connectionString: embedded.adminUrl });
await admin.connect();
await admin.query('create database canyu_shots');
await admin.end();
const tpl = new URL(embedded.adminUrl);
tpl.pathname = '/canyu_shots';
const pool = new pg.Pool({ connectionString: tpl.toString(), max: 2 });
await migrate(pool);
await pool.end();
process.env.CANYU_TEST_ADMIN_URL = embedded.adminUrl;
process.env.CANYU_TEST_TEMPLATE = 'canyu_shots';
const t = await startTestApp();
await t.app.listen({ port: 0, host: '127.0.0.1' });
const addr = t.app.server.address();
const base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
const tenant = await t.newTenant('演示应用 Demo');
const owner = await t.newOperator(tenant.appId, 'owner');
const api = async (method: string, url: string, body?: unknown) => {
  const r = await fetch(`${base}${url}`, { method, headers: { authorization: `Bearer ${tenant.secretKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!r.ok) throw new Error(`${method} ${url}: ${r.status} ${await r.text()}`);
  return r.status === 204 ? null : r.json();
};
await api('PATCH', '/v1/analytics/settings', { timezone: 'Asia/Shanghai' });
await generateDemo(t.database.db, { appId: tenant.appId, users: 2000, days: 30, timezone: 'Asia/Shanghai', now: new Date(), rebuildRollup: t.services.events.rebuildRollup });
await api('POST', '/v1/segments', { name: '近 7 天活跃下单用户', rules: { all: [{ kind: 'event_count', event: 'order.paid', within_days: 7, min: 1 }] } });
await api('POST', '/v1/segments', { name: '签到达人', rules: { all: [{ kind: 'event_count', event: 'checkin.done', within_days: 30, min: 5 }] } });
await api('POST', '/v1/experiments', { key: 'checkin-bonus', name: '签到奖励翻倍', variants: [{ key: 'control' }, { key: 'double' }], holdout_percent: 10, goal: { kind: 'conversion', event: 'order.paid', within_days: 7 } });
await api('POST', '/v1/experiments/checkin-bonus/start');
// Orders after exposure: the double arm converts more often (a made-up effect, for the picture).
const orders: object[] = [];
for (let i = 0; i < 400; i++) {
  const e = (await api('POST', '/v1/experiments/checkin-bonus/exposures', { user_id: `u${i}` })) as { variant: string };
  if (i % (e.variant === 'double' ? 3 : e.variant === 'control' ? 5 : 8) === 0) orders.push({ event_id: `shot-order-${i}`, user_id: `u${i}`, name: 'order.paid', properties: { amount: 99 } });
}
await api('POST', '/v1/events', { events: orders });
const goal = (await api('POST', '/v1/goals', { name: '日活 1,000', metric: { kind: 'active_users', window: 'dau' }, baseline: 600, target: 1000, start_day: new Date(Date.now() - 86_400_000).toISOString().slice(0, 10), due_day: new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10) })) as { id: string };
await api('POST', `/v1/goals/${goal.id}/measure`, { day: new Date(Date.now() - 86_400_000).toISOString().slice(0, 10) });
// Reported comments for the moderation queue (互动审核), and conversations for customer service (客服).
await api('PATCH', '/v1/interactions/settings', { moderation: { auto_hide_reports: 3, words: ['加微信'], filter_mode: 'off' } });
const said = async (user: string, body: string) => ((await api('POST', '/v1/subjects/video/bv-1024/comments', { user_id: user, body })) as { id: string }).id;
const ad = await said('u11', '加微信领取免费会员，VX 123456 ✨');
const rude = await said('u12', '主播唱得真难听，退钱！');
await said('u13', '求 BGM 名字 🙏');
const offTopic = await said('u14', '楼上的你们谁知道哪里买票便宜');
for (const [id, who, reason] of [[ad, 'u20', 'spam'], [ad, 'u21', 'spam'], [ad, 'u22', 'spam'], [rude, 'u23', 'abuse'], [rude, 'u24', 'abuse'], [offTopic, 'u25', 'other']] as const) {
  await api('POST', `/v1/comments/${id}/reports`, { user_id: who, reason, note: reason === 'spam' ? '广告引流' : undefined });
}
await api('PUT', '/v1/service/settings', { bot_enabled: false });
await api('POST', '/v1/service/canned', { title: '物流查询', body: '您好，已为您查询物流，预计明天送达。' });
for (const [user, text] of [['u31', '我的订单三天了还没发货，能帮忙看看吗？'], ['u32', '优惠券为什么用不了？'], ['u33', '我要退款，商品有质量问题']] as const) {
  await api('POST', '/v1/service/conversations', { user_id: user, text });
}
// A survey with NPS answers for the feedback section (用户反馈).
const survey = (await api('POST', '/v1/surveys', { name: '会员满意度调研', status: 'active', questions: [{ id: 'q1', type: 'nps', title: '你有多大可能把我们推荐给朋友？' }, { id: 'q2', type: 'csat', title: '对本次购物满意吗？' }] })) as { id: string };
for (let i = 0; i < 60; i++) {
  await api('POST', `/v1/surveys/${survey.id}/responses`, { user_id: `u${100 + i}`, answers: [{ question_id: 'q1', value: [10, 9, 9, 8, 7, 10, 6, 9, 3, 10][i % 10] }, { question_id: 'q2', value: [5, 4, 4, 3, 5, 2][i % 6] }], complete: true });
}
await t.services.bus.drain();

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-dev-shm-usage'] });
const page = await (await browser.newContext({ locale: 'zh-CN', viewport: { width: 1360, height: 860 } })).newPage();
await page.goto(`${base}/console/`);
await page.getByTestId('email').fill(owner.email);
await page.getByTestId('password').fill(owner.password);
await page.getByTestId('sign-in').click();
await page.getByTestId('operator-name').waitFor();
const shot = async (p: string, ready: string, name: string, act?: () => Promise<void>) => {
  await page.goto(`${base}/console${p}`);
  await page.locator(ready).first().waitFor();
  await page.locator('.ant-spin-spinning, .ant-skeleton-active').first().waitFor({ state: 'detached' }).catch(() => {});
  if (act) await act();
  await page.waitForTimeout(800); // charts animate in
  await page.screenshot({ path: path.join(out, `${name}.png`) });
  console.log(`wrote docs/screenshots/${name}.png`);
};
await shot('/dashboard', '[data-testid="trend-chart"]', 'dashboard');
await shot('/analytics', '[data-testid="retention-table"] .ant-table-row', 'analytics');
await shot('/segments', '[data-testid="segment-name"]', 'segments', async () => {
  await page.getByTestId('segment-name').first().click();
  await page.getByTestId('segment-members-title').waitFor();
});
await shot('/experiments', '[data-testid="experiment-name"]', 'experiments', async () => {
  await page.getByTestId('experiment-name').first().click();
  await page.locator('[data-testid="experiment-arms"] .ant-table-row').first().waitFor();
});
await shot('/interactions', '[data-testid="moderation-comment"]', 'moderation');
await shot('/service', '[data-testid="service-conv-user"]', 'service', async () => {
  await page.getByTestId('service-conv-user').first().click();
  await page.getByTestId('service-message-text').first().waitFor();
});
await shot('/feedback', '[data-testid="survey-row-name"]', 'feedback-survey', async () => {
  await page.getByTestId('survey-row-name').first().click();
  await page.getByTestId('survey-nps-chart').locator('canvas').waitFor();
});
await shot('/campaigns', '[data-testid="campaign-new"]', 'campaign-wizard', async () => {
  await page.getByTestId('campaign-new').click();
  await page.getByTestId('wizard-kind-flash_sale').click();
  await page.getByTestId('wizard-name').fill('双十一秒杀 10:00 场');
  await page.getByTestId('wizard-next').click();
  await page.getByTestId('wizard-s1-name').fill('10:00 场');
  await page.getByTestId('wizard-s1-i1-product').fill('sku-1024');
  await page.getByTestId('wizard-s1-i1-name').fill('降噪耳机 Pro');
  await page.getByTestId('wizard-s1-i1-original').fill('1299');
  await page.getByTestId('wizard-s1-i1-sale').fill('799');
  await page.getByTestId('wizard-s1-i1-stock').fill('500');
  await page.getByTestId('wizard-s1-add-item').click();
  await page.getByTestId('wizard-s1-i2-product').fill('sku-2048');
  await page.getByTestId('wizard-s1-i2-name').fill('智能手表');
  await page.getByTestId('wizard-s1-i2-original').fill('1999');
  await page.getByTestId('wizard-s1-i2-sale').fill('1299');
  await page.getByTestId('wizard-s1-i2-stock').fill('200');
});
await browser.close();
await t.close();
await embedded.stop();
fs.rmSync(dataDir, { recursive: true, force: true });
