// All SQL of analytics. The metrics are computed at read time from host events — their roll-up
// ev_slots (per app, half-hour, user and name, kept exact by ingestion) or, for funnels and zones
// the slots do not fit, the raw ev_events, both owned by the events module — and user profiles (us_users, for trait filters) are READ
// here and never written, an exception to "a module's SQL touches its own tables" that an
// analytics module cannot avoid without copying every event; erasure of those rows by their owners
// therefore erases them from every metric. Days are calendar days in the app's reporting zone,
// bucketed by PostgreSQL (`ts at time zone`): the instants passed in only bound the scan (with a
// day of margin), the day filter decides.
import { and, eq, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/index.ts';
import { date, num, pgArray } from '../../db/raw.ts';
import { activeCache, activeState, engagement, settings } from './schema.ts';
import { conditionsSql } from '../../db/conditions.ts';
import type { Conditions } from '../../lib/conditions.ts';
import type { TraitsFilter } from './types.ts';

export type SettingsRow = typeof settings.$inferSelect;

export async function getSettings(db: Db, appId: string): Promise<SettingsRow | null> {
  const [r] = await db.select().from(settings).where(eq(settings.appId, appId));
  return r ?? null;
}

export async function saveSettings(db: Db, row: SettingsRow): Promise<void> {
  await db
    .insert(settings)
    .values(row)
    .onConflictDoUpdate({ target: settings.appId, set: { timezone: row.timezone, activeEvents: row.activeEvents, updatedAt: row.updatedAt } });
}

/** Does PostgreSQL know this zone (its tz database may differ from the JavaScript one)? */
export async function knowsZone(db: Db, tz: string): Promise<boolean> {
  const r = await db.execute<{ n: number }>(sql`select count(*)::int as n from pg_timezone_names where lower(name) = lower(${tz})`);
  return num(r.rows[0]?.n) > 0;
}

// ---- shared fragments ---------------------------------------------------------------------------

/** Which events of `e` (an ev_events alias) count: by name (null: any). */
const named = (names: readonly string[] | null): SQL => (names === null ? sql`` : sql`and e.name = any(${pgArray(names)}::text[])`);

/**
 * Whose activity counts: users whose traits equal the filter (top-level scalars: containment is
 * equality) and, with `members`, the members of a segment now (the subquery is the segments
 * module's, handed over by the service: analytics never names segments' tables).
 */
export type Who = { traits?: TraitsFilter | undefined; members?: SQL | undefined };

const withWho = (who: Who, appId: string, col = sql.raw('e.user_id')): SQL =>
  sql`${who.traits === undefined ? sql`` : sql`and ${col} in (select u.user_id from us_users u where u.app_id = ${appId} and u.traits @> ${JSON.stringify(who.traits)}::jsonb)`} ${who.members === undefined ? sql`` : sql`and ${col} in (${who.members})`}`;

const localDay = (tz: string, col: SQL) => sql`(${col} at time zone ${tz})::date`;

export type Scan = { appId: string; tz: string; from: string; to: string; start: Date; end: Date; /** Read the roll-up (see slotAligned). */ rollup: boolean };

// ---- the source: roll-up or raw events ----------------------------------------------------------

/**
 * Does every local day first..last (in `tz`) start on a half-hour slot boundary? Then each day is a
 * union of whole roll-up slots (ev_slots, kept by ingestion) and the metrics read the roll-up; in
 * the few zones with quarter-hour offsets (Nepal, Chatham, Eucla) they read the raw events.
 */
export async function slotAligned(db: Db, tz: string, first: string, last: string): Promise<boolean> {
  const r = await db.execute<{ ok: boolean }>(sql`
    select coalesce(bool_and(extract(epoch from (d::date::timestamp at time zone ${tz}))::bigint % 1800 = 0), true) as ok
    from generate_series(${first}::date, ${last}::date + 1, interval '1 day') d`);
  return r.rows[0]?.ok === true;
}

/**
 * Where the (user, time) rows come from: `e` aliases ev_user_slots when any event counts, ev_slots
 * when names filter (time = slot), or ev_events (time = ts) where the roll-up does not fit.
 */
const src = (s: { rollup: boolean }, names: readonly string[] | null) =>
  !s.rollup
    ? { table: sql.raw('ev_events'), ts: sql.raw('e.ts') }
    : names === null
      ? { table: sql.raw('ev_user_slots'), ts: sql.raw('e.slot') }
      : { table: sql.raw('ev_slots'), ts: sql.raw('e.slot') };

// ---- active users -------------------------------------------------------------------------------

export type ActiveDay = { day: string; dau: number; wau: number; mau: number; newUsers: number };

/**
 * Per day d of from..to: users active on d, in d-6..d, in d-29..d, and those whose first active
 * event ever (in the app, any range) was on d. `s.start` must be at or before day from-29.
 *
 * WAU and MAU without a 30-way join: a user active on day x (previously on p) newly counts in the
 * MAU from max(x, p+30) up to x+29, so +1 there and -1 at x+30; a running sum over the days gives
 * the MAU of each day (the same with 7 for the WAU).
 */
export async function activeSeries(db: Db, s: Scan, names: readonly string[] | null, who: Who): Promise<ActiveDay[]> {
  const { table, ts } = src(s, names);
  const r = await db.execute<{ day: string; dau: string; wau: string; mau: string; new_users: string }>(sql`
    with act as materialized (
      select e.user_id, ${localDay(s.tz, ts)} as day
      from ${table} e
      where e.app_id = ${s.appId} and ${ts} >= ${s.start.toISOString()}::timestamptz and ${ts} < ${s.end.toISOString()}::timestamptz
        ${named(names)} ${withWho(who, s.appId)}
      group by 1, 2
    ),
    win as (
      select user_id, day, lag(day) over (partition by user_id order by day) as prev
      from act where day between ${s.from}::date - 29 and ${s.to}::date
    ),
    deltas as (
      select greatest(day, coalesce(prev + 7, day)) as d, 1 as w, 0 as m from win
      union all select day + 7, -1, 0 from win
      union all select greatest(day, coalesce(prev + 30, day)), 0, 1 from win
      union all select day + 30, 0, -1 from win
    ),
    agg as (select d, sum(w) as w, sum(m) as m from deltas group by d),
    cover as (
      select g.day, sum(coalesce(a.w, 0)) over (order by g.day) as wau, sum(coalesce(a.m, 0)) over (order by g.day) as mau
      from (select d::date as day from generate_series(${s.from}::date - 29, ${s.to}::date, interval '1 day') d) g
      left join agg a on a.d = g.day
    ),
    -- New on d: first active on d within the scan, and no active event before the scan.
    firsts as (
      select u.user_id, u.day from (select user_id, min(day) as day from act group by user_id) u
      where u.day >= ${s.from}::date
        and not exists (select 1 from ${table} e where e.app_id = ${s.appId} and e.user_id = u.user_id and ${ts} < ${s.start.toISOString()}::timestamptz ${named(names)})
    ),
    dau as (select day, count(*) as dau from win where day >= ${s.from}::date group by day),
    newu as (select day, count(*) as n from firsts group by day)
    select c.day::text as day, coalesce(d.dau, 0) as dau, c.wau, c.mau, coalesce(n.n, 0) as new_users
    from cover c left join dau d on d.day = c.day left join newu n on n.day = c.day
    where c.day >= ${s.from}::date
    order by c.day`);
  return r.rows.map((x) => ({ day: x.day, dau: num(x.dau), wau: num(x.wau), mau: num(x.mau), newUsers: num(x.new_users) }));
}

// ---- the closed-day cache of the active-user series ---------------------------------------------

/** The transaction's snapshot (first statement of a repeatable-read transaction: the one it reads with). */
export async function snapshotNow(db: Db): Promise<string> {
  const r = await db.execute<{ s: string }>(sql`select pg_current_snapshot()::text as s`);
  return r.rows[0]!.s;
}

export type ActiveState = typeof activeState.$inferSelect;

export async function getActiveState(db: Db, appId: string): Promise<ActiveState | null> {
  const [r] = await db.select().from(activeState).where(eq(activeState.appId, appId));
  return r ?? null;
}

/** The local day of the earliest roll-up slot changed by a transaction `snapshot` did not see (null: none). */
export async function firstChangedDay(db: Db, appId: string, snapshot: string, tz: string): Promise<string | null> {
  const r = await db.execute<{ day: string | null }>(sql`
    select ((min(slot)) at time zone ${tz})::date::text as day from ev_slot_changes
    where app_id = ${appId} and not pg_visible_in_snapshot(txid, ${snapshot}::pg_snapshot)`);
  return r.rows[0]?.day ?? null;
}

export async function cachedActive(db: Db, appId: string, from: string, to: string): Promise<ActiveDay[]> {
  const r = await db.execute<{ day: string; dau: number; wau: number; mau: number; new_users: number }>(sql`
    select day::text as day, dau, wau, mau, new_users from an_active_cache where app_id = ${appId} and day between ${from}::date and ${to}::date order by day`);
  return r.rows.map((x) => ({ day: x.day, dau: num(x.dau), wau: num(x.wau), mau: num(x.mau), newUsers: num(x.new_users) }));
}

export async function saveActiveCache(db: Db, state: ActiveState, rows: ActiveDay[]): Promise<void> {
  if (rows.length > 0) {
    await db
      .insert(activeCache)
      .values(rows.map((r) => ({ appId: state.appId, day: r.day, dau: r.dau, wau: r.wau, mau: r.mau, newUsers: r.newUsers })))
      .onConflictDoUpdate({ target: [activeCache.appId, activeCache.day], set: { dau: sql`excluded.dau`, wau: sql`excluded.wau`, mau: sql`excluded.mau`, newUsers: sql`excluded.new_users` } });
  }
  await db
    .insert(activeState)
    .values(state)
    .onConflictDoUpdate({ target: activeState.appId, set: { settingsKey: state.settingsKey, snapshot: state.snapshot, validFrom: state.validFrom, validTo: state.validTo } });
}

// ---- retention ----------------------------------------------------------------------------------

export type RetentionSpec = {
  /** Cohort by the first event of these names (null: any). */
  cohortNames: readonly string[] | null;
  /** Returning = an event of these names (null: any). */
  returnNames: readonly string[] | null;
  unitDays: number;
  periods: number;
  mode: 'n_day' | 'unbounded';
  who: Who;
};

/**
 * Cohorts (first cohort event's local day in from..to) with their sizes, and users per
 * (cohort day, period): n_day — active in that period; unbounded — whose last return period (any
 * time later, capped at `periods`) is that one.
 *
 * First-seen by any event (the default) comes from ev_user_firsts, kept by ingestion, instead of
 * grouping the app's whole roll-up by user. Each cohort member's returns are then read by one
 * index range from their own first slot (a lateral aggregate per user: no sort or hash over all
 * the (user, day) pairs), folded into a bit per period (at most 31 periods) or the last period.
 */
export async function retention(db: Db, s: Scan, spec: RetentionSpec): Promise<{ cohorts: { day: string; size: number }[]; counts: { day: string; period: number; users: number }[] }> {
  const horizon = spec.unitDays * (spec.periods + 1) - 1;
  const c = src(s, spec.cohortNames);
  const rs = src(s, spec.returnNames);
  const firsts = s.rollup && spec.cohortNames === null;
  const cohort = firsts
    ? sql`
    cohort as materialized (
      select f.user_id, f.cday from (
        select e.user_id, ${localDay(s.tz, sql`e.slot`)} as cday
        from ev_user_firsts e where e.app_id = ${s.appId}
          and e.slot >= ${s.start.toISOString()}::timestamptz and e.slot < ${s.end.toISOString()}::timestamptz ${withWho(spec.who, s.appId)}
      ) f where f.cday between ${s.from}::date and ${s.to}::date
    )`
    : sql`
    cohort as materialized (
      select f.user_id, f.cday from (
        select e.user_id, ${localDay(s.tz, sql`min(${c.ts})`)} as cday
        from ${c.table} e where e.app_id = ${s.appId} ${named(spec.cohortNames)} ${withWho(spec.who, s.appId)}
        group by e.user_id
        having min(${c.ts}) >= ${s.start.toISOString()}::timestamptz and min(${c.ts}) < ${s.end.toISOString()}::timestamptz
      ) f where f.cday between ${s.from}::date and ${s.to}::date
    )`;
  // The period of one of the member's return rows; a return before the first cohort event can
  // still fall on the cohort day (other names), so the scan starts at the local day's beginning.
  const period = sql`((${localDay(s.tz, rs.ts)} - c.cday) / ${spec.unitDays})`;
  const from = sql`${rs.ts} >= (c.cday::timestamp at time zone ${s.tz}) - interval '1 hour'`;
  const upper = spec.mode === 'n_day' ? sql`and ${rs.ts} < (c.cday::timestamp at time zone ${s.tz}) + make_interval(days => ${horizon + 1}, hours => 1)` : sql``;
  const back = sql`from ${rs.table} e where e.app_id = ${s.appId} and e.user_id = c.user_id and ${from} ${upper} ${named(spec.returnNames)}
        and ${localDay(s.tz, rs.ts)} >= c.cday ${spec.mode === 'n_day' ? sql`and ${localDay(s.tz, rs.ts)} - c.cday <= ${horizon}` : sql``}`;
  const counts = await db.execute<{ day: string; period: number; users: string }>(sql`
    with ${cohort},
    ${
      spec.mode === 'n_day'
        ? sql`m as (select c.cday, r.bits from cohort c cross join lateral (select bit_or(1::bigint << ${period}::int) as bits ${back}) r where r.bits is not null)`
        : sql`m as (select c.cday, r.last from cohort c cross join lateral (select max(${period})::int as last ${back}) r where r.last is not null)`
    }
    -- One pass: the cohort sizes come back as period -1.
    select cday::text as day, -1 as period, count(*) as users from cohort group by cday
    union all
    ${
      spec.mode === 'n_day'
        ? sql`select cday::text as day, k as period, count(*) as users from m, generate_series(0, ${spec.periods}) k where m.bits & (1::bigint << k) <> 0 group by cday, k`
        : sql`select cday::text as day, least(last, ${spec.periods})::int as period, count(*) as users from m group by 1, 2`
    }`);
  const rows = counts.rows.map((x) => ({ day: x.day, period: num(x.period), users: num(x.users) }));
  return {
    cohorts: rows
      .filter((x) => x.period === -1)
      .map((x) => ({ day: x.day, size: x.users }))
      .sort((a, b) => (a.day < b.day ? -1 : 1)),
    counts: rows.filter((x) => x.period >= 0),
  };
}

// ---- funnels ------------------------------------------------------------------------------------

export type FunnelSpec = {
  steps: readonly { event: string; where?: Conditions | undefined }[];
  entryFrom: Date;
  entryTo: Date;
  windowMs: number;
  who: Who;
};

/**
 * The funnel in one statement. First each user's earliest step-1 time in the entry range (`f0`,
 * one aggregate, no sort); then only the steps' events inside that user's window [t0, t0 + window]
 * are kept (`ev`, each tagged with the steps it matches): nothing outside it can serve any step,
 * so the walk below sorts a few hundred thousand rows, not every event of the steps' names. Both
 * read the steps' names through ev_events_name_ts (app, name, ts; with user and seq), from the
 * index alone where no condition needs the properties. The walk: step by step each user's earliest matching event strictly after the
 * previous step's, in (ts, seq) order, no later than the window after entry. An event serves one
 * step only (each step is strictly after the previous); a later step-1 event starts nothing new.
 */
function funnelSql(appId: string, f: FunnelSpec, final: SQL): SQL {
  const names = [...new Set(f.steps.map((s) => s.event))];
  const end = new Date(f.entryTo.getTime() + f.windowMs);
  const win = sql`make_interval(secs => ${f.windowMs / 1000})`;
  const range = sql`e.ts >= ${f.entryFrom.toISOString()}::timestamptz and e.ts <= ${end.toISOString()}::timestamptz`;
  // One branch per event name, tagged with the steps its events match: a name whose steps have no
  // property condition is read from ev_events_name_ts alone (an index-only scan); only the others
  // read the rows, for their properties.
  const branches = names.map((name) => {
    const bits = f.steps.flatMap((st, k) => {
      const bit = sql.raw(String(1 << k));
      return st.event !== name ? [] : [st.where ? sql`(case when ${conditionsSql(st.where, sql.raw('e.properties'))} then ${bit} else 0 end)` : bit];
    });
    return sql`select e.user_id, e.ts, e.seq, ${sql.join(bits, sql` | `)} as m from ev_events e where e.app_id = ${appId} and e.name = ${name} and ${range}`;
  });
  const first = f.steps[0]!;
  const ctes: SQL[] = [
    sql`f0 as (
      select e.user_id, min(e.ts) as t0, min(e.ts) + ${win} as t9 from ev_events e
      where e.app_id = ${appId} and e.name = ${first.event} ${first.where ? sql`and ${conditionsSql(first.where, sql.raw('e.properties'))}` : sql``}
        and e.ts >= ${f.entryFrom.toISOString()}::timestamptz and e.ts < ${f.entryTo.toISOString()}::timestamptz ${withWho(f.who, appId)}
      group by e.user_id
    )`,
    sql`ev as materialized (
      select x.user_id, x.ts, x.seq, x.m from (${sql.join(branches, sql` union all `)}) x join f0 on f0.user_id = x.user_id
      where x.ts >= f0.t0 and x.ts <= f0.t9
    )`,
    sql`s1 as materialized (
      select distinct on (user_id) user_id, ts as t1, ts + ${win} as t9, seq as q, ts as t from ev
      where m & 1 <> 0 and ts < ${f.entryTo.toISOString()}::timestamptz
      order by user_id, ts, seq
    )`,
  ];
  for (let k = 2; k <= f.steps.length; k++) {
    ctes.push(sql`${sql.raw(`s${k}`)} as materialized (
      select distinct on (p.user_id) p.user_id, p.t1, p.t9, ev.seq as q, ev.ts as t from ${sql.raw(`s${k - 1}`)} p
      join ev on ev.user_id = p.user_id and ev.m & ${1 << (k - 1)} <> 0 and (ev.ts, ev.seq) > (p.t, p.q) and ev.ts <= p.t9
      order by p.user_id, ev.ts, ev.seq
    )`);
  }
  const cols = f.steps.map((_, k) => sql.raw(`s${k + 1}.t as t${k + 1}`));
  const joins = f.steps.slice(1).map((_, k) => sql.raw(`left join s${k + 2} on s${k + 2}.user_id = s1.user_id`));
  ctes.push(sql`r as (select s1.user_id, ${sql.join(cols, sql`, `)} from s1 ${sql.join(joins, sql` `)})`);
  return sql`with ${sql.join(ctes, sql`, `)} ${final}`;
}

/**
 * Inside analyticsRead: the funnel's two scans of the events are worth parallel workers even though
 * each hands its rows back to the leader (PostgreSQL's default tuple cost rules that out): measured
 * 2.1 s → 1.9–2.0 s on 10 million events with two cores, more with more.
 */
async function funnelPlan(db: Db): Promise<void> {
  await db.execute(sql`set local parallel_setup_cost = 10`);
  await db.execute(sql`set local parallel_tuple_cost = 0.001`);
}

/** Users reaching each step, and the median seconds from the previous step (over those who reached it). */
export async function funnelCounts(db: Db, appId: string, f: FunnelSpec): Promise<{ users: number; median: number | null }[]> {
  await funnelPlan(db);
  const cols = f.steps.map((_, k) =>
    k === 0
      ? sql.raw(`count(t1) as n1, null::float8 as m1`)
      : sql.raw(`count(t${k + 1}) as n${k + 1}, percentile_cont(0.5) within group (order by extract(epoch from t${k + 1} - t${k})) filter (where t${k + 1} is not null) as m${k + 1}`),
  );
  const r = await db.execute<Record<string, string | number | null>>(funnelSql(appId, f, sql`select ${sql.join(cols, sql`, `)} from r`));
  const row = r.rows[0] ?? {};
  return f.steps.map((_, k) => ({ users: num(row[`n${k + 1}`] ?? 0), median: row[`m${k + 1}`] === null || row[`m${k + 1}`] === undefined ? null : Number(row[`m${k + 1}`]) }));
}

/** Users who reached step `step` (1-based) and not the next, by user id after `after`, at most `limit`. */
export async function funnelDropoff(db: Db, appId: string, f: FunnelSpec, step: number, after: string | undefined, limit: number): Promise<{ userId: string; reachedAt: Date }[]> {
  await funnelPlan(db);
  const next = step < f.steps.length ? sql.raw(`and t${step + 1} is null`) : sql``;
  const r = await db.execute<{ user_id: string; t: string | Date }>(
    funnelSql(appId, f, sql`select user_id, ${sql.raw(`t${step}`)} as t from r where ${sql.raw(`t${step}`)} is not null ${next} ${after === undefined ? sql`` : sql`and user_id collate "C" > ${after}`} order by user_id collate "C" limit ${limit}`),
  );
  return r.rows.map((x) => ({ userId: x.user_id, reachedAt: date(x.t) }));
}

/** The half-hour slot an instant falls in (the roll-up's unit), as SQL. */
const SLOT_OF = (d: Date) => sql`date_bin('30 minutes', ${d.toISOString()}::timestamptz, timestamptz '2000-01-01 00:00:00+00')`;

/** Runs `fn` in a transaction with more memory for sorts and hashes: metrics group millions of rows. */
export async function analyticsRead<T>(db: Db, fn: (tx: Db) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    // JIT compiling these plans costs about 0.4 s each and wins nothing back on the reads here
    // (measured on the funnel over 10 million events), where the server has it on (PostgreSQL's default).
    await tx.execute(sql`set local work_mem = '64MB'`);
    await tx.execute(sql`set local jit = off`);
    return fn(tx);
  });
}

