// 投币: each user's coins on each subject, capped per user. One statement adds coins under the
// row's lock, so concurrent coins of one user never pass the cap.
import { sql } from 'drizzle-orm';
import { rows, type Db } from './common.ts';

/** Adds `n` coins from the user, unless that would pass `max`; answers the user's new total, or null (cap). */
export async function addCoins(db: Db, appId: string, subjectId: number, userId: string, n: number, max: number, now: Date): Promise<number | null> {
  const [r] = await rows<{ coins: number }>(
    db,
    sql`insert into ix_coins as c (subject_id, user_id, app_id, coins, created_at, updated_at)
        select ${subjectId}, ${userId}, ${appId}, ${n}, ${now.toISOString()}::timestamptz, ${now.toISOString()}::timestamptz where ${n} <= ${max}
        on conflict (subject_id, user_id) do update set coins = c.coins + excluded.coins, updated_at = excluded.updated_at
        where c.coins + excluded.coins <= ${max}
        returning coins`,
  );
  return r ? Number(r.coins) : null;
}

/** Coins the user has given each of these subjects (absent = none). */
export async function viewerCoins(db: Db, subjectIds: number[], userId: string): Promise<Map<number, number>> {
  if (subjectIds.length === 0) return new Map();
  const rs = await rows<{ subject_id: number; coins: number }>(db, sql`select subject_id, coins from ix_coins where subject_id = any(${sql.param(subjectIds)}::bigint[]) and user_id = ${userId}`);
  return new Map(rs.map((r) => [Number(r.subject_id), Number(r.coins)]));
}
