// SQL over comments and comment likes. Lock order, to keep concurrent transactions free of
// deadlocks: the comment's own row, then its root's row, then the subject's counter shards.
import { and, asc, desc, eq, inArray, isNotNull, isNull, or, sql, type SQL } from 'drizzle-orm';
import { comments, subjects } from '../schema.ts';
import { bumpCtes, dayOf, hotSql, pgDate, rows, type Db } from './common.ts';

export type CommentRow = typeof comments.$inferSelect;
export type CommentView = CommentRow & { subjectKind: string; subjectExternalId: string; subjectAuthorId: string | null };
export type CommentStatus = CommentRow['status'];

const selectView = (db: Db) =>
  db
    .select({ c: comments, kind: subjects.kind, ext: subjects.externalId, author: subjects.authorId })
    .from(comments)
    .innerJoin(subjects, eq(subjects.id, comments.subjectId));

const toView = (r: { c: CommentRow; kind: string; ext: string; author: string | null }): CommentView => ({ ...r.c, subjectKind: r.kind, subjectExternalId: r.ext, subjectAuthorId: r.author });

export async function findComment(db: Db, appId: string, id: number, forUpdate = false): Promise<CommentView | undefined> {
  const q = selectView(db).where(and(eq(comments.id, id), eq(comments.appId, appId)));
  const [r] = forUpdate ? await q.for('update', { of: comments }) : await q;
  return r && toView(r);
}

export async function commentsByIds(db: Db, ids: number[]): Promise<CommentView[]> {
  if (ids.length === 0) return [];
  return (await selectView(db).where(inArray(comments.id, ids))).map(toView);
}

/** Serialises one user's posts, so the posting limit is exact across servers. */
export async function lockPoster(db: Db, appId: string, userId: string): Promise<void> {
  await db.execute(sql`select pg_advisory_xact_lock(hashtext(${appId}), hashtext(${userId}))`);
}

/** The user's comments since `since`, and the oldest of them (for Retry-After). */
export async function recentPosts(db: Db, appId: string, userId: string, since: Date): Promise<{ n: number; oldest: Date | null }> {
  const [r] = await db
    .select({ n: sql<number>`count(*)::int`, oldest: sql<string | null>`min(${comments.createdAt})` })
    .from(comments)
    .where(and(eq(comments.appId, appId), eq(comments.userId, userId), sql`${comments.createdAt} > ${since.toISOString()}::timestamptz`));
  return { n: r!.n, oldest: pgDate(r!.oldest) };
}

export type NewComment = {
  appId: string;
  subjectId: number;
  rootId: number | null;
  parentId: number | null;
  userId: string;
  replyToUserId: string | null;
  body: string;
  mentions: string[];
  official: 'author' | 'operator' | null;
  operatorId: string | null;
  hot: number;
  createdAt: Date;
};

export async function insertComment(db: Db, c: NewComment): Promise<CommentRow> {
  const [r] = await db
    .insert(comments)
    .values({ ...c, day: sql`${dayOf(c.appId, c.createdAt)}` })
    .returning();
  return r!;
}

/** Adds `delta` to the subject's comment counter (total, day bucket, refresh mark). */
export async function bumpComments(db: Db, subjectId: number, day: string, delta: number, slot: number): Promise<void> {
  await db.execute(sql`with src as (select ${subjectId}::bigint as subject_id, ${day}::date as day),${bumpCtes('src', 'comments', delta, slot)} select 1`);
}

/** A root's count of visible replies changed; its hot score moves with it. */
export async function adjustReplies(db: Db, rootId: number, delta: number, decayHours: number): Promise<void> {
  await db.execute(sql`update ix_comments set replies = replies + ${delta}::int, hot = ${hotSql(sql`likes + 2 * (replies + ${delta}::int)`, sql`created_at`, decayHours)} where id = ${rootId}`);
}

export async function updateComment(db: Db, id: number, patch: Partial<Pick<CommentRow, 'status' | 'moderation' | 'deletedAt' | 'body' | 'mentions' | 'editedAt' | 'pinnedAt' | 'featuredAt' | 'featuredBy' | 'openReports'>>): Promise<CommentRow> {
  const [r] = await db.update(comments).set(patch).where(eq(comments.id, id)).returning();
  return r!;
}

export type FeaturedRule = { minLikes: number; withinHours: number } | null;

/**
 * Likes (or unlikes) a visible comment: one statement. On a like, the featured rule is applied in
 * the same update, so exactly one like makes a comment featured.
 */
