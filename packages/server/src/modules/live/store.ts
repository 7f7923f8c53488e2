// All SQL of live rooms.
import { and, desc, eq, lt, sql } from 'drizzle-orm';
import type { Db } from '../../db/index.ts';
import { interactions, messages, rooms } from './schema.ts';

export type RoomRow = typeof rooms.$inferSelect;
export type LiveMessageRow = typeof messages.$inferSelect;

export async function insertRoom(db: Db, row: typeof rooms.$inferInsert): Promise<RoomRow> {
  const [r] = await db.insert(rooms).values(row).returning();
  return r!;
}

export async function findRoom(db: Db, appId: string, id: string): Promise<RoomRow | undefined> {
  const [r] = await db
    .select()
    .from(rooms)
    .where(and(eq(rooms.appId, appId), eq(rooms.id, id)));
  return r;
}

export async function listRooms(db: Db, appId: string, q: { limit: number; before?: { t: string; id: string } | undefined; status?: string | undefined }): Promise<RoomRow[]> {
  const conds = [eq(rooms.appId, appId)];
  if (q.status) conds.push(eq(rooms.status, q.status));
  if (q.before) conds.push(sql`(${rooms.createdAt}, ${rooms.id}) < (${q.before.t}::timestamptz, ${q.before.id})`);
  return db
    .select()
    .from(rooms)
    .where(and(...conds))
    .orderBy(desc(rooms.createdAt), desc(rooms.id))
    .limit(q.limit);
}

export async function closeRoom(db: Db, appId: string, id: string, now: Date): Promise<RoomRow | undefined> {
  const [r] = await db
    .update(rooms)
    .set({ status: 'closed', closedAt: sql`coalesce(${rooms.closedAt}, ${now}::timestamptz)` })
    .where(and(eq(rooms.appId, appId), eq(rooms.id, id)))
    .returning();
  return r;
}

export async function insertMessage(db: Db, row: typeof messages.$inferInsert): Promise<LiveMessageRow> {
  const [r] = await db.insert(messages).values(row).returning();
  await db
    .update(rooms)
    .set({ messages: sql`${rooms.messages} + 1` })
    .where(and(eq(rooms.appId, row.appId), eq(rooms.id, row.roomId)));
  return r!;
}

export async function listMessages(db: Db, appId: string, roomId: string, q: { limit: number; beforeId?: number | undefined }): Promise<LiveMessageRow[]> {
  const conds = [eq(messages.appId, appId), eq(messages.roomId, roomId)];
  if (q.beforeId !== undefined) conds.push(lt(messages.id, q.beforeId));
  return db
    .select()
    .from(messages)
    .where(and(...conds))
    .orderBy(desc(messages.id))
    .limit(q.limit);
}

/** Adds flushed taps; returns the new totals. */
export async function addLikes(db: Db, items: { appId: string; roomId: string; n: number }[]): Promise<{ appId: string; roomId: string; likes: number }[]> {
  if (items.length === 0) return [];
  const res = await db.execute<{ app_id: string; id: string; likes: string }>(sql`
    update lv_rooms r set likes = r.likes + t.n
    from unnest(${sql.param(items.map((i) => i.appId))}::text[], ${sql.param(items.map((i) => i.roomId))}::text[], ${sql.param(items.map((i) => i.n))}::bigint[]) as t(a, r, n)
    where r.app_id = t.a and r.id = t.r
    returning r.app_id, r.id, r.likes`);
  return res.rows.map((r) => ({ appId: r.app_id, roomId: r.id, likes: Number(r.likes) }));
}

export type InteractionRow = typeof interactions.$inferSelect;

export async function insertInteraction(db: Db, row: typeof interactions.$inferInsert): Promise<InteractionRow> {
  const [r] = await db.insert(interactions).values(row).returning();
  return r!;
}

/** Open rooms showing a poll or lottery, with the interaction that shows it there. */
export async function roomsShowing(db: Db, appId: string, kind: 'poll' | 'lottery', ref: string): Promise<{ roomId: string; interactionId: string }[]> {
  return db
    .select({ roomId: interactions.roomId, interactionId: interactions.id })
    .from(interactions)
    .innerJoin(rooms, and(eq(rooms.appId, interactions.appId), eq(rooms.id, interactions.roomId)))
    .where(and(eq(interactions.appId, appId), eq(interactions.kind, kind), eq(interactions.ref, ref), eq(rooms.status, 'open')));
}

export async function deleteAppData(db: Db, appId: string): Promise<void> {
  await db.delete(interactions).where(eq(interactions.appId, appId));
  await db.delete(messages).where(eq(messages.appId, appId));
  await db.delete(rooms).where(eq(rooms.appId, appId));
}

export async function deleteUserMessages(db: Db, appId: string, userId: string): Promise<void> {
  await db.delete(messages).where(and(eq(messages.appId, appId), eq(messages.userId, userId)));
}
