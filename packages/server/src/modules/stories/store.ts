import { and, asc, desc, eq, inArray, notInArray, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/index.ts';
import { campaigns, entries, likes, winners } from './schema.ts';

export type CampaignRow = typeof campaigns.$inferSelect;
export type EntryRow = typeof entries.$inferSelect;
export type WinnerRow = typeof winners.$inferSelect;

export async function insertCampaign(db: Db, c: CampaignRow): Promise<void> {
  await db.insert(campaigns).values(c);
}

export async function findCampaign(db: Db, appId: string, id: string, forUpdate = false): Promise<CampaignRow | undefined> {
  const q = db
    .select()
    .from(campaigns)
    .where(and(eq(campaigns.appId, appId), eq(campaigns.id, id)));
  const [r] = forUpdate ? await q.for('update') : await q;
  return r;
}

export async function updateCampaign(db: Db, id: string, patch: Partial<CampaignRow>): Promise<CampaignRow> {
  const [r] = await db.update(campaigns).set(patch).where(eq(campaigns.id, id)).returning();
  return r!;
}

export async function listCampaigns(db: Db, appId: string, q: { limit: number; kind?: string | undefined; status?: string | undefined; before?: { at: Date; id: string } | undefined }): Promise<CampaignRow[]> {
  const conds: (SQL | undefined)[] = [eq(campaigns.appId, appId)];
  if (q.kind) conds.push(eq(campaigns.kind, q.kind));
  if (q.status) conds.push(eq(campaigns.status, q.status));
  if (q.before) conds.push(sql`(${campaigns.createdAt}, ${campaigns.id}) < (${q.before.at}, ${q.before.id})`);
  return db
    .select()
    .from(campaigns)
    .where(and(...conds))
    .orderBy(desc(campaigns.createdAt), desc(campaigns.id))
    .limit(q.limit);
}

/** Open hashtag campaigns of an app: event name → their (id, hashtag). */
export async function openHashtagCampaigns(db: Db, appId: string): Promise<{ id: string; hashtag: string; sourceEvent: string }[]> {
  return db
    .select({ id: campaigns.id, hashtag: sql<string>`${campaigns.hashtag}`, sourceEvent: sql<string>`${campaigns.sourceEvent}` })
    .from(campaigns)
    .where(and(eq(campaigns.appId, appId), eq(campaigns.kind, 'hashtag'), eq(campaigns.status, 'open')));
}

/** Inserts an entry; with a source_ref already collected, returns the existing one instead. */
export async function insertEntry(db: Db, e: EntryRow): Promise<{ entry: EntryRow; created: boolean }> {
  const [r] = await db.insert(entries).values(e).onConflictDoNothing().returning();
  if (r) return { entry: r, created: true };
  const [existing] = await db
    .select()
    .from(entries)
    .where(and(eq(entries.campaignId, e.campaignId), eq(entries.sourceRef, e.sourceRef!)));
  return { entry: existing!, created: false };
}

export async function findEntry(db: Db, appId: string, id: string): Promise<EntryRow | undefined> {
  const [r] = await db
    .select()
    .from(entries)
    .where(and(eq(entries.appId, appId), eq(entries.id, id)));
  return r;
}

export async function updateEntry(db: Db, id: string, patch: Partial<EntryRow>): Promise<EntryRow> {
  const [r] = await db.update(entries).set(patch).where(eq(entries.id, id)).returning();
  return r!;
}

export type EntryFilter = {
  limit: number;
  status?: string | undefined;
  featured?: boolean | undefined;
  userId?: string | undefined;
  sort: 'likes' | 'recent';
  after?: { l: number; id: string } | { t: string; id: string } | undefined;
};

export async function listEntries(db: Db, campaignId: string, f: EntryFilter): Promise<EntryRow[]> {
  const conds: (SQL | undefined)[] = [eq(entries.campaignId, campaignId)];
  if (f.status) conds.push(eq(entries.status, f.status));
  if (f.featured !== undefined) conds.push(eq(entries.featured, f.featured));
  if (f.userId !== undefined) conds.push(eq(entries.userId, f.userId));
  if (f.sort === 'likes') {
    if (f.after && 'l' in f.after) conds.push(sql`(${entries.likeCount}, ${entries.id}) < (${f.after.l}, ${f.after.id})`);
    return db
      .select()
      .from(entries)
      .where(and(...conds))
      .orderBy(desc(entries.likeCount), desc(entries.id))
      .limit(f.limit);
  }
  if (f.after && 't' in f.after) {
    const at = new Date(f.after.t);
    conds.push(sql`(${entries.createdAt}, ${entries.id}) < (${at}, ${f.after.id})`);
  }
  return db
    .select()
    .from(entries)
    .where(and(...conds))
    .orderBy(desc(entries.createdAt), desc(entries.id))
    .limit(f.limit);
}

export async function likedEntryIds(db: Db, ids: string[], userId: string): Promise<Set<string>> {
  if (!ids.length) return new Set();
  const r = await db
    .select({ id: likes.entryId })
    .from(likes)
    .where(and(inArray(likes.entryId, ids), eq(likes.userId, userId)));
  return new Set(r.map((x) => x.id));
}

/** A like and its count change commit together; the key makes a second like by a user a no-op. */
export async function like(db: Db, l: { entryId: string; userId: string; appId: string; at: Date }): Promise<boolean> {
  const r = await db.insert(likes).values({ entryId: l.entryId, userId: l.userId, appId: l.appId, createdAt: l.at }).onConflictDoNothing().returning({ u: likes.userId });
  if (!r.length) return false;
  await db
    .update(entries)
    .set({ likeCount: sql`${entries.likeCount} + 1` })
    .where(eq(entries.id, l.entryId));
  return true;
}

export async function unlike(db: Db, entryId: string, userId: string): Promise<boolean> {
  const r = await db
    .delete(likes)
    .where(and(eq(likes.entryId, entryId), eq(likes.userId, userId)))
    .returning({ u: likes.userId });
  if (!r.length) return false;
  await db
    .update(entries)
    .set({ likeCount: sql`${entries.likeCount} - 1` })
    .where(eq(entries.id, entryId));
  return true;
}

// ---- winners ------------------------------------------------------------------------------------

export async function winnersOf(db: Db, campaignId: string): Promise<WinnerRow[]> {
  return db.select().from(winners).where(eq(winners.campaignId, campaignId)).orderBy(asc(winners.rank));
}

/** The N most liked approved entries that have not won yet; earlier entries win ties. */
export async function topLiked(db: Db, campaignId: string, n: number, exclude: string[]): Promise<EntryRow[]> {
  const conds: SQL[] = [eq(entries.campaignId, campaignId), eq(entries.status, 'approved')];
  if (exclude.length) conds.push(notInArray(entries.id, exclude));
  return db
    .select()
    .from(entries)
    .where(and(...conds))
    .orderBy(desc(entries.likeCount), asc(entries.createdAt), asc(entries.id))
    .limit(n);
}

export async function entriesByIds(db: Db, campaignId: string, ids: string[]): Promise<EntryRow[]> {
  return db
    .select()
    .from(entries)
    .where(and(eq(entries.campaignId, campaignId), inArray(entries.id, ids)));
}

export async function insertWinners(db: Db, rows: WinnerRow[]): Promise<void> {
  if (rows.length) await db.insert(winners).values(rows);
}

// ---- erasure ------------------------------------------------------------------------------------

/** Deletes a user's entries and likes; the likes come off the counts of the entries they liked. */
export async function eraseUser(db: Db, appId: string, userId: string): Promise<void> {
  await db.delete(entries).where(and(eq(entries.appId, appId), eq(entries.userId, userId)));
  const gone = await db
    .delete(likes)
    .where(and(eq(likes.appId, appId), eq(likes.userId, userId)))
    .returning({ entryId: likes.entryId });
  for (const id of gone.map((g) => g.entryId).sort()) {
    await db
      .update(entries)
      .set({ likeCount: sql`${entries.likeCount} - 1` })
      .where(eq(entries.id, id));
  }
}

/** Everything of a deleted app (entries, likes and winners go with their campaigns). */
export async function eraseApp(db: Db, appId: string): Promise<void> {
  await db.delete(likes).where(eq(likes.appId, appId));
  await db.delete(entries).where(eq(entries.appId, appId));
  await db.delete(campaigns).where(eq(campaigns.appId, appId));
}

/** Host event names this module's configuration listens to, per app (the event log's interest). */
export async function hostInterest(db: Db): Promise<{ appId: string; pattern: string }[]> {
  const r = await db.execute<{ app_id: string; pattern: string }>(sql`select distinct app_id, source_event as pattern from st_campaigns where kind = 'hashtag' and status = 'open' and source_event is not null`);
  return r.rows.map((x) => ({ appId: x.app_id, pattern: x.pattern }));
}
