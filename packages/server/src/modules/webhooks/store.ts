// All SQL over wh_endpoints, wh_deliveries and wh_attempts.
import { and, asc, desc, eq, gt, lt, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/index.ts';
import { attempts, deliveries, endpoints } from './schema.ts';

export type EndpointRow = typeof endpoints.$inferSelect;
export type DeliveryRow = typeof deliveries.$inferSelect;
export type AttemptRow = typeof attempts.$inferSelect;

export async function insertEndpoint(db: Db, row: typeof endpoints.$inferInsert): Promise<EndpointRow> {
  const [r] = await db.insert(endpoints).values(row).returning();
  return r!;
}

export async function findEndpoint(db: Db, appId: string, id: string): Promise<EndpointRow | undefined> {
  const [r] = await db
    .select()
    .from(endpoints)
    .where(and(eq(endpoints.appId, appId), eq(endpoints.id, id)));
  return r;
}

export async function listEndpoints(db: Db, appId: string, q: { limit: number; afterId?: string | undefined; enabled?: boolean | undefined }): Promise<EndpointRow[]> {
  const conds: SQL[] = [eq(endpoints.appId, appId)];
  if (q.afterId !== undefined) conds.push(gt(endpoints.id, q.afterId));
  if (q.enabled !== undefined) conds.push(eq(endpoints.enabled, q.enabled));
  return db
    .select()
    .from(endpoints)
    .where(and(...conds))
    .orderBy(asc(endpoints.id))
    .limit(q.limit);
}

export async function updateEndpoint(db: Db, appId: string, id: string, patch: Partial<Pick<EndpointRow, 'url' | 'description' | 'eventTypes' | 'enabled' | 'secret' | 'previousSecret' | 'previousSecretUntil'>>): Promise<EndpointRow | undefined> {
  const [r] = await db
    .update(endpoints)
    .set({ ...patch, updatedAt: sql`now()` })
    .where(and(eq(endpoints.appId, appId), eq(endpoints.id, id)))
    .returning();
  return r;
}

export async function deleteEndpoint(db: Db, appId: string, id: string): Promise<boolean> {
  const r = await db
    .delete(endpoints)
    .where(and(eq(endpoints.appId, appId), eq(endpoints.id, id)))
    .returning({ id: endpoints.id });
  return r.length > 0;
}

/** Enabled endpoints of the app subscribed to one of `patterns` (or to everything). */
export async function subscribedEndpoints(db: Db, appId: string, patterns: string[]): Promise<string[]> {
  const rows = await db
    .select({ id: endpoints.id })
    .from(endpoints)
    .where(and(eq(endpoints.appId, appId), eq(endpoints.enabled, true), sql`(cardinality(${endpoints.eventTypes}) = 0 or ${endpoints.eventTypes} && ${sql.param(patterns)}::text[])`));
  return rows.map((r) => r.id);
}

/** Inserts deliveries; an (endpoint, event) pair already present is skipped. Returns the new ids. */
export async function insertDeliveries(db: Db, rows: (typeof deliveries.$inferInsert)[]): Promise<string[]> {
  if (rows.length === 0) return [];
  const r = await db.insert(deliveries).values(rows).onConflictDoNothing({ target: [deliveries.endpointId, deliveries.eventId] }).returning({ id: deliveries.id });
  return r.map((x) => x.id);
}

export type Claimed = DeliveryRow & { url: string; enabled: boolean; secret: string; previousSecret: string | null; previousSecretUntil: Date | null };

/**
 * Takes a due delivery for one attempt: counts the attempt and leases it, so that no other worker
 * sends it at the same time. A lease that ran out (its worker died) may be taken over.
 */
export async function claimDelivery(db: Db, id: string, now: Date, leaseUntil: Date): Promise<Claimed | undefined> {
  const res = await db.execute<Record<string, unknown>>(sql`
    update wh_deliveries d
       set status = 'sending', attempts = d.attempts + 1, lease_until = ${leaseUntil}
      from wh_endpoints e
     where d.id = ${id} and e.id = d.endpoint_id
       and ((d.status in ('pending', 'retrying') and d.next_attempt_at <= ${now}) or (d.status = 'sending' and d.lease_until < ${now}))
    returning d.id, d.app_id, d.endpoint_id, d.event_id, d.event_type, d.payload, d.status, d.attempts, d.max_attempts,
              d.next_attempt_at, d.lease_until, d.last_status_code, d.last_error, d.created_at, d.delivered_at,
              e.url, e.enabled, e.secret, e.previous_secret, e.previous_secret_until`);
  const r = res.rows[0];
  if (!r) return undefined;
  return {
    id: r.id as string,
    appId: r.app_id as string,
    endpointId: r.endpoint_id as string,
    eventId: r.event_id as string,
    eventType: r.event_type as string,
    payload: r.payload as Record<string, unknown>,
    status: 'sending',
    attempts: r.attempts as number,
    maxAttempts: r.max_attempts as number,
    nextAttemptAt: new Date(r.next_attempt_at as string),
    leaseUntil: leaseUntil,
    lastStatusCode: r.last_status_code as number | null,
    lastError: r.last_error as string | null,
    createdAt: new Date(r.created_at as string),
    deliveredAt: r.delivered_at ? new Date(r.delivered_at as string) : null,
    url: r.url as string,
    enabled: r.enabled as boolean,
    secret: r.secret as string,
    previousSecret: r.previous_secret as string | null,
    previousSecretUntil: r.previous_secret_until ? new Date(r.previous_secret_until as string) : null,
  };
}

export async function recordAttempt(
  db: Db,
  a: { deliveryId: string; attempt: number; statusCode: number | null; error: string | null; responseBody: string | null; durationMs: number; at: Date },
  next: { status: 'succeeded' | 'retrying' | 'failed'; nextAttemptAt: Date },
): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.insert(attempts).values({ deliveryId: a.deliveryId, attempt: a.attempt, statusCode: a.statusCode, error: a.error, responseBody: a.responseBody, durationMs: a.durationMs, createdAt: a.at });
    await tx
      .update(deliveries)
      .set({
        status: next.status,
        nextAttemptAt: next.nextAttemptAt,
        leaseUntil: null,
        lastStatusCode: a.statusCode,
        lastError: a.error,
        ...(next.status === 'succeeded' ? { deliveredAt: a.at } : {}),
      })
      .where(and(eq(deliveries.id, a.deliveryId), eq(deliveries.status, 'sending')));
  });
}