// ---- sessions -----------------------------------------------------------------------------------

export type SessionDay = { day: string; sessions: number; users: number; totalSeconds: number; avgSeconds: number | null; medianSeconds: number | null };

export type SessionSpec =
  | { mode: 'gap'; timeoutSeconds: number; event: string | null; who: Who }
  | { mode: 'pairs'; start: string; end: string; maxSeconds: number; who: Who };

/**
 * Sessions by the local day they started (from..to), from the raw events: `s.start`/`s.end` bound
 * the scan, which must reach a day (the longest session) beyond the range on both sides.
 */
export async function sessionSeries(db: Db, s: Scan, spec: SessionSpec): Promise<SessionDay[]> {
  const inRange = sql`${localDay(s.tz, sql`s0`)} between ${s.from}::date and ${s.to}::date`;
  const sessions =
    spec.mode === 'gap'
      ? sql`
    ev as (
      select e.user_id, e.ts, e.seq from ev_events e
      where e.app_id = ${s.appId} and e.ts >= ${s.start.toISOString()}::timestamptz and e.ts < ${s.end.toISOString()}::timestamptz
        ${spec.event === null ? sql`` : sql`and e.name = ${spec.event}`} ${withWho(spec.who, s.appId)}
    ),
    g as (
      select user_id, ts, seq, case when lag(ts) over w is null or ts - lag(ts) over w > make_interval(secs => ${spec.timeoutSeconds}) then 1 else 0 end as brk
      from ev window w as (partition by user_id order by ts, seq)
    ),
    k as (select user_id, ts, sum(brk) over (partition by user_id order by ts, seq rows unbounded preceding) as sid from g),
    ss as (select user_id, min(ts) as s0, extract(epoch from max(ts) - min(ts))::float8 as secs from k group by user_id, sid)`
      : sql`
    ev as (
      select e.user_id, e.name, e.ts, e.seq from ev_events e
      where e.app_id = ${s.appId} and e.name in (${spec.start}, ${spec.end})
        and e.ts >= ${s.start.toISOString()}::timestamptz and e.ts < ${s.end.toISOString()}::timestamptz ${withWho(spec.who, s.appId)}
    ),
    o as (select user_id, name, ts, lead(name) over w as next_name, lead(ts) over w as next_ts from ev window w as (partition by user_id order by ts, seq)),
    ss as (
      select user_id, ts as s0, extract(epoch from next_ts - ts)::float8 as secs from o
      where name = ${spec.start} and next_name = ${spec.end} and next_ts - ts <= make_interval(secs => ${spec.maxSeconds})
    )`;
  const r = await db.execute<{ day: string; sessions: string; users: string; total: number; avg: number | null; median: number | null }>(sql`
    with ${sessions}
    select ${localDay(s.tz, sql`s0`)}::text as day, count(*) as sessions, count(distinct user_id) as users,
      coalesce(sum(secs), 0)::float8 as total, avg(secs)::float8 as avg, percentile_cont(0.5) within group (order by secs) as median
    from ss where ${inRange} group by 1 order by 1`);
  return r.rows.map((x) => ({
    day: x.day,
    sessions: num(x.sessions),
    users: num(x.users),
    totalSeconds: Number(x.total),
    avgSeconds: x.avg === null ? null : Number(x.avg),
    medianSeconds: x.median === null ? null : Number(x.median),
  }));
}

