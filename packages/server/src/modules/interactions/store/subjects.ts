// SQL over ix_subjects and the subject counters.
import { and, desc, eq, inArray, lt, sql, type SQL } from 'drizzle-orm';
import { prepared } from '../../../db/prepared.ts';
import type { Counts } from '../rules/hot.ts';
import { dirty, subjects } from '../schema.ts';
import { RESERVED_KIND_PREFIX } from '../rules/reserved.ts';
import { rows, ZERO, type Db } from './common.ts';

export type SubjectRow = typeof subjects.$inferSelect;

export type SubjectPatch = {
  title?: string | null | undefined;
  authorId?: string | null | undefined;
  tags?: string[] | undefined;
  createdAt?: Date | undefined;
  metadata?: Record<string, unknown> | undefined;
};

/** The subject of nearly every request, read without a lock: built once (db/prepared.ts). */
const findSubjectQuery = prepared<SubjectRow[], { appId: string; kind: string; externalId: string }>('ix_find_subject', (db) =>
  db
    .select()
    .from(subjects)
    .where(and(eq(subjects.appId, sql.placeholder('appId')), eq(subjects.kind, sql.placeholder('kind')), eq(subjects.externalId, sql.placeholder('externalId')))),
);

export async function findSubject(db: Db, appId: string, kind: string, externalId: string, forUpdate = false): Promise<SubjectRow | undefined> {
  if (!forUpdate) return (await findSubjectQuery(db, { appId, kind, externalId }))[0];
  const q = db
    .select()
    .from(subjects)
    .where(and(eq(subjects.appId, appId), eq(subjects.kind, kind), eq(subjects.externalId, externalId)));
  // NO KEY UPDATE: serialises writers of the row without blocking inserts that refer to it.
  const [r] = await q.for('no key update');
  return r;
}

export async function subjectsByIds(db: Db, ids: number[]): Promise<SubjectRow[]> {
  if (ids.length === 0) return [];
  return db.select().from(subjects).where(inArray(subjects.id, ids));
}

/** Creates the subject or updates the fields given; `created` tells which. */
export async function upsertSubject(db: Db, appId: string, kind: string, externalId: string, p: SubjectPatch, now: Date): Promise<{ row: SubjectRow; created: boolean }> {
  const set: Record<string, unknown> = { updatedAt: now };
  if (p.title !== undefined) set.title = p.title;
  if (p.authorId !== undefined) set.authorId = p.authorId;
  if (p.tags !== undefined) set.tags = p.tags;
  if (p.createdAt !== undefined) set.createdAt = p.createdAt;
  if (p.metadata !== undefined) set.metadata = p.metadata;
  const [r] = await db
    .insert(subjects)
    .values({
      appId,
      kind,
      externalId,
      title: p.title ?? null,
      authorId: p.authorId ?? null,
      tags: p.tags ?? [],
      metadata: p.metadata ?? {},
      createdAt: p.createdAt ?? now,
      firstSeenAt: now,
      updatedAt: now,
    })
    .onConflictDoUpdate({ target: [subjects.appId, subjects.kind, subjects.externalId], set })
    .returning({ id: subjects.id, created: sql<boolean>`(xmax = 0)` });
  const row = (await subjectsByIds(db, [r!.id]))[0]!;
  return { row, created: r!.created };
}

/** The subject, created bare if missing (first interaction on a subject the host never sent). */
export async function ensureSubject(db: Db, appId: string, kind: string, externalId: string, now: Date): Promise<SubjectRow> {
  await db.insert(subjects).values({ appId, kind, externalId, createdAt: now, firstSeenAt: now, updatedAt: now }).onConflictDoNothing();
  return (await findSubject(db, appId, kind, externalId))!;
}

/** Deletes the subject and every row that refers to it (the tables have no foreign key to it). */
export async function deleteSubject(db: Db, appId: string, kind: string, externalId: string): Promise<SubjectRow | undefined> {
  const [r] = await db
    .delete(subjects)
    .where(and(eq(subjects.appId, appId), eq(subjects.kind, kind), eq(subjects.externalId, externalId)))
    .returning();
  if (!r) return undefined;
  for (const table of ['ix_reactions', 'ix_counters', 'ix_subject_days', 'ix_dirty', 'ix_rankings', 'ix_shares', 'ix_triples', 'ix_coins', 'ix_folder_items', 'ix_slot_items', 'ix_comments']) {
    await db.execute(sql`delete from ${sql.raw(table)} where subject_id = ${r.id}`);
  }
  return r;
}