/** Deliveries that should be attempted now: due ones, and leases that ran out. */
export async function dueDeliveries(db: Db, now: Date, limit: number): Promise<string[]> {
  const rows = await db
    .select({ id: deliveries.id })
    .from(deliveries)
    .where(
      or(
        and(sql`${deliveries.status} in ('pending', 'retrying')`, sql`${deliveries.nextAttemptAt} <= ${now}`),
        and(eq(deliveries.status, 'sending'), lt(deliveries.leaseUntil, now)),
      ),
    )
    .orderBy(asc(deliveries.nextAttemptAt))
    .limit(limit);
  return rows.map((r) => r.id);
}

export async function findDelivery(db: Db, appId: string, id: string): Promise<DeliveryRow | undefined> {
  const [r] = await db
    .select()
    .from(deliveries)
    .where(and(eq(deliveries.appId, appId), eq(deliveries.id, id)));
  return r;
}

export async function listAttempts(db: Db, deliveryId: string): Promise<AttemptRow[]> {
  return db.select().from(attempts).where(eq(attempts.deliveryId, deliveryId)).orderBy(asc(attempts.id));
}

export type DeliveryQuery = { limit: number; before?: { t: string; id: string } | undefined; endpointId?: string | undefined; status?: DeliveryRow['status'] | undefined; eventType?: string | undefined; eventId?: string | undefined };

/** Newest first. */
export async function listDeliveries(db: Db, appId: string, q: DeliveryQuery): Promise<DeliveryRow[]> {
  const conds: SQL[] = [eq(deliveries.appId, appId)];
  if (q.endpointId !== undefined) conds.push(eq(deliveries.endpointId, q.endpointId));
  if (q.status !== undefined) conds.push(eq(deliveries.status, q.status));
  if (q.eventType !== undefined) conds.push(eq(deliveries.eventType, q.eventType));
  if (q.eventId !== undefined) conds.push(eq(deliveries.eventId, q.eventId));
  if (q.before) conds.push(sql`(${deliveries.createdAt}, ${deliveries.id}) < (${q.before.t}::timestamptz, ${q.before.id})`);
  return db
    .select()
    .from(deliveries)
    .where(and(...conds))
    .orderBy(desc(deliveries.createdAt), desc(deliveries.id))
    .limit(q.limit);
}

/** Puts a finished or waiting delivery back in line for a fresh series of attempts. */
export async function resetDelivery(db: Db, appId: string, id: string, now: Date, maxAttempts: number): Promise<DeliveryRow | undefined> {
  const [r] = await db
    .update(deliveries)
    .set({ status: 'pending', attempts: 0, maxAttempts, nextAttemptAt: now, leaseUntil: null })
    .where(and(eq(deliveries.appId, appId), eq(deliveries.id, id), sql`${deliveries.status} <> 'sending'`))
    .returning();
  return r;
}
