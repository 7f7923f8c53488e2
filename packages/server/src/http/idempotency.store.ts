import { and, eq, isNull, lt, sql } from 'drizzle-orm';
import type { Db } from '../db/index.ts';
import { idempotencyKeys } from './idempotency.schema.ts';

export type IdemRow = typeof idempotencyKeys.$inferSelect;

/** True when this call now owns the key; false when a record already exists. */
export async function reserve(db: Db, scope: string, key: string, fingerprint: string): Promise<boolean> {
  const r = await db.insert(idempotencyKeys).values({ scope, key, fingerprint }).onConflictDoNothing().returning({ key: idempotencyKeys.key });
  return r.length === 1;
}

export async function find(db: Db, scope: string, key: string): Promise<IdemRow | undefined> {
  const [r] = await db
    .select()
    .from(idempotencyKeys)
    .where(and(eq(idempotencyKeys.scope, scope), eq(idempotencyKeys.key, key)));
  return r;
}

/**
 * Stores the response body as sent: as a jsonb *string*, because a jsonb object would reorder
 * its keys and a replay must repeat the original bytes.
 */
export async function complete(db: Db, scope: string, key: string, statusCode: number, responseBody: string): Promise<void> {
  await db
    .update(idempotencyKeys)
    .set({ statusCode, response: sql`to_jsonb(${responseBody}::text)` })
    .where(and(eq(idempotencyKeys.scope, scope), eq(idempotencyKeys.key, key)));
}

export async function release(db: Db, scope: string, key: string): Promise<void> {
  await db.delete(idempotencyKeys).where(and(eq(idempotencyKeys.scope, scope), eq(idempotencyKeys.key, key)));
}

/** Drops a reservation whose request died mid-flight (the server crashed), so a retry can proceed. */
export async function releaseAbandoned(db: Db, scope: string, key: string, olderThanSeconds: number): Promise<boolean> {
  const r = await db
    .delete(idempotencyKeys)
    .where(and(eq(idempotencyKeys.scope, scope), eq(idempotencyKeys.key, key), isNull(idempotencyKeys.statusCode), lt(idempotencyKeys.createdAt, sql`now() - make_interval(secs => ${olderThanSeconds})`)))
    .returning({ key: idempotencyKeys.key });
  return r.length > 0;
}

export async function purgeOlderThan(db: Db, hours: number): Promise<number> {
  const r = await db
    .delete(idempotencyKeys)
    .where(lt(idempotencyKeys.createdAt, sql`now() - make_interval(hours => ${hours})`))
    .returning({ key: idempotencyKeys.key });
  return r.length;
}
