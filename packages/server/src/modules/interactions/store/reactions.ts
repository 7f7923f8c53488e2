// The hot path: likes, favourites, subject follows and shares. Each is ONE statement (so one
// round trip and an implicit transaction when not inside one): find the subject, check the user
// is not blocked, insert or delete the reaction row (its primary key makes a repeat a no-op), and
// bump the sharded counters, the day bucket and the dirty mark — only if the row really changed.
import { sql, type SQL } from 'drizzle-orm';
import { blockedSql, bumpCtes, dayOf, metricColumn, pgDate, rows, type Db, type Metric } from './common.ts';

export type ReactionType = 'like' | 'favourite' | 'follow';
const METRIC: Record<ReactionType, Metric> = { like: 'likes', favourite: 'favourites', follow: 'follows' };

/** A subject by its internal id or by (kind, host id), always within the app. */
export type SubjectKey = { appId: string; id: number } | { appId: string; kind: string; externalId: string };

const subjectSql = (k: SubjectKey): SQL =>
  'id' in k
    ? sql`select id, kind, external_id, author_id from ix_subjects where id = ${k.id} and app_id = ${k.appId}`
    : sql`select id, kind, external_id, author_id from ix_subjects where app_id = ${k.appId} and kind = ${k.kind} and external_id = ${k.externalId}`;

export type Change = {
  subjectId: number;
  kind: string;
  externalId: string;
  authorId: string | null;
  blocked: boolean;
  /** The row was inserted (or deleted): false for a repeat. */
  changed: boolean;
  /** The subject's total for this metric right after the change. */
  total: number;
};

type ChangeRow = { subject_id: number; kind: string; external_id: string; author_id: string | null; blocked: boolean; changed: number; before: number };

function toChange(r: ChangeRow | undefined, delta: number): Change | null {
  if (!r) return null;
  return { subjectId: r.subject_id, kind: r.kind, externalId: r.external_id, authorId: r.author_id, blocked: r.blocked, changed: r.changed > 0, total: r.before + (r.changed > 0 ? delta : 0) };
}

/**
 * Adds (`on`) or removes the user's reaction, bumping the counters only if the row really changed.
 * One statement: the subject lookup, the block check, the row and the counters. null when the
 * subject does not exist.
 */
async function setReaction(db: Db, key: SubjectKey, type: ReactionType, userId: string, on: boolean, slot: number, now: Date): Promise<Change | null> {
  const metric = METRIC[type];
  const change = on
    ? sql`insert into ix_reactions (subject_id, type, user_id, app_id, day, created_at)
          select s.id, ${type}, ${userId}, ${key.appId}, ${dayOf(key.appId, now)}, ${now.toISOString()}::timestamptz from s, blk where not blk.blocked
          on conflict do nothing
          returning subject_id, day`
    : sql`delete from ix_reactions r using s, blk
          where r.subject_id = s.id and r.type = ${type} and r.user_id = ${userId} and not blk.blocked
          returning r.subject_id, r.day`;
  const [r] = await rows<ChangeRow>(
    db,
    sql`with s as (${subjectSql(key)}),
  blk as (select ${blockedSql(key.appId, userId, now)} as blocked),
  src as (${change}),${bumpCtes('src', metric, on ? 1 : -1, slot)}
select s.id as subject_id, s.kind, s.external_id, s.author_id, blk.blocked, (select count(*) from src)::int as changed,
       (select coalesce(sum(${metricColumn(metric)}), 0) from ix_counters where subject_id = s.id)::bigint as before
from s, blk`,
  );
  return toChange(r, on ? 1 : -1);
}

export const addReaction = (db: Db, key: SubjectKey, type: ReactionType, userId: string, slot: number, now: Date) => setReaction(db, key, type, userId, true, slot, now);
export const removeReaction = (db: Db, key: SubjectKey, type: ReactionType, userId: string, slot: number, now: Date) => setReaction(db, key, type, userId, false, slot, now);

