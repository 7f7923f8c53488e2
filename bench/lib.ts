// The benchmark harness shared by every scenario. `npm run bench` (bench/run.ts) starts one
// PostgreSQL, one Canyu server (N worker processes) and one bare-Fastify baseline process, all on 127.0.0.1,
// then runs each scenario in bench/scenarios/ with a BenchEnv.
//
// A scenario measures Canyu and, IN THE SAME RUN, a baseline (the bare Fastify route, or the same
// SQL driven directly with pg), and reports both with `env.report`, so the ratio is meaningful on
// a noisy machine. Targets are printed beside the figures; they are never asserted in tests.
//
//   // bench/scenarios/points.ts
//   import type { Scenario } from '../lib.ts';
//   const scenario: Scenario = {
//     name: 'points',
//     description: 'points earn',
//     async run(env) {
//       const canyu = await env.http({ method: 'POST', path: '/v1/...', headers: env.auth.secret, body: (i) => ({...}), connections: 50 });
//       const direct = await env.sql({ clients: 50, run: (c, i) => c.query('...', [i]) });
//       env.report({ metric: 'earn', unit: 'req/s', value: canyu.rps, p99: canyu.p99, baseline: { label: 'same SQL direct', value: direct.opsPerSec }, target: { minRatio: 0.4 } });
//     },
//   };
//   export default scenario;
import { createHmac, randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import pg from 'pg';

export type Tenant = { appId: string; secretKey: string; publishableKey: string };

export type HttpLoad = {
  method?: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** Path on the target, e.g. /v1/events; a function gives each request its own path. */
  path: string | ((i: number) => string);
  headers?: Record<string, string> | ((i: number) => Record<string, string>);
  /** JSON body; a function gives each request its own body (i counts requests from 0). */
  body?: ((i: number) => unknown) | Record<string, unknown> | unknown[];
  connections: number;
  /** Seconds (default from BENCH_SECONDS, 5; quick mode 2). Ignored when `amount` is set. */
  seconds?: number;
  /** Send exactly this many requests, then stop. */
  amount?: number;
  /** Base URL; defaults to the Canyu server. */
  target?: string;
  /**
   * Unmeasured seconds of the same requests first, so that the server's JIT has optimised the
   * path (a baseline of a few lines is optimised within milliseconds, a real route takes seconds:
   * measuring both from cold compares warm-up, not steady state). Default: GET_WARMUP_SECONDS for
   * GET loads, which change nothing; 0 for the others (a scenario warms those itself where it
   * matters, on data that does not count).
   */
  warmupSeconds?: number;
};

export type HttpResult = {
  requests: number;
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  status: Record<string, number>;
  seconds: number;
};

export type SqlLoad = {
  clients: number;
  seconds?: number;
  amount?: number;
  /** One operation; `i` counts operations from 0 across clients. */
  run: (client: pg.PoolClient, i: number) => Promise<unknown>;
};

export type SqlResult = { ops: number; opsPerSec: number; p50: number; p99: number; seconds: number };

export type Row = {
  scenario: string;
  metric: string;
  value: number;
  unit: string;
  p99?: number | undefined;
  baseline?: { label: string; value: number } | undefined;
  /** minRatio: value/baseline must reach it; min: absolute value must reach it; maxP99 in ms. */
  target?: { minRatio?: number; min?: number; max?: number; maxP99?: number } | undefined;
  note?: string | undefined;
};

export type BenchEnv = {
  /** Canyu's base URL, e.g. http://127.0.0.1:40123 */
  canyu: string;
  /** The bare baseline server's base URL (routes: GET /bare/json, GET /bare/user/:app/:id, POST /bare/echo; see bench/bare.ts). */
  bare: string;
  tenant: Tenant;
  /** Server processes of the Canyu under test (`--workers N`, CANYU_WORKERS). */
  workers: number;
  /** Starts another Canyu (the compiled build) with n workers on the same database, warmed up. */
  startCanyu(workers: number): Promise<{ url: string; stop(): Promise<void> }>;
  auth: { secret: Record<string, string>; user(userId: string): Record<string, string> };
  /** A pool on the same database Canyu uses: for direct-SQL baselines and exactness checks. */
  pool: pg.Pool;
  databaseUrl: string;
  quick: boolean;
  seconds: number;
  http(load: HttpLoad): Promise<HttpResult>;
  sql(load: SqlLoad): Promise<SqlResult>;
  /** The bare Fastify GET baseline at this many connections, measured once per run and cached. */
  bareBaseline(connections: number): Promise<HttpResult>;
  /**
   * Two loads measured in turns (Canyu, baseline, Canyu, baseline…; see `interleaved`): for a
   * ratio of two HTTP loads, where a baseline measured once, at another moment, would carry that
   * moment's noise into the ratio.
   */
  compare(canyu: HttpLoad, baseline: HttpLoad): Promise<{ canyu: HttpResult; baseline: HttpResult }>;
  /** Signs an end-user token (HS256 with the app's secret key), as a host backend would. */
  userToken(userId: string, ttlSeconds?: number): string;
  report(row: Omit<Row, 'scenario'>): void;
  log(msg: string): void;
};

export type Scenario = {
  name: string;
  description: string;
  run(env: BenchEnv): Promise<void>;
};

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

export function signUserToken(secretKey: string, userId: string, ttlSeconds = 3600): string {
  const now = Math.floor(Date.now() / 1000);
  const head = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub: userId, iat: now, exp: now + ttlSeconds })}`;
  return `${head}.${createHmac('sha256', secretKey).update(head).digest('base64url')}`;
}

/**
 * Warm-up before a measured GET load. On a 2-core machine shared with PostgreSQL and the load
 * generator, GET /v1/me kept getting faster for 4–5 s of load (the optimising compiler's threads
 * compete for the same cores): after 1 s it ran at ~55% of its steady rate. Baselines get the same.
 */
export const GET_WARMUP_SECONDS = 3;

export async function httpLoad(defaultTarget: string, defaultSeconds: number, load: HttpLoad): Promise<HttpResult> {
  const target = load.target ?? defaultTarget;
  let i = 0;
  const pathOf = typeof load.path === 'function' ? load.path : () => load.path as string;
  const headersOf = typeof load.headers === 'function' ? load.headers : () => (load.headers as Record<string, string> | undefined) ?? {};
  const bodyOf = typeof load.body === 'function' ? (load.body as (i: number) => unknown) : () => load.body;
  const hasBody = load.body !== undefined;
  const dynamic = typeof load.path === 'function' || typeof load.headers === 'function' || typeof load.body === 'function';
  const staticHeaders = { ...(hasBody ? { 'content-type': 'application/json' } : {}), ...headersOf(0) };
  const opts: autocannon.Options = {
    url: target,
    connections: load.connections,
    pipelining: 1,
    timeout: 10,
    ...(load.amount ? { amount: load.amount } : { duration: load.seconds ?? defaultSeconds }),
    requests: [
      dynamic
        ? {
            method: load.method ?? 'GET',
            setupRequest: (req) => {
              const n = i++;
              return {
                ...req,
                path: pathOf(n),
                headers: { ...(hasBody ? { 'content-type': 'application/json' } : {}), ...headersOf(n) },
                ...(hasBody ? { body: JSON.stringify(bodyOf(n)) } : {}),
              };
            },
          }
        : {
            method: load.method ?? 'GET',
            path: pathOf(0),
            headers: staticHeaders,
            ...(hasBody ? { body: JSON.stringify(bodyOf(0)) } : {}),
          },
    ],
  };
  const warmup = load.warmupSeconds ?? ((load.method ?? 'GET') === 'GET' && !load.amount ? GET_WARMUP_SECONDS : 0);
  if (warmup > 0) await autocannon({ ...opts, amount: undefined, duration: warmup });
  i = 0;
  const t0 = performance.now();
  const r = await autocannon(opts);
  const seconds = (performance.now() - t0) / 1000;
  const status: Record<string, number> = {};
  for (const [code, v] of Object.entries((r as unknown as { statusCodeStats?: Record<string, { count: number | string }> }).statusCodeStats ?? {})) status[code] = Number(v.count);
  const requests = r.requests.total;
  return {
    requests,
    rps: requests / (load.amount ? seconds : r.duration),
    p50: r.latency.p50,
    p90: r.latency.p90,
    p99: r.latency.p99,
    max: r.latency.max,
    errors: r.errors,
    timeouts: r.timeouts,
    non2xx: r.non2xx,
    status,
    seconds,
  };
}

/**
 * Runs two loads in alternating rounds and sums each side's rounds. On a shared machine the
 * throughput drifts by tens of percent over a minute (neighbours, CPU frequency); a baseline taken
 * once and compared with a load taken later carried that drift into the ratio (GET /v1/hot's bare
 * baseline measured 13,520 and 20,919 req/s in two runs of the same build). Each side warms up
 * once, in its first round; p99 is the median of the rounds' p99s.
 */
export async function interleaved(defaultTarget: string, defaultSeconds: number, a: HttpLoad, b: HttpLoad, rounds: number): Promise<[HttpResult, HttpResult]> {
  const runs: [HttpResult[], HttpResult[]] = [[], []];
  for (let i = 0; i < rounds; i++) {
    for (const [side, load] of [a, b].entries()) {
      runs[side]!.push(await httpLoad(defaultTarget, defaultSeconds, i === 0 ? load : { ...load, warmupSeconds: 0 }));
    }
  }
  const merge = (rs: HttpResult[]): HttpResult => {
    const requests = rs.reduce((n, r) => n + r.requests, 0);
    const seconds = rs.reduce((n, r) => n + r.seconds, 0);
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
    const status: Record<string, number> = {};
    for (const r of rs) for (const [code, n] of Object.entries(r.status)) status[code] = (status[code] ?? 0) + n;
    return {
      requests,
      // Rounds of one side last alike; the mean rate over them.
      rps: rs.reduce((n, r) => n + r.rps, 0) / rs.length,
      p50: median(rs.map((r) => r.p50)),
      p90: median(rs.map((r) => r.p90)),
      p99: median(rs.map((r) => r.p99)),
      max: Math.max(...rs.map((r) => r.max)),
      errors: rs.reduce((n, r) => n + r.errors, 0),
      timeouts: rs.reduce((n, r) => n + r.timeouts, 0),
      non2xx: rs.reduce((n, r) => n + r.non2xx, 0),
      status,
      seconds,
    };
  };
  return [merge(runs[0]), merge(runs[1])];
}

export async function sqlLoad(pool: pg.Pool, defaultSeconds: number, load: SqlLoad): Promise<SqlResult> {
  const latencies: number[] = [];
  let next = 0;
  const deadline = performance.now() + (load.seconds ?? defaultSeconds) * 1000;
  const more = () => (load.amount !== undefined ? next < load.amount : performance.now() < deadline);
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: load.clients }, async () => {
      const c = await pool.connect();
      try {
        while (more()) {
          const n = next++;
          const s = performance.now();
          await load.run(c, n);
          latencies.push(performance.now() - s);
        }
      } finally {
        c.release();
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]! : 0);
  return { ops: latencies.length, opsPerSec: latencies.length / seconds, p50: pct(50), p99: pct(99), seconds };
}

/** Whether a row meets its target; null when it has none. */
export function verdict(row: Row): boolean | null {
  const t = row.target;
  if (!t) return null;
  let ok = true;
  if (t.minRatio !== undefined) ok &&= !!row.baseline && row.baseline.value > 0 && row.value / row.baseline.value >= t.minRatio;
  if (t.min !== undefined) ok &&= row.value >= t.min;
  if (t.max !== undefined) ok &&= row.value <= t.max;
  if (t.maxP99 !== undefined) ok &&= row.p99 !== undefined && row.p99 <= t.maxP99;
  return ok;
}

export function formatTable(rows: Row[]): string {
  const fmt = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(n >= 10 ? 1 : 2));
  const lines = rows.map((r) => {
    const ratio = r.baseline && r.baseline.value > 0 ? `${((r.value / r.baseline.value) * 100).toFixed(0)}%` : '';
    const t = r.target;
    const target = t
      ? [t.minRatio !== undefined ? `>=${Math.round(t.minRatio * 100)}% of baseline` : '', t.min !== undefined ? `>=${fmt(t.min)} ${r.unit}` : '', t.max !== undefined ? `<=${fmt(t.max)} ${r.unit}` : '', t.maxP99 !== undefined ? `p99<=${t.maxP99}ms` : '']
          .filter(Boolean)
          .join(', ')
      : '';
    const v = verdict(r);
    return [
      r.scenario,
      r.metric,
      `${fmt(r.value)} ${r.unit}`,
      r.p99 !== undefined ? `${fmt(r.p99)} ms` : '',
      r.baseline ? `${fmt(r.baseline.value)} (${r.baseline.label})` : '',
      ratio,
      target,
      v === null ? '' : v ? 'met' : 'MISSED',
      r.note ?? '',
    ];
  });
  const header = ['scenario', 'metric', 'value', 'p99', 'baseline (same run)', 'ratio', 'target', 'verdict', 'note'];
  const all = [header, ...lines];
  const widths = header.map((_, c) => Math.max(...all.map((l) => l[c]!.length)));
  return all.map((l) => l.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd()).join('\n');
}

/** Calls Canyu's API with the app's secret key; throws with the answer on any status >= 300. */
export async function apiCall(env: BenchEnv, method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const r = await fetch(`${env.canyu}${path}`, { method, headers: { ...env.auth.secret, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await r.text();
  if (r.status >= 300) throw new Error(`${method} ${path} answered ${r.status}: ${text.slice(0, 300)}`);
  return (text ? JSON.parse(text) : {}) as Record<string, unknown>;
}

// ---- baselines of the same SQL -------------------------------------------------------------------

/** Runs `fn` between BEGIN and COMMIT on one client (ROLLBACK when it throws), as the server's transactions do. */
export async function inTx(c: pg.PoolClient, fn: () => Promise<void>): Promise<void> {
  await c.query('begin');
  try {
    await fn();
    await c.query('commit');
  } catch (err) {
    await c.query('rollback');
    throw err;
  }
}

// The event log append (events/store.ts `append`, one row), as the server runs it for each event.
// The baseline's rows carry a name no consumer handles (the server's consumers would otherwise do
// the work of the real events during the baseline's load), with the payload the real event has.
const APPEND_EVENT = `insert into ev_log (app_id, shard, kind, name, version, actor_id, user_ids, key, payload)
  select a, (abs(hashtext(a || chr(31) || coalesce(ac, ''))) % 8)::smallint, 'domain', $2, 1, $3, $4::text[], $5, $6::jsonb
  from (select $1::text as a, $3::text as ac) t returning txid::text as txid`;
export const appendEvent = (c: pg.PoolClient, app: string, name: string, user: string, payload: Record<string, unknown>) =>
  c.query(APPEND_EVENT, [app, `bench.baseline.${name}`, user, `{${user}}`, randomUUID(), JSON.stringify({ appId: app, userId: user, ...payload })]);

/**
 * Waits until the server's event consumers have handled every event of the app (GET
 * /v1/events/consumers), so that the work they still owe for Canyu's load does not run during the
 * baseline's. Their work during Canyu's own load is part of its figure.
 */
export async function caughtUp(env: BenchEnv): Promise<void> {
  const t0 = performance.now();
  for (;;) {
    const r = (await apiCall(env, 'GET', '/v1/events/consumers')) as { data: { consumer: string; behind: number }[] };
    const behind = r.data.filter((c) => c.behind > 0);
    if (behind.length === 0) break;
    if (performance.now() - t0 > 60_000) throw new Error(`event consumers still behind after 60 s: ${JSON.stringify(behind)}`);
    await new Promise((res) => setTimeout(res, 100));
  }
  env.log(`event consumers caught up ${Math.round(performance.now() - t0)} ms after the load`);
}