// ---- lurkers and churn risk ----------------------------------------------------------------------

/** Only these users (segments evaluate a page of users at a time); absent: everyone. */
const among = (ids: readonly string[] | undefined): SQL => (ids === undefined ? sql`` : sql`and e.user_id = any(${pgArray(ids)}::text[])`);

export type Lurker = { userId: string; activeDays: number; lastSeen: Date };

/**
 * Users active (host events, of `visitNames` or any) on at least one day since `since`, with no
 * interaction since then: no measured capability event (likes, comments, check-ins… in
 * an_engagement) and no host event of `interactionNames`. By user id after `after`.
 */
export async function lurkers(db: Db, appId: string, q: { since: Date; visitNames: readonly string[] | null; interactionNames: readonly string[]; after?: string | undefined; among?: readonly string[] | undefined; limit: number }): Promise<Lurker[]> {
  const table = q.visitNames === null ? sql.raw('ev_user_slots') : sql.raw('ev_slots');
  const r = await db.execute<{ user_id: string; days: number; last: string | Date }>(sql`
    select e.user_id, count(distinct (e.slot at time zone 'UTC')::date)::int as days, max(e.slot) as last
    from ${table} e
    where e.app_id = ${appId} and e.slot >= ${SLOT_OF(q.since)} ${named(q.visitNames)}
      ${q.after === undefined ? sql`` : sql`and e.user_id collate "C" > ${q.after}`}
      ${among(q.among)}
      and not exists (select 1 from an_engagement g where g.app_id = ${appId} and g.user_id = e.user_id and g.ts >= ${q.since.toISOString()}::timestamptz)
      ${q.interactionNames.length === 0 ? sql`` : sql`and not exists (select 1 from ev_slots i where i.app_id = ${appId} and i.user_id = e.user_id and i.slot >= ${SLOT_OF(q.since)} and i.name = any(${pgArray(q.interactionNames)}::text[]))`}
    group by e.user_id
    order by e.user_id collate "C"
    limit ${q.limit}`);
  return r.rows.map((x) => ({ userId: x.user_id, activeDays: num(x.days), lastSeen: date(x.last) }));
}

