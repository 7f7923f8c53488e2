// Favourite folders (收藏夹) and the subjects in them. Whether a user has favourited a subject is
// the ix_reactions row; the folders only say where they keep it.
import { and, asc, eq, gt, inArray, notInArray, sql } from 'drizzle-orm';
import { folderItems, folders } from '../schema.ts';
import { pgDate, rows, type Db } from './common.ts';

export type FolderRow = typeof folders.$inferSelect;
export const DEFAULT_FOLDER_NAME = '默认收藏夹';

export async function defaultFolder(db: Db, appId: string, userId: string, now: Date): Promise<number> {
  await db.insert(folders).values({ appId, userId, name: DEFAULT_FOLDER_NAME, isDefault: true, createdAt: now, updatedAt: now }).onConflictDoNothing();
  const [r] = await db
    .select({ id: folders.id })
    .from(folders)
    .where(and(eq(folders.appId, appId), eq(folders.userId, userId), eq(folders.isDefault, true)));
  return r!.id;
}

export async function findFolder(db: Db, appId: string, userId: string, id: number): Promise<FolderRow | undefined> {
  const [r] = await db
    .select()
    .from(folders)
    .where(and(eq(folders.appId, appId), eq(folders.userId, userId), eq(folders.id, id)));
  return r;
}

/** The ids among `ids` that are this user's folders. */
export async function ownedFolders(db: Db, appId: string, userId: string, ids: number[]): Promise<Set<number>> {
  const rs = await db
    .select({ id: folders.id })
    .from(folders)
    .where(and(eq(folders.appId, appId), eq(folders.userId, userId), inArray(folders.id, ids)));
  return new Set(rs.map((r) => r.id));
}

/** Returns null when the name is taken. */
export async function createFolder(db: Db, appId: string, userId: string, name: string, now: Date): Promise<FolderRow | null> {
  const [r] = await db.insert(folders).values({ appId, userId, name, createdAt: now, updatedAt: now }).onConflictDoNothing().returning();
  return r ?? null;
}

export async function renameFolder(db: Db, id: number, name: string, now: Date): Promise<FolderRow | null> {
  const [r] = await rows<{ id: number }>(db, sql`update ix_folders set name = ${name}, updated_at = ${now.toISOString()}::timestamptz where id = ${id} and not exists (select 1 from ix_folders o where o.app_id = ix_folders.app_id and o.user_id = ix_folders.user_id and o.name = ${name} and o.id <> ${id}) returning id`);
  if (!r) return null;
  const [f] = await db.select().from(folders).where(eq(folders.id, id));
  return f ?? null;
}

/** Deletes the folder; returns the subjects it held. */
export async function deleteFolder(db: Db, id: number): Promise<number[]> {
  const items = await db.delete(folderItems).where(eq(folderItems.folderId, id)).returning({ subjectId: folderItems.subjectId });
  await db.delete(folders).where(eq(folders.id, id));
  return items.map((i) => i.subjectId);
}

/** Of these subjects, those still in some folder of the user. */
export async function stillFiled(db: Db, appId: string, userId: string, subjectIds: number[]): Promise<Set<number>> {
  if (subjectIds.length === 0) return new Set();
  const rs = await db
    .selectDistinct({ s: folderItems.subjectId })
    .from(folderItems)
    .where(and(eq(folderItems.appId, appId), eq(folderItems.userId, userId), inArray(folderItems.subjectId, subjectIds)));
  return new Set(rs.map((r) => r.s));
}

/** Puts the subject in exactly these folders of the user. */
export async function fileSubject(db: Db, appId: string, userId: string, subjectId: number, folderIds: number[], now: Date): Promise<void> {
  await db.delete(folderItems).where(and(eq(folderItems.appId, appId), eq(folderItems.userId, userId), eq(folderItems.subjectId, subjectId), notInArray(folderItems.folderId, folderIds)));
  await db
    .insert(folderItems)
    .values(folderIds.map((folderId) => ({ folderId, subjectId, appId, userId, createdAt: now })))
    .onConflictDoNothing();
}

export async function unfileSubject(db: Db, appId: string, userId: string, subjectId: number): Promise<void> {
  await db.delete(folderItems).where(and(eq(folderItems.appId, appId), eq(folderItems.userId, userId), eq(folderItems.subjectId, subjectId)));
}

export async function foldersOfSubject(db: Db, appId: string, userId: string, subjectId: number): Promise<number[]> {
  const rs = await db
    .select({ id: folderItems.folderId })
    .from(folderItems)
    .where(and(eq(folderItems.appId, appId), eq(folderItems.userId, userId), eq(folderItems.subjectId, subjectId)))
    .orderBy(asc(folderItems.folderId));
  return rs.map((r) => r.id);
}

export type FolderWithCount = FolderRow & { items: number };

export async function listFolders(db: Db, appId: string, userId: string, q: { limit: number; afterId?: number | undefined }): Promise<FolderWithCount[]> {
  const rs = await db
    .select({ f: folders, items: sql<number>`(select count(*) from ix_folder_items i where i.folder_id = ${folders.id})::int` })
    .from(folders)
    .where(and(eq(folders.appId, appId), eq(folders.userId, userId), q.afterId !== undefined ? gt(folders.id, q.afterId) : undefined))
    .orderBy(asc(folders.id))
    .limit(q.limit);
  return rs.map((r) => ({ ...r.f, items: r.items }));
}

export async function folderItemCount(db: Db, id: number): Promise<number> {
  const [r] = await rows<{ n: number }>(db, sql`select count(*)::int as n from ix_folder_items where folder_id = ${id}`);
  return r!.n;
}

export async function listFolderItems(db: Db, folderId: number, q: { limit: number; before?: { t: string; s: number } | undefined }): Promise<{ subjectId: number; createdAt: Date }[]> {
  const rs = await rows<{ subject_id: number; created_at: string }>(
    db,
    sql`select subject_id, created_at from ix_folder_items where folder_id = ${folderId}
        ${q.before ? sql`and (created_at, subject_id) < (${q.before.t}::timestamptz, ${q.before.s}::bigint)` : sql``}
        order by created_at desc, subject_id desc limit ${q.limit}`,
  );
  return rs.map((r) => ({ subjectId: r.subject_id, createdAt: pgDate(r.created_at) }));
}

