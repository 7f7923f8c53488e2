// Users following users. Follower/following totals live in sharded rows (ix_user_counters);
// both rows of one follow are written by one INSERT in user-id order, so two users following each
// other at the same instant lock their rows in the same order and cannot deadlock.
import { sql } from 'drizzle-orm';
import { blockedSql, pgDate, rows, type Db } from './common.ts';

export type FollowChange = { blocked: boolean; changed: boolean; followers: number };

export async function setFollow(db: Db, appId: string, followerId: string, followeeId: string, follow: boolean, slot: number, now: Date): Promise<FollowChange> {
  const d = follow ? 1 : -1;
  const change = follow
    ? sql`insert into ix_user_follows (app_id, follower_id, followee_id, created_at)
          select ${appId}, ${followerId}, ${followeeId}, ${now.toISOString()}::timestamptz from blk where not blk.blocked
          on conflict do nothing returning 1`
    : sql`delete from ix_user_follows f using blk
          where f.app_id = ${appId} and f.follower_id = ${followerId} and f.followee_id = ${followeeId} and not blk.blocked returning 1`;
  const [r] = await rows<{ blocked: boolean; changed: number; before: number }>(
    db,
    sql`with blk as (select ${blockedSql(appId, followerId, now)} as blocked),
  ch as (${change}),
  bump as (
    insert into ix_user_counters as t (app_id, user_id, slot, followers, following)
    select ${appId}, v.u, ${slot}::smallint, v.fr, v.fg
    from (values (${followeeId}::text, ${d}::bigint, 0::bigint), (${followerId}::text, 0::bigint, ${d}::bigint)) v(u, fr, fg)
    where exists (select 1 from ch)
    order by v.u
    on conflict (app_id, user_id, slot) do update set followers = t.followers + excluded.followers, following = t.following + excluded.following
  )
select blk.blocked, (select count(*) from ch)::int as changed,
       (select coalesce(sum(followers), 0) from ix_user_counters where app_id = ${appId} and user_id = ${followeeId})::bigint as before
from blk`,
  );
  return { blocked: r!.blocked, changed: r!.changed > 0, followers: r!.before + (r!.changed > 0 ? d : 0) };
}

export async function userCounts(db: Db, appId: string, userId: string): Promise<{ followers: number; following: number }> {
  const [r] = await rows<{ followers: number; following: number }>(
    db,
    sql`select coalesce(sum(followers), 0)::bigint as followers, coalesce(sum(following), 0)::bigint as following from ix_user_counters where app_id = ${appId} and user_id = ${userId}`,
  );
  return r!;
}

export async function relationship(db: Db, appId: string, a: string, b: string): Promise<{ following: boolean; followedBy: boolean }> {
  const [r] = await rows<{ following: boolean; followed_by: boolean }>(
    db,
    sql`select exists (select 1 from ix_user_follows where app_id = ${appId} and follower_id = ${a} and followee_id = ${b}) as following,
               exists (select 1 from ix_user_follows where app_id = ${appId} and follower_id = ${b} and followee_id = ${a}) as followed_by`,
  );
  return { following: r!.following, followedBy: r!.followed_by };
}

export type FollowEntry = { userId: string; createdAt: Date; mutual: boolean };

/**
 * `followers`: who follows the user; `following`: whom the user follows. `mutual` marks (or, with
 * mutualOnly, keeps only) those the relation holds both ways.
 */
export async function listFollows(
  db: Db,
  appId: string,
  userId: string,
  q: { direction: 'followers' | 'following'; mutualOnly: boolean; limit: number; before?: { t: string; u: string } | undefined },
): Promise<FollowEntry[]> {
  const [me, other] = q.direction === 'followers' ? [sql.raw('followee_id'), sql.raw('follower_id')] : [sql.raw('follower_id'), sql.raw('followee_id')];
  const mutual = sql`exists (select 1 from ix_user_follows b where b.app_id = ${appId} and b.${other} = ${userId} and b.${me} = a.${other})`;
  const rs = await rows<{ user_id: string; created_at: string; mutual: boolean }>(
    db,
    sql`select a.${other} as user_id, a.created_at, ${mutual} as mutual from ix_user_follows a
        where a.app_id = ${appId} and a.${me} = ${userId}
        ${q.mutualOnly ? sql`and ${mutual}` : sql``}
        ${q.before ? sql`and (a.created_at, a.${other}) < (${q.before.t}::timestamptz, ${q.before.u}::text)` : sql``}
        order by a.created_at desc, a.${other} desc limit ${q.limit}`,
  );
  return rs.map((r) => ({ userId: r.user_id, createdAt: pgDate(r.created_at), mutual: r.mutual }));
}