export async function addShare(db: Db, key: SubjectKey, userId: string, channel: string, slot: number, now: Date): Promise<(Change & { shareId: number | null }) | null> {
  const [r] = await rows<ChangeRow & { share_id: number | null }>(
    db,
    sql`with s as (${subjectSql(key)}),
  blk as (select ${blockedSql(key.appId, userId, now)} as blocked),
  ins as (
    insert into ix_shares (app_id, subject_id, user_id, channel, day, created_at)
    select ${key.appId}, s.id, ${userId}, ${channel}, ${dayOf(key.appId, now)}, ${now.toISOString()}::timestamptz from s, blk where not blk.blocked
    returning id, subject_id, day
  ),
  src as (select subject_id, day from ins),${bumpCtes('src', 'shares', 1, slot)}
select s.id as subject_id, s.kind, s.external_id, s.author_id, blk.blocked, (select count(*) from ins)::int as changed, (select id from ins) as share_id,
       (select coalesce(sum(shares), 0) from ix_counters where subject_id = s.id)::bigint as before
from s, blk`,
  );
  const c = toChange(r, 1);
  return c && { ...c, shareId: r!.share_id };
}

export async function sharesByChannel(db: Db, subjectId: number): Promise<Record<string, number>> {
  const rs = await rows<{ channel: string; n: number }>(db, sql`select channel, count(*)::bigint as n from ix_shares where subject_id = ${subjectId} group by channel order by channel`);
  return Object.fromEntries(rs.map((r) => [r.channel, r.n]));
}

/** Which of like / favourite / follow the user has on the subject. */
export async function viewerState(db: Db, subjectIds: number[], userId: string): Promise<Map<number, Set<ReactionType>>> {
  const out = new Map<number, Set<ReactionType>>();
  if (subjectIds.length === 0) return out;
  const rs = await rows<{ subject_id: number; type: ReactionType }>(db, sql`select subject_id, type from ix_reactions where subject_id = any(${sql.param(subjectIds)}::bigint[]) and user_id = ${userId}`);
  for (const r of rs) {
    let s = out.get(r.subject_id);
    if (!s) out.set(r.subject_id, (s = new Set()));
    s.add(r.type);
  }
  return out;
}

export type UserReaction = { subjectId: number; createdAt: Date };

/** The subjects a user liked / favourited / follows, newest first. */
export async function userReactions(
  db: Db,
  appId: string,
  userId: string,
  q: { type: ReactionType; kind?: string | undefined; limit: number; before?: { t: string; s: number } | undefined },
): Promise<UserReaction[]> {
  const rs = await rows<{ subject_id: number; created_at: string }>(
    db,
    sql`select r.subject_id, r.created_at from ix_reactions r ${q.kind !== undefined ? sql`join ix_subjects s on s.id = r.subject_id and s.kind = ${q.kind}` : sql``}
        where r.app_id = ${appId} and r.user_id = ${userId} and r.type = ${q.type}
        ${q.before ? sql`and (r.created_at, r.subject_id) < (${q.before.t}::timestamptz, ${q.before.s}::bigint)` : sql``}
        order by r.created_at desc, r.subject_id desc limit ${q.limit}`,
  );
  return rs.map((r) => ({ subjectId: r.subject_id, createdAt: pgDate(r.created_at) }));
}

/** Users who liked (or follow, or favourited) a subject, newest first. */
export async function reactors(db: Db, subjectId: number, q: { type: ReactionType; limit: number; before?: { t: string; u: string } | undefined }): Promise<{ userId: string; createdAt: Date }[]> {
  const rs = await rows<{ user_id: string; created_at: string }>(
    db,
    sql`select user_id, created_at from ix_reactions where subject_id = ${subjectId} and type = ${q.type}
        ${q.before ? sql`and (created_at, user_id) < (${q.before.t}::timestamptz, ${q.before.u}::text)` : sql``}
        order by created_at desc, user_id desc limit ${q.limit}`,
  );
  return rs.map((r) => ({ userId: r.user_id, createdAt: pgDate(r.created_at) }));
}

