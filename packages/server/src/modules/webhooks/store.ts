// All SQL over wh_endpoints, wh_deliveries and wh_attempts.
import { and, asc, desc, eq, gt, inArray, isNull, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/index.ts';
import { attempts, deliveries, endpoints } from './schema.ts';

export type EndpointRow = typeof endpoints.$inferSelect;
export type DeliveryRow = typeof deliveries.$inferSelect;
export type AttemptRow = typeof attempts.$inferSelect;

export async function insertEndpoint(db: Db, row: typeof endpoints.$inferInsert): Promise<EndpointRow> {
  const [r] = await db.insert(endpoints).values(row).returning();
  return r!;
}

const live = isNull(endpoints.deletedAt);

export async function findEndpoint(db: Db, appId: string, id: string): Promise<EndpointRow | undefined> {
  const [r] = await db
    .select()
    .from(endpoints)
    .where(and(eq(endpoints.appId, appId), eq(endpoints.id, id), live));
  return r;
}

export async function listEndpoints(db: Db, appId: string, q: { limit: number; afterId?: string | undefined; enabled?: boolean | undefined }): Promise<EndpointRow[]> {
  const conds: SQL[] = [eq(endpoints.appId, appId), live];
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
    .where(and(eq(endpoints.appId, appId), eq(endpoints.id, id), live))
    .returning();
  return r;
}

/** Endpoints holding a secret (or previous secret) not sealed under the current master key (`currentPrefix`). */
export async function unsealedSecrets(db: Db, currentPrefix: string): Promise<{ id: string; secret: string; previousSecret: string | null }[]> {
  const stale = (c: typeof endpoints.secret | typeof endpoints.previousSecret) => sql`(${c} <> '' and left(${c}, ${currentPrefix.length}) <> ${currentPrefix})`;
  return db
    .select({ id: endpoints.id, secret: endpoints.secret, previousSecret: endpoints.previousSecret })
    .from(endpoints)
    .where(sql`${stale(endpoints.secret)} or ${stale(endpoints.previousSecret)}`);
}

/** Compare-and-set of an endpoint's stored secrets; false when something changed them since they were read. */
export async function replaceSecrets(db: Db, was: { id: string; secret: string; previousSecret: string | null }, next: { secret: string; previousSecret: string | null }): Promise<boolean> {
  const r = await db
    .update(endpoints)
    .set(next)
    .where(and(eq(endpoints.id, was.id), eq(endpoints.secret, was.secret), was.previousSecret === null ? isNull(endpoints.previousSecret) : eq(endpoints.previousSecret, was.previousSecret)))
    .returning({ id: endpoints.id });
  return r.length > 0;
}

/**
 * Soft-deletes the endpoint: it keeps its delivery log, loses its secrets and is never called
 * again; its deliveries still waiting are dropped (marked failed, "endpoint deleted").
 */
export async function deleteEndpoint(db: Db, appId: string, id: string, now: Date): Promise<boolean> {
  const r = await db
    .update(endpoints)
    .set({ deletedAt: now, enabled: false, secret: '', previousSecret: null, previousSecretUntil: null, circuitOpenUntil: null, updatedAt: now })
    .where(and(eq(endpoints.appId, appId), eq(endpoints.id, id), live))
    .returning({ id: endpoints.id });
  if (r.length === 0) return false;
  await db
    .update(deliveries)
    .set({ status: 'failed', lastError: 'endpoint deleted', leaseUntil: null })
    .where(and(eq(deliveries.endpointId, id), sql`${deliveries.status} in ('pending', 'retrying')`));
  return true;
}

/** Enabled endpoints of these apps: what they subscribe to, since when, and when their circuit lets deliveries through. */
export async function enabledEndpointsOf(db: Db, appIds: string[]): Promise<{ id: string; appId: string; eventTypes: string[]; createdAt: Date; circuitOpenUntil: Date | null }[]> {
  if (appIds.length === 0) return [];
  return db
    .select({ id: endpoints.id, appId: endpoints.appId, eventTypes: endpoints.eventTypes, createdAt: endpoints.createdAt, circuitOpenUntil: endpoints.circuitOpenUntil })
    .from(endpoints)
    .where(and(inArray(endpoints.appId, appIds), eq(endpoints.enabled, true), live));
}

export const WAKE_CHANNEL = 'canyu_webhooks';

/**
 * Inserts deliveries; an (endpoint, event) pair already present is skipped. Returns the new ids.
 * Wakes every server's delivery worker when the caller's transaction commits (NOTIFY is
 * transactional), so a delivery enqueued on one server is picked up at once by any.
 */
export async function insertDeliveries(db: Db, rows: (typeof deliveries.$inferInsert)[]): Promise<string[]> {
  if (rows.length === 0) return [];
  const r = await db.insert(deliveries).values(rows).onConflictDoNothing({ target: [deliveries.endpointId, deliveries.eventId] }).returning({ id: deliveries.id });
  if (r.length > 0) await db.execute(sql`select pg_notify(${WAKE_CHANNEL}, '')`);
  return r.map((x) => x.id);
}

/**
 * Replay: each (endpoint, event) delivery is created, or put back to pending with fresh attempts
 * (one being sent right now is left to finish). Returns the ids to dispatch.
 */
export async function redeliver(db: Db, rows: (typeof deliveries.$inferInsert)[]): Promise<string[]> {
  if (rows.length === 0) return [];
  const r = await db
    .insert(deliveries)
    .values(rows)
    .onConflictDoUpdate({
      target: [deliveries.endpointId, deliveries.eventId],
      set: { status: 'pending', attempts: 0, nextAttemptAt: sql`excluded.next_attempt_at`, leaseUntil: null, lastError: null, lastStatusCode: null, deliveredAt: null },
      setWhere: sql`${deliveries.status} <> 'sending'`,
    })
    .returning({ id: deliveries.id });
  if (r.length > 0) await db.execute(sql`select pg_notify(${WAKE_CHANNEL}, '')`);
  return r.map((x) => x.id);
}

export type Claimed = DeliveryRow & { url: string; enabled: boolean; secret: string; previousSecret: string | null; previousSecretUntil: Date | null };

const CLAIM_RETURNING = sql.raw(`d.id, d.app_id, d.endpoint_id, d.event_id, d.event_type, d.payload, d.status, d.attempts, d.max_attempts,
  d.next_attempt_at, d.lease_until, d.last_status_code, d.last_error, d.created_at, d.delivered_at,
  e.url, e.enabled, e.secret, e.previous_secret, e.previous_secret_until`);

const date = (v: unknown) => (v === null || v === undefined ? null : v instanceof Date ? v : new Date(v as string));

function claimedOf(r: Record<string, unknown>): Claimed {
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
    nextAttemptAt: date(r.next_attempt_at)!,
    leaseUntil: date(r.lease_until),
    lastStatusCode: r.last_status_code as number | null,
    lastError: r.last_error as string | null,
    createdAt: date(r.created_at)!,
    deliveredAt: date(r.delivered_at),
    url: r.url as string,
    enabled: r.enabled as boolean,
    secret: r.secret as string,
    previousSecret: r.previous_secret as string | null,
    previousSecretUntil: date(r.previous_secret_until),
  };
}

