import { and, asc, desc, eq, gt, inArray, isNull, lt, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/index.ts';
import { boards, comments, followers, grams, posts, reads, statusChanges, votes } from './schema.ts';

export type BoardRow = typeof boards.$inferSelect;
export type PostRow = typeof posts.$inferSelect;
export type CommentRow = typeof comments.$inferSelect;
export type StatusChangeRow = typeof statusChanges.$inferSelect;

const rowsOf = <T>(r: { rows: unknown[] }) => r.rows as T[];

// ---- boards -------------------------------------------------------------------------------------

export async function insertBoard(db: Db, b: BoardRow): Promise<void> {
  await db.insert(boards).values(b);
}

export async function findBoard(db: Db, appId: string, boardId: string): Promise<BoardRow | undefined> {
  const [r] = await db
    .select()
    .from(boards)
    .where(and(eq(boards.appId, appId), eq(boards.id, boardId)));
  return r;
}

export async function listBoards(db: Db, appId: string, q: { limit: number; after?: { at: Date; id: string } | undefined; visibility?: string | undefined }): Promise<BoardRow[]> {
  const conds: (SQL | undefined)[] = [eq(boards.appId, appId)];
  if (q.visibility) conds.push(eq(boards.visibility, q.visibility));
  if (q.after) conds.push(sql`(${boards.createdAt}, ${boards.id}) > (${q.after.at}, ${q.after.id})`);
  return db
    .select()
    .from(boards)
    .where(and(...conds))
    .orderBy(asc(boards.createdAt), asc(boards.id))
    .limit(q.limit);
}

export async function publicBoardIds(db: Db, appId: string): Promise<string[]> {
  const r = await db
    .select({ id: boards.id })
    .from(boards)
    .where(and(eq(boards.appId, appId), eq(boards.visibility, 'public')));
  return r.map((x) => x.id);
}

export async function updateBoard(db: Db, appId: string, boardId: string, patch: Partial<BoardRow>): Promise<BoardRow | undefined> {
  const [r] = await db
    .update(boards)
    .set(patch)
    .where(and(eq(boards.appId, appId), eq(boards.id, boardId)))
    .returning();
  return r;
}

// ---- posts --------------------------------------------------------------------------------------

export async function insertPost(db: Db, p: PostRow): Promise<void> {
  await db.insert(posts).values(p);
}

export async function findPost(db: Db, appId: string, postId: string, forUpdate = false): Promise<PostRow | undefined> {
  const q = db
    .select()
    .from(posts)
    .where(and(eq(posts.appId, appId), eq(posts.id, postId)));
  const [r] = forUpdate ? await q.for('update') : await q;
  return r;
}

/** A post with its board, in one query (locking only the post when asked). */
export async function findPostWithBoard(db: Db, appId: string, postId: string, forUpdate = false): Promise<{ post: PostRow; board: BoardRow } | undefined> {
  const q = db
    .select({ post: posts, board: boards })
    .from(posts)
    .innerJoin(boards, eq(boards.id, posts.boardId))
    .where(and(eq(posts.appId, appId), eq(posts.id, postId)));
  const [r] = forUpdate ? await q.for('update', { of: posts }) : await q;
  return r;
}

/** Locks several posts in id order (merges lock two; a fixed order means no deadlock between merges). */
export async function lockPosts(db: Db, appId: string, ids: string[]): Promise<PostRow[]> {
  return db
    .select()
    .from(posts)
    .where(and(eq(posts.appId, appId), inArray(posts.id, ids)))
    .orderBy(asc(posts.id))
    .for('update');
}

export type PostFilter = {
  limit: number;
  boardId?: string | undefined;
  boardIds?: string[] | undefined;
  status?: string | undefined;
  type?: string | undefined;
  tag?: string | undefined;
  category?: string | undefined;
  authorId?: string | undefined;
  assignee?: string | undefined;
  sort: 'top' | 'new';
  after?: { v: number; id: string } | { t: string; id: string } | undefined;
};

export async function listPosts(db: Db, appId: string, f: PostFilter): Promise<PostRow[]> {
  const conds: (SQL | undefined)[] = [eq(posts.appId, appId), isNull(posts.mergedInto)];
  if (f.boardId !== undefined) conds.push(eq(posts.boardId, f.boardId));
  if (f.boardIds !== undefined) conds.push(f.boardIds.length ? inArray(posts.boardId, f.boardIds) : sql`false`);
  if (f.status !== undefined) conds.push(eq(posts.status, f.status));
  if (f.type !== undefined) conds.push(eq(posts.type, f.type));
  if (f.tag !== undefined) conds.push(sql`${posts.tags} @> array[${f.tag}]::text[]`);
  if (f.category !== undefined) conds.push(eq(posts.category, f.category));
  if (f.authorId !== undefined) conds.push(eq(posts.authorUserId, f.authorId));
  if (f.assignee !== undefined) conds.push(eq(posts.assignee, f.assignee));
  if (f.sort === 'top') {
    if (f.after && 'v' in f.after) conds.push(sql`(${posts.voteCount}, ${posts.id}) < (${f.after.v}, ${f.after.id})`);
    return db
      .select()
      .from(posts)
      .where(and(...conds))
      .orderBy(desc(posts.voteCount), desc(posts.id))
      .limit(f.limit);
  }
  if (f.after && 't' in f.after) {
    const at = new Date(f.after.t);
    conds.push(sql`(${posts.createdAt}, ${posts.id}) < (${at}, ${f.after.id})`);
  }
  return db
    .select()
    .from(posts)
    .where(and(...conds))
    .orderBy(desc(posts.createdAt), desc(posts.id))
    .limit(f.limit);
}

export async function updatePost(db: Db, postId: string, patch: Partial<PostRow>): Promise<PostRow> {
  const [r] = await db.update(posts).set(patch).where(eq(posts.id, postId)).returning();
  return r!;
}

export async function bumpPost(db: Db, postId: string, d: { votes?: number; weight?: number; followers?: number; comments?: number }): Promise<PostRow> {
  const [r] = await db
    .update(posts)
    .set({
      voteCount: sql`${posts.voteCount} + ${d.votes ?? 0}`,
      voteWeight: sql`${posts.voteWeight} + ${d.weight ?? 0}`,
      followerCount: sql`${posts.followerCount} + ${d.followers ?? 0}`,
      commentCount: sql`${posts.commentCount} + ${d.comments ?? 0}`,
    })
    .where(eq(posts.id, postId))
    .returning();
  return r!;
}

/** Sets every counter of a post from its rows (after a merge or an erasure). */
export async function recountPost(db: Db, postId: string): Promise<void> {
  await db.execute(sql`
    update fb_posts p set
      vote_count = (select count(*) from fb_votes v where v.post_id = p.id),
      vote_weight = (select coalesce(sum(weight), 0) from fb_votes v where v.post_id = p.id),
      follower_count = (select count(*) from fb_followers f where f.post_id = p.id),
      comment_count = (select count(*) from fb_comments c where c.post_id = p.id)
    where p.id = ${postId}`);
}

/** Posts merged into `from` now point at `to`, so a chain is always one hop. */
export async function repointMerged(db: Db, from: string, to: string): Promise<void> {
  await db.update(posts).set({ mergedInto: to }).where(eq(posts.mergedInto, from));
}

// ---- grams --------------------------------------------------------------------------------------

export async function replaceGrams(db: Db, post: { id: string; appId: string; boardId: string }, gs: string[]): Promise<void> {
  await db.delete(grams).where(eq(grams.postId, post.id));
  if (gs.length) await db.insert(grams).values(gs.map((gram) => ({ postId: post.id, appId: post.appId, boardId: post.boardId, gram })));
}

export async function deleteGrams(db: Db, postId: string): Promise<void> {
  await db.delete(grams).where(eq(grams.postId, postId));
}

/** Posts in scope and, per query gram, how many posts contain it. */
export async function gramStats(db: Db, appId: string, boardIds: string[], gs: string[]): Promise<{ total: number; df: Map<string, number> }> {
  const [t] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(posts)
    .where(and(eq(posts.appId, appId), inArray(posts.boardId, boardIds), isNull(posts.mergedInto)));
  const r = await db
    .select({ gram: grams.gram, n: sql<number>`count(*)::int` })
    .from(grams)
    .where(and(eq(grams.appId, appId), inArray(grams.gram, gs), inArray(grams.boardId, boardIds)))
    .groupBy(grams.gram);
  return { total: t?.n ?? 0, df: new Map(r.map((x) => [x.gram, x.n])) };
}

/** Posts sharing at least one gram with the query, most shared grams first. */
export async function gramCandidates(db: Db, appId: string, boardIds: string[], gs: string[], limit: number): Promise<{ postId: string; matched: string[]; gramCount: number }[]> {
  return rowsOf<{ postId: string; matched: string[]; gramCount: number }>(
    await db.execute(sql`
      select g.post_id as "postId", array_agg(g.gram) as matched, p.gram_count as "gramCount"
      from fb_grams g join fb_posts p on p.id = g.post_id
      where g.app_id = ${appId} and g.gram in ${gs} and g.board_id in ${boardIds} and p.merged_into is null
      group by g.post_id, p.gram_count, p.vote_count
      order by count(*) desc, p.vote_count desc
      limit ${limit}`),
  );
}

export async function postsByIds(db: Db, ids: string[]): Promise<PostRow[]> {
  if (!ids.length) return [];
  return db.select().from(posts).where(inArray(posts.id, ids));
}

// ---- votes and followers ------------------------------------------------------------------------

export async function insertVote(db: Db, v: { postId: string; userId: string; appId: string; weight: number; at: Date }): Promise<boolean> {
  const r = await db
    .insert(votes)
    .values({ postId: v.postId, userId: v.userId, appId: v.appId, weight: v.weight, createdAt: v.at })
    .onConflictDoNothing()
    .returning({ userId: votes.userId });
  return r.length === 1;
}

export async function deleteVote(db: Db, postId: string, userId: string): Promise<number | null> {
  const [r] = await db
    .delete(votes)
    .where(and(eq(votes.postId, postId), eq(votes.userId, userId)))
    .returning({ weight: votes.weight });
  return r ? r.weight : null;
}

export async function votedPostIds(db: Db, postIds: string[], userId: string): Promise<Set<string>> {
  if (!postIds.length) return new Set();
  const r = await db
    .select({ postId: votes.postId })
    .from(votes)
    .where(and(inArray(votes.postId, postIds), eq(votes.userId, userId)));
  return new Set(r.map((x) => x.postId));
}

export async function followedPostIds(db: Db, postIds: string[], userId: string): Promise<Set<string>> {
  if (!postIds.length) return new Set();
  const r = await db
    .select({ postId: followers.postId })
    .from(followers)
    .where(and(inArray(followers.postId, postIds), eq(followers.userId, userId)));
  return new Set(r.map((x) => x.postId));
}

export async function votersOf(db: Db, postId: string, q: { limit: number; afterUserId?: string | undefined }) {
  const conds: SQL[] = [eq(votes.postId, postId)];
  if (q.afterUserId !== undefined) conds.push(gt(votes.userId, q.afterUserId));
  return db
    .select({ userId: votes.userId, weight: votes.weight, createdAt: votes.createdAt })
    .from(votes)
    .where(and(...conds))
    .orderBy(asc(votes.userId))
    .limit(q.limit);
}

/** Everyone to tell about a post: its voters, followers and author, each once. */
export async function audienceOf(db: Db, postId: string): Promise<string[]> {
  const r = rowsOf<{ user_id: string }>(
    await db.execute(sql`
      select user_id from fb_votes where post_id = ${postId}
      union select user_id from fb_followers where post_id = ${postId}
      union select author_user_id from fb_posts where id = ${postId}
      order by 1`),
  );
  return r.map((x) => x.user_id);
}

export async function voterIds(db: Db, postId: string): Promise<string[]> {
  const r = await db.select({ userId: votes.userId }).from(votes).where(eq(votes.postId, postId)).orderBy(asc(votes.userId));
  return r.map((x) => x.userId);
}

export async function insertFollower(db: Db, f: { postId: string; userId: string; appId: string; at: Date }): Promise<boolean> {
  const r = await db
    .insert(followers)
    .values({ postId: f.postId, userId: f.userId, appId: f.appId, createdAt: f.at })
    .onConflictDoNothing()
    .returning({ userId: followers.userId });
  return r.length === 1;
}

export async function deleteFollower(db: Db, postId: string, userId: string): Promise<boolean> {
  const r = await db
    .delete(followers)
    .where(and(eq(followers.postId, postId), eq(followers.userId, userId)))
    .returning({ userId: followers.userId });
  return r.length === 1;
}

/**
 * Moves votes and followers of `from` onto `to`. A user on both keeps the vote already on `to`,
 * so nobody counts twice. Returns the users who had voted on `from`.
 */
export async function moveVotesAndFollowers(db: Db, from: string, to: string): Promise<string[]> {
  const moved = rowsOf<{ user_id: string }>(
    await db.execute(sql`
      with moved as (delete from fb_votes where post_id = ${from} returning user_id, app_id, weight, created_at),
      ins as (
        insert into fb_votes (post_id, user_id, app_id, weight, created_at)
        select ${to}, user_id, app_id, weight, created_at from moved
        on conflict do nothing
      )
      select user_id from moved order by user_id`),
  );
  await db.execute(sql`
    with moved as (delete from fb_followers where post_id = ${from} returning user_id, app_id, created_at)
    insert into fb_followers (post_id, user_id, app_id, created_at)
    select ${to}, user_id, app_id, created_at from moved
    on conflict do nothing`);
  return moved.map((r) => r.user_id);
}

// ---- comments -----------------------------------------------------------------------------------

export async function insertComment(db: Db, c: CommentRow): Promise<void> {
  await db.insert(comments).values(c);
}

export async function findComment(db: Db, id: string): Promise<CommentRow | undefined> {
  const [r] = await db.select().from(comments).where(eq(comments.id, id));
  return r;
}

export async function commentsByIds(db: Db, ids: string[]): Promise<CommentRow[]> {
  if (!ids.length) return [];
  return db.select().from(comments).where(inArray(comments.id, ids));
}

export async function listComments(db: Db, postId: string, q: { limit: number; after?: { t: string; id: string } | undefined }): Promise<CommentRow[]> {
  const conds: (SQL | undefined)[] = [eq(comments.postId, postId)];
  if (q.after) {
    const at = new Date(q.after.t);
    conds.push(sql`(${comments.createdAt}, ${comments.id}) > (${at}, ${q.after.id})`);
  }
  return db
    .select()
    .from(comments)
    .where(and(...conds))
    .orderBy(asc(comments.createdAt), asc(comments.id))
    .limit(q.limit);
}

// ---- status history, changelog, roadmap ---------------------------------------------------------

export async function insertStatusChange(db: Db, c: Omit<StatusChangeRow, 'seq'>): Promise<void> {
  await db.insert(statusChanges).values(c);
}

export type ChangeWithTitle = StatusChangeRow & { title: string };

export async function statusHistory(db: Db, postId: string, q: { limit: number; afterSeq?: number | undefined }): Promise<ChangeWithTitle[]> {
  const conds: SQL[] = [eq(statusChanges.postId, postId)];
  if (q.afterSeq !== undefined) conds.push(gt(statusChanges.seq, q.afterSeq));
  const r = await db
    .select({ c: statusChanges, title: posts.title })
    .from(statusChanges)
    .innerJoin(posts, eq(posts.id, statusChanges.postId))
    .where(and(...conds))
    .orderBy(asc(statusChanges.seq))
    .limit(q.limit);
  return r.map((x) => ({ ...x.c, title: x.title }));
}

/** Status changes into `statuses` on the given boards, newest first (the public changelog). */
export async function changelog(db: Db, appId: string, q: { boardIds: string[]; statuses: string[]; limit: number; beforeSeq?: number | undefined }): Promise<ChangeWithTitle[]> {
  const conds: SQL[] = [eq(statusChanges.appId, appId), inArray(statusChanges.toStatus, q.statuses), q.boardIds.length ? inArray(statusChanges.boardId, q.boardIds) : sql`false`, isNull(posts.mergedInto)];
  if (q.beforeSeq !== undefined) conds.push(lt(statusChanges.seq, q.beforeSeq));
  const r = await db
    .select({ c: statusChanges, title: posts.title })
    .from(statusChanges)
    .innerJoin(posts, eq(posts.id, statusChanges.postId))
    .where(and(...conds))
    .orderBy(desc(statusChanges.seq))
    .limit(q.limit);
  return r.map((x) => ({ ...x.c, title: x.title }));
}

export async function countByStatus(db: Db, appId: string, boardIds: string[]): Promise<Map<string, number>> {
  if (!boardIds.length) return new Map();
  const r = await db
    .select({ status: posts.status, n: sql<number>`count(*)::int` })
    .from(posts)
    .where(and(eq(posts.appId, appId), inArray(posts.boardId, boardIds), isNull(posts.mergedInto)))
    .groupBy(posts.status);
  return new Map(r.map((x) => [x.status, x.n]));
}

// ---- workload -----------------------------------------------------------------------------------

export async function markRead(db: Db, r: { postId: string; operatorId: string; appId: string; at: Date }): Promise<void> {
  await db.insert(reads).values({ postId: r.postId, operatorId: r.operatorId, appId: r.appId, readAt: r.at }).onConflictDoNothing();
}

export type OperatorFeedbackStats = {
  operatorId: string;
  received: number;
  read: number;
  answered: number;
  usersAnswered: number;
  firstResponses: number;
  medianFirstResponseS: number | null;
};

/** Per operator, in [from, to): posts assigned, posts first opened, posts and users answered, first-response times. */
export async function operatorFeedbackStats(db: Db, appId: string, from: Date, to: Date): Promise<OperatorFeedbackStats[]> {
  return rowsOf<OperatorFeedbackStats>(
    await db.execute(sql`
      with received as (
        select assignee as op, count(*)::int as n from fb_posts
        where app_id = ${appId} and assignee is not null and assigned_at >= ${from} and assigned_at < ${to} group by assignee
      ), opened as (
        select operator_id as op, count(*)::int as n from fb_reads
        where app_id = ${appId} and read_at >= ${from} and read_at < ${to} group by operator_id
      ), answered as (
        select c.author_id as op, count(distinct c.post_id)::int as n, count(distinct p.author_user_id)::int as users
        from fb_comments c join fb_posts p on p.id = c.post_id
        where c.app_id = ${appId} and c.author_type = 'operator' and c.created_at >= ${from} and c.created_at < ${to}
        group by c.author_id
      ), first_resp as (
        select first_responder_id as op, count(*)::int as n,
               percentile_cont(0.5) within group (order by extract(epoch from first_response_at - created_at)) as median_s
        from fb_posts
        where app_id = ${appId} and first_responder_id is not null and first_response_at >= ${from} and first_response_at < ${to}
        group by first_responder_id
      ), ops as (select op from received union select op from opened union select op from answered union select op from first_resp)
      select ops.op as "operatorId",
             coalesce(received.n, 0) as received, coalesce(opened.n, 0) as read,
             coalesce(answered.n, 0) as answered, coalesce(answered.users, 0) as "usersAnswered",
             coalesce(first_resp.n, 0) as "firstResponses", first_resp.median_s as "medianFirstResponseS"
      from ops
      left join received on received.op = ops.op left join opened on opened.op = ops.op
      left join answered on answered.op = ops.op left join first_resp on first_resp.op = ops.op
      order by ops.op`),
  );
}

export async function feedbackTotals(db: Db, appId: string, from: Date, to: Date): Promise<{ received: number; answered: number }> {
  const [r] = rowsOf<{ received: number; answered: number }>(
    await db.execute(sql`
      select (select count(*)::int from fb_posts where app_id = ${appId} and created_at >= ${from} and created_at < ${to}) as received,
             (select count(*)::int from fb_posts where app_id = ${appId} and first_response_at >= ${from} and first_response_at < ${to}) as answered`),
  );
  return r ?? { received: 0, answered: 0 };
}

// ---- erasure ------------------------------------------------------------------------------------

/** Everything of a deleted app (everything else goes with its posts and boards). */
export async function eraseApp(db: Db, appId: string): Promise<void> {
  await db.delete(posts).where(eq(posts.appId, appId));
  await db.delete(boards).where(eq(boards.appId, appId));
}

/** Deletes a user's posts, votes, follows and comments; returns the other posts whose counters changed. */
export async function eraseUser(db: Db, appId: string, userId: string): Promise<string[]> {
  await db.delete(posts).where(and(eq(posts.appId, appId), eq(posts.authorUserId, userId)));
  const touched = rowsOf<{ post_id: string }>(
    await db.execute(sql`
      with v as (delete from fb_votes where app_id = ${appId} and user_id = ${userId} returning post_id),
      f as (delete from fb_followers where app_id = ${appId} and user_id = ${userId} returning post_id),
      c as (delete from fb_comments where app_id = ${appId} and author_type = 'user' and author_id = ${userId} returning post_id)
      select post_id from v union select post_id from f union select post_id from c order by 1`),
  );
  return touched.map((r) => r.post_id);
}