export async function setCommentLike(db: Db, appId: string, id: number, userId: string, on: boolean, now: Date, decayHours: number, rule: FeaturedRule): Promise<{ changed: boolean; likes: number; newlyFeatured: boolean } | null> {
  const at = now.toISOString();
  const d = on ? 1 : -1;
  const change = on
    ? sql`insert into ix_comment_likes (comment_id, user_id, app_id, created_at)
          select id, ${userId}, ${appId}, ${at}::timestamptz from ix_comments where id = ${id} and app_id = ${appId} and status = 'visible'
          on conflict do nothing returning comment_id`
    : sql`delete from ix_comment_likes l using ix_comments c
          where l.comment_id = ${id} and l.user_id = ${userId} and c.id = l.comment_id and c.app_id = ${appId} and c.status = 'visible' returning l.comment_id`;
  const qualifies = rule && on ? sql`(c.featured_at is null and c.likes + 1 >= ${rule.minLikes}::int and ${at}::timestamptz - c.created_at <= make_interval(secs => ${rule.withinHours * 3600}::float8))` : sql`false`;
  // `old` locks the row and reads its latest version, so the rule is judged on the state this
  // like really follows: one like, and only one, crosses the threshold.
  const rs = await rows<{ likes: number; newly: boolean; changed: boolean }>(
    db,
    sql`with ch as (${change}),
  old as (select c.id, ${qualifies} as q from ix_comments c where c.id in (select comment_id from ch) for update),
  up as (
    update ix_comments c set likes = c.likes + ${d}::int,
      hot = ${hotSql(sql`c.likes + ${d}::int + 2 * c.replies`, sql`c.created_at`, decayHours)},
      featured_at = case when old.q then ${at}::timestamptz else c.featured_at end,
      featured_by = case when old.q then 'rule' else c.featured_by end
    from old where c.id = old.id
    returning c.likes, old.q as newly
  )
select coalesce((select likes from up), c.likes) as likes, coalesce((select newly from up), false) as newly, exists (select 1 from up) as changed
from ix_comments c where c.id = ${id} and c.app_id = ${appId}`,
  );
  const r = rs[0];
  return r ? { changed: r.changed, likes: r.likes, newlyFeatured: r.newly } : null;
}

export async function likedBy(db: Db, ids: number[], userId: string): Promise<Set<number>> {
  if (ids.length === 0) return new Set();
  const rs = await rows<{ comment_id: number }>(db, sql`select comment_id from ix_comment_likes where comment_id = any(${sql.param(ids)}::bigint[]) and user_id = ${userId}`);
  return new Set(rs.map((r) => r.comment_id));
}

export async function pinnedCount(db: Db, subjectId: number): Promise<number> {
  const [r] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(comments)
    .where(and(eq(comments.subjectId, subjectId), isNull(comments.rootId), isNotNull(comments.pinnedAt), eq(comments.status, 'visible')));
  return r!.n;
}

export type CommentSort = 'hot' | 'new' | 'top';
export type RootCursor = { id: number; l?: number | undefined; h?: number | undefined };

/**
 * Root comments of a subject. Deleted or hidden roots stay as placeholders while they have
 * visible replies, so threads keep their head.
 */
export async function listRoots(
  db: Db,
  subjectId: number,
  q: { sort: CommentSort; limit: number; after?: RootCursor | undefined; pinned?: boolean | undefined; featured?: boolean | undefined; official?: boolean | undefined; userId?: string | undefined },
): Promise<CommentView[]> {
  const conds: (SQL | undefined)[] = [eq(comments.subjectId, subjectId), isNull(comments.rootId), or(eq(comments.status, 'visible'), sql`${comments.replies} > 0`)];
  if (q.pinned !== undefined) conds.push(q.pinned ? isNotNull(comments.pinnedAt) : isNull(comments.pinnedAt));
  if (q.featured !== undefined) conds.push(q.featured ? isNotNull(comments.featuredAt) : isNull(comments.featuredAt));
  if (q.official !== undefined) conds.push(q.official ? isNotNull(comments.official) : isNull(comments.official));
  if (q.userId !== undefined) conds.push(eq(comments.userId, q.userId));
  const a = q.after;
  let order: SQL[];
  if (q.sort === 'new') {
    if (a) conds.push(sql`${comments.id} < ${a.id}`);
    order = [desc(comments.id)];
  } else if (q.sort === 'top') {
    if (a) conds.push(sql`(${comments.likes}, ${comments.id}) < (${a.l ?? 0}::int, ${a.id}::bigint)`);
    order = [desc(comments.likes), desc(comments.id)];
  } else {
    if (a) conds.push(sql`(${comments.hot}, ${comments.id}) < (${a.h ?? 0}::float8, ${a.id}::bigint)`);
    order = [desc(comments.hot), desc(comments.id)];
  }
  return (
    await selectView(db)
      .where(and(...conds))
      .orderBy(...order)
      .limit(q.limit)
  ).map(toView);
}

/** Visible root comments of a subject, oldest first (a reserved subject's thread, service/owned.ts). */
export async function listVisibleRootsOldest(db: Db, subjectId: number, q: { limit: number; afterId?: number | undefined }): Promise<CommentView[]> {
  return (
    await selectView(db)
      .where(and(eq(comments.subjectId, subjectId), isNull(comments.rootId), eq(comments.status, 'visible'), q.afterId !== undefined ? sql`${comments.id} > ${q.afterId}` : undefined))
      .orderBy(asc(comments.id))
      .limit(q.limit)
  ).map(toView);
}

/** Replies of a root, oldest first (deleted ones as placeholders). */
export async function listReplies(db: Db, rootId: number, q: { limit: number; afterId?: number | undefined }): Promise<CommentView[]> {
  return (
    await selectView(db)
      .where(and(eq(comments.rootId, rootId), q.afterId !== undefined ? sql`${comments.id} > ${q.afterId}` : undefined))
      .orderBy(asc(comments.id))
      .limit(q.limit)
  ).map(toView);
}
