import { and, asc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/index.ts';
import { entries, phrases, settings, terms } from './schema.ts';

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

export async function entriesByIds(db: Db, appId: string, ids: string[]): Promise<EntryRow[]> {
  if (!ids.length) return [];
  return db
    .select()
    .from(entries)
    .where(and(eq(entries.appId, appId), inArray(entries.id, ids)));
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

/** The seq of an entry's whole-document row (question, variants and answer together). */
export const DOC_SEQ = -1;

/**
 * Replaces the phrase rows of the given entries (an empty list removes them) and moves the app's
 * term frequencies by the difference, in the caller's transaction. Frequencies count entries: only
 * the document rows (seq -1) contribute, and the row with term '' counts the entries. They are
 * upserted in term order ('' first), so concurrent writers queue on the same row instead of
 * deadlocking (writers also hold the app's FAQ lock; see service.ts).
 */
export async function reindex(db: Db, appId: string, items: { entryId: string; phrases: { seq: number; terms: string[] }[] }[]): Promise<void> {
  if (!items.length) return;
  const ids = items.map((i) => i.entryId);
  const old = rowsOf<{ term: string; n: number }>(
    await db.execute(sql`
      WITH gone AS (DELETE FROM faq_phrases WHERE entry_id = ANY(${sql.param(ids)}::text[]) RETURNING seq, terms)
      SELECT t AS term, count(*)::int AS n FROM gone, unnest(gone.terms) t WHERE gone.seq = ${DOC_SEQ} GROUP BY t
      UNION ALL SELECT '' AS term, (SELECT count(*)::int FROM gone WHERE seq = ${DOC_SEQ}) AS n`),
  );
  const delta = new Map<string, number>();
  for (const r of old) if (r.n) delta.set(r.term, (delta.get(r.term) ?? 0) - r.n);
  const rows: { entryId: string; seq: number; appId: string; terms: string[] }[] = [];
  for (const it of items) {
    for (const p of it.phrases) {
      if (!p.terms.length) continue;
      rows.push({ entryId: it.entryId, seq: p.seq, appId, terms: p.terms });
      if (p.seq !== DOC_SEQ) continue;
      delta.set('', (delta.get('') ?? 0) + 1);
      for (const t of p.terms) delta.set(t, (delta.get(t) ?? 0) + 1);
    }
  }
  for (let i = 0; i < rows.length; i += 2000) await db.insert(phrases).values(rows.slice(i, i + 2000));
  const changed = [...delta].filter(([, d]) => d !== 0).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (!changed.length) return;
  await db.execute(sql`
    INSERT INTO faq_terms (app_id, term, df)
    SELECT ${appId}, x.term, x.d FROM unnest(${sql.param(changed.map(([t]) => t))}::text[], ${sql.param(changed.map(([, d]) => d))}::int[]) WITH ORDINALITY AS x(term, d, i)
    ORDER BY x.i
    ON CONFLICT (app_id, term) DO UPDATE SET df = faq_terms.df + excluded.df`);
  await db.execute(sql`DELETE FROM faq_terms WHERE app_id = ${appId} AND term = ANY(${sql.param(changed.filter(([, d]) => d < 0).map(([t]) => t))}::text[]) AND df <= 0`);
}

/** The app's entry count and the document frequency of each of `ts` that some phrase contains. */
export async function termStats(db: Db, appId: string, ts: string[]): Promise<{ n: number; df: Map<string, number> }> {
  const rows = await db
    .select({ term: terms.term, df: terms.df })
    .from(terms)
    .where(and(eq(terms.appId, appId), sql`${terms.term} = ANY(${sql.param(['', ...ts])}::text[])`));
  let n = 0;
  const df = new Map<string, number>();
  for (const r of rows) {
    if (r.term === '') n = r.df;
    else if (r.df > 0) df.set(r.term, r.df);
  }
  return { n, df };
}

export type PhraseTerms = { entryId: string; seq: number; terms: string[] };

/**
 * Enabled entries whose document contains one of the `selective` query terms, best first by the summed squared
 * weights of the shared terms (a cheap ranking before the exact scores), at most `limit`, with
 * all their phrase rows.
 */
export async function candidates(db: Db, appId: string, q: { terms: string[]; weights: number[]; selective: string[]; locale?: string | undefined; category?: string | undefined; limit: number }): Promise<PhraseTerms[]> {
  if (!q.terms.length) return [];
  const rows = rowsOf<{ entry_id: string; seq: number; terms: string[] }>(
    await db.execute(sql`
      WITH top AS (
        SELECT p.entry_id
        FROM faq_phrases p JOIN faq_entries e ON e.id = p.entry_id
        WHERE p.app_id = ${appId} AND p.seq = ${DOC_SEQ} AND p.terms && ${sql.param(q.selective)}::text[] AND e.enabled
          ${q.locale !== undefined ? sql`AND e.locale = ${q.locale}` : sql``}
          ${q.category !== undefined ? sql`AND e.category = ${q.category}` : sql``}
        ORDER BY (SELECT sum(x.w * x.w) FROM unnest(${sql.param(q.terms)}::text[], ${sql.param(q.weights)}::float8[]) AS x(t, w) WHERE x.t = ANY(p.terms)) DESC, p.entry_id
        LIMIT ${q.limit})
      SELECT p.entry_id, p.seq, p.terms FROM faq_phrases p JOIN top ON top.entry_id = p.entry_id`),
  );
  return rows.map((r) => ({ entryId: r.entry_id, seq: r.seq, terms: r.terms }));
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
  await db.delete(terms).where(eq(terms.appId, appId));
  await db.delete(settings).where(eq(settings.appId, appId));
}
