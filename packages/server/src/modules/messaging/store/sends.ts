// SQL of sends (campaigns), the messages they create, and the deliveries on channels other than the
// inbox. Batches are written with one INSERT … SELECT FROM unnest(…) per table.
import { and, asc, desc, eq, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../../db/index.ts';
import { deliveries, sends } from '../schema.ts';

export type SendRow = typeof sends.$inferSelect;
export type DeliveryRow = typeof deliveries.$inferSelect;

/** Inserts the send; with a dedupe key, a repeat returns the first send and created = false. */
export async function insertSend(db: Db, row: typeof sends.$inferInsert): Promise<{ send: SendRow; created: boolean }> {
  const [ins] = await db.insert(sends).values(row).onConflictDoNothing().returning();
  if (ins) return { send: ins, created: true };
  const [found] = await db
    .select()
    .from(sends)
    .where(and(eq(sends.appId, row.appId), eq(sends.dedupeKey, row.dedupeKey!)));
  return { send: found!, created: false };
}

export async function findSend(db: Db, appId: string, id: string): Promise<SendRow | undefined> {
  const [r] = await db
    .select()
    .from(sends)
    .where(and(eq(sends.appId, appId), eq(sends.id, id)));
  return r;
}

export async function listSends(db: Db, appId: string, q: { limit: number; before?: { t: string; id: string } | undefined; status?: string | undefined; campaign?: string | undefined }): Promise<SendRow[]> {
  const conds: SQL[] = [eq(sends.appId, appId)];
  if (q.status) conds.push(eq(sends.status, q.status));
  if (q.campaign) conds.push(eq(sends.campaign, q.campaign));
  if (q.before) conds.push(sql`(${sends.createdAt}, ${sends.id}) < (${q.before.t}::timestamptz, ${q.before.id})`);
  return db
    .select()
    .from(sends)
    .where(and(...conds))
    .orderBy(desc(sends.createdAt), desc(sends.id))
    .limit(q.limit);
}

/**
 * Claims a send for running: a queued send, a scheduled one that is due, or a running one whose
 * runner stopped renewing its lease (a crashed server). One caller wins; the others get undefined.
 */
export async function claimSend(db: Db, appId: string, id: string, now: Date, leaseMs: number): Promise<SendRow | undefined> {
  const [r] = await db
    .update(sends)
    .set({ status: 'running', startedAt: sql`coalesce(${sends.startedAt}, ${now}::timestamptz)`, leaseUntil: new Date(now.getTime() + leaseMs) })
    .where(
      and(
        eq(sends.appId, appId),
        eq(sends.id, id),
        sql`(${sends.status} = 'queued' or (${sends.status} = 'scheduled' and ${sends.scheduledAt} <= ${now}::timestamptz) or (${sends.status} = 'running' and ${sends.leaseUntil} < ${now}::timestamptz))`,
      ),
    )
    .returning();
  return r;
}

/** Sends that should be running and are not: due scheduled ones and abandoned running ones. */
export async function dueSends(db: Db, now: Date, limit: number): Promise<{ appId: string; id: string }[]> {
  return db
    .select({ appId: sends.appId, id: sends.id })
    .from(sends)
    .where(sql`(${sends.status} = 'scheduled' and ${sends.scheduledAt} <= ${now}::timestamptz) or (${sends.status} = 'running' and ${sends.leaseUntil} < ${now}::timestamptz) or (${sends.status} = 'queued' and ${sends.createdAt} < ${new Date(now.getTime() - 60_000)}::timestamptz)`)
    .orderBy(asc(sends.createdAt))
    .limit(limit);
}

/**
 * Records a processed batch: counters, the resume cursor, a renewed lease. Fenced on the cursor
 * the batch started from: false means another runner moved the send on (the caller rolls back).
 */
export async function progressSend(db: Db, appId: string, id: string, p: { prevCursor: string | null; cursor: string | null; targeted: number; sent: number; capped: number; deferred: number; suppressed: number; heldOut: number; leaseUntil: Date }): Promise<boolean> {
  const r = await db
    .update(sends)
    .set({
      cursor: p.cursor,
      targeted: sql`${sends.targeted} + ${p.targeted}`,
      sent: sql`${sends.sent} + ${p.sent}`,
      capped: sql`${sends.capped} + ${p.capped}`,
      deferred: sql`${sends.deferred} + ${p.deferred}`,
      suppressed: sql`${sends.suppressed} + ${p.suppressed}`,
      heldOut: sql`${sends.heldOut} + ${p.heldOut}`,
      leaseUntil: p.leaseUntil,
    })
    .where(and(eq(sends.appId, appId), eq(sends.id, id), sql`${sends.cursor} is not distinct from ${p.prevCursor}::text`))
    .returning({ id: sends.id });
  return r.length > 0;
}

export async function finishSend(db: Db, appId: string, id: string, status: 'done' | 'failed' | 'canceled', now: Date, error?: string): Promise<SendRow | undefined> {
  const [r] = await db
    .update(sends)
    .set({ status, finishedAt: now, leaseUntil: null, error: error ?? null })
    .where(and(eq(sends.appId, appId), eq(sends.id, id)))
    .returning();
  return r;
}

export async function cancelSend(db: Db, appId: string, id: string, now: Date): Promise<SendRow | undefined> {
  const [r] = await db
    .update(sends)
    .set({ status: 'canceled', finishedAt: now })
    .where(and(eq(sends.appId, appId), eq(sends.id, id), eq(sends.status, 'scheduled')))
    .returning();
  return r;
}

// ---- messages and deliveries of a batch ---------------------------------------------------------------

export type NewMessage = { userId: string; title: string; body: string; url: string | null; status: string };

/** Inserts a batch of messages (one per user); returns user id → message id when asked to. */
export async function insertMessages(db: Db, m: { appId: string; sendId: string | null; category: string; data: Record<string, unknown> | null; createdAt: Date; returnIds: boolean }, rows: NewMessage[]): Promise<Map<string, number>> {
  if (rows.length === 0) return new Map();
  const res = await db.execute<{ id: number; user_id: string }>(sql`
    insert into ms_messages (app_id, user_id, send_id, category, title, body, url, data, status, created_at)
    select ${m.appId}, t.u, ${m.sendId}, ${m.category}, t.ti, t.bo, t.ur, ${m.data === null ? null : JSON.stringify(m.data)}::jsonb, t.st, ${m.createdAt}::timestamptz
    from unnest(${sql.param(rows.map((r) => r.userId))}::text[], ${sql.param(rows.map((r) => r.title))}::text[], ${sql.param(rows.map((r) => r.body))}::text[], ${sql.param(rows.map((r) => r.url))}::text[], ${sql.param(rows.map((r) => r.status))}::text[]) as t(u, ti, bo, ur, st)
    ${m.returnIds ? sql`returning id, user_id` : sql``}`);
  return new Map(res.rows.map((r) => [r.user_id, Number(r.id)]));
}

export type NewDelivery = { messageId: number; userId: string; channel: string; status: string; deliverAfter: Date };

export async function insertDeliveries(db: Db, m: { appId: string; sendId: string | null; createdAt: Date }, rows: NewDelivery[]): Promise<{ id: number; status: string; channel: string; deliver_after: Date }[]> {
  if (rows.length === 0) return [];
  const res = await db.execute<{ id: number; status: string; channel: string; deliver_after: Date }>(sql`
    insert into ms_deliveries (app_id, message_id, user_id, send_id, channel, status, deliver_after, created_at)
    select ${m.appId}, t.m, t.u, ${m.sendId}, t.c, t.s, t.d, ${m.createdAt}::timestamptz
    from unnest(${sql.param(rows.map((r) => r.messageId))}::bigint[], ${sql.param(rows.map((r) => r.userId))}::text[], ${sql.param(rows.map((r) => r.channel))}::text[], ${sql.param(rows.map((r) => r.status))}::text[], ${sql.param(rows.map((r) => r.deliverAfter.toISOString()))}::timestamptz[]) as t(m, u, c, s, d)
    returning id, status, channel, deliver_after`);
  return res.rows;
}

/**
 * Claims due deliveries (queued or deferred and due, or sending with an expired lease) with
 * SKIP LOCKED, so several dispatchers on several servers never take the same one.
 */
export async function claimDeliveries(db: Db, now: Date, limit: number, leaseMs: number, channels: string[]): Promise<DeliveryRow[]> {
  const res = await db.execute<Record<string, unknown>>(sql`
    update ms_deliveries d set status = 'sending', attempts = d.attempts + 1, lease_until = ${new Date(now.getTime() + leaseMs)}::timestamptz
    where d.id in (
      select id from ms_deliveries
      where ((status in ('queued', 'deferred') and deliver_after <= ${now}::timestamptz) or (status = 'sending' and lease_until < ${now}::timestamptz))
        and channel = any(${sql.param(channels)}::text[])
      order by deliver_after
      limit ${limit}
      for update skip locked)
    returning d.*`);
  return res.rows.map(deliveryFromRaw);
}

function deliveryFromRaw(r: Record<string, unknown>): DeliveryRow {
  return {
    id: Number(r.id),
    appId: r.app_id as string,
    messageId: Number(r.message_id),
    userId: r.user_id as string,
    sendId: (r.send_id as string | null) ?? null,
    channel: r.channel as string,
    status: r.status as string,
    deliverAfter: r.deliver_after as Date,
    leaseUntil: (r.lease_until as Date | null) ?? null,
    attempts: Number(r.attempts),
    lastError: (r.last_error as string | null) ?? null,
    sentAt: (r.sent_at as Date | null) ?? null,
    deliveredAt: (r.delivered_at as Date | null) ?? null,
    createdAt: r.created_at as Date,
  };
}

/**
 * Completes an attempt, only if this attempt still holds the delivery (status sending with the
 * attempt number it claimed): a late duplicate can never overwrite a newer outcome.
 */
export async function completeDelivery(db: Db, id: number, attempt: number, outcome: { status: 'sent' | 'delivered' | 'queued' | 'failed' | 'suppressed'; error?: string | null; retryAt?: Date; now: Date }): Promise<boolean> {
  const [r] = await db
    .update(deliveries)
    .set({
      status: outcome.status,
      lastError: outcome.error ?? null,
      leaseUntil: null,
      ...(outcome.status === 'sent' || outcome.status === 'delivered' ? { sentAt: outcome.now } : {}),
      ...(outcome.status === 'delivered' ? { deliveredAt: outcome.now } : {}),
      ...(outcome.retryAt ? { deliverAfter: outcome.retryAt } : {}),
    })
    .where(and(eq(deliveries.id, id), eq(deliveries.status, 'sending'), eq(deliveries.attempts, attempt)))
    .returning({ id: deliveries.id });
  return !!r;
}

/** The host (or client) acknowledges receipt: sent → delivered, once. */
export async function markDelivered(db: Db, appId: string, id: number, now: Date): Promise<{ row: DeliveryRow | undefined; changed: boolean }> {
  const [r] = await db
    .update(deliveries)
    .set({ status: 'delivered', deliveredAt: now })
    .where(and(eq(deliveries.appId, appId), eq(deliveries.id, id), sql`${deliveries.status} in ('sent', 'sending')`))
    .returning();
  if (r) return { row: r, changed: true };
  const [found] = await db
    .select()
    .from(deliveries)
    .where(and(eq(deliveries.appId, appId), eq(deliveries.id, id)));
  return { row: found, changed: false };
}

export async function findDelivery(db: Db, appId: string, id: number): Promise<DeliveryRow | undefined> {
  const [r] = await db
    .select()
    .from(deliveries)
    .where(and(eq(deliveries.appId, appId), eq(deliveries.id, id)));
  return r;
}

export async function deliveriesOfMessage(db: Db, appId: string, messageId: number): Promise<DeliveryRow[]> {
  return db
    .select()
    .from(deliveries)
    .where(and(eq(deliveries.appId, appId), eq(deliveries.messageId, messageId)))
    .orderBy(asc(deliveries.id));
}

export type SendStats = {
  messages: { status: string; n: number; read: number; clicked: number }[];
  deliveries: { channel: string; status: string; n: number }[];
};

/** Statistics of sends selected by id or by campaign label. */
export async function sendStats(db: Db, appId: string, by: { sendId: string } | { campaign: string }): Promise<SendStats> {
  const which = 'sendId' in by ? sql`send_id = ${by.sendId}` : sql`send_id in (select id from ms_sends where app_id = ${appId} and campaign = ${by.campaign})`;
  const m = await db.execute<{ status: string; n: number; read: number; clicked: number }>(sql`
    select status, count(*)::int as n, count(read_at)::int as read, count(clicked_at)::int as clicked from ms_messages where app_id = ${appId} and ${which} group by status`);
  const d = await db.execute<{ channel: string; status: string; n: number }>(sql`
    select channel, status, count(*)::int as n from ms_deliveries where app_id = ${appId} and ${which} group by channel, status`);
  return { messages: m.rows, deliveries: d.rows };
}

/** Marks claimed deliveries sent in one statement (realtime: handed to the hub). */
export async function markSentMany(db: Db, ids: number[], now: Date): Promise<void> {
  if (ids.length === 0) return;
  await db.execute(sql`update ms_deliveries set status = 'sent', sent_at = ${now}::timestamptz, lease_until = null where id = any(${sql.param(ids)}::bigint[]) and status = 'sending'`);
}
