// SQL over ev_events. Ingestion is the hottest path in Canyu, so it uses the pg pool directly with
// a named (server-side prepared) statement and one unnest() per column instead of a VALUES list.
import { and, desc, eq, lt, type SQL } from 'drizzle-orm';
import type pg from 'pg';
import type { Db } from '../../db/index.ts';
import { events } from './schema.ts';

export type EventRow = typeof events.$inferSelect;
export type Queryable = Pick<pg.Pool, 'query'>;

export type NewEvent = { appId: string; eventId: string; userId: string; name: string; propertiesJson: string; ts: string };

const INSERT = `insert into ev_events (app_id, event_id, user_id, name, properties, ts)
select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::jsonb[], $6::timestamptz[])
on conflict (app_id, event_id) do nothing
returning app_id, event_id`;

/** Inserts a batch; returns the (app_id, event_id) pairs that were new (the rest were duplicates). */
export async function insertBatch(pool: Queryable, rows: NewEvent[]): Promise<{ app_id: string; event_id: string }[]> {
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
  const res = await pool.query<{ app_id: string; event_id: string }>({ name: 'ev_insert_batch', text: INSERT, values: [appIds, eventIds, userIds, names, props, tss] });
  return res.rows;
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
  const r = await db
    .delete(events)
    .where(and(eq(events.appId, appId), eq(events.userId, userId)))
    .returning({ seq: events.seq });
  return r.length;
}
