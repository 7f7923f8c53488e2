// SQL of RFM and core users: each computed in one set-based statement over the app's events (and
// the events' half-hour roll-up for engaged time), replacing the app's previous rows in the same
// transaction. Reads ev_events / ev_user_slots (owned by the events module) like analytics does.
import { and, asc, eq, gt, inArray, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../../db/index.ts';
import { num } from '../../../db/raw.ts';
import { rfmClassCase } from '../rules/rfm.ts';
import { sgCore, sgCoreSettings, sgRfm, sgRfmRuns, sgRfmSettings } from '../schema.ts';

export type RfmSettingsRow = typeof sgRfmSettings.$inferSelect;
export type CoreSettingsRow = typeof sgCoreSettings.$inferSelect;
export type RfmRow = typeof sgRfm.$inferSelect;
export type CoreRow = typeof sgCore.$inferSelect;

/** A numeric property at a dot path (through objects only, like the rule condition language); NULL when not a number. */
function amountAt(path: string): SQL {
  let x: SQL = sql`e.properties`;
  for (const k of path.split('.')) x = sql`(case when jsonb_typeof(${x}) = 'object' then ${x} -> ${k}::text end)`;
  return sql`(case when jsonb_typeof(${x}) = 'number' then (${x})::float8 end)`;
}

export const getRfmSettings = async (db: Db, appId: string) => (await db.select().from(sgRfmSettings).where(eq(sgRfmSettings.appId, appId)))[0] ?? null;
export const getCoreSettings = async (db: Db, appId: string) => (await db.select().from(sgCoreSettings).where(eq(sgCoreSettings.appId, appId)))[0] ?? null;
export const appsWithRfm = async (db: Db) => (await db.select({ appId: sgRfmSettings.appId }).from(sgRfmSettings)).map((r) => r.appId);
export const appsWithCore = async (db: Db) => (await db.select({ appId: sgCoreSettings.appId }).from(sgCoreSettings)).map((r) => r.appId);

export async function saveRfmSettings(db: Db, row: RfmSettingsRow): Promise<void> {
  const { appId: _a, ...set } = row;
  await db.insert(sgRfmSettings).values(row).onConflictDoUpdate({ target: sgRfmSettings.appId, set });
}

export async function saveCoreSettings(db: Db, row: CoreSettingsRow): Promise<void> {
  const { appId: _a, ...set } = row;
  await db.insert(sgCoreSettings).values(row).onConflictDoUpdate({ target: sgCoreSettings.appId, set });
}

/**
 * Recomputes the app's RFM rows from purchases in (now - window, now]. Scores 1-5 by percent rank
 * (ties share a score; R: more recent is higher). High/low: by the settings' quantile of the
 * buyers (strictly better than it), or by fixed values (at least / at most).
 */
export async function computeRfm(db: Db, s: RfmSettingsRow, now: Date): Promise<{ users: number; recencyDays: number | null; frequency: number | null; monetary: number | null }> {
  const nowSql = sql`${now.toISOString()}::timestamptz`;
  const fixed = s.method === 'fixed';
  const high = fixed
    ? { r: sql`rec <= t.rt`, f: sql`f >= t.ft`, m: sql`m >= t.mt` }
    : { r: sql`rec < t.rt`, f: sql`f > t.ft`, m: sql`m > t.mt` };
  await db.delete(sgRfm).where(eq(sgRfm.appId, s.appId));
  const r = await db.execute<{ users: number; rt: number | null; ft: number | null; mt: number | null }>(sql`
    with b as (
      select e.user_id, extract(epoch from ${nowSql} - max(e.ts)) / 86400.0 as rec, count(*)::int as f, coalesce(sum(${amountAt(s.amountPath)}), 0)::float8 as m
      from ev_events e
      where e.app_id = ${s.appId} and e.name = ${s.event} and e.ts > ${nowSql} - make_interval(days => ${s.windowDays}) and e.ts <= ${nowSql}
      group by e.user_id
    ),
    t as (
      select ${fixed ? sql`${s.recencyDays}::float8` : sql`percentile_cont(${s.quantile}) within group (order by rec)`} as rt,
             ${fixed ? sql`${s.frequency}::float8` : sql`percentile_cont(${s.quantile}) within group (order by f)`} as ft,
             ${fixed ? sql`${s.monetary}::float8` : sql`percentile_cont(${s.quantile}) within group (order by m)`} as mt
      ${fixed ? sql`` : sql`from b`}
    ),
    scored as (
      select b.*, t.rt, t.ft, t.mt,
        least(5, 1 + floor(percent_rank() over (order by rec desc) * 5))::int as rs,
        least(5, 1 + floor(percent_rank() over (order by f) * 5))::int as fs,
        least(5, 1 + floor(percent_rank() over (order by m) * 5))::int as ms,
        ${sql.raw(rfmClassCase('hr', 'hf', 'hm'))} as class
      from b, t, lateral (select ${high.r} as hr, ${high.f} as hf, ${high.m} as hm) h
    ),
    ins as (
      insert into sg_rfm (app_id, user_id, recency_days, frequency, monetary, r_score, f_score, m_score, class, computed_at)
      select ${s.appId}, user_id, rec, f, m, rs, fs, ms, class, ${nowSql} from scored
      returning 1
    )
    select (select count(*) from ins)::int as users, (select rt from t) as rt, (select ft from t) as ft, (select mt from t) as mt`);
  const x = r.rows[0]!;
  const out = { users: num(x.users), recencyDays: x.rt === null ? null : Number(x.rt), frequency: x.ft === null ? null : Number(x.ft), monetary: x.mt === null ? null : Number(x.mt) };
  const run = { appId: s.appId, ...out, computedAt: now };
  await db.insert(sgRfmRuns).values(run).onConflictDoUpdate({ target: sgRfmRuns.appId, set: { recencyDays: run.recencyDays, frequency: run.frequency, monetary: run.monetary, users: run.users, computedAt: now } });
  return out;
}

export const lastRfmRun = async (db: Db, appId: string) => (await db.select().from(sgRfmRuns).where(eq(sgRfmRuns.appId, appId)))[0] ?? null;

export async function rfmDistribution(db: Db, appId: string): Promise<{ class: string; users: number; recency: number; frequency: number; monetary: number }[]> {
  const r = await db.execute<{ class: string; users: number; rec: number; f: number; m: number }>(sql`
    select class, count(*)::int as users, avg(recency_days)::float8 as rec, avg(frequency)::float8 as f, avg(monetary)::float8 as m
    from sg_rfm where app_id = ${appId} group by class`);
  return r.rows.map((x) => ({ class: x.class, users: num(x.users), recency: Number(x.rec), frequency: Number(x.f), monetary: Number(x.m) }));
}

export async function rfmUsers(db: Db, appId: string, q: { class?: string | undefined; limit: number; afterUserId?: string | undefined }): Promise<RfmRow[]> {
  return db
    .select()
    .from(sgRfm)
    .where(and(eq(sgRfm.appId, appId), q.class === undefined ? undefined : eq(sgRfm.class, q.class), q.afterUserId === undefined ? undefined : gt(sgRfm.userId, q.afterUserId)))
    .orderBy(asc(sgRfm.userId))
    .limit(q.limit);
}

export const rfmOf = async (db: Db, appId: string, userIds: string[]): Promise<RfmRow[]> =>
  userIds.length === 0 ? [] : db.select().from(sgRfm).where(and(eq(sgRfm.appId, appId), inArray(sgRfm.userId, userIds)));

/**
 * Recomputes the app's core-user ranking over (now - window, now]: active days and engaged time
 * (half-hours with any event, from the events' roll-up), and spend (sum of the amount on the spend
 * event). Each component becomes its percent rank among active users; the score is their weighted
 * mean; the top `topPercent` % by score (ties by user id) are core users.
 */
export async function computeCore(db: Db, s: CoreSettingsRow, now: Date): Promise<{ users: number; core: number }> {
  const nowSql = sql`${now.toISOString()}::timestamptz`;
  const since = sql`${nowSql} - make_interval(days => ${s.windowDays})`;
  const wSum = s.wFrequency + s.wDuration + s.wSpend;
  await db.delete(sgCore).where(eq(sgCore.appId, s.appId));
  const r = await db.execute<{ users: number; core: number }>(sql`
    with a as (
      select e.user_id, count(distinct (e.slot at time zone 'UTC')::date)::int as days, (count(*) * 1800)::int as secs
      from ev_user_slots e where e.app_id = ${s.appId} and e.slot >= ${since} and e.slot <= ${nowSql}
      group by e.user_id
    ),
    p as (
      select e.user_id, coalesce(sum(${amountAt(s.amountPath)}), 0)::float8 as spend
      from ev_events e where e.app_id = ${s.appId} and e.name = ${s.spendEvent} and e.ts > ${since} and e.ts <= ${nowSql}
      group by e.user_id
    ),
    j as (select a.user_id, a.days, a.secs, coalesce(p.spend, 0) as spend from a left join p on p.user_id = a.user_id),
    sc as (
      select j.*, (${s.wFrequency} * percent_rank() over (order by days) + ${s.wDuration} * percent_rank() over (order by secs)
                   + ${s.wSpend} * percent_rank() over (order by spend)) / ${wSum}::float8 as score
      from j
    ),
    rk as (select sc.*, row_number() over (order by score desc, user_id) as rank, count(*) over () as n from sc),
    ins as (
      insert into sg_core (app_id, user_id, active_days, active_seconds, spend, score, rank, core, computed_at)
      select ${s.appId}, user_id, days, secs, spend, score, rank, rank <= ceil(n * ${s.topPercent} / 100.0), ${nowSql} from rk
      returning core
    )
    select count(*)::int as users, count(*) filter (where core)::int as core from ins`);
  return { users: num(r.rows[0]!.users), core: num(r.rows[0]!.core) };
}

export async function coreRanking(db: Db, appId: string, q: { onlyCore: boolean; limit: number; afterRank?: number | undefined }): Promise<CoreRow[]> {
  return db
    .select()
    .from(sgCore)
    .where(and(eq(sgCore.appId, appId), q.onlyCore ? eq(sgCore.core, true) : undefined, q.afterRank === undefined ? undefined : gt(sgCore.rank, q.afterRank)))
    .orderBy(asc(sgCore.rank))
    .limit(q.limit);
}

export const coreOf = async (db: Db, appId: string, userIds: string[]): Promise<CoreRow[]> =>
  userIds.length === 0 ? [] : db.select().from(sgCore).where(and(eq(sgCore.appId, appId), inArray(sgCore.userId, userIds)));

export async function eraseUser(db: Db, appId: string, userId: string): Promise<void> {
  await db.delete(sgRfm).where(and(eq(sgRfm.appId, appId), eq(sgRfm.userId, userId)));
  await db.delete(sgCore).where(and(eq(sgCore.appId, appId), eq(sgCore.userId, userId)));
}

export async function eraseApp(db: Db, appId: string): Promise<void> {
  for (const t of [sgRfm, sgCore]) await db.delete(t).where(eq(t.appId, appId));
  await db.delete(sgRfmRuns).where(eq(sgRfmRuns.appId, appId));
  await db.delete(sgRfmSettings).where(eq(sgRfmSettings.appId, appId));
  await db.delete(sgCoreSettings).where(eq(sgCoreSettings.appId, appId));
}