export type ChurnRisk = { userId: string; recentDays: number; baselineDays: number; expectedDays: number; drop: number };

/**
 * Users whose active days in the last `recentDays` fell by at least `minDrop` (0-1) against their
 * own rate over the `baselineDays` before that (scaled to the same length), among users active on
 * at least `minBaselineDays` days of the baseline. Largest drop first, then user id.
 */
export async function churnRisk(db: Db, appId: string, q: { now: Date; recentDays: number; baselineDays: number; minBaselineDays: number; minDrop: number; among?: readonly string[] | undefined; offset: number; limit: number }): Promise<ChurnRisk[]> {
  const recentStart = new Date(q.now.getTime() - q.recentDays * 86_400_000);
  const baseStart = new Date(recentStart.getTime() - q.baselineDays * 86_400_000);
  const r = await db.execute<{ user_id: string; recent: number; base: number; expected: number; drop: number }>(sql`
    with d as (
      select e.user_id, (e.slot at time zone 'UTC')::date as day, e.slot >= ${SLOT_OF(recentStart)} as recent
      from ev_user_slots e
      where e.app_id = ${appId} and e.slot >= ${SLOT_OF(baseStart)} and e.slot < ${q.now.toISOString()}::timestamptz ${among(q.among)}
      group by 1, 2, 3
    ),
    u as (
      select user_id, count(*) filter (where recent)::int as recent, count(*) filter (where not recent)::int as base from d group by user_id
    ),
    x as (
      select user_id, recent, base, base::float8 * ${q.recentDays} / ${q.baselineDays} as expected from u where base >= ${q.minBaselineDays}
    )
    select user_id, recent, base, expected, 1 - recent / expected as drop from x
    where 1 - recent / expected >= ${q.minDrop}
    order by drop desc, user_id collate "C"
    offset ${q.offset} limit ${q.limit}`);
  return r.rows.map((x) => ({ userId: x.user_id, recentDays: num(x.recent), baselineDays: num(x.base), expectedDays: Number(x.expected), drop: Number(x.drop) }));
}