/**
 * Takes one due delivery for an attempt: counts the attempt and leases it (next_attempt_at = the
 * lease's end), so no other worker sends it meanwhile; a lease that ran out (its worker died) may
 * be taken over. `force` ignores an open circuit (the endpoint's test button).
 */
export async function claimDelivery(db: Db, id: string, now: Date, leaseUntil: Date, force = false): Promise<Claimed | undefined> {
  const res = await db.execute<Record<string, unknown>>(sql`
    update wh_deliveries d
       set status = 'sending', attempts = d.attempts + 1, lease_until = ${leaseUntil}, next_attempt_at = ${leaseUntil}
      from wh_endpoints e
     where d.id = ${id} and e.id = d.endpoint_id and e.deleted_at is null
       and d.status in ('pending', 'retrying', 'sending') and d.next_attempt_at <= ${now}
       and (${force} or e.circuit_open_until is null or e.circuit_open_until <= ${now})
    returning ${CLAIM_RETURNING}`);
  const r = res.rows[0];
  return r ? claimedOf(r) : undefined;
}

/**
 * Half-open endpoints with due work: takes the right to probe each (the circuit stays closed to
 * everyone else until `probeUntil`), so that across all servers one attempt tests the endpoint.
 */
export async function takeProbes(db: Db, now: Date, probeUntil: Date): Promise<string[]> {
  const res = await db.execute<{ id: string }>(sql`
    update wh_endpoints e set circuit_open_until = ${probeUntil}
     where e.circuit_open_until <= ${now} and e.deleted_at is null
       and exists (select 1 from wh_deliveries d where d.endpoint_id = e.id and d.status in ('pending', 'retrying', 'sending') and d.next_attempt_at <= ${now})
    returning e.id`);
  return res.rows.map((r) => r.id);
}

