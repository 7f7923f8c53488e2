// Automation workflows end to end: host events posted to POST /v1/events enter a workflow whose one
// step grants points; runs completed per second and the delay from the event's acceptance to its
// run's completion, beside the same events handled by a plain earn rule (one consumer, no run) in
// the same run.
import { apiCall, type BenchEnv, type Scenario } from '../lib.ts';

const percentile = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : 0);
const USERS = 500;
const BATCH = 500;

/** Posts `n` host events named `name` in batches; returns when each batch was accepted. */
async function post(env: BenchEnv, name: string, n: number, tag: string): Promise<number[]> {
  const accepted: number[] = [];
  for (let i = 0; i < n; i += BATCH) {
    const events = Array.from({ length: Math.min(BATCH, n - i) }, (_, j) => ({ event_id: `${tag}-${i + j}`, user_id: `au-${(i + j) % USERS}`, name }));
    await apiCall(env, 'POST', '/v1/events', { events });
    accepted.push(Date.now());
  }
  return accepted;
}

async function count(env: BenchEnv, sql: string): Promise<number> {
  return (await env.pool.query<{ n: number }>(sql, [env.tenant.appId])).rows[0]!.n;
}

async function waitFor(env: BenchEnv, sql: string, total: number, ms: number): Promise<number> {
  const until = Date.now() + ms;
  for (;;) {
    const n = await count(env, sql);
    if (n >= total) return Date.now();
    if (Date.now() > until) throw new Error(`only ${n} of ${total} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const scenario: Scenario = {
  name: 'automation',
  description: 'workflow runs completed/s (host event → run → grant_points step) and event → completion delay, beside a plain earn rule on the same events',
  async run(env) {
    await apiCall(env, 'PUT', '/v1/points/types/auto', { name: 'Auto', expiry: { kind: 'never' } });
    await apiCall(env, 'POST', '/v1/points/rules', { name: 'Rule (bench baseline)', event: 'bench.rule', type: 'auto', amount: 1 });
    await apiCall(env, 'POST', '/v1/automation/workflows', {
      name: 'Bench workflow',
      active: true,
      trigger: { event: 'bench.flow' },
      entry: { reentry: 'always' },
      steps: [{ id: 'grant', type: 'grant_points', points_type: 'auto', amount: 1 }],
    });
    const n = env.quick ? 2000 : 6000;
    const ruleSql = `select count(*)::int as n from pt_entries where app_id = $1 and idem_key like 'rule:%'`;
    const runSql = `select count(*)::int as n from au_runs where app_id = $1 and status = 'completed'`;

    // Baseline: the same events through an earn rule.
    let t0 = Date.now();
    await post(env, 'bench.rule', n, 'r');
    const ruleDone = await waitFor(env, ruleSql, n, 300_000);
    const ruleRate = n / ((ruleDone - t0) / 1000);

    t0 = Date.now();
    const accepted = await post(env, 'bench.flow', n, 'f');
    const flowDone = await waitFor(env, runSql, n, 600_000);
    const r = await env.pool.query<{ trigger_key: string; ended_at: Date; created_at: Date }>(`select trigger_key, ended_at, created_at from au_runs where app_id = $1 and status = 'completed'`, [env.tenant.appId]);
    // Delay per run: its event's batch accepted → the run completed (ev_log positions follow the batches).
    const ends = r.rows.map((x) => new Date(x.ended_at).getTime()).sort((a, b) => a - b);
    const delays = ends.map((e, i) => Math.max(0, e - accepted[Math.min(accepted.length - 1, Math.floor(i / BATCH))]!)).sort((a, b) => a - b);
    env.report({
      metric: `${n.toLocaleString('en-US')} host events into a one-step workflow (grant_points): runs completed/s, p99 event → completion`,
      value: n / ((flowDone - t0) / 1000),
      unit: 'runs/s',
      p99: percentile(delays, 99),
      baseline: { label: 'the same events through a points earn rule (no workflow run)', value: ruleRate },
      note: `delay p50 ${percentile(delays, 50)} ms; ${USERS} users; entries and runs: ${await count(env, 'select count(*)::int as n from au_runs where app_id = $1')}`,
    });
  },
};
export default scenario;