/**
 * Deletes the app's subjects of `kind` with these host ids and every row that refers to them,
 * their comments' likes and reports included. Returns how many subjects went.
 */
export async function deleteSubjects(db: Db, appId: string, kind: string, externalIds: string[]): Promise<number> {
  if (externalIds.length === 0) return 0;
  const gone = await db
    .delete(subjects)
    .where(and(eq(subjects.appId, appId), eq(subjects.kind, kind), inArray(subjects.externalId, externalIds)))
    .returning({ id: subjects.id });
  const ids = gone.map((r) => r.id);
  if (ids.length === 0) return 0;
  const any = sql`any(${sql.param(ids)}::bigint[])`;
  await db.execute(sql`delete from ix_comment_likes where comment_id in (select id from ix_comments where subject_id = ${any})`);
  await db.execute(sql`delete from ix_reports where comment_id in (select id from ix_comments where subject_id = ${any})`);
  for (const table of ['ix_reactions', 'ix_counters', 'ix_subject_days', 'ix_dirty', 'ix_rankings', 'ix_shares', 'ix_triples', 'ix_coins', 'ix_folder_items', 'ix_slot_items', 'ix_comments']) {
    await db.execute(sql`delete from ${sql.raw(table)} where subject_id = ${any}`);
  }
  return ids.length;
}

/** Exact totals: the sum of each subject's counter shards. */
export async function countsOf(db: Db, ids: number[]): Promise<Map<number, Counts>> {
  const out = new Map<number, Counts>();
  if (ids.length === 0) return out;
  const rs = await rows<Counts & { subject_id: number }>(
    db,
    sql`select subject_id, sum(likes)::bigint as likes, sum(favourites)::bigint as favourites, sum(shares)::bigint as shares,
               sum(comments)::bigint as comments, sum(follows)::bigint as follows
        from ix_counters where subject_id = any(${sql.param(ids)}::bigint[]) group by subject_id`,
  );
  for (const r of rs) out.set(r.subject_id, { likes: r.likes, favourites: r.favourites, shares: r.shares, comments: r.comments, follows: r.follows, coins: 0 });
  for (const id of ids) if (!out.has(id)) out.set(id, { ...ZERO });
  const cs = await rows<{ subject_id: number; coins: number }>(db, sql`select subject_id, sum(coins)::bigint as coins from ix_coins where subject_id = any(${sql.param(ids)}::bigint[]) group by subject_id`);
  for (const r of cs) out.get(r.subject_id)!.coins = r.coins;
  return out;
}

export async function listSubjects(
  db: Db,
  appId: string,
  q: { limit: number; beforeId?: number | undefined; kind?: string | undefined; authorId?: string | undefined; tag?: string | undefined; externalIds?: string[] | undefined },
): Promise<SubjectRow[]> {
  const conds: SQL[] = [eq(subjects.appId, appId)];
  // Reserved kinds (`canyu.*`, rules/reserved.ts) belong to other modules: listed only by their kind.
  conds.push(q.kind !== undefined ? eq(subjects.kind, q.kind) : sql`${subjects.kind} not like ${RESERVED_KIND_PREFIX + '%'}`);
  if (q.authorId !== undefined) conds.push(eq(subjects.authorId, q.authorId));
  if (q.tag !== undefined) conds.push(sql`${subjects.tags} @> array[${q.tag}]::text[]`);
  if (q.externalIds !== undefined) conds.push(inArray(subjects.externalId, q.externalIds));
  if (q.beforeId !== undefined) conds.push(lt(subjects.id, q.beforeId));
  return db
    .select()
    .from(subjects)
    .where(and(...conds))
    .orderBy(desc(subjects.id))
    .limit(q.limit);
}

/** Marks a subject for a hot-score refresh (its publication time changed). */
export async function markDirty(db: Db, subjectId: number, day: string): Promise<void> {
  await db.insert(dirty).values({ subjectId, day }).onConflictDoNothing();
}

/**
 * The subjects and their counters as of one moment: one repeatable-read snapshot, and the database's
 * time it was taken at (so that readers on several servers can order what they publish).
 */
export async function countsSnapshot(db: Db, ids: number[]): Promise<{ asOf: Date; subjects: SubjectRow[]; counts: Map<number, Counts> }> {
  return db.transaction(
    async (tx) => {
      const [r] = await rows<{ as_of: Date | string }>(tx, sql`select statement_timestamp() as as_of`);
      return { asOf: new Date(r!.as_of), subjects: await subjectsByIds(tx, ids), counts: await countsOf(tx, ids) };
    },
    { isolationLevel: 'repeatable read', accessMode: 'read only' },
  );
}
