// SQL over ev_events. Ingestion is the hottest path in Canyu, so it uses the pg pool directly with
// a named (server-side prepared) statement and one unnest() per column instead of a VALUES list.
import { and, desc, eq, gte, inArray, lt, sql, type SQL } from 'drizzle-orm';
import type pg from 'pg';
import type { Db } from '../../db/index.ts';
import { shardSql } from '../../events/index.ts';
import { events } from './schema.ts';

export type EventRow = typeof events.$inferSelect;
export type Queryable = Pick<pg.Pool, 'query'>;

export type NewEvent = { appId: string; eventId: string; userId: string; name: string; propertiesJson: string; ts: string };

/** The half-hour slot (UTC, on :00 and :30) of a timestamptz expression: the roll-up's unit. */
export const SLOT = (ts: string) => `date_bin('30 minutes', ${ts}, timestamptz '2000-01-01 00:00:00+00')`;

// New events whose name a rule, task, badge, messaging rule or webhook listens to (ev_interest:
// exact name, 'prefix.*' or '*') are copied into the durable event log in the same statement, so
// consumers see exactly the events that were stored, and a crash between the two cannot happen.
const INSERT = `with ins as (
  insert into ev_events (app_id, event_id, user_id, name, properties, ts)
  select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::jsonb[], $6::timestamptz[])
  on conflict (app_id, event_id) do nothing
  returning app_id, event_id, user_id, name, properties, ts
), logged as (
  insert into ev_log (app_id, shard, kind, name, version, actor_id, user_ids, key, payload)
  select i.app_id, ${shardSql('i.app_id', 'i.user_id')}, 'host', i.name, 1, i.user_id, array[i.user_id], i.event_id,
         jsonb_build_object('appId', i.app_id, 'eventId', i.event_id, 'userId', i.user_id, 'name', i.name, 'properties', i.properties, 'timestamp', i.ts)
  from ins i
  where exists (select 1 from ev_interest x where x.app_id = i.app_id
                  and (x.pattern = i.name or x.pattern = '*' or (right(x.pattern, 2) = '.*' and starts_with(i.name, left(x.pattern, -1)))))
  returning 1
), rolled as (
  insert into ev_slots as s (app_id, slot, user_id, name, n)
  select app_id, ${SLOT('ts')}, user_id, name, count(*)::int from ins
  group by 1, 2, 3, 4 order by 1, 2, 3, 4
  on conflict (app_id, slot, user_id, name) do update set n = s.n + excluded.n
  returning 1
), active as (
  insert into ev_user_slots (app_id, user_id, slot)
  select distinct app_id, user_id, ${SLOT('ts')} from ins order by 1, 2, 3
  on conflict do nothing
  returning app_id, user_id, slot
), firsts as (
  insert into ev_user_firsts as f (app_id, user_id, slot)
  select app_id, user_id, min(slot) from active group by 1, 2 order by 1, 2
  on conflict (app_id, user_id) do update set slot = excluded.slot where excluded.slot < f.slot
  returning 1
), late as (
  insert into ev_slot_changes as c (app_id, slot)
  select distinct app_id, ${SLOT('ts')} from ins where ts < ${SLOT('now()')} order by 1, 2
  on conflict (app_id, slot) do update set txid = pg_current_xact_id()
  returning 1
)
select app_id, event_id, (select count(*) from logged)::int as logged, pg_current_xact_id()::text as txid from ins`;

/**
 * Inserts a batch; returns the (app_id, event_id) pairs that were new (the rest were duplicates),
 * and the transaction id when some of them went to the event log.
 */
export async function insertBatch(pool: Queryable, rows: NewEvent[]): Promise<{ app_id: string; event_id: string; logged: number; txid: string }[]> {
  const n = rows.length;
  const appIds = new Array<string>(n);
  const eventIds = new Array<string>(n);
  const userIds = new Array<string>(n);
  const names = new Array<string>(n);
  const props = new Array<string>(n);
  const tss = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    const r = rows[i]!;
    appIds[i] = r.appId;
    eventIds[i] = r.eventId;
    userIds[i] = r.userId;
    names[i] = r.name;
    props[i] = r.propertiesJson;
    tss[i] = r.ts;
  }
  const res = await pool.query<{ app_id: string; event_id: string; logged: number; txid: string }>({ name: 'ev_insert_batch', text: INSERT, values: [appIds, eventIds, userIds, names, props, tss] });
  return res.rows;
}

/** The events of these users with these names since a time (segments' rolling windows): name and properties only. */
export async function eventsOfUsers(db: Db, appId: string, userIds: string[], names: string[], since: Date): Promise<{ userId: string; name: string; properties: Record<string, unknown>; ts: Date }[]> {
  if (userIds.length === 0 || names.length === 0) return [];
  return db
    .select({ userId: events.userId, name: events.name, properties: events.properties, ts: events.ts })
    .from(events)
    .where(and(eq(events.appId, appId), inArray(events.userId, userIds), inArray(events.name, names), gte(events.ts, since)));
}

