// All SQL of the shared rate-limit counters (http_rate_limits).
import { sql } from 'drizzle-orm';
import type { Db } from '../db/index.ts';

/**
 * Adds `n` hits to each key in one statement and returns each key's count in its current window
 * with the milliseconds left in it. A window that has ended restarts at `n`. Keys are inserted in
 * sorted order so two servers upserting overlapping batches lock rows in the same order.
 * The database's clock decides windows, so servers with skewed clocks still agree.
 */
export async function addHits(db: Db, items: { key: string; n: number; windowMs: number }[]): Promise<Map<string, { count: number; msLeft: number }>> {
  const sorted = [...items].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const res = await db.execute<{ key: string; count: number; ms_left: string }>(sql`
    insert into http_rate_limits as r (key, count, reset_at)
    select t.k, t.n, now() + t.w * interval '1 millisecond'
    from unnest(${sql.param(sorted.map((i) => i.key))}::text[], ${sql.param(sorted.map((i) => i.n))}::int[], ${sql.param(sorted.map((i) => i.windowMs))}::bigint[]) with ordinality as t(k, n, w, o)
    order by t.o
    on conflict (key) do update set
      count = case when r.reset_at <= now() then excluded.count else r.count + excluded.count end,
      reset_at = case when r.reset_at <= now() then excluded.reset_at else r.reset_at end
    returning r.key, r.count, ceil(extract(epoch from (r.reset_at - now())) * 1000)::bigint as ms_left`);
  return new Map(res.rows.map((r) => [r.key, { count: Number(r.count), msLeft: Number(r.ms_left) }]));
}

/** Counts of the keys in their current windows (absent or ended: not in the map). */
export async function counts(db: Db, keys: string[]): Promise<Map<string, number>> {
  const res = await db.execute<{ key: string; count: number }>(sql`
    select key, count from http_rate_limits where key = any(${sql.param(keys)}::text[]) and reset_at > now()`);
  return new Map(res.rows.map((r) => [r.key, Number(r.count)]));
}

/** Deletes counters whose window ended; a later hit simply inserts the key again. */
export async function sweep(db: Db, max = 10_000): Promise<number> {
  const res = await db.execute(sql`
    delete from http_rate_limits where key in (select key from http_rate_limits where reset_at < now() - interval '1 minute' limit ${max})`);
  return res.rowCount ?? 0;
}
