import { and, desc, eq, lt, type SQL } from 'drizzle-orm';
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