// ---- a day's count of one event ------------------------------------------------------------------

/** Events of `name` on the local days of the scan (one day: from = to). */
export async function eventCount(db: Db, s: Scan, name: string): Promise<number> {
  const r = s.rollup
    ? await db.execute<{ n: number }>(sql`select coalesce(sum(e.n), 0)::int as n from ev_slots e where e.app_id = ${s.appId} and e.name = ${name}
        and e.slot >= ${s.start.toISOString()}::timestamptz and e.slot < ${s.end.toISOString()}::timestamptz and ${localDay(s.tz, sql`e.slot`)} between ${s.from}::date and ${s.to}::date`)
    : await db.execute<{ n: number }>(sql`select count(*)::int as n from ev_events e where e.app_id = ${s.appId} and e.name = ${name}
        and e.ts >= ${s.start.toISOString()}::timestamptz and e.ts < ${s.end.toISOString()}::timestamptz and ${localDay(s.tz, sql`e.ts`)} between ${s.from}::date and ${s.to}::date`);
  return num(r.rows[0]?.n ?? 0);
}

// ---- engagement ---------------------------------------------------------------------------------

/** Engagement rows, once each (keyed by log position): one statement however many. */
export async function recordEngagement(db: Db, rows: (typeof engagement.$inferInsert)[]): Promise<void> {
  if (rows.length === 0) return;
  await db.insert(engagement).values(rows).onConflictDoNothing();
}