export async function recordTriple(db: Db, subjectId: number, userId: string, now: Date): Promise<boolean> {
  const rs = await rows<{ n: number }>(db, sql`insert into ix_triples (subject_id, user_id, created_at) values (${subjectId}, ${userId}, ${now.toISOString()}::timestamptz) on conflict do nothing returning 1 as n`);
  return rs.length > 0;
}

// ---- batched likes --------------------------------------------------------------------------

export type Queryable = { query<R extends Record<string, unknown>>(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: R[] }> };

export type LikeOp = { appId: string; kind: string; externalId: string; userId: string };

/**
 * Many likes in ONE statement (and one commit): the reaction rows in (subject, user) order, then
 * per subject one +n on one counter shard, per (subject, day) one +n on one day shard. A burst of
 * likes on a viral subject becomes a few counter updates instead of one locked row per like.
 * Ops whose subject does not exist are absent from the result.
 */
const LIKE_BATCH = `with input as (
    select * from unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::text[]) as i(ord, app_id, kind, ext, user_id)
  ),
  s as (
    select i.ord, i.app_id, i.user_id, x.id as subject_id, x.kind, x.external_id, x.author_id,
           exists (select 1 from ix_blocks b where b.app_id = i.app_id and b.user_id = i.user_id and (b.until is null or b.until > $6::timestamptz)) as blocked
    from input i join ix_subjects x on x.app_id = i.app_id and x.kind = i.kind and x.external_id = i.ext
  ),
  ins as (
    insert into ix_reactions (subject_id, type, user_id, app_id, day, created_at)
    select s.subject_id, 'like', s.user_id, s.app_id,
           ($6::timestamptz at time zone coalesce((select st.settings->>'timezone' from ix_settings st where st.app_id = s.app_id), 'UTC'))::date,
           $6::timestamptz
    from s where not s.blocked
    order by s.subject_id, s.user_id
    on conflict do nothing
    returning subject_id, user_id, day
  ),
  per_day as (select subject_id, day, count(*)::bigint as n from ins group by subject_id, day),
  per_subject as (select subject_id, sum(n)::bigint as n from per_day group by subject_id),
  bump_total as (
    insert into ix_counters as t (subject_id, slot, likes) select subject_id, $7::smallint, n from per_subject order by subject_id
    on conflict (subject_id, slot) do update set likes = t.likes + excluded.likes
  ),
  bump_day as (
    insert into ix_subject_days as t (subject_id, day, slot, likes) select subject_id, day, $7::smallint, n from per_day order by subject_id, day
    on conflict (subject_id, day, slot) do update set likes = t.likes + excluded.likes
  ),
  bump_dirty as (insert into ix_dirty (subject_id, day, slot) select subject_id, day, $7::smallint from per_day order by subject_id, day on conflict (subject_id, day, slot) do update set day = excluded.day),
  before as (select subject_id, sum(likes)::bigint as n from ix_counters where subject_id in (select subject_id from s) group by subject_id)
select s.ord, s.subject_id, s.kind, s.external_id, s.author_id, s.blocked, ins.subject_id is not null as changed,
       (coalesce(b.n, 0) + coalesce(p.n, 0))::bigint as total
from s
left join ins on ins.subject_id = s.subject_id and ins.user_id = s.user_id
left join before b on b.subject_id = s.subject_id
left join per_subject p on p.subject_id = s.subject_id`;

export async function addLikes(pool: Queryable, ops: LikeOp[], slot: number, now: Date): Promise<Map<number, Change>> {
  const rs = await pool.query<{ ord: number; subject_id: string | number; kind: string; external_id: string; author_id: string | null; blocked: boolean; changed: boolean; total: string | number }>({
    name: 'ix_like_batch',
    text: LIKE_BATCH,
    values: [ops.map((_, i) => i), ops.map((o) => o.appId), ops.map((o) => o.kind), ops.map((o) => o.externalId), ops.map((o) => o.userId), now.toISOString(), slot],
  });
  const out = new Map<number, Change>();
  for (const r of rs.rows) out.set(r.ord, { subjectId: Number(r.subject_id), kind: r.kind, externalId: r.external_id, authorId: r.author_id, blocked: r.blocked, changed: r.changed, total: Number(r.total) });
  return out;
}
