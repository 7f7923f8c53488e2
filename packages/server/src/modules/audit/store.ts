import { and, desc, eq, lt, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/index.ts';
import { auditLog } from './schema.ts';

export type AuditRow = typeof auditLog.$inferSelect;
export type AuditInsert = typeof auditLog.$inferInsert;

export async function insertEntry(db: Db, row: AuditInsert): Promise<void> {
  await db.insert(auditLog).values(row);
}

export async function listEntries(
  db: Db,
  appId: string,
  q: { limit: number; beforeId?: number | undefined; action?: string | undefined; targetType?: string | undefined; targetId?: string | undefined; actorId?: string | undefined },
): Promise<AuditRow[]> {
  const conds: SQL[] = [eq(auditLog.appId, appId)];
  if (q.beforeId !== undefined) conds.push(lt(auditLog.id, q.beforeId));
  if (q.action) conds.push(eq(auditLog.action, q.action));
  if (q.targetType) conds.push(eq(auditLog.targetType, q.targetType));
  if (q.targetId) conds.push(eq(auditLog.targetId, q.targetId));
  if (q.actorId) conds.push(eq(auditLog.actorId, q.actorId));
  return db
    .select()
    .from(auditLog)
    .where(and(...conds))
    .orderBy(desc(auditLog.id))
    .limit(q.limit);
}

/**
 * A deleted app's entries go, except its `app.delete` entries: they stay as tombstones outside any
 * app (app_id NULL, target_id = the app's id) so operators can still see who deleted it and when.
 */
export async function eraseApp(db: Db, appId: string): Promise<void> {
  await db.execute(sql`delete from au_log where app_id = ${appId} and action <> 'app.delete'`);
  await db.execute(sql`update au_log set app_id = null where app_id = ${appId} and action = 'app.delete'`);
}

/**
 * An erased user's id leaves the app's audit log: entries they made lose their actor id, entries
 * about them lose the target id, and any before/after value naming them names `erased` instead.
 * The one exception is the `user.delete` entry itself — the receipt that the erasure was asked for,
 * by whom and when — which keeps the user's id and loses its before/after (the profile's traits).
 */
export async function eraseUser(db: Db, appId: string, userId: string): Promise<void> {
  const quoted = JSON.stringify(userId);
  await db.execute(sql`update au_log set before = null, after = null where app_id = ${appId} and action = 'user.delete' and target_type = 'user' and target_id = ${userId}`);
  await db.execute(sql`update au_log set actor_id = null where app_id = ${appId} and actor_type = 'user' and actor_id = ${userId}`);
  await db.execute(sql`update au_log set target_id = null where app_id = ${appId} and target_type = 'user' and target_id = ${userId} and action <> 'user.delete'`);
  await db.execute(sql`update au_log set before = replace(before::text, ${quoted}, '"erased"')::jsonb, after = replace(after::text, ${quoted}, '"erased"')::jsonb
    where app_id = ${appId} and (strpos(before::text, ${quoted}) > 0 or strpos(after::text, ${quoted}) > 0)`);
}
