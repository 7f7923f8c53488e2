// The event graph end to end: domain events handled per second (interaction.liked → a points
// earn rule → a ledger entry) and the delay from the event's commit to its effect, beside a baseline
// measured in the same run: the same number of ledger-sized rows written directly with SQL in
// transactions of the same size.
//
// The events are appended with the same INSERT as the event log's append (in transactions of 200,
// as a busy server's requests commit them), so the figures are those of the consumers: leases per
// shard, the rule lookup, the capped and idempotent grant, the balance update and the checkpoint.
import { shardSql } from '../../packages/server/src/events/store.ts';
import { apiCall, type BenchEnv, type Scenario } from '../lib.ts';

const call = apiCall;

const percentile = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : 0);
const USERS = 2000;
const TX = 200;
let seq = 0;

/**
 * Appends `n` interaction.liked events in transactions of `tx` rows, as fast as it can or, with
 * `perSecond`, paced at that rate; returns the commit time of each transaction.
 */
async function append(env: BenchEnv, n: number, tx = TX, perSecond?: number): Promise<{ from: number; tx: number; commits: number[] }> {
  const from = seq;
  seq += n;
  const commits: number[] = [];
  const c = await env.pool.connect();
  const t0 = Date.now();
  try {
    for (let i = from; i < from + n; i += tx) {
      if (perSecond) {
        const due = t0 + ((i - from) / perSecond) * 1000;
        if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
      }
      const to = Math.min(from + n, i + tx) - 1;
      await c.query('begin');
      await c.query(
        `insert into ev_log (app_id, shard, kind, name, version, actor_id, user_ids, key, payload)
         select a, ${shardSql('a', 'u')}, 'domain', 'interaction.liked', 1, u, array[u], 'bench-like-' || g,
                jsonb_build_object('appId', a, 'userId', u, 'at', now(), 'subject', jsonb_build_object('kind', 'video', 'id', 'v' || g))
           from (select $1::text as a, 'bench-u' || (g % ${USERS}) as u, g from generate_series($2::int, $3::int) g) t`,
        [env.tenant.appId, i, to],
      );
      await c.query('commit');
      commits.push(Date.now());
    }
  } finally {
    c.release();
  }
  return { from, tx, commits };
}

/** Commit → ledger entry delay of every event appended by `a`. */
async function delaysOf(env: BenchEnv, a: { from: number; tx: number; commits: number[] }): Promise<number[]> {
  const r = await env.pool.query<{ key: string; at: Date }>(`select idem_key as key, created_at as at from pt_entries where app_id = $1 and type = 'bench' and idem_key like 'rule:%bench-like-%'`, [env.tenant.appId]);
  const delays: number[] = [];
  for (const row of r.rows) {
    const g = Number(/bench-like-(\d+)/.exec(row.key)?.[1] ?? -1);
    if (g < a.from) continue;
    const commit = a.commits[Math.floor((g - a.from) / a.tx)];
    if (commit !== undefined) delays.push(Math.max(0, new Date(row.at).getTime() - commit));
  }
  return delays.sort((x, y) => x - y);
}

async function entries(env: BenchEnv): Promise<number> {
  const r = await env.pool.query<{ n: number }>(`select count(*)::int as n from pt_entries where app_id = $1 and type = 'bench'`, [env.tenant.appId]);
  return r.rows[0]!.n;
}

/** Waits until `total` entries exist; returns when the last one was seen. */
async function waitFor(env: BenchEnv, total: number, ms: number): Promise<number> {
  const until = Date.now() + ms;
  for (;;) {
    const n = await entries(env);
    if (n >= total) return Date.now();
    if (Date.now() > until) throw new Error(`only ${n} of ${total} events handled within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The same number of rows, about the size of a ledger entry, written directly in transactions of TX rows. */
async function direct(env: BenchEnv, n: number): Promise<number> {
  const c = await env.pool.connect();
  try {
    await c.query('create temporary table if not exists bench_direct (id bigserial primary key, app_id text, user_id text, key text unique, amount bigint, balance_after bigint, created_at timestamptz default now())');
    const t0 = performance.now();
    for (let i = 0; i < n; i += TX) {
      await c.query('begin');
      await c.query(`insert into bench_direct (app_id, user_id, key, amount, balance_after) select $1, 'u' || (g % ${USERS}), 'd-' || g || '-' || $2::int, 1, g from generate_series($2::int, $3::int) g`, [env.tenant.appId, i, Math.min(n, i + TX) - 1]);
      await c.query('commit');
    }
    return n / ((performance.now() - t0) / 1000);
  } finally {
    c.release();
  }
}

const scenario: Scenario = {
  name: 'events',
  description: 'domain events handled/s end to end (interaction.liked → earn rule → ledger entry) and commit → effect delay, beside direct SQL inserts of the same rows',
  async run(env) {
    await call(env, 'PUT', '/v1/points/types/bench', { name: 'Bench', expiry: { kind: 'never' } });
    await call(env, 'POST', '/v1/points/rules', { name: 'Like earns (bench)', source: 'domain', event: 'interaction.liked', type: 'bench', amount: 1 });
    // Warm-up: consumers running, rules cached, plans prepared.
    const warm = await append(env, 1000);
    await waitFor(env, 1000, 60_000);
    void warm;

    const n = env.quick ? 10_000 : 30_000;
    const baseline = await direct(env, n);

    // A burst: everything appended at once, handled as fast as the consumers go.
    let before = await entries(env);
    const t0 = Date.now();
    const a = await append(env, n);
    const lastAt = await waitFor(env, before + n, 300_000);
    let delays = await delaysOf(env, a);
    env.report({
      metric: `a burst of ${n.toLocaleString('en-US')} interaction.liked (transactions of ${TX}): handled/s (rule → ledger entry)`,
      value: n / ((lastAt - t0) / 1000),
      unit: 'events/s',
      p99: percentile(delays, 99),
      baseline: { label: `the same number of rows inserted directly, ${TX} per transaction`, value: baseline },
      target: { min: 5000 },
      note: `delay p50 ${percentile(delays, 50)} ms (a burst queues: the delay is the backlog); ${USERS} users`,
    });

    // Sustained: 5,000 events/s in transactions of 50 for the load's length; the delay must stay short.
    const rate = 5000;
    const m = rate * env.seconds;
    before = await entries(env);
    const s0 = Date.now();
    const b = await append(env, m, 50, rate);
    const appendedIn = (Date.now() - s0) / 1000;
    const doneAt = await waitFor(env, before + m, 300_000);
    delays = await delaysOf(env, b);
    env.report({
      metric: `${rate.toLocaleString('en-US')} interaction.liked/s sustained for ${env.seconds} s (transactions of 50): handled/s, p99 commit → effect`,
      value: m / ((doneAt - s0) / 1000),
      unit: 'events/s',
      p99: percentile(delays, 99),
      target: { min: rate * 0.9, maxP99: 1000 },
      note: `delay p50 ${percentile(delays, 50)} ms, max ${delays.at(-1) ?? 0} ms; appended in ${appendedIn.toFixed(1)} s`,
    });
    const dup = await env.pool.query<{ n: number }>(`select count(*)::int as n from (select idem_key from pt_entries where app_id = $1 and type = 'bench' group by idem_key having count(*) > 1) d`, [env.tenant.appId]);
    env.log(`events: ${await entries(env)} ledger entries, ${dup.rows[0]!.n} duplicated keys`);
  },
};
export default scenario;
