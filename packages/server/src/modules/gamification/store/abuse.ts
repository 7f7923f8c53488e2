import { and, asc, desc, eq, gt, gte, lt, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../../db/index.ts';
import { prepared } from '../../../db/prepared.ts';
import { num } from '../../../db/raw.ts';
import { blocks, devices, draws, flags, limitCounters } from '../schema.ts';

export type FlagRow = typeof flags.$inferSelect;
export type BlockRow = typeof blocks.$inferSelect;
export type FlagKind = FlagRow['kind'];

/** Counts one attempt in a fixed window; returns the attempts so far in it. */
export async function hit(db: Db, k: { appId: string; action: string; dim: string; key: string; windowStart: Date }): Promise<number> {
  const [r] = await db
    .insert(limitCounters)
    .values({ ...k, n: 1 })
    .onConflictDoUpdate({ target: [limitCounters.appId, limitCounters.action, limitCounters.dim, limitCounters.key, limitCounters.windowStart], set: { n: sql`${limitCounters.n} + 1` } })
    .returning({ n: limitCounters.n });
  return r!.n;
}

export async function purgeCounters(db: Db, before: Date): Promise<void> {
  await db.delete(limitCounters).where(lt(limitCounters.windowStart, before));
}

/** Records that a user used a device; true the first time this pair is seen. */
export async function addDevice(db: Db, appId: string, deviceId: string, userId: string, now: Date): Promise<boolean> {
  const rows = await db.insert(devices).values({ appId, deviceId, userId, firstSeen: now }).onConflictDoNothing().returning({ u: devices.userId });
  return rows.length > 0;
}

export async function deviceUsers(db: Db, appId: string, deviceId: string, limit = 100): Promise<string[]> {
  const rows = await db
    .select({ u: devices.userId })
    .from(devices)
    .where(and(eq(devices.appId, appId), eq(devices.deviceId, deviceId)))
    .orderBy(devices.firstSeen)
    .limit(limit);
  return rows.map((r) => r.u);
}

/** Opens a flag, or counts another hit on the open flag about the same subject. */
export async function raiseFlag(db: Db, f: { appId: string; kind: FlagKind; subject: string; userIds: string[]; details: Record<string, unknown>; now: Date }): Promise<FlagRow> {
  const res = await db.execute<{ id: number }>(sql`
    insert into gm_flags as f (app_id, kind, subject, user_ids, details, hits, status, created_at, updated_at)
    values (${f.appId}, ${f.kind}, ${f.subject}, ${JSON.stringify(f.userIds)}::jsonb, ${JSON.stringify(f.details)}::jsonb, 1, 'open', ${f.now}::timestamptz, ${f.now}::timestamptz)
    on conflict (app_id, kind, subject) where status = 'open' do update
      set hits = f.hits + 1, user_ids = excluded.user_ids, details = excluded.details, updated_at = excluded.updated_at
    returning id`);
  return (await findFlag(db, f.appId, num(res.rows[0]!.id)))!;
}

export async function findFlag(db: Db, appId: string, id: number): Promise<FlagRow | undefined> {
  const [r] = await db
    .select()
    .from(flags)
    .where(and(eq(flags.appId, appId), eq(flags.id, id)));
  return r;
}

export async function listFlags(db: Db, appId: string, q: { limit: number; beforeId?: number | undefined; status?: FlagRow['status'] | undefined; kind?: FlagKind | undefined; userId?: string | undefined }): Promise<FlagRow[]> {
  const conds: SQL[] = [eq(flags.appId, appId)];
  if (q.beforeId !== undefined) conds.push(lt(flags.id, q.beforeId));
  if (q.status) conds.push(eq(flags.status, q.status));
  if (q.kind) conds.push(eq(flags.kind, q.kind));
  if (q.userId) conds.push(sql`${flags.userIds} @> ${JSON.stringify([q.userId])}::jsonb`);
  return db
    .select()
    .from(flags)
    .where(and(...conds))
    .orderBy(desc(flags.id))
    .limit(q.limit);
}

/** Closes an open flag; undefined if it is not open (already resolved or unknown). */
export async function resolveFlag(db: Db, appId: string, id: number, status: 'dismissed' | 'blocked', note: string | null, now: Date): Promise<FlagRow | undefined> {
  const [r] = await db
    .update(flags)
    .set({ status, note, updatedAt: now })
    .where(and(eq(flags.appId, appId), eq(flags.id, id), eq(flags.status, 'open')))
    .returning();
  return r;
}

export async function block(db: Db, appId: string, userIds: string[], reason: string, flagId: number | null): Promise<void> {
  if (userIds.length === 0) return;
  await db
    .insert(blocks)
    .values(userIds.map((userId) => ({ appId, userId, reason, flagId })))
    .onConflictDoNothing();
}

export async function unblock(db: Db, appId: string, userId: string): Promise<boolean> {
  const rows = await db
    .delete(blocks)
    .where(and(eq(blocks.appId, appId), eq(blocks.userId, userId)))
    .returning({ u: blocks.userId });
  return rows.length > 0;
}

export async function findBlock(db: Db, appId: string, userId: string): Promise<BlockRow | undefined> {
  const [r] = await db
    .select()
    .from(blocks)
    .where(and(eq(blocks.appId, appId), eq(blocks.userId, userId)));
  return r;
}

export async function blockedUsers(db: Db, appId: string): Promise<BlockRow[]> {
  return db.select().from(blocks).where(eq(blocks.appId, appId));
}

/** Blocked users by user id, paged. */
export async function listBlocks(db: Db, appId: string, q: { limit: number; afterUserId?: string | undefined }): Promise<BlockRow[]> {
  const conds: SQL[] = [eq(blocks.appId, appId)];
  if (q.afterUserId !== undefined) conds.push(gt(blocks.userId, q.afterUserId));
  return db
    .select()
    .from(blocks)
    .where(and(...conds))
    .orderBy(asc(blocks.userId))
    .limit(q.limit);
}

/** Read after every draw: built once (db/prepared.ts). */
const recentDrawsQuery = prepared<{ n: number }[], { appId: string; userId: string; since: Date }>('gm_recent_draws', (db) =>
  db
    .select({ n: sql<number>`count(*)::int` })
    .from(draws)
    .where(and(eq(draws.appId, sql.placeholder('appId')), eq(draws.userId, sql.placeholder('userId')), gte(draws.createdAt, sql.placeholder('since')))),
);

export async function recentDraws(db: Db, appId: string, userId: string, since: Date): Promise<number> {
  const [r] = await recentDrawsQuery(db, { appId, userId, since });
  return r?.n ?? 0;
}
