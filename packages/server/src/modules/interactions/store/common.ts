// Helpers shared by the module's SQL.
import { sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../../db/index.ts';
import { HOT_EPOCH_S, type Counts } from '../rules/hot.ts';

export type { Db };

/** Raw queries return timestamptz as PostgreSQL text ("2024-05-01 12:00:00.123+00"). */
export function pgDate(v: string | Date): Date;
export function pgDate(v: string | Date | null): Date | null;
export function pgDate(v: string | Date | null): Date | null {
  if (v === null || v instanceof Date) return v;
  return new Date(v.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00'));
}

const INT8 = 20;

/**
 * Runs a raw query. int8 columns (ids, counts, sums cast to bigint) come back as numbers: Canyu's
 * ids and counters stay far below 2^53.
 */
export async function rows<T extends Record<string, unknown>>(db: Db, q: SQL): Promise<T[]> {
  const r = await db.execute<Record<string, unknown>>(q);
  const ints = r.fields.filter((f) => f.dataTypeID === INT8).map((f) => f.name);
  if (ints.length > 0) for (const row of r.rows) for (const k of ints) if (typeof row[k] === 'string') row[k] = Number(row[k]);
  return r.rows as T[];
}

/** Counter columns, shared by ix_counters and ix_subject_days. */
export type Metric = 'likes' | 'favourites' | 'shares' | 'comments' | 'follows';
export const metricColumn = (m: Metric) => sql.raw(m);

export const ZERO: Counts = { likes: 0, favourites: 0, shares: 0, comments: 0, follows: 0, coins: 0 };

/** The calendar day of `at` in the app's timezone setting (UTC when unset). */
export const dayOf = (appId: string, at: Date) =>
  sql`((${at.toISOString()}::timestamptz) at time zone coalesce((select settings->>'timezone' from ix_settings where app_id = ${appId}), 'UTC'))::date`;

/** True when an operator has blocked the user and the block has not run out. */
export const blockedSql = (appId: string, userId: string, at: Date) =>
  sql`exists (select 1 from ix_blocks where app_id = ${appId} and user_id = ${userId} and (until is null or until > ${at.toISOString()}::timestamptz))`;

/**
 * CTEs that add `delta` to one metric of every (subject_id, day) row of CTE `src`: the total in
 * ix_counters, the day bucket in ix_subject_days (both in shard `slot`), and a mark in ix_dirty so
 * hot scores and rankings are refreshed. `src` must hold each (subject_id, day) at most once.
 */
export function bumpCtes(src: string, metric: Metric, delta: number, slot: number): SQL {
  const col = metricColumn(metric);
  const from = sql.raw(src);
  return sql`
  bump_total as (
    insert into ix_counters as t (subject_id, slot, ${col})
    select subject_id, ${slot}::smallint, ${delta}::bigint from ${from}
    on conflict (subject_id, slot) do update set ${col} = t.${col} + excluded.${col}
  ),
  bump_day as (
    insert into ix_subject_days as t (subject_id, day, slot, ${col})
    select subject_id, day, ${slot}::smallint, ${delta}::bigint from ${from}
    on conflict (subject_id, day, slot) do update set ${col} = t.${col} + excluded.${col}
  ),
  bump_dirty as (
    insert into ix_dirty (subject_id, day, slot) select subject_id, day, ${slot}::smallint from ${from} on conflict (subject_id, day, slot) do update set day = excluded.day
  )`;
}

/** rules/hot.ts hotScore, in SQL (a test keeps the two equal). */
export const hotSql = (weighted: SQL, createdAt: SQL, decayHours: number): SQL =>
  sql`(log(1::float8 + greatest(0::float8, (${weighted})::float8)) + (extract(epoch from ${createdAt})::float8 - ${HOT_EPOCH_S}::float8) / (${decayHours}::float8 * 3600))`;
