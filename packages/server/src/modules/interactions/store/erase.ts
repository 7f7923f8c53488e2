// Erasing a user's data (on user.deleted): their rows go, and every counter they contributed to
// is decremented in the same statement, in one aggregated update per shard row.
import { sql } from 'drizzle-orm';
import { hotSql, rows, type Db } from './common.ts';

/** Likes, favourites and subject follows. */
export async function eraseReactions(db: Db, appId: string, userId: string, slot: number): Promise<number> {
  const [r] = await rows<{ n: number }>(
    db,
    sql`with del as (delete from ix_reactions where app_id = ${appId} and user_id = ${userId} returning subject_id, type, day),
  per_day as (
    select subject_id, day, count(*) filter (where type = 'like')::bigint as l, count(*) filter (where type = 'favourite')::bigint as f, count(*) filter (where type = 'follow')::bigint as fo
    from del group by subject_id, day
  ),
  per_subject as (select subject_id, sum(l)::bigint as l, sum(f)::bigint as f, sum(fo)::bigint as fo from per_day group by subject_id),
  t as (
    insert into ix_counters as c (subject_id, slot, likes, favourites, follows) select subject_id, ${slot}::smallint, -l, -f, -fo from per_subject order by subject_id
    on conflict (subject_id, slot) do update set likes = c.likes + excluded.likes, favourites = c.favourites + excluded.favourites, follows = c.follows + excluded.follows
  ),
  d as (
    insert into ix_subject_days as c (subject_id, day, slot, likes, favourites, follows) select subject_id, day, ${slot}::smallint, -l, -f, -fo from per_day order by subject_id, day
    on conflict (subject_id, day, slot) do update set likes = c.likes + excluded.likes, favourites = c.favourites + excluded.favourites, follows = c.follows + excluded.follows
  ),
  x as (insert into ix_dirty (subject_id, day, slot) select subject_id, day, ${slot}::smallint from per_day order by subject_id, day on conflict (subject_id, day, slot) do update set day = excluded.day)
select count(*)::int as n from del`,
  );
  return r!.n;
}

export async function eraseShares(db: Db, appId: string, userId: string, slot: number): Promise<number> {
  const [r] = await rows<{ n: number }>(
    db,
    sql`with del as (delete from ix_shares where app_id = ${appId} and user_id = ${userId} returning subject_id, day),
  per_day as (select subject_id, day, count(*)::bigint as n from del group by subject_id, day),
  per_subject as (select subject_id, sum(n)::bigint as n from per_day group by subject_id),
  t as (insert into ix_counters as c (subject_id, slot, shares) select subject_id, ${slot}::smallint, -n from per_subject order by subject_id on conflict (subject_id, slot) do update set shares = c.shares + excluded.shares),
  d as (insert into ix_subject_days as c (subject_id, day, slot, shares) select subject_id, day, ${slot}::smallint, -n from per_day order by subject_id, day on conflict (subject_id, day, slot) do update set shares = c.shares + excluded.shares),
  x as (insert into ix_dirty (subject_id, day, slot) select subject_id, day, ${slot}::smallint from per_day order by subject_id, day on conflict (subject_id, day, slot) do update set day = excluded.day)
select count(*)::int as n from del`,
  );
  return r!.n;
}

/** Follows both ways; the other users' follower/following totals go down by one each. */
export async function eraseFollows(db: Db, appId: string, userId: string, slot: number): Promise<number> {
  const [r] = await rows<{ n: number }>(
    db,
    sql`with del as (delete from ix_user_follows where app_id = ${appId} and (follower_id = ${userId} or followee_id = ${userId}) returning follower_id, followee_id),
  adj as (
    select followee_id as user_id, -1 as fr, 0 as fg from del where follower_id = ${userId} and followee_id <> ${userId}
    union all
    select follower_id, 0, -1 from del where followee_id = ${userId} and follower_id <> ${userId}
  ),
  per_user as (select user_id, sum(fr)::bigint as fr, sum(fg)::bigint as fg from adj group by user_id),
  t as (
    insert into ix_user_counters as c (app_id, user_id, slot, followers, following) select ${appId}, user_id, ${slot}::smallint, fr, fg from per_user order by user_id
    on conflict (app_id, user_id, slot) do update set followers = c.followers + excluded.followers, following = c.following + excluded.following
  ),
  own as (delete from ix_user_counters where app_id = ${appId} and user_id = ${userId})
select count(*)::int as n from del`,
  );
  return r!.n;
}

/** Comment likes the user gave; each liked comment loses one like. */
export async function eraseCommentLikes(db: Db, appId: string, userId: string, decayHours: number): Promise<number> {
  const [r] = await rows<{ n: number }>(
    db,
    sql`with del as (delete from ix_comment_likes where app_id = ${appId} and user_id = ${userId} returning comment_id),
  upd as (
    update ix_comments c set likes = c.likes - 1, hot = ${hotSql(sql`c.likes - 1 + 2 * c.replies`, sql`c.created_at`, decayHours)}
    from del where c.id = del.comment_id
  )
select count(*)::int as n from del`,
  );
  return r!.n;
}

