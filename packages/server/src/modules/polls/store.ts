import { and, asc, desc, eq, gt, inArray, isNotNull, isNull, lte, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/index.ts';
import { ballots, choices, options, polls } from './schema.ts';

export type PollRow = typeof polls.$inferSelect;
export type OptionRow = typeof options.$inferSelect;
export type NewPoll = typeof polls.$inferInsert;
export type NewOption = typeof options.$inferInsert;

export async function insertPoll(db: Db, poll: NewPoll, opts: NewOption[]): Promise<void> {
  await db.insert(polls).values(poll);
  await db.insert(options).values(opts);
}

export async function findPoll(db: Db, appId: string, pollId: string): Promise<PollRow | undefined> {
  const [r] = await db
    .select()
    .from(polls)
    .where(and(eq(polls.appId, appId), eq(polls.id, pollId)));
  return r;
}

export async function optionsOf(db: Db, pollIds: string[]): Promise<OptionRow[]> {
  if (pollIds.length === 0) return [];
  return db.select().from(options).where(inArray(options.pollId, pollIds)).orderBy(asc(options.pollId), asc(options.position));
}

export type PollFilter = {
  limit: number;
  before?: { at: Date; id: string } | undefined;
  subjectKind?: string | undefined;
  subjectId?: string | undefined;
  status?: 'open' | 'closed' | undefined;
  now: Date;
};

/** Newest first, keyset-paged on (created_at, id). */
export async function listPolls(db: Db, appId: string, f: PollFilter): Promise<PollRow[]> {
  const conds: (SQL | undefined)[] = [eq(polls.appId, appId)];
  if (f.subjectKind !== undefined) conds.push(eq(polls.subjectKind, f.subjectKind));
  if (f.subjectId !== undefined) conds.push(eq(polls.subjectId, f.subjectId));
  if (f.status === 'open') conds.push(isNull(polls.closedAt), or(isNull(polls.closesAt), gt(polls.closesAt, f.now)));
  if (f.status === 'closed') conds.push(or(isNotNull(polls.closedAt), lte(polls.closesAt, f.now)));
  if (f.before) conds.push(sql`(${polls.createdAt}, ${polls.id}) < (${f.before.at}, ${f.before.id})`);
  return db
    .select()
    .from(polls)
    .where(and(...conds))
    .orderBy(desc(polls.createdAt), desc(polls.id))
    .limit(f.limit);
}

export async function closePoll(db: Db, appId: string, pollId: string, at: Date): Promise<PollRow | undefined> {
  const [r] = await db
    .update(polls)
    .set({ closedAt: sql`coalesce(${polls.closedAt}, ${at})`, updatedAt: at })
    .where(and(eq(polls.appId, appId), eq(polls.id, pollId)))
    .returning();
  return r;
}

export async function deletePoll(db: Db, appId: string, pollId: string): Promise<boolean> {
  const r = await db
    .delete(polls)
    .where(and(eq(polls.appId, appId), eq(polls.id, pollId)))
    .returning({ id: polls.id });
  return r.length > 0;
}

/** The user's chosen option ids, or null without a ballot. */
export async function ballotOf(db: Db, pollId: string, userId: string, forUpdate = false): Promise<string[] | null> {
  const q = db
    .select({ userId: ballots.userId })
    .from(ballots)
    .where(and(eq(ballots.pollId, pollId), eq(ballots.userId, userId)));
  const [b] = forUpdate ? await q.for('update') : await q;
  if (!b) return null;
  const rows = await db
    .select({ optionId: choices.optionId })
    .from(choices)
    .where(and(eq(choices.pollId, pollId), eq(choices.userId, userId)));
  return rows.map((r) => r.optionId);
}

/** Ballots of several polls for one user (list views): pollId → option ids. */
export async function ballotsOfUser(db: Db, pollIds: string[], userId: string): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (pollIds.length === 0) return out;
  const bs = await db
    .select({ pollId: ballots.pollId })
    .from(ballots)
    .where(and(inArray(ballots.pollId, pollIds), eq(ballots.userId, userId)));
  for (const b of bs) out.set(b.pollId, []);
  const cs = await db
    .select({ pollId: choices.pollId, optionId: choices.optionId })
    .from(choices)
    .where(and(inArray(choices.pollId, pollIds), eq(choices.userId, userId)));
  for (const c of cs) out.get(c.pollId)?.push(c.optionId);
  return out;
}