export type ClaimQuery = {
  now: Date;
  leaseUntil: Date;
  limit: number;
  /** Most attempts in flight per endpoint (on this worker). */
  perEndpoint: number;
  /** Attempts this worker already has in flight, per endpoint. */
  busy: Map<string, number>;
  /** Half-open endpoints this worker may send one probe to. */
  probes: string[];
};

/**
 * Claims up to `limit` due deliveries in one statement (FOR UPDATE SKIP LOCKED: concurrent
 * workers on any server never take the same one), oldest first, at most `perEndpoint` in flight
 * per endpoint, nothing for an endpoint whose circuit is open and one probe for a half-open one.
 */
export async function claimDue(db: Db, q: ClaimQuery): Promise<Claimed[]> {
  const busyIds = [...q.busy.keys()];
  const busyN = busyIds.map((id) => q.busy.get(id)!);
  const full = busyIds.filter((id) => q.busy.get(id)! >= q.perEndpoint);
  const res = await db.execute<Record<string, unknown>>(sql`
    with cand as (
      select d.id, d.endpoint_id, d.next_attempt_at
        from wh_deliveries d
       where d.status in ('pending', 'retrying', 'sending') and d.next_attempt_at <= ${q.now}
         and d.endpoint_id <> all(${sql.param(full)}::text[])
         and exists (select 1 from wh_endpoints e where e.id = d.endpoint_id and e.deleted_at is null
                       and (e.circuit_open_until is null or e.id = any(${sql.param(q.probes)}::text[])))
       order by d.next_attempt_at
       limit ${q.limit * 4}
       for update of d skip locked
    ), ranked as (
      select c.id, c.next_attempt_at,
             row_number() over (partition by c.endpoint_id order by c.next_attempt_at) as rn,
             case when c.endpoint_id = any(${sql.param(q.probes)}::text[]) then 1 else ${q.perEndpoint}::int - coalesce(b.n, 0) end as room
        from cand c
        left join unnest(${sql.param(busyIds)}::text[], ${sql.param(busyN)}::int[]) as b(id, n) on b.id = c.endpoint_id
    ), pick as (
      select id from ranked where rn <= room order by next_attempt_at limit ${q.limit}
    )
    update wh_deliveries d
       set status = 'sending', attempts = d.attempts + 1, lease_until = ${q.leaseUntil}, next_attempt_at = ${q.leaseUntil}
      from pick, wh_endpoints e
     where d.id = pick.id and e.id = d.endpoint_id
    returning ${CLAIM_RETURNING}`);
  return res.rows.map(claimedOf);
}

export type Outcome = {
  deliveryId: string;
  endpointId: string;
  attempt: number;
  statusCode: number | null;
  error: string | null;
  responseBody: string | null;
  durationMs: number;
  at: Date;
  status: 'succeeded' | 'retrying' | 'failed';
  nextAttemptAt: Date;
};