export async function listEvents(db: Db, appId: string, q: { limit: number; beforeSeq?: number | undefined; userId?: string | undefined; name?: string | undefined }): Promise<EventRow[]> {
  const conds: SQL[] = [eq(events.appId, appId)];
  if (q.userId !== undefined) conds.push(eq(events.userId, q.userId));
  if (q.name !== undefined) conds.push(eq(events.name, q.name));
  if (q.beforeSeq !== undefined) conds.push(lt(events.seq, q.beforeSeq));
  return db
    .select()
    .from(events)
    .where(and(...conds))
    .orderBy(desc(events.seq))
    .limit(q.limit);
}

export async function deleteUserEvents(db: Db, appId: string, userId: string): Promise<number> {
  // The roll-up goes with the events, and every slot it leaves is marked changed (cached figures).
  await db.execute(sql`delete from ev_user_slots where app_id = ${appId} and user_id = ${userId}`);
  await db.execute(sql`delete from ev_user_firsts where app_id = ${appId} and user_id = ${userId}`);
  await db.execute(sql`with gone as (delete from ev_slots where app_id = ${appId} and user_id = ${userId} returning slot)
    insert into ev_slot_changes as c (app_id, slot) select distinct ${appId}, slot from gone order by 2
    on conflict (app_id, slot) do update set txid = pg_current_xact_id()`);
  const r = await db
    .delete(events)
    .where(and(eq(events.appId, appId), eq(events.userId, userId)))
    .returning({ seq: events.seq });
  return r.length;
}

/** The host event names an app has sent, most used first (the catalogue's host part). */
export async function hostNames(db: Db, appId: string, limit: number): Promise<{ name: string; count: number; lastSeen: Date }[]> {
  const r = await db.execute<{ name: string; n: number; last: Date }>(sql`select name, count(*)::bigint as n, max(ts) as last from ev_events where app_id = ${appId} group by name order by n desc, name limit ${limit}`);
  return r.rows.map((x) => ({ name: x.name, count: Number(x.n), lastSeen: new Date(x.last) }));
}

/** Deletes up to `limit` of a deleted app's events; returns how many (fewer than `limit`: none are left). */
export async function deleteAppEvents(db: Db, appId: string, limit: number): Promise<number> {
  const r = await db.execute(sql`delete from ev_events where app_id = ${appId} and event_id in (select event_id from ev_events where app_id = ${appId} limit ${limit})`);
  return r.rowCount ?? 0;
}

/** Deletes up to `limit` of a deleted app's roll-up rows; returns how many. */
export async function deleteAppSlots(db: Db, appId: string, limit: number): Promise<number> {
  const r = await db.execute(sql`delete from ev_slots where (app_id, slot, user_id, name) in (select app_id, slot, user_id, name from ev_slots where app_id = ${appId} limit ${limit})`);
  const u = await db.execute(sql`delete from ev_user_slots where (app_id, user_id, slot) in (select app_id, user_id, slot from ev_user_slots where app_id = ${appId} limit ${limit})`);
  const f = await db.execute(sql`delete from ev_user_firsts where (app_id, user_id) in (select app_id, user_id from ev_user_firsts where app_id = ${appId} limit ${limit})`);
  await db.execute(sql`delete from ev_slot_changes where app_id = ${appId}`);
  return Math.max(r.rowCount ?? 0, u.rowCount ?? 0, f.rowCount ?? 0);
}

/**
 * Rebuilds an app's roll-up from its events (after events were written around ingestion, as the
 * demo generator does). Run it when no events of the app are being ingested.
 */
export async function rebuildSlots(db: Db, appId: string): Promise<void> {
  await db.execute(sql`delete from ev_slots where app_id = ${appId}`);
  await db.execute(sql`delete from ev_user_slots where app_id = ${appId}`);
  await db.execute(sql`insert into ev_user_slots (app_id, user_id, slot)
    select distinct app_id, user_id, ${sql.raw(SLOT('ts'))} from ev_events where app_id = ${appId}`);
  await db.execute(sql`delete from ev_user_firsts where app_id = ${appId}`);
  await db.execute(sql`insert into ev_user_firsts (app_id, user_id, slot)
    select app_id, user_id, min(slot) from ev_user_slots where app_id = ${appId} group by 1, 2`);
  await db.execute(sql`insert into ev_slots (app_id, slot, user_id, name, n)
    select app_id, ${sql.raw(SLOT('ts'))}, user_id, name, count(*)::int from ev_events where app_id = ${appId} group by 1, 2, 3, 4`);
  await db.execute(sql`insert into ev_slot_changes as c (app_id, slot) values (${appId}, timestamptz '2000-01-01 00:00:00+00')
    on conflict (app_id, slot) do update set txid = pg_current_xact_id()`);
}