/**
 * Inserts the ballot unless one exists. Under concurrent double votes the unique key makes the
 * second insert wait for the first transaction and then insert nothing: returns false.
 */
export async function insertBallot(db: Db, b: { pollId: string; userId: string; appId: string; at: Date }): Promise<boolean> {
  const r = await db
    .insert(ballots)
    .values({ pollId: b.pollId, userId: b.userId, appId: b.appId, createdAt: b.at, updatedAt: b.at })
    .onConflictDoNothing()
    .returning({ userId: ballots.userId });
  return r.length === 1;
}

export async function touchBallot(db: Db, pollId: string, userId: string, at: Date): Promise<void> {
  await db
    .update(ballots)
    .set({ updatedAt: at })
    .where(and(eq(ballots.pollId, pollId), eq(ballots.userId, userId)));
}

export async function deleteBallot(db: Db, pollId: string, userId: string): Promise<void> {
  await db.delete(ballots).where(and(eq(ballots.pollId, pollId), eq(ballots.userId, userId)));
}

export async function addChoices(db: Db, pollId: string, userId: string, optionIds: string[], at: Date): Promise<void> {
  if (optionIds.length === 0) return;
  await db.insert(choices).values(optionIds.map((optionId) => ({ optionId, userId, pollId, createdAt: at })));
}

export async function removeChoices(db: Db, pollId: string, userId: string, optionIds: string[]): Promise<void> {
  if (optionIds.length === 0) return;
  await db.delete(choices).where(and(eq(choices.pollId, pollId), eq(choices.userId, userId), inArray(choices.optionId, optionIds)));
}

/**
 * Applies count changes one option at a time in option-id order: every transaction locks option
 * rows in the same order, so concurrent votes never deadlock on them. Returns the new counts.
 */
export async function applyOptionDeltas(db: Db, deltas: { optionId: string; delta: number }[]): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const d of deltas) {
    const [r] = await db
      .update(options)
      .set({ voteCount: sql`${options.voteCount} + ${d.delta}` })
      .where(eq(options.id, d.optionId))
      .returning({ n: options.voteCount });
    if (r) counts.set(d.optionId, r.n);
  }
  return counts;
}

/** Returns the poll's new voter count. */
export async function addVoters(db: Db, pollId: string, delta: number): Promise<number> {
  const [r] = await db
    .update(polls)
    .set({ voterCount: sql`${polls.voterCount} + ${delta}` })
    .where(eq(polls.id, pollId))
    .returning({ n: polls.voterCount });
  return r?.n ?? 0;
}

/** Users who chose an option, by user id (named polls only: the service checks). */
export async function votersOf(db: Db, optionId: string, q: { limit: number; afterUserId?: string | undefined }): Promise<{ userId: string; createdAt: Date }[]> {
  const conds: SQL[] = [eq(choices.optionId, optionId)];
  if (q.afterUserId !== undefined) conds.push(gt(choices.userId, q.afterUserId));
  return db
    .select({ userId: choices.userId, createdAt: choices.createdAt })
    .from(choices)
    .where(and(...conds))
    .orderBy(asc(choices.userId))
    .limit(q.limit);
}

/** Everything of a deleted app (options, ballots and choices go with their polls). */
export async function eraseApp(db: Db, appId: string): Promise<void> {
  await db.delete(ballots).where(eq(ballots.appId, appId));
  await db.delete(polls).where(eq(polls.appId, appId));
}

export async function pollIdsVotedBy(db: Db, appId: string, userId: string): Promise<string[]> {
  const rows = await db
    .select({ pollId: ballots.pollId })
    .from(ballots)
    .where(and(eq(ballots.appId, appId), eq(ballots.userId, userId)))
    .orderBy(asc(ballots.pollId));
  return rows.map((r) => r.pollId);
}