export type EndpointChange = { id: string; reset: boolean; add: number };

/**
 * Records a batch of attempts in one transaction: the attempt log, each delivery's new state
 * (only if its lease is still this attempt's), and each endpoint's failure streak and circuit.
 * When a circuit opens, the endpoint's waiting deliveries move past the cool-down, so that
 * claims never wade through a dead endpoint's backlog.
 */
export async function recordOutcomes(db: Db, outcomes: Outcome[], changes: EndpointChange[], circuit: { threshold: number; baseSeconds: number; maxSeconds: number; now: Date }): Promise<void> {
  if (outcomes.length === 0) return;
  const rows = JSON.stringify(
    outcomes.map((o) => ({ delivery_id: o.deliveryId, attempt: o.attempt, status_code: o.statusCode, error: o.error, response_body: o.responseBody, duration_ms: o.durationMs, at: o.at.toISOString(), status: o.status, next_at: o.nextAttemptAt.toISOString() })),
  );
  await db.transaction(async (tx) => {
    await tx.execute(sql`
      insert into wh_attempts (delivery_id, attempt, status_code, error, response_body, duration_ms, created_at)
      select x.delivery_id, x.attempt, x.status_code, x.error, x.response_body, x.duration_ms, x.at
        from jsonb_to_recordset(${rows}::jsonb) as x(delivery_id text, attempt int, status_code int, error text, response_body text, duration_ms int, at timestamptz)
       where exists (select 1 from wh_deliveries d where d.id = x.delivery_id)`);
    await tx.execute(sql`
      update wh_deliveries d
         set status = x.status, next_attempt_at = x.next_at, lease_until = null, last_status_code = x.status_code, last_error = x.error,
             delivered_at = case when x.status = 'succeeded' then x.at else d.delivered_at end
        from jsonb_to_recordset(${rows}::jsonb) as x(delivery_id text, attempt int, status_code int, error text, at timestamptz, status text, next_at timestamptz)
       where d.id = x.delivery_id and d.status = 'sending' and d.attempts = x.attempt`);
    if (changes.length === 0) return;
    const opened = await tx.execute<{ id: string; circuit_open_until: Date | string }>(sql`
      with x as (select * from jsonb_to_recordset(${JSON.stringify(changes)}::jsonb) as x(id text, reset boolean, add int)),
      s as (
        select e.id, (case when x.reset then 0 else e.failure_streak end) + x.add as streak
          from wh_endpoints e join x on x.id = e.id
      )
      update wh_endpoints e
         set failure_streak = s.streak,
             circuit_open_until = case when s.streak >= ${circuit.threshold}::int
               then ${circuit.now}::timestamptz + make_interval(secs => least(${circuit.maxSeconds}::float8, ${circuit.baseSeconds}::float8 * power(2, least(20, s.streak - ${circuit.threshold}::int))))
               else null end
        from s
       where e.id = s.id
      returning e.id, e.circuit_open_until`);
    const open = opened.rows.filter((r) => r.circuit_open_until !== null);
    for (const r of open) {
      await tx.execute(sql`
        update wh_deliveries set next_attempt_at = greatest(next_attempt_at, ${date(r.circuit_open_until)})
         where endpoint_id = ${r.id} and status in ('pending', 'retrying')`);
    }
  });
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

/** Everything of a deleted app (attempts go with their deliveries). */
export async function eraseApp(db: Db, appId: string): Promise<void> {
  await db.delete(deliveries).where(eq(deliveries.appId, appId));
  await db.delete(endpoints).where(eq(endpoints.appId, appId));
}

/**
 * An erased user's finished deliveries (their payloads name the user) go from the delivery log.
 * Deliveries still on their way stay: the host is owed them, `user.deleted` among them.
 */
export async function eraseUser(db: Db, appId: string, userId: string): Promise<void> {
  await db.execute(sql`delete from wh_deliveries where app_id = ${appId} and status in ('succeeded', 'failed') and strpos(payload::text, ${JSON.stringify(userId)}) > 0`);
}
