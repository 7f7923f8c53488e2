// Messaging figures: an announcement to 1,000,000 users (one row, merged on read), a personalised
// send to 1,000,000 inboxes with a frequency cap applied, the inbox read with the merge, and a
// broadcast to 5,000 concurrent WebSocket clients — each beside a baseline measured in this run:
// the naive per-user fan-out INSERT, the same INSERTs driven directly with pg, bare Fastify, and a
// bare `ws` server broadcasting the same payload. `--quick` uses 100,000 users and 1,000 clients.
import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import WebSocket from 'ws';
import type { BenchEnv, Scenario } from '../lib.ts';

const root = path.resolve(import.meta.dirname, '..', '..');
const uid = (i: number) => `mu${String(i).padStart(7, '0')}`;

async function call(env: BenchEnv, method: string, p: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const r = await fetch(`${env.canyu}${p}`, { method, headers: { ...env.auth.secret, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const json = (await r.json().catch(() => ({}))) as Record<string, unknown>;
  if (r.status >= 300) throw new Error(`${method} ${p} answered ${r.status}: ${JSON.stringify(json).slice(0, 300)}`);
  return { status: r.status, json };
}

/** The users, generated with one SQL statement (as an import would), in a fresh app of their own. */
async function seed(env: BenchEnv, n: number): Promise<{ appId: string; seconds: number }> {
  const appId = env.tenant.appId;
  const t0 = performance.now();
  await env.pool.query(
    `insert into us_users (app_id, user_id, traits, timezone, locale)
     select $1, 'mu' || lpad(g::text, 7, '0'),
       jsonb_build_object('nickname', '用户' || g, 'points', g % 5000, 'plan', case when g % 10 = 0 then 'pro' else 'free' end),
       (array['Asia/Shanghai','America/New_York','Europe/London','Asia/Kolkata'])[1 + g % 4],
       case when g % 3 = 0 then 'en' else 'zh-CN' end
     from generate_series(1, $2::int) g
     on conflict do nothing`,
    [appId, n],
  );
  await env.pool.query('analyze us_users');
  return { appId, seconds: (performance.now() - t0) / 1000 };
}

async function announcement(env: BenchEnv, n: number) {
  const t0 = performance.now();
  const a = await call(env, 'POST', '/v1/messaging/announcements', { category: 'system', content: { 'zh-CN': { title: '版本更新', body: '新版本已发布' }, en: { title: 'New version', body: 'Out now' } }, realtime: false });
  for (const i of [1, Math.floor(n / 2), n]) {
    const inbox = await call(env, 'GET', `/v1/users/${uid(i)}/inbox?limit=5`);
    if (!(inbox.json.data as { id: string }[]).some((x) => x.id === a.json.id)) throw new Error(`${uid(i)} does not see the announcement`);
  }
  const ms = performance.now() - t0;
  // Baseline: the naive design, one copy per user, as a single INSERT … SELECT into a table shaped
  // like the inbox (same indexes).
  await env.pool.query('drop table if exists bench_fanout');
  await env.pool.query('create unlogged table bench_fanout (like ms_messages including all)');
  const b0 = performance.now();
  await env.pool.query(`insert into bench_fanout (app_id, user_id, category, title, body, status) select app_id, user_id, 'system', '版本更新', '新版本已发布', 'sent' from us_users where app_id = $1`, [env.tenant.appId]);
  const naive = performance.now() - b0;
  await env.pool.query('drop table bench_fanout');
  env.report({ metric: `announcement to ${n.toLocaleString('en-US')} users: stored and visible in every inbox`, value: ms, unit: 'ms', baseline: { label: 'naive per-user copy, one INSERT…SELECT (unlogged)', value: naive }, target: { max: 30_000 }, note: 'one row; merged into each inbox on read' });
}

async function personalised(env: BenchEnv, n: number) {
  await call(env, 'POST', '/v1/messaging/templates', {
    key: 'bench-points',
    category: 'activity',
    content: { 'zh-CN': { title: '{{nickname}}，你的积分到账了', body: '你现在有 {{points}} 积分' }, en: { title: '{{nickname}}, your points are in', body: 'You have {{points}} points' } },
    variables: { points: { sample: 100, fallback: 0 } },
  });
  await call(env, 'POST', '/v1/messaging/caps', { category: 'activity', max: 1, period: 'day' });
  const t0 = performance.now();
  const s = await call(env, 'POST', '/v1/messaging/sends', { to: { audience: { all: true } }, template: 'bench-points', channels: ['in_app'], campaign: 'bench' });
  let send = s.json;
  while (send.status !== 'done' && send.status !== 'failed') {
    await new Promise((r) => setTimeout(r, 250));
    send = (await call(env, 'GET', `/v1/messaging/sends/${String(s.json.id)}`)).json;
  }
  const seconds = (performance.now() - t0) / 1000;
  const counts = send.counts as { targeted: number; sent: number; capped: number };
  if (send.status !== 'done' || counts.sent < n) throw new Error(`send ended ${String(send.status)} with ${JSON.stringify(counts)}`);
  // The same rows written directly: the messages, rendered in SQL, and the cap counters.
  const b0 = performance.now();
  const c = await env.pool.connect();
  try {
    await c.query('begin');
    await c.query(
      `insert into ms_messages (app_id, user_id, send_id, category, title, body, status, created_at)
       select app_id, user_id, 'baseline', 'activity', coalesce(traits->>'nickname', user_id) || '，你的积分到账了', '你现在有 ' || coalesce(traits->>'points', '0') || ' 积分', 'sent', now()
       from us_users where app_id = $1`,
      [env.tenant.appId],
    );
    await c.query(`insert into ms_budget_counters (app_id, user_id, rule_id, win, used) select app_id, user_id, 'cap_baseline', '2000-01-01', 1 from us_users where app_id = $1`, [env.tenant.appId]);
    await c.query('commit');
  } finally {
    c.release();
  }
  const direct = (performance.now() - b0) / 1000;
  await env.pool.query(`delete from ms_messages where send_id = 'baseline'`);
  await env.pool.query(`delete from ms_budget_counters where rule_id = 'cap_baseline'`);
  env.report({
    metric: `personalised send to ${n.toLocaleString('en-US')} inboxes, cap 1/day applied`,
    value: seconds,
    unit: 's',
    baseline: { label: 'same INSERTs (messages + counters) direct', value: direct },
    target: { max: 30 },
    note: `${counts.sent.toLocaleString('en-US')} sent, ${counts.capped} capped; rendered per user and language`,
  });
  // A second identical send: every user is over the cap, every message recorded as capped.
  const t1 = performance.now();
  const again = await call(env, 'POST', '/v1/messaging/sends', { to: { audience: { all: true } }, template: 'bench-points', channels: ['in_app'], campaign: 'bench' });
  let s2 = again.json;
  while (s2.status !== 'done' && s2.status !== 'failed') {
    await new Promise((r) => setTimeout(r, 250));
    s2 = (await call(env, 'GET', `/v1/messaging/sends/${String(again.json.id)}`)).json;
  }
  const c2 = s2.counts as { sent: number; capped: number };
  env.report({ metric: `the same send again: all ${n.toLocaleString('en-US')} over the cap`, value: (performance.now() - t1) / 1000, unit: 's', target: { max: 30 }, note: `${c2.sent} sent, ${c2.capped.toLocaleString('en-US')} recorded as capped` });
}

async function inboxReads(env: BenchEnv, n: number) {
  const connections = 50;
  // Steady state after the bulk writes above (autovacuum would get there on its own).
  await env.pool.query('analyze ms_messages');
  const user = (i: number) => uid(1 + ((i * 7919) % n));
  // Baseline: bare Fastify reading the same users' profiles with one SQL (the inbox read's first step).
  const bare = await env.http({ path: (i) => `/bare/user/${env.tenant.appId}/${user(i)}`, connections, target: env.bare });
  const r = await env.http({ path: (i) => `/v1/users/${user(i)}/inbox?limit=20`, headers: env.auth.secret, connections });
  if (r.non2xx > 0 || r.errors > 0) throw new Error(`inbox reads: ${r.non2xx} non-2xx, ${r.errors} errors`);
  env.report({ metric: `GET inbox (messages + announcements merged), ${connections} conns`, value: r.rps, unit: 'req/s', p99: r.p99, baseline: { label: 'bare Fastify + one profile SQL', value: bare.rps }, target: { minRatio: 0.4 }, note: 'profile + merged page of 20' });
}

async function openClients(url: (i: number) => string, count: number, titleOf: (msg: Record<string, unknown>) => string | null, record: (title: string, at: number) => void): Promise<WebSocket[]> {
  const sockets: WebSocket[] = [];
  for (let i = 0; i < count; i += 250) {
    await Promise.all(
      Array.from({ length: Math.min(250, count - i) }, (_, k) =>
        new Promise<void>((resolve, reject) => {
          const ws = new WebSocket(url(i + k));
          ws.once('error', reject);
          ws.on('message', (d) => {
            const at = performance.now();
            const msg = JSON.parse(String(d)) as Record<string, unknown>;
            if (msg.type === 'hello') return resolve();
            const title = titleOf(msg);
            if (title) record(title, at);
          });
          sockets.push(ws);
        }),
      ),
    );
  }
  return sockets;
}

function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : 0;
}

async function rounds(count: number, times: number, fire: (title: string) => Promise<void>, received: Map<string, number[]>): Promise<number[]> {
  const latencies: number[] = [];
  for (let r = 0; r < times; r++) {
    const title = `bench-broadcast-${Date.now()}-${r}`;
    received.set(title, []);
    const t0 = performance.now();
    await fire(title);
    const until = Date.now() + 15_000;
    while (received.get(title)!.length < count && Date.now() < until) await new Promise((res) => setTimeout(res, 10));
    const got = received.get(title)!;
    if (got.length < count) throw new Error(`round ${r}: only ${got.length} of ${count} clients got the broadcast`);
    for (const at of got) latencies.push(at - t0);
    await new Promise((res) => setTimeout(res, 300));
  }
  return latencies.sort((a, b) => a - b);
}

async function broadcast(env: BenchEnv, count: number) {
  const times = 5;
  // Canyu: announcement → PostgreSQL → NOTIFY → every server's fan-out.
  const got = new Map<string, number[]>();
  const record = (title: string, at: number) => got.get(title)?.push(at);
  const wsBase = env.canyu.replace(/^http/, 'ws');
  const sockets = await openClients(
    (i) => `${wsBase}/v1/realtime?key=${env.tenant.publishableKey}&user_token=${env.userToken(uid(1 + i), 3600)}`,
    count,
    (m) => (m.type === 'announcement' ? ((m.item as { title: { en: string } }).title.en ?? null) : null),
    record,
  );
  const canyu = await rounds(count, times, async (title) => void (await call(env, 'POST', '/v1/messaging/announcements', { category: 'system', content: { en: { title, body: 'broadcast' } } })), got);
  for (const s of sockets) s.terminate();

  // Baseline: a bare ws server broadcasting the same payload size to the same number of clients.
  const proc = spawn(process.execPath, ['--import', 'tsx', 'bench/bare-ws.ts'], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const port = await new Promise<string>((resolve) => readline.createInterface({ input: proc.stdout! }).once('line', resolve));
    const bareGot = new Map<string, number[]>();
    const bareSockets = await openClients(() => `ws://127.0.0.1:${port.trim()}/`, count, (m) => (m.type === 'announcement' ? ((m.item as { title: { en: string } }).title.en ?? null) : null), (title, at) => bareGot.get(title)?.push(at));
    const bare = await rounds(
      count,
      times,
      async (title) => {
        const body = JSON.stringify({ type: 'announcement', item: { id: 'ann_1', category: 'system', title: { 'zh-CN': title, en: title }, body: { 'zh-CN': 'broadcast', en: 'broadcast' }, url: null, data: null, created_at: new Date().toISOString() } });
        await fetch(`http://127.0.0.1:${port.trim()}/broadcast`, { method: 'POST', body });
      },
      bareGot,
    );
    for (const s of bareSockets) s.terminate();
    env.report({
      metric: `broadcast to ${count.toLocaleString('en-US')} WebSocket clients, delivery latency p50 (×${times})`,
      value: percentile(canyu, 50),
      unit: 'ms',
      p99: percentile(canyu, 99),
      baseline: { label: `bare ws server broadcast, p50 (p99 ${percentile(bare, 99).toFixed(0)} ms)`, value: percentile(bare, 50) },
      target: { maxP99: 1000 },
      note: `max ${percentile(canyu, 100).toFixed(0)} ms; announcement stored, NOTIFY, fan-out`,
    });
  } finally {
    proc.kill('SIGTERM');
  }
}

const scenario: Scenario = {
  name: 'messaging',
  description: 'announcement and personalised send to 1,000,000 users with caps, inbox reads, broadcast to 5,000 WebSocket clients',
  async run(env) {
    const n = env.quick ? 100_000 : 1_000_000;
    const s = await seed(env, n);
    env.log(`messaging: ${n.toLocaleString('en-US')} users generated in ${s.seconds.toFixed(1)} s`);
    await announcement(env, n);
    await personalised(env, n);
    await inboxReads(env, n);
    await broadcast(env, env.quick ? 1000 : 5000);
  },
};
export default scenario;