export type EngagementDay = { day: string; family: string; count: number; users: number; activeUsers: number };

/**
 * Per day of from..to and family: events, distinct acting users, and how many of them were also
 * active that day (host events counted by the active-event setting).
 */
export async function engagementSeries(db: Db, s: Scan, names: readonly string[] | null, who: Who): Promise<EngagementDay[]> {
  const { table, ts } = src(s, names);
  const traitsOf = withWho(who, s.appId, sql.raw('g.user_id'));
  const r = await db.execute<{ day: string; family: string; n: string; users: string; active_users: string }>(sql`
    with g as (
      select g.user_id, g.family, ${localDay(s.tz, sql`g.ts`)} as day
      from an_engagement g
      where g.app_id = ${s.appId} and g.ts >= ${s.start.toISOString()}::timestamptz and g.ts < ${s.end.toISOString()}::timestamptz ${traitsOf}
    ),
    act as (
      select distinct e.user_id, ${localDay(s.tz, ts)} as day
      from ${table} e
      where e.app_id = ${s.appId} and ${ts} >= ${s.start.toISOString()}::timestamptz and ${ts} < ${s.end.toISOString()}::timestamptz ${named(names)}
    )
    select g.day::text as day, g.family, count(*) as n, count(distinct g.user_id) as users,
      count(distinct g.user_id) filter (where exists (select 1 from act a where a.user_id = g.user_id and a.day = g.day)) as active_users
    from g where g.day between ${s.from}::date and ${s.to}::date
    group by 1, 2 order by 1, 2`);
  return r.rows.map((x) => ({ day: x.day, family: x.family, count: num(x.n), users: num(x.users), activeUsers: num(x.active_users) }));
}

