import { and, asc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/index.ts';
import { entries, phrases, settings, versions } from './schema.ts';
import { DOC_SEQ, type IndexEntry, type IndexPhrase } from './rules/search.ts';

export type EntryRow = typeof entries.$inferSelect;
export type SettingsRow = typeof settings.$inferSelect;

const rowsOf = <T>(r: { rows: unknown[] }) => r.rows as T[];

// ---- entries ------------------------------------------------------------------------------------

export async function insertEntries(db: Db, rows: EntryRow[]): Promise<void> {
  if (rows.length) await db.insert(entries).values(rows);
}

export async function findEntry(db: Db, appId: string, id: string, forUpdate = false): Promise<EntryRow | undefined> {
  const q = db
    .select()
    .from(entries)
    .where(and(eq(entries.appId, appId), eq(entries.id, id)));
  const [r] = forUpdate ? await q.for('update') : await q;
  return r;
}

export async function entriesByKeys(db: Db, appId: string, keys: string[]): Promise<EntryRow[]> {
  if (!keys.length) return [];
  return db
    .select()
    .from(entries)
    .where(and(eq(entries.appId, appId), inArray(entries.externalKey, keys)))
    .for('update');
}

/** `%`, `_` and `\` in a user's search text are matched literally. */
const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

export async function listEntries(
  db: Db,
  appId: string,
  q: { limit: number; after?: { at: Date; id: string } | undefined; category?: string | undefined; locale?: string | undefined; enabled?: boolean | undefined; text?: string | undefined },
): Promise<EntryRow[]> {
  const conds: (SQL | undefined)[] = [eq(entries.appId, appId)];
  if (q.category !== undefined) conds.push(eq(entries.category, q.category));
  if (q.locale !== undefined) conds.push(eq(entries.locale, q.locale));
  if (q.enabled !== undefined) conds.push(eq(entries.enabled, q.enabled));
  if (q.text !== undefined) {
    const pat = `%${likeEscape(q.text)}%`;
    conds.push(sql`(${entries.question} ILIKE ${pat} OR ${entries.answer} ILIKE ${pat} OR EXISTS (SELECT 1 FROM unnest(${entries.variants}) v WHERE v ILIKE ${pat}))`);
  }
  if (q.after) conds.push(sql`(${entries.createdAt}, ${entries.id}) > (${q.after.at}, ${q.after.id})`);
  return db
    .select()
    .from(entries)
    .where(and(...conds))
    .orderBy(asc(entries.createdAt), asc(entries.id))
    .limit(q.limit);
}

export async function updateEntry(db: Db, id: string, patch: Partial<EntryRow>): Promise<EntryRow> {
  const [r] = await db.update(entries).set(patch).where(eq(entries.id, id)).returning();
  return r!;
}

export async function deleteEntry(db: Db, appId: string, id: string): Promise<void> {
  await db.delete(entries).where(and(eq(entries.appId, appId), eq(entries.id, id)));
}

// ---- the retrieval index ------------------------------------------------------------------------

export { DOC_SEQ };

/**
 * Marks a write to the app's knowledge base: a new stamp, set first in the writing transaction.
 * Its row lock queues the app's writers until commit (imports check keys against each other).
 */
export async function touch(db: Db, appId: string, stamp: string): Promise<void> {
  await db.insert(versions).values({ appId, stamp }).onConflictDoUpdate({ target: versions.appId, set: { stamp } });
}

/** The app's current stamp (null: the app has never had an entry, or was erased). */
export async function stampOf(db: Db, appId: string): Promise<string | null> {
  const [r] = await db.select({ stamp: versions.stamp }).from(versions).where(eq(versions.appId, appId));
  return r?.stamp ?? null;
}

/** What an answer reads, in one round trip: the index stamp and the generative settings. */
export async function answerState(db: Db, appId: string): Promise<{ stamp: string | null; settings: SettingsRow | undefined }> {
  const [r] = await db.select({ stamp: versions.stamp, settings }).from(versions).leftJoin(settings, eq(settings.appId, versions.appId)).where(eq(versions.appId, appId));
  return { stamp: r?.stamp ?? null, settings: r?.settings ?? undefined };
}

/** Everything the in-memory index holds, with the stamp it was read at (one snapshot). */
export async function indexRows(db: Db, appId: string): Promise<{ stamp: string | null; entries: IndexEntry[]; phrases: IndexPhrase[] }> {
  return db.transaction(
    async (tx) => {
      const stamp = await stampOf(tx, appId);
      const es = await tx
        .select({ id: entries.id, question: entries.question, answer: entries.answer, category: entries.category, locale: entries.locale, enabled: entries.enabled })
        .from(entries)
        .where(eq(entries.appId, appId));
      const ps = rowsOf<{ entry_id: string; seq: number; terms: string[] }>(await tx.execute(sql`SELECT entry_id, seq, terms FROM faq_phrases WHERE app_id = ${appId}`));
      return { stamp, entries: es, phrases: ps.map((p) => ({ entryId: p.entry_id, seq: p.seq, terms: p.terms })) };
    },
    { isolationLevel: 'repeatable read', accessMode: 'read only' },
  );
}

/** Replaces the phrase rows of the given entries (an empty list removes them), in the caller's transaction. */
export async function reindex(db: Db, appId: string, items: { entryId: string; phrases: { seq: number; terms: string[] }[] }[]): Promise<void> {
  if (!items.length) return;
  await db.delete(phrases).where(inArray(phrases.entryId, items.map((i) => i.entryId)));
  const rows = items.flatMap((it) => it.phrases.filter((p) => p.terms.length).map((p) => ({ entryId: it.entryId, seq: p.seq, appId, terms: p.terms })));
  for (let i = 0; i < rows.length; i += 2000) await db.insert(phrases).values(rows.slice(i, i + 2000));
}

// ---- settings -----------------------------------------------------------------------------------

export async function findSettings(db: Db, appId: string): Promise<SettingsRow | undefined> {
  const [r] = await db.select().from(settings).where(eq(settings.appId, appId));
  return r;
}

export async function upsertSettings(db: Db, row: SettingsRow): Promise<SettingsRow> {
  const { appId: _appId, ...rest } = row;
  const [r] = await db.insert(settings).values(row).onConflictDoUpdate({ target: settings.appId, set: rest }).returning();
  return r!;
}

// ---- erasure ------------------------------------------------------------------------------------

export async function eraseApp(db: Db, appId: string): Promise<void> {
  await db.delete(phrases).where(eq(phrases.appId, appId));
  await db.delete(entries).where(eq(entries.appId, appId));
  await db.delete(versions).where(eq(versions.appId, appId));
  await db.delete(settings).where(eq(settings.appId, appId));
}
