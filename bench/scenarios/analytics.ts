// Analytics reads on a generated dataset of a real size: `canyu demo generate` writes
// BENCH_ANALYTICS_USERS users (default 100,000; --quick 10,000) over BENCH_ANALYTICS_DAYS days
// (default 90; --quick 30), about 100 events per user over 90 days (≈ 10 million events), then each
// metric is read through the HTTP API several times and the median reported (the active-user series
// also on its first read, which fills the closed-day cache). Baselines, in the same run: the simplest SQL for the same figure over the raw events
// (DAU only for the series; the cohort sizes and day-1..30 returns for retention), driven directly.
// Targets (issue 13): DAU/WAU/MAU for 90 days ≤ 200 ms, a 30-day retention table ≤ 1 s, a 4-step
// funnel over 30 days ≤ 2 s, RFM recomputation for 100,000 users ≤ 10 s. Generation itself is
// reported as events/s.
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { BenchEnv, Scenario } from '../lib.ts';

const root = path.resolve(import.meta.dirname, '..', '..');

function generate(env: BenchEnv, users: number, days: number): Promise<{ appId: string; events: number; firstDay: string; lastDay: string; secretKey: string }> {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, ['bin/canyu.js', 'demo', 'generate', '--users', String(users), '--days', String(days), '--json'], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: env.databaseUrl, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    c.stdout.on('data', (d: Buffer) => (out += d.toString()));
    c.stderr.on('data', (d: Buffer) => (err += d.toString()));
    c.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`demo generate exited ${code}: ${err.slice(-2000)}`))));
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function timed(n: number, fn: () => Promise<unknown>): Promise<number> {
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    ms.push(performance.now() - t0);
  }
  return median(ms);
}

const addDays = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

const scenario: Scenario = {
  name: 'analytics',
  description: 'analytics reads over generated events (DAU/WAU/MAU, retention, funnel)',
  async run(env) {
    const users = Number(process.env.BENCH_ANALYTICS_USERS ?? (env.quick ? 10_000 : 100_000));
    const days = Number(process.env.BENCH_ANALYTICS_DAYS ?? (env.quick ? 30 : 90));
    env.log(`analytics: generating ${users} users × ${days} days`);
    const t0 = performance.now();
    const g = await generate(env, users, days);
    const genS = (performance.now() - t0) / 1000;
    env.report({ metric: `demo generate: ${g.events.toLocaleString('en')} events`, unit: 'events/s', value: g.events / genS, note: `${genS.toFixed(0)} s in all` });
    // As autovacuum would after a bulk load: statistics, and the visibility map index-only scans need.
    await env.pool.query('vacuum analyze ev_events, ev_slots, ev_user_slots, us_users');

    const get = async (p: string) => {
      const r = await fetch(`${env.canyu}${p}`, { headers: { authorization: `Bearer ${g.secretKey}` } });
      if (!r.ok) throw new Error(`${p}: ${r.status} ${await r.text()}`);
      return r.json();
    };
    const q = (o: Record<string, string>) => new URLSearchParams(o).toString();

    // DAU/WAU/MAU over the whole range (90 days by default).
    const from = g.firstDay;
    const to = g.lastDay;
    const seriesBase = await timed(3, () =>
      env.pool.query(`select (ts at time zone 'UTC')::date as day, count(distinct user_id) from ev_events where app_id = $1 and ts >= $2::date and ts < $3::date + 1 group by 1`, [g.appId, from, to]),
    );
    const baseline = { label: 'DAU alone, plain SQL on raw events', value: seriesBase };
    // The first read computes every closed day from the roll-up and caches it; later reads take the cache.
    const first = await timed(1, () => get(`/v1/analytics/active-users?${q({ from, to })}`));
    env.report({ metric: `active users, ${days} days, first read (fills the cache)`, unit: 'ms', value: first, baseline });
    const series = await timed(5, () => get(`/v1/analytics/active-users?${q({ from, to })}`));
    env.report({ metric: `active users, ${days} days (DAU/WAU/MAU/new)`, unit: 'ms', value: series, baseline, target: { max: 200 } });
    const today = new Date().toISOString().slice(0, 10);
    const withToday = await timed(3, () => get(`/v1/analytics/active-users?${q({ from, to: today })}`));
    env.report({ metric: `active users, ${days} days up to today (today live)`, unit: 'ms', value: withToday, baseline });

    // A 30-day retention table (cohorts of the first 30 days, day 0..30).
    const cFrom = from;
    const cTo = addDays(from, Math.min(29, days - 1));
    const ret = await timed(3, () => get(`/v1/analytics/retention?${q({ from: cFrom, to: cTo, unit: 'day' })}`));
    const retBase = await timed(1, () =>
      env.pool.query(
        `with f as (select user_id, min(ts)::date as c from ev_events where app_id = $1 group by 1 having min(ts)::date between $2::date and $3::date)
         select f.c, (e.ts::date - f.c) as p, count(distinct e.user_id) from f join ev_events e on e.app_id = $1 and e.user_id = f.user_id and e.ts::date - f.c between 0 and 30 group by 1, 2`,
        [g.appId, cFrom, cTo],
      ),
    );
    env.report({ metric: 'retention table, 30 cohort days × day 0..30', unit: 'ms', value: ret, baseline: { label: 'plain SQL on raw events', value: retBase }, target: { max: 1000 } });

    // A 4-step funnel over the last 30 days, a day's window.
    const steps = JSON.stringify([{ event: 'app.opened' }, { event: 'product.viewed' }, { event: 'cart.added' }, { event: 'order.paid', where: { amount: { gte: 100 } } }]);
    const fFrom = addDays(to, -Math.min(29, days - 1));
    const funnel = await timed(3, () => get(`/v1/analytics/funnels?${q({ from: fFrom, to, steps, window_minutes: '1440' })}`));
    const funnelBase = await timed(1, () =>
      env.pool.query(`select user_id, name, ts from ev_events where app_id = $1 and name = any($2) and ts >= $3::date and ts < $4::date + 2 order by user_id, ts`, [
        g.appId,
        ['app.opened', 'product.viewed', 'cart.added', 'order.paid'],
        fFrom,
        to,
      ]),
    );
    env.report({ metric: 'funnel, 4 steps over 30 days', unit: 'ms', value: funnel, baseline: { label: 'reading the steps’ raw events, plain SQL', value: funnelBase }, target: { max: 2000 } });

    // RFM and core users recomputed for every user (settings saved, then computed at once).
    const put = async (p: string, body: unknown) => {
      const r = await fetch(`${env.canyu}${p}`, { method: 'PUT', headers: { authorization: `Bearer ${g.secretKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      if (!r.ok) throw new Error(`${p}: ${r.status} ${await r.text()}`);
      return r.json();
    };
    const buyersBase = await timed(1, () => env.pool.query(`select user_id, max(ts), count(*), sum((properties->>'amount')::numeric) from ev_events where app_id = $1 and name = 'order.paid' group by 1`, [g.appId]));
    const rfm = await timed(1, () => put('/v1/segments/rfm/settings', { event: 'order.paid', amount_path: 'amount' }));
    env.report({ metric: `RFM recomputed for ${users.toLocaleString('en')} users`, unit: 'ms', value: rfm, baseline: { label: 'grouping the purchases, plain SQL', value: buyersBase }, target: { max: 10_000 } });
    const core = await timed(1, () => put('/v1/segments/core/settings', {}));
    env.report({ metric: 'core users (2/8) recomputed', unit: 'ms', value: core, baseline: { label: 'grouping the purchases, plain SQL', value: buyersBase } });
  },
};

export default scenario;
