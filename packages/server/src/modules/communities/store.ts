import { and, asc, desc, eq, gt, inArray, isNotNull, lte, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/index.ts';
import { chat, checkins, feed, followups, groups, invites, members, posts, replies } from './schema.ts';

export type GroupRow = typeof groups.$inferSelect;
export type MemberRow = typeof members.$inferSelect;
export type InviteRow = typeof invites.$inferSelect;
export type PostRow = typeof posts.$inferSelect;
export type ReplyRow = typeof replies.$inferSelect;
export type FeedRow = typeof feed.$inferSelect;
export type ChatRow = typeof chat.$inferSelect;

export async function insertGroup(db: Db, g: GroupRow): Promise<void> {
  await db.insert(groups).values(g);
}

export async function findGroup(db: Db, appId: string, id: string): Promise<GroupRow | undefined> {
  const [r] = await db
    .select()
    .from(groups)
    .where(and(eq(groups.appId, appId), eq(groups.id, id)));
  return r;
}

export async function updateGroup(db: Db, appId: string, id: string, set: Partial<GroupRow>): Promise<GroupRow | undefined> {
  const [r] = await db
    .update(groups)
    .set(set)
    .where(and(eq(groups.appId, appId), eq(groups.id, id)))
    .returning();
  return r;
}

export async function deleteGroup(db: Db, appId: string, id: string): Promise<boolean> {
  const r = await db
    .delete(groups)
    .where(and(eq(groups.appId, appId), eq(groups.id, id)))
    .returning({ id: groups.id });
  return r.length > 0;
}

export type GroupFilter = { limit: number; before?: { at: Date; id: string } | undefined; type?: string | undefined; tag?: string | undefined; q?: string | undefined };

/** Newest first, keyset-paged on (created_at, id). */
export async function listGroups(db: Db, appId: string, f: GroupFilter): Promise<GroupRow[]> {
  const conds: SQL[] = [eq(groups.appId, appId)];
  if (f.type) conds.push(eq(groups.type, f.type));
  if (f.tag) conds.push(sql`${f.tag} = any(${groups.tags})`);
  if (f.q) conds.push(sql`strpos(lower(${groups.name}), lower(${f.q})) > 0`);
  if (f.before) conds.push(sql`(${groups.createdAt}, ${groups.id}) < (${f.before.at}, ${f.before.id})`);
  return db
    .select()
    .from(groups)
    .where(and(...conds))
    .orderBy(desc(groups.createdAt), desc(groups.id))
    .limit(f.limit);
}

export async function findMember(db: Db, groupId: string, userId: string, forUpdate = false): Promise<MemberRow | undefined> {
  const q = db
    .select()
    .from(members)
    .where(and(eq(members.groupId, groupId), eq(members.userId, userId)));
  const [r] = forUpdate ? await q.for('update') : await q;
  return r;
}

/**
 * Makes the user an active member unless they already are (or are banned). Concurrent joins of one
 * user meet on the primary key: the second waits for the first and then changes nothing.
 * Returns the row when this call activated it.
 */
export async function activate(db: Db, m: { groupId: string; userId: string; appId: string; role: string; at: Date; answers?: string[] | null }): Promise<MemberRow | undefined> {
  const [r] = await db
    .insert(members)
    .values({ groupId: m.groupId, userId: m.userId, appId: m.appId, role: m.role, status: 'active', answers: m.answers ?? null, joinSeq: 1, joinedAt: m.at, lastActiveAt: m.at, updatedAt: m.at })
    .onConflictDoUpdate({
      target: [members.groupId, members.userId],
      set: { status: 'active', role: m.role, joinSeq: sql`${members.joinSeq} + 1`, joinedAt: m.at, lastActiveAt: m.at, leftAt: null, mutedUntil: null, updatedAt: m.at, ...(m.answers !== undefined ? { answers: m.answers } : {}) },
      setWhere: sql`${members.status} not in ('active', 'banned')`,
    })
    .returning();
  return r;
}

/** Records an application (status pending) unless the user is active, pending or banned. */
export async function apply(db: Db, m: { groupId: string; userId: string; appId: string; answers: string[]; at: Date }): Promise<MemberRow | undefined> {
  const [r] = await db
    .insert(members)
    .values({ groupId: m.groupId, userId: m.userId, appId: m.appId, role: 'member', status: 'pending', answers: m.answers, updatedAt: m.at })
    .onConflictDoUpdate({ target: [members.groupId, members.userId], set: { status: 'pending', answers: m.answers, updatedAt: m.at }, setWhere: sql`${members.status} not in ('active', 'pending', 'banned')` })
    .returning();
  return r;
}

/** Bans the user (a member or not): a banned user can neither join nor apply until unbanned. */
export async function ban(db: Db, m: { groupId: string; userId: string; appId: string; at: Date }): Promise<MemberRow> {
  const [r] = await db
    .insert(members)
    .values({ groupId: m.groupId, userId: m.userId, appId: m.appId, role: 'member', status: 'banned', updatedAt: m.at })
    .onConflictDoUpdate({ target: [members.groupId, members.userId], set: { status: 'banned', mutedUntil: null, leftAt: sql`case when ${members.status} = 'active' then ${m.at}::timestamptz else ${members.leftAt} end`, updatedAt: m.at } })
    .returning();
  return r!;
}

export async function setStatus(db: Db, groupId: string, userId: string, from: string[], set: Partial<MemberRow>): Promise<MemberRow | undefined> {
  const [r] = await db
    .update(members)
    .set(set)
    .where(and(eq(members.groupId, groupId), eq(members.userId, userId), inArray(members.status, from)))
    .returning();
  return r;
}

/** Takes a seat: fails (undefined) when the group is full. The group row's lock orders racing joins. */
export async function takeSeat(db: Db, groupId: string, at: Date): Promise<GroupRow | undefined> {
  const [r] = await db
    .update(groups)
    .set({ memberCount: sql`${groups.memberCount} + 1`, updatedAt: at })
    .where(and(eq(groups.id, groupId), sql`(${groups.capacity} is null or ${groups.memberCount} < ${groups.capacity})`))
    .returning();
  return r;
}

export async function freeSeat(db: Db, groupId: string): Promise<void> {
  await db
    .update(groups)
    .set({ memberCount: sql`greatest(${groups.memberCount} - 1, 0)` })
    .where(eq(groups.id, groupId));
}

export type MemberFilter = { limit: number; afterUserId?: string | undefined; status?: string | undefined; role?: string | undefined };

/** A member with their contribution score: posts, replies and check-ins in the group. */
export type MemberWithScore = MemberRow & { contribution: number };

export async function listMembers(db: Db, groupId: string, f: MemberFilter): Promise<MemberWithScore[]> {
  const conds: SQL[] = [eq(members.groupId, groupId), eq(members.status, f.status ?? 'active')];
  if (f.role) conds.push(eq(members.role, f.role));
  if (f.afterUserId !== undefined) conds.push(gt(members.userId, f.afterUserId));
  const rows = await db
    .select({
      m: members,
      contribution: sql<number>`${members.checkins}
        + (select count(*)::int from ${posts} p where p.group_id = ${members.groupId} and p.author_id = ${members.userId})
        + (select count(*)::int from ${replies} r where r.group_id = ${members.groupId} and r.author_id = ${members.userId})`,
    })
    .from(members)
    .where(and(...conds))
    .orderBy(asc(members.userId))
    .limit(f.limit);
  return rows.map((r) => ({ ...r.m, contribution: Number(r.contribution) }));
}

// ---- check-ins ----------------------------------------------------------------------------------

/** Records the member's check-in for the local day once; their count and streak move only then. */
export async function checkIn(db: Db, g: { id: string; appId: string }, userId: string, day: string, at: Date): Promise<MemberRow | null> {
  const [ins] = await db.insert(checkins).values({ groupId: g.id, userId, appId: g.appId, day, createdAt: at }).onConflictDoNothing().returning({ day: checkins.day });
  if (!ins) return null;
  const [m] = await db
    .update(members)
    .set({
      checkins: sql`${members.checkins} + 1`,
      streak: sql`case when ${members.lastCheckinDay} = ${day}::date - 1 then ${members.streak} + 1 else 1 end`,
      lastCheckinDay: day,
      lastActiveAt: at,
    })
    .where(and(eq(members.groupId, g.id), eq(members.userId, userId)))
    .returning();
  return m ?? null;
}

// ---- lurkers ------------------------------------------------------------------------------------

/**
 * Active members silent (no post, reply, chat message or check-in in the group) for their group's
 * `lurker_days` since joining, not yet announced for this join; locked, SKIP LOCKED across servers.
 */
export async function dueLurkers(db: Db, now: Date, limit: number): Promise<{ member: MemberRow; days: number }[]> {
  const rows = await db
    .select({ member: members, days: groups.lurkerDays })
    .from(members)
    .innerJoin(groups, eq(groups.id, members.groupId))
    .where(
      and(
        isNotNull(groups.lurkerDays),
        eq(members.status, 'active'),
        sql`${members.lurkNotifiedSeq} < ${members.joinSeq}`,
        sql`${members.joinedAt} + make_interval(days => ${groups.lurkerDays}) <= ${now}`,
        sql`not exists (select 1 from ${posts} p where p.group_id = ${members.groupId} and p.author_id = ${members.userId} and p.created_at >= ${members.joinedAt})`,
        sql`not exists (select 1 from ${replies} r where r.group_id = ${members.groupId} and r.author_id = ${members.userId} and r.created_at >= ${members.joinedAt})`,
        sql`not exists (select 1 from ${chat} c where c.group_id = ${members.groupId} and c.user_id = ${members.userId} and c.created_at >= ${members.joinedAt})`,
        sql`(${members.lastCheckinDay} is null or ${members.lastCheckinDay} < (${members.joinedAt})::date)`,
      ),
    )
    .limit(limit)
    .for('update', { of: members, skipLocked: true });
  return rows.map((r) => ({ member: r.member, days: r.days! }));
}

export async function markLurkNotified(db: Db, groupId: string, userId: string, joinSeq: number): Promise<void> {
  await db.update(members).set({ lurkNotifiedSeq: joinSeq }).where(and(eq(members.groupId, groupId), eq(members.userId, userId)));
}

// ---- group chat ---------------------------------------------------------------------------------

export async function insertChat(db: Db, row: ChatRow): Promise<void> {
  await db.insert(chat).values(row);
}

/** Chat history, newest first. */
export async function chatHistory(db: Db, groupId: string, f: { limit: number; before?: { at: Date; id: string } | undefined }): Promise<ChatRow[]> {
  const conds: SQL[] = [eq(chat.groupId, groupId)];
  if (f.before) conds.push(sql`(${chat.createdAt}, ${chat.id}) < (${f.before.at}, ${f.before.id})`);
  return db.select().from(chat).where(and(...conds)).orderBy(desc(chat.createdAt), desc(chat.id)).limit(f.limit);
}

// ---- segment feed -------------------------------------------------------------------------------

/** Groups of the app fed by this segment. */
export async function groupsFedBy(db: Db, appId: string, segmentId: string): Promise<GroupRow[]> {
  return db.select().from(groups).where(and(eq(groups.appId, appId), eq(groups.feedSegmentId, segmentId)));
}

/** One group whose feed still has the segment's earlier members to reach, locked (SKIP LOCKED). */
export async function feedToBackfill(db: Db): Promise<GroupRow | undefined> {
  const [g] = await db.select().from(groups).where(and(isNotNull(groups.feedSegmentId), eq(groups.feedBackfilled, false))).limit(1).for('update', { skipLocked: true });
  return g;
}

/** Marks the user reached by the group's feed; false when they were already. */
export async function feedOnce(db: Db, row: FeedRow): Promise<boolean> {
  return (await db.insert(feed).values(row).onConflictDoNothing().returning({ u: feed.userId })).length > 0;
}

export async function feedAccepted(db: Db, groupId: string, userId: string, at: Date): Promise<void> {
  await db.update(feed).set({ status: 'accepted', acceptedAt: at }).where(and(eq(feed.groupId, groupId), eq(feed.userId, userId), eq(feed.status, 'invited')));
}

export async function feedReport(db: Db, groupId: string, f: { status?: string | undefined; afterUserId?: string | undefined; limit: number }): Promise<{ counts: Record<string, number>; rows: FeedRow[] }> {
  const c = await db.select({ status: feed.status, n: sql<number>`count(*)::int` }).from(feed).where(eq(feed.groupId, groupId)).groupBy(feed.status);
  const conds: SQL[] = [eq(feed.groupId, groupId)];
  if (f.status) conds.push(eq(feed.status, f.status));
  if (f.afterUserId !== undefined) conds.push(gt(feed.userId, f.afterUserId));
  const rows = await db.select().from(feed).where(and(...conds)).orderBy(asc(feed.userId)).limit(f.limit);
  return { counts: Object.fromEntries(c.map((x) => [x.status, Number(x.n)])), rows };
}

export async function insertInvite(db: Db, row: InviteRow): Promise<void> {
  await db.insert(invites).values(row);
}

/** Uses an invite once if it is still valid: the conditional update never lets uses pass max_uses. */
export async function useInvite(db: Db, groupId: string, code: string, now: Date): Promise<boolean> {
  const r = await db
    .update(invites)
    .set({ uses: sql`${invites.uses} + 1` })
    .where(and(eq(invites.id, code), eq(invites.groupId, groupId), sql`(${invites.maxUses} is null or ${invites.uses} < ${invites.maxUses})`, sql`(${invites.expiresAt} is null or ${invites.expiresAt} > ${now})`))
    .returning({ id: invites.id });
  return r.length === 1;
}

export async function listInvites(db: Db, groupId: string): Promise<InviteRow[]> {
  return db.select().from(invites).where(eq(invites.groupId, groupId)).orderBy(desc(invites.createdAt));
}

/**
 * Arms a leave follow-up for (group, user) due at `dueAt`, unless one was sent within the period
 * (or one is already pending). Returns whether it was armed.
 */
export async function armFollowup(db: Db, f: { appId: string; groupId: string; userId: string; dueAt: Date; sentAfter: Date }): Promise<boolean> {
  const r = await db
    .insert(followups)
    .values({ appId: f.appId, groupId: f.groupId, userId: f.userId, dueAt: f.dueAt })
    .onConflictDoUpdate({ target: [followups.groupId, followups.userId], set: { dueAt: f.dueAt }, setWhere: sql`${followups.dueAt} is null and (${followups.lastSentAt} is null or ${followups.lastSentAt} < ${f.sentAfter})` })
    .returning({ u: followups.userId });
  return r.length === 1;
}

/** Due follow-ups, locked for this transaction (several servers skip each other's). */
export async function dueFollowups(db: Db, now: Date, limit: number) {
  return db
    .select()
    .from(followups)
    .where(and(isNotNull(followups.dueAt), lte(followups.dueAt, now)))
    .orderBy(asc(followups.dueAt))
    .limit(limit)
    .for('update', { skipLocked: true });
}

export async function markFollowupSent(db: Db, groupId: string, userId: string, at: Date): Promise<void> {
  await db
    .update(followups)
    .set({ dueAt: null, lastSentAt: at, sends: sql`${followups.sends} + 1` })
    .where(and(eq(followups.groupId, groupId), eq(followups.userId, userId)));
}

/** A rejoin before the follow-up is due cancels it. */
export async function cancelFollowup(db: Db, groupId: string, userId: string): Promise<void> {
  await db
    .update(followups)
    .set({ dueAt: null })
    .where(and(eq(followups.groupId, groupId), eq(followups.userId, userId)));
}

export async function eraseApp(db: Db, appId: string): Promise<void> {
  await db.delete(chat).where(eq(chat.appId, appId));
  await db.delete(feed).where(eq(feed.appId, appId));
  await db.delete(checkins).where(eq(checkins.appId, appId));
  await db.delete(replies).where(eq(replies.appId, appId));
  await db.delete(posts).where(eq(posts.appId, appId));
  await db.delete(followups).where(eq(followups.appId, appId));
  await db.delete(members).where(eq(members.appId, appId));
  await db.delete(groups).where(eq(groups.appId, appId));
}

/** A user's memberships go; the seats they held are freed. */
export async function eraseUser(db: Db, appId: string, userId: string): Promise<{ deletedPostIds: string[] }> {
  const rows = await db
    .delete(members)
    .where(and(eq(members.appId, appId), eq(members.userId, userId)))
    .returning({ groupId: members.groupId, status: members.status });
  for (const r of rows) if (r.status === 'active') await freeSeat(db, r.groupId);
  await db.delete(followups).where(and(eq(followups.appId, appId), eq(followups.userId, userId)));
  await db.delete(checkins).where(and(eq(checkins.appId, appId), eq(checkins.userId, userId)));
  await db.delete(chat).where(and(eq(chat.appId, appId), eq(chat.userId, userId)));
  await db.delete(feed).where(and(eq(feed.appId, appId), eq(feed.userId, userId)));
  // Their posts go (with the replies to them: the caller drops the posts' comment threads); their
  // replies go from the ledger and the counts they were in are recounted.
  const deleted = await db
    .delete(posts)
    .where(and(eq(posts.appId, appId), eq(posts.authorId, userId)))
    .returning({ id: posts.id });
  const gone = await db
    .delete(replies)
    .where(and(eq(replies.appId, appId), eq(replies.authorId, userId)))
    .returning({ postId: replies.postId });
  const ids = [...new Set(gone.map((r) => r.postId))];
  if (ids.length > 0) {
    await db
      .update(posts)
      .set({
        replyCount: sql`(select count(*)::int from ${replies} where ${replies.postId} = ${posts.id})`,
        firstReplyAt: sql`(select min(${replies.createdAt}) from ${replies} where ${replies.postId} = ${posts.id})`,
        acceptedReplyId: sql`case when exists (select 1 from ${replies} where ${replies.id} = ${posts.acceptedReplyId}) then ${posts.acceptedReplyId} else null end`,
      })
      .where(inArray(posts.id, ids));
  }
  return { deletedPostIds: deleted.map((p) => p.id) };
}

export async function insertPost(db: Db, p: PostRow): Promise<void> {
  await db.insert(posts).values(p);
}

export async function findPost(db: Db, groupId: string, postId: string, forUpdate = false): Promise<PostRow | undefined> {
  const q = db
    .select()
    .from(posts)
    .where(and(eq(posts.groupId, groupId), eq(posts.id, postId)));
  const [r] = forUpdate ? await q.for('update') : await q;
  return r;
}

export async function listPosts(db: Db, groupId: string, f: { limit: number; before?: { at: Date; id: string } | undefined; kind?: string | undefined; unanswered?: boolean | undefined; pinned?: boolean | undefined }): Promise<PostRow[]> {
  const conds: SQL[] = [eq(posts.groupId, groupId)];
  if (f.kind) conds.push(eq(posts.kind, f.kind));
  if (f.pinned !== undefined) conds.push(f.pinned ? isNotNull(posts.pinnedAt) : sql`${posts.pinnedAt} is null`);
  if (f.unanswered) conds.push(eq(posts.replyCount, 0));
  if (f.before) conds.push(sql`(${posts.createdAt}, ${posts.id}) < (${f.before.at}, ${f.before.id})`);
  return db
    .select()
    .from(posts)
    .where(and(...conds))
    .orderBy(desc(posts.createdAt), desc(posts.id))
    .limit(f.limit);
}

export async function setPinned(db: Db, groupId: string, postId: string, at: Date | null): Promise<PostRow | undefined> {
  const [r] = await db.update(posts).set({ pinnedAt: at }).where(and(eq(posts.groupId, groupId), eq(posts.id, postId))).returning();
  return r;
}

/**
 * Records a reply in the ledger and counts it on its post; returns the post as updated.
 *
 * A reply a moderator later hides or deletes (an interactions comment) keeps its ledger row and
 * stays counted: reply_count, first_reply_at, answered questions, time to first answer, lurkers
 * and contribution describe what members did, which moderation does not undo (and a hidden reply
 * may be approved again). The reply list leaves it out and it cannot be accepted. Erasing its
 * author removes it from every figure (eraseUser).
 */
export async function insertReply(db: Db, r: ReplyRow): Promise<PostRow | undefined> {
  await db.insert(replies).values(r);
  const [p] = await db
    .update(posts)
    .set({ replyCount: sql`${posts.replyCount} + 1`, firstReplyAt: sql`coalesce(${posts.firstReplyAt}, ${r.createdAt})` })
    .where(eq(posts.id, r.postId))
    .returning();
  return p;
}

/** The ids of a group's posts (their comment threads go with the group). */
export async function postIdsOfGroup(db: Db, groupId: string): Promise<string[]> {
  return (await db.select({ id: posts.id }).from(posts).where(eq(posts.groupId, groupId))).map((r) => r.id);
}

export async function findReply(db: Db, postId: string, replyId: string): Promise<ReplyRow | undefined> {
  const [r] = await db
    .select()
    .from(replies)
    .where(and(eq(replies.postId, postId), eq(replies.id, replyId)));
  return r;
}

export async function acceptReply(db: Db, postId: string, replyId: string): Promise<PostRow | undefined> {
  const [p] = await db.update(posts).set({ acceptedReplyId: replyId }).where(eq(posts.id, postId)).returning();
  return p;
}

export async function touchMember(db: Db, groupId: string, userId: string, at: Date): Promise<void> {
  await db
    .update(members)
    .set({ lastActiveAt: at })
    .where(and(eq(members.groupId, groupId), eq(members.userId, userId)));
}

/**
 * Questions still without a reply whose next alert is due: level 0 at N minutes, level 1 at 2N.
 * Locked for this transaction; servers skip each other's.
 */
export async function dueQuestions(db: Db, now: Date, limit: number) {
  return db
    .select({ post: posts, minutes: groups.unansweredMinutes, hours: groups.workingHours, tz: groups.timeZone })
    .from(posts)
    .innerJoin(groups, eq(groups.id, posts.groupId))
    .where(
      and(
        eq(posts.kind, 'question'),
        eq(posts.replyCount, 0),
        sql`${posts.alertLevel} < 2`,
        isNotNull(groups.unansweredMinutes),
        sql`coalesce(${posts.alertDueAt}, ${posts.createdAt} + make_interval(mins => ${groups.unansweredMinutes} * (${posts.alertLevel} + 1))) <= ${now}`,
      ),
    )
    .orderBy(asc(posts.createdAt))
    .limit(limit)
    .for('update', { of: posts, skipLocked: true });
}

export async function setAlertLevel(db: Db, postId: string, level: number): Promise<void> {
  await db.update(posts).set({ alertLevel: level, alertDueAt: null }).where(eq(posts.id, postId));
}

export async function setAlertDue(db: Db, postId: string, at: Date): Promise<void> {
  await db.update(posts).set({ alertDueAt: at }).where(eq(posts.id, postId));
}

/** Active members who have not posted or replied in the group for `days` days after joining. */
export async function lurkers(db: Db, groupId: string, f: { joinedBefore: Date; limit: number; afterUserId?: string | undefined }): Promise<MemberRow[]> {
  const conds: SQL[] = [eq(members.groupId, groupId), eq(members.status, 'active'), lte(members.joinedAt, f.joinedBefore), sql`${members.role} <> 'owner'`];
  conds.push(sql`not exists (select 1 from ${posts} where ${posts.groupId} = ${members.groupId} and ${posts.authorId} = ${members.userId} and ${posts.createdAt} >= ${members.joinedAt})`);
  conds.push(sql`not exists (select 1 from ${replies} where ${replies.groupId} = ${members.groupId} and ${replies.authorId} = ${members.userId} and ${replies.createdAt} >= ${members.joinedAt})`);
  if (f.afterUserId !== undefined) conds.push(gt(members.userId, f.afterUserId));
  return db
    .select()
    .from(members)
    .where(and(...conds))
    .orderBy(asc(members.userId))
    .limit(f.limit);
}

export type Health = { activeMembers: number; members: number; questions: number; answered: number; medianFirstAnswerSeconds: number | null; posts: number };

/** Figures over the window [since, now]: members active (posted or replied), questions answered, posts. */
export async function health(db: Db, groupId: string, since: Date): Promise<Health> {
  const r = await db.execute<{ members: number; active: number; questions: number; answered: number; median: number | null; posts: number }>(sql`
    select
      (select count(*)::int from ${members} m where m.group_id = ${groupId} and m.status = 'active') as members,
      (select count(*)::int from ${members} m where m.group_id = ${groupId} and m.status = 'active' and (
         exists (select 1 from ${posts} p where p.group_id = m.group_id and p.author_id = m.user_id and p.created_at >= ${since})
         or exists (select 1 from ${replies} r where r.group_id = m.group_id and r.author_id = m.user_id and r.created_at >= ${since}))) as active,
      (select count(*)::int from ${posts} p where p.group_id = ${groupId} and p.kind = 'question' and p.created_at >= ${since}) as questions,
      (select count(*)::int from ${posts} p where p.group_id = ${groupId} and p.kind = 'question' and p.created_at >= ${since} and p.reply_count > 0) as answered,
      (select percentile_cont(0.5) within group (order by extract(epoch from p.first_reply_at - p.created_at))::float8 from ${posts} p
         where p.group_id = ${groupId} and p.kind = 'question' and p.created_at >= ${since} and p.first_reply_at is not null) as median,
      (select count(*)::int from ${posts} p where p.group_id = ${groupId} and p.created_at >= ${since}) as posts
  `);
  const row = r.rows[0]!;
  return { members: row.members, activeMembers: row.active, questions: row.questions, answered: row.answered, medianFirstAnswerSeconds: row.median, posts: row.posts };
}
