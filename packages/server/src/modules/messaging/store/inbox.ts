// SQL of the inbox: per-user messages (ms_messages) merged on read with the announcements the user
// is in the audience of (ms_announcements, one row per announcement) and the user's sparse state
// of them (ms_announcement_states).
import { and, desc, eq, isNull, lt, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../../db/index.ts';
import { announcements, announcementStates, messages } from '../schema.ts';

export type MessageRow = typeof messages.$inferSelect;
export type AnnouncementRow = typeof announcements.$inferSelect;

export type InboxItem = {
  kind: 'msg' | 'ann';
  id: number;
  category: string;
  title: string;
  body: string;
  url: string | null;
  data: Record<string, unknown> | null;
  created_at: Date;
  read_at: Date | null;
  clicked_at: Date | null;
};

export type InboxCursor = { t: string; k: 'msg' | 'ann'; i: number };

/** Who is reading: the announcements they see depend on their traits and language. */
export type Reader = { appId: string; userId: string; traits: Record<string, unknown>; lang: 'zh' | 'en'; now: Date };

const visibleAnnouncement = (r: Reader) => sql`a.app_id = ${r.appId} and a.withdrawn_at is null and a.starts_at <= ${r.now}::timestamptz
  and (a.expires_at is null or a.expires_at > ${r.now}::timestamptz)
  and (a.audience is null or ${JSON.stringify(r.traits)}::jsonb @> a.audience)`;

const title = (r: Reader) => (r.lang === 'zh' ? sql`a.title_zh` : sql`a.title_en`);
const body = (r: Reader) => (r.lang === 'zh' ? sql`a.body_zh` : sql`a.body_en`);

/**
 * One page of the merged inbox, newest first, ordered by (created_at, kind, id) descending.
 * Each branch is limited on its own (index order), then merged.
 */
export async function listInbox(db: Db, r: Reader, q: { limit: number; category?: string | undefined; unread?: boolean | undefined; cursor?: InboxCursor | undefined }): Promise<InboxItem[]> {
  const c = q.cursor;
  const msgAfter = c ? sql`and (m.created_at < ${c.t}::timestamptz or (m.created_at = ${c.t}::timestamptz and (${c.k} > 'msg' or (${c.k} = 'msg' and m.id < ${c.i}))))` : sql``;
  const annAfter = c ? sql`and (a.starts_at < ${c.t}::timestamptz or (a.starts_at = ${c.t}::timestamptz and (${c.k} > 'ann' or (${c.k} = 'ann' and a.id < ${c.i}))))` : sql``;
  const msgCat = q.category ? sql`and m.category = ${q.category}` : sql``;
  const annCat = q.category ? sql`and a.category = ${q.category}` : sql``;
  const msgUnread = q.unread === true ? sql`and m.read_at is null` : q.unread === false ? sql`and m.read_at is not null` : sql``;
  const annUnread = q.unread === true ? sql`and s.read_at is null` : q.unread === false ? sql`and s.read_at is not null` : sql``;
  const res = await db.execute<InboxItem & { created_at: Date }>(sql`
    select * from (
      (select 'msg' as kind, m.id, m.category, m.title, m.body, m.url, m.data, m.created_at, m.read_at, m.clicked_at
       from ms_messages m
       where m.app_id = ${r.appId} and m.user_id = ${r.userId} and m.status = 'sent' and m.deleted_at is null ${msgCat} ${msgUnread} ${msgAfter}
       order by m.created_at desc, m.id desc limit ${q.limit})
      union all
      (select 'ann' as kind, a.id, a.category, ${title(r)}, ${body(r)}, a.url, a.data, a.starts_at, s.read_at, s.clicked_at
       from ms_announcements a
       left join ms_announcement_states s on s.app_id = a.app_id and s.user_id = ${r.userId} and s.announcement_id = a.id
       where ${visibleAnnouncement(r)} and s.deleted_at is null ${annCat} ${annUnread} ${annAfter}
       order by a.starts_at desc, a.id desc limit ${q.limit})
    ) x order by created_at desc, kind desc, id desc limit ${q.limit}`);
  // Raw rows: bigint ids arrive as text unless the driver was told otherwise.
  return res.rows.map((row) => ({ ...row, id: Number(row.id), created_at: new Date(row.created_at), read_at: row.read_at ? new Date(row.read_at) : null, clicked_at: row.clicked_at ? new Date(row.clicked_at) : null }));
}

export async function unreadCounts(db: Db, r: Reader): Promise<Map<string, number>> {
  const res = await db.execute<{ category: string; n: number }>(sql`
    select category, sum(n)::int as n from (
      select m.category, count(*) as n from ms_messages m
      where m.app_id = ${r.appId} and m.user_id = ${r.userId} and m.status = 'sent' and m.deleted_at is null and m.read_at is null
      group by m.category
      union all
      select a.category, count(*) from ms_announcements a
      left join ms_announcement_states s on s.app_id = a.app_id and s.user_id = ${r.userId} and s.announcement_id = a.id
      where ${visibleAnnouncement(r)} and s.read_at is null and s.deleted_at is null
      group by a.category
    ) x group by category`);
  return new Map(res.rows.map((row) => [row.category, row.n]));
}

/** Sets read_at (and clicked_at) on the user's own visible message; returns it, or undefined. */
export async function touchMessage(db: Db, appId: string, userId: string, id: number, what: 'read' | 'click' | 'delete', now: Date): Promise<MessageRow | undefined> {
  const set: Record<string, unknown> =
    what === 'delete' ? { deletedAt: sql`coalesce(${messages.deletedAt}, ${now}::timestamptz)` } : { readAt: sql`coalesce(${messages.readAt}, ${now}::timestamptz)`, ...(what === 'click' ? { clickedAt: sql`coalesce(${messages.clickedAt}, ${now}::timestamptz)` } : {}) };
  const [row] = await db
    .update(messages)
    .set(set)
    .where(and(eq(messages.appId, appId), eq(messages.userId, userId), eq(messages.id, id), eq(messages.status, 'sent'), isNull(messages.deletedAt)))
    .returning();
  return row;
}

/** Whether the announcement is currently in this reader's inbox (visible and not deleted by them). */
export async function announcementVisible(db: Db, r: Reader, id: number): Promise<boolean> {
  const res = await db.execute(sql`select 1 from ms_announcements a
    left join ms_announcement_states s on s.app_id = a.app_id and s.user_id = ${r.userId} and s.announcement_id = a.id
    where ${visibleAnnouncement(r)} and a.id = ${id} and s.deleted_at is null`);
  return res.rows.length > 0;
}

export async function touchAnnouncement(db: Db, r: Reader, id: number, what: 'read' | 'click' | 'delete'): Promise<void> {
  const readAt = what === 'delete' ? null : r.now;
  await db
    .insert(announcementStates)
    .values({ appId: r.appId, announcementId: id, userId: r.userId, readAt, clickedAt: what === 'click' ? r.now : null, deletedAt: what === 'delete' ? r.now : null })
    .onConflictDoUpdate({
      target: [announcementStates.appId, announcementStates.userId, announcementStates.announcementId],
      set: {
        readAt: sql`coalesce(${announcementStates.readAt}, excluded.read_at)`,
        clickedAt: sql`coalesce(${announcementStates.clickedAt}, excluded.clicked_at)`,
        deletedAt: sql`coalesce(${announcementStates.deletedAt}, excluded.deleted_at)`,
      },
    });
}

/** Marks every unread visible item read (optionally one category); returns how many changed. */
export async function readAll(db: Db, r: Reader, category?: string): Promise<number> {
  const cat = category ? sql`and m.category = ${category}` : sql``;
  const m = await db.execute(sql`update ms_messages m set read_at = ${r.now}::timestamptz
    where m.app_id = ${r.appId} and m.user_id = ${r.userId} and m.status = 'sent' and m.deleted_at is null and m.read_at is null ${cat}`);
  const acat = category ? sql`and a.category = ${category}` : sql``;
  const a = await db.execute(sql`insert into ms_announcement_states (app_id, announcement_id, user_id, read_at)
    select a.app_id, a.id, ${r.userId}, ${r.now}::timestamptz from ms_announcements a
    left join ms_announcement_states s on s.app_id = a.app_id and s.user_id = ${r.userId} and s.announcement_id = a.id
    where ${visibleAnnouncement(r)} and s.read_at is null and s.deleted_at is null ${acat}
    on conflict (app_id, user_id, announcement_id) do update set read_at = coalesce(ms_announcement_states.read_at, excluded.read_at)`);
  return (m.rowCount ?? 0) + (a.rowCount ?? 0);
}

export async function findMessage(db: Db, appId: string, id: number): Promise<MessageRow | undefined> {
  const [row] = await db
    .select()
    .from(messages)
    .where(and(eq(messages.appId, appId), eq(messages.id, id)));
  return row;
}

export async function findMessagesByIds(db: Db, appId: string, ids: number[]): Promise<MessageRow[]> {
  if (ids.length === 0) return [];
  const res = await db.select().from(messages).where(and(eq(messages.appId, appId), sql`${messages.id} = any(${sql.param(ids)}::bigint[])`));
  return res;
}

/** Messages in an id range for some users: realtime fan-out resolves a batch for its own connections. */
export async function messagesInRange(db: Db, appId: string, fromId: number, toId: number, userIds: string[]): Promise<MessageRow[]> {
  return db
    .select()
    .from(messages)
    .where(and(eq(messages.appId, appId), sql`${messages.id} between ${fromId} and ${toId}`, sql`${messages.userId} = any(${sql.param(userIds)}::text[])`));
}

// ---- announcements ---------------------------------------------------------------------------------

export async function insertAnnouncement(db: Db, row: typeof announcements.$inferInsert): Promise<AnnouncementRow> {
  const [r] = await db.insert(announcements).values(row).returning();
  return r!;
}

/** Claims started announcements not yet pushed (one, or all due), each for exactly one caller. */
export async function claimAnnouncementPushes(db: Db, now: Date, id?: number): Promise<AnnouncementRow[]> {
  return db
    .update(announcements)
    .set({ pushedAt: now })
    .where(and(isNull(announcements.pushedAt), isNull(announcements.withdrawnAt), sql`${announcements.startsAt} <= ${now}::timestamptz`, id === undefined ? undefined : eq(announcements.id, id)))
    .returning();
}

export async function findAnnouncement(db: Db, appId: string, id: number): Promise<AnnouncementRow | undefined> {
  const [r] = await db
    .select()
    .from(announcements)
    .where(and(eq(announcements.appId, appId), eq(announcements.id, id)));
  return r;
}

export async function listAnnouncements(db: Db, appId: string, q: { limit: number; beforeId?: number | undefined; campaign?: string | undefined }): Promise<AnnouncementRow[]> {
  const conds: SQL[] = [eq(announcements.appId, appId)];
  if (q.beforeId !== undefined) conds.push(lt(announcements.id, q.beforeId));
  if (q.campaign !== undefined) conds.push(eq(announcements.campaign, q.campaign));
  return db
    .select()
    .from(announcements)
    .where(and(...conds))
    .orderBy(desc(announcements.id))
    .limit(q.limit);
}

export async function withdrawAnnouncement(db: Db, appId: string, id: number, now: Date): Promise<AnnouncementRow | undefined> {
  const [r] = await db
    .update(announcements)
    .set({ withdrawnAt: sql`coalesce(${announcements.withdrawnAt}, ${now}::timestamptz)` })
    .where(and(eq(announcements.appId, appId), eq(announcements.id, id)))
    .returning();
  return r;
}

export async function announcementStats(db: Db, appId: string, id: number): Promise<{ read: number; clicked: number; deleted: number }> {
  const res = await db.execute<{ read: number; clicked: number; deleted: number }>(sql`select count(read_at)::int as read, count(clicked_at)::int as clicked, count(deleted_at)::int as deleted
    from ms_announcement_states where app_id = ${appId} and announcement_id = ${id}`);
  return res.rows[0]!;
}

export async function deleteUserInbox(db: Db, appId: string, userId: string): Promise<void> {
  await db.execute(sql`delete from ms_deliveries where app_id = ${appId} and user_id = ${userId}`);
  await db.delete(messages).where(and(eq(messages.appId, appId), eq(messages.userId, userId)));
  await db.delete(announcementStates).where(and(eq(announcementStates.appId, appId), eq(announcementStates.userId, userId)));
}

/** A click from a tracked link (email): the message is read and clicked, whatever its inbox state. */
export async function markClicked(db: Db, appId: string, id: number, now: Date): Promise<void> {
  await db
    .update(messages)
    .set({ readAt: sql`coalesce(${messages.readAt}, ${now}::timestamptz)`, clickedAt: sql`coalesce(${messages.clickedAt}, ${now}::timestamptz)` })
    .where(and(eq(messages.appId, appId), eq(messages.id, id)));
}