// ---- erasure ------------------------------------------------------------------------------------

export async function eraseUser(db: Db, appId: string, userId: string): Promise<void> {
  await db.delete(engagement).where(and(eq(engagement.appId, appId), eq(engagement.userId, userId)));
}

/** Deletes up to `limit` of a deleted app's engagement rows; returns how many. */
export async function deleteAppEngagement(db: Db, appId: string, limit: number): Promise<number> {
  const r = await db.execute(sql`delete from an_engagement where app_id = ${appId} and log_id in (select log_id from an_engagement where app_id = ${appId} limit ${limit})`);
  return r.rowCount ?? 0;
}

export async function eraseAppRest(db: Db, appId: string): Promise<void> {
  await db.delete(engagement).where(eq(engagement.appId, appId));
  await db.delete(activeCache).where(eq(activeCache.appId, appId));
  await db.delete(activeState).where(eq(activeState.appId, appId));
  await db.delete(settings).where(eq(settings.appId, appId));
}

// ---- attributed conversions -----------------------------------------------------------------------

export type Attributed = { participants: number; converted: number; orders: number; amount: number };

/**
 * Conversions attributed to a set of participants (a subquery of user_id, first_at handed over
 * by the feature that owns them): each of their `event` events within `windowDays` after their
 * first participation counts once (events are stored once per event id), with the sum of the
 * numeric property at `path` (other values add nothing).
 */
export async function attributed(db: Db, appId: string, participants: SQL, q: { event: string; path: readonly string[]; windowDays: number }): Promise<Attributed> {
  const r = await db.execute<{ participants: number; converted: number; orders: number; amount: number | string }>(sql`
    with p as materialized (${participants}),
    o as (
      select e.user_id, e.properties #> ${pgArray(q.path)}::text[] as v
      from p join ev_events e on e.app_id = ${appId} and e.user_id = p.user_id and e.name = ${q.event}
        and e.ts >= p.first_at and e.ts < p.first_at + make_interval(days => ${q.windowDays})
    )
    select (select count(*) from p)::int as participants, count(distinct o.user_id)::int as converted, count(o.user_id)::int as orders,
      coalesce(sum(case when jsonb_typeof(o.v) = 'number' then (o.v)::text::numeric end), 0)::float8 as amount
    from o`);
  const x = r.rows[0]!;
  return { participants: num(x.participants), converted: num(x.converted), orders: num(x.orders), amount: Number(x.amount) };
}