/** Reports the user filed; comments lose their open ones. */
export async function eraseReports(db: Db, appId: string, userId: string): Promise<number> {
  const [r] = await rows<{ n: number }>(
    db,
    sql`with del as (delete from ix_reports where app_id = ${appId} and reporter_id = ${userId} returning comment_id, resolved_at),
  open as (select comment_id, count(*)::int as n from del where resolved_at is null group by comment_id),
  upd as (update ix_comments c set open_reports = greatest(0, c.open_reports - open.n) from open where c.id = open.comment_id)
select count(*)::int as n from del`,
  );
  return r!.n;
}

export async function visibleCommentIds(db: Db, appId: string, userId: string): Promise<number[]> {
  const rs = await rows<{ id: number }>(db, sql`select id from ix_comments where app_id = ${appId} and user_id = ${userId} and status = 'visible' order by id`);
  return rs.map((r) => r.id);
}

/** Blanks the text of all the user's comments (their placeholders stay in threads). */
export async function blankComments(db: Db, appId: string, userId: string, now: Date): Promise<number> {
  const [r] = await rows<{ n: number }>(
    db,
    sql`with u as (update ix_comments set body = '', mentions = '{}', status = 'deleted', deleted_at = coalesce(deleted_at, ${now.toISOString()}::timestamptz)
                   where app_id = ${appId} and user_id = ${userId} returning 1)
        select count(*)::int as n from u`,
  );
  return r!.n;
}

/** The blanked comments, and replies to them, name a pseudonym instead of the user; subjects they authored name nobody. */
export async function pseudonymise(db: Db, appId: string, userId: string, pseudonym: string): Promise<void> {
  await db.execute(sql`update ix_comments set user_id = ${pseudonym} where app_id = ${appId} and user_id = ${userId}`);
  await db.execute(sql`update ix_comments set reply_to_user_id = ${pseudonym} where app_id = ${appId} and reply_to_user_id = ${userId}`);
  await db.execute(sql`update ix_subjects set author_id = null where app_id = ${appId} and author_id = ${userId}`);
}

export async function eraseRest(db: Db, appId: string, userId: string): Promise<void> {
  await db.execute(sql`delete from ix_folder_items where app_id = ${appId} and user_id = ${userId}`);
  await db.execute(sql`delete from ix_folders where app_id = ${appId} and user_id = ${userId}`);
  await db.execute(sql`delete from ix_triples t using ix_subjects s where s.id = t.subject_id and s.app_id = ${appId} and t.user_id = ${userId}`);
  await db.execute(sql`delete from ix_coins where app_id = ${appId} and user_id = ${userId}`);
  await db.execute(sql`delete from ix_blocks where app_id = ${appId} and user_id = ${userId}`);
}

// ---- a deleted app ----------------------------------------------------------------------------

/** Tables with an app_id that can hold millions of rows of one app: emptied `limit` rows at a time. */
const BIG = ['ix_reactions', 'ix_shares', 'ix_comment_likes', 'ix_reports', 'ix_comments', 'ix_folder_items', 'ix_user_follows', 'ix_rankings'];
/** Small per-app tables, emptied in one statement each once the big ones are. */
const SMALL = ['ix_coins', 'ix_folders', 'ix_slots', 'ix_user_counters', 'ix_blocks', 'ix_settings'];

/**
 * One bounded step of erasing a deleted app: up to `limit` rows of one big table, or up to `limit`
 * subjects with the per-subject rows that name no app (counters, days, marks), or the small tables.
 * Returns false once nothing is left. Each step is meant to commit on its own.
 */
export async function eraseAppStep(db: Db, appId: string, limit: number): Promise<boolean> {
  for (const t of BIG) {
    const r = await db.execute(sql`delete from ${sql.identifier(t)} where ctid = any(array(select ctid from ${sql.identifier(t)} where app_id = ${appId} limit ${limit}))`);
    if (r.rowCount) return true;
  }
  const s = await db.execute(sql`with s as (select id from ix_subjects where app_id = ${appId} limit ${limit}),
    c as (delete from ix_counters where subject_id in (select id from s)),
    d as (delete from ix_subject_days where subject_id in (select id from s)),
    m as (delete from ix_dirty where subject_id in (select id from s)),
    t as (delete from ix_triples where subject_id in (select id from s)),
    i as (delete from ix_slot_items where subject_id in (select id from s))
    delete from ix_subjects where id in (select id from s)`);
  if (s.rowCount) return true;
  for (const t of SMALL) await db.execute(sql`delete from ${sql.identifier(t)} where app_id = ${appId}`);
  return false;
}
