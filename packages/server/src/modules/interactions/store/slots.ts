// Operator-curated slots (官方推荐, 入站必刷): ordered subjects, each with an optional time window.
import { and, asc, eq, gt, sql } from 'drizzle-orm';
import { slotItems, slots } from '../schema.ts';
import { rows, type Db } from './common.ts';

export type SlotRow = typeof slots.$inferSelect;
export type SlotItemRow = typeof slotItems.$inferSelect;

export async function createSlot(db: Db, appId: string, v: { key: string; title: string; description: string | null }, now: Date): Promise<SlotRow | null> {
  const [r] = await db
    .insert(slots)
    .values({ appId, ...v, createdAt: now, updatedAt: now })
    .onConflictDoNothing()
    .returning();
  return r ?? null;
}

export async function findSlot(db: Db, appId: string, key: string, forUpdate = false): Promise<SlotRow | undefined> {
  const q = db
    .select()
    .from(slots)
    .where(and(eq(slots.appId, appId), eq(slots.key, key)));
  const [r] = forUpdate ? await q.for('update') : await q;
  return r;
}

export async function updateSlot(db: Db, id: number, patch: { title?: string | undefined; description?: string | null | undefined }, now: Date): Promise<SlotRow> {
  const set: Partial<SlotRow> = { updatedAt: now };
  if (patch.title !== undefined) set.title = patch.title;
  if (patch.description !== undefined) set.description = patch.description;
  const [r] = await db.update(slots).set(set).where(eq(slots.id, id)).returning();
  return r!;
}

export async function deleteSlot(db: Db, id: number): Promise<void> {
  await db.delete(slots).where(eq(slots.id, id));
}

export async function listSlots(db: Db, appId: string, q: { limit: number; afterId?: number | undefined }): Promise<SlotRow[]> {
  return db
    .select()
    .from(slots)
    .where(and(eq(slots.appId, appId), q.afterId !== undefined ? gt(slots.id, q.afterId) : undefined))
    .orderBy(asc(slots.id))
    .limit(q.limit);
}

export type NewSlotItem = { subjectId: number; startsAt: Date | null; endsAt: Date | null; note: string | null };

export async function replaceItems(db: Db, slotId: number, items: NewSlotItem[]): Promise<void> {
  await db.delete(slotItems).where(eq(slotItems.slotId, slotId));
  if (items.length > 0) await db.insert(slotItems).values(items.map((it, position) => ({ slotId, position, ...it })));
}

/** The slot's items in order; with `activeAt`, only those whose window contains that instant. */
export async function items(db: Db, slotId: number, activeAt?: Date): Promise<SlotItemRow[]> {
  return db
    .select()
    .from(slotItems)
    .where(
      and(
        eq(slotItems.slotId, slotId),
        activeAt ? sql`(${slotItems.startsAt} is null or ${slotItems.startsAt} <= ${activeAt.toISOString()}::timestamptz) and (${slotItems.endsAt} is null or ${slotItems.endsAt} > ${activeAt.toISOString()}::timestamptz)` : undefined,
      ),
    )
    .orderBy(asc(slotItems.position));
}

/** Active items of every slot of the app (slot order, then position): the curated fallback. */
export async function activeItemsOfApp(db: Db, appId: string, at: Date, limit: number): Promise<{ subjectId: number; slotKey: string; slotTitle: string }[]> {
  const rs = await rows<{ subject_id: number; key: string; title: string }>(
    db,
    sql`select i.subject_id, s.key, s.title from ix_slot_items i join ix_slots s on s.id = i.slot_id
        where s.app_id = ${appId} and (i.starts_at is null or i.starts_at <= ${at.toISOString()}::timestamptz) and (i.ends_at is null or i.ends_at > ${at.toISOString()}::timestamptz)
        order by s.id, i.position limit ${limit}`,
  );
  return rs.map((r) => ({ subjectId: r.subject_id, slotKey: r.key, slotTitle: r.title }));
}
