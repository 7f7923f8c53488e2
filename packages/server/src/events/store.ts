// All SQL of the event log. Appends run on the caller's transaction; reads run in the consumer's.
import { sql } from 'drizzle-orm';
import type { Db } from '../db/index.ts';
import { preparedSql } from '../db/prepared.ts';

export type LogRow = {
  id: number;
  appId: string;
  kind: 'domain' | 'host';
  name: string;
  version: number;
  actorId: string | null;
  userIds: string[];
  key: string;
  payload: Record<string, unknown>;
  createdAt: Date;
  /** The appending transaction's id (text); empty where not read. */
  txid: string;
};

export type NewLogRow = Omit<LogRow, 'id' | 'createdAt' | 'txid'>;

/** The shard of an app and acting user, computed by PostgreSQL so every writer (ingestion's SQL too) agrees. */
export const SHARDS = 8;
export const shardSql = (app: string, actor: string) => `(abs(hashtext(${app} || chr(31) || coalesce(${actor}, ''))) % ${SHARDS})::smallint`;

type RawRow = { id: number; app_id: string; kind: 'domain' | 'host'; name: string; version: number; actor_id: string | null; user_ids: string[]; key: string; payload: Record<string, unknown>; created_at: Date | string; row_txid?: string };

const toRow = (r: RawRow): LogRow => ({
  id: Number(r.id),
  appId: r.app_id,
  kind: r.kind,
  name: r.name,
  version: Number(r.version),
  actorId: r.actor_id,
  userIds: r.user_ids,
  key: r.key,
  payload: r.payload,
  createdAt: r.created_at instanceof Date ? r.created_at : new Date(r.created_at),
  txid: r.row_txid ?? '',
});

const p = sql.placeholder;
/** One row: what nearly every write appends, hence a statement prepared once (db/prepared.ts). */
const appendOne = preparedSql<{ txid: string }>(
  'ev_append_one',
  sql`insert into ev_log (app_id, shard, kind, name, version, actor_id, user_ids, key, payload)
      select a, ${sql.raw(shardSql('a', 'ac'))}, ${p('kind')}, ${p('name')}, ${p('version')}, ac, ${p('userIds')}::text[], ${p('key')}, ${p('payload')}::jsonb
      from (select ${p('appId')}::text as a, ${p('actorId')}::text as ac) t returning txid::text as txid`,
);

/** Appends rows in the caller's transaction: one statement however many rows. Returns the transaction's id. */
export async function append(db: Db, rows: NewLogRow[]): Promise<string | null> {
  if (rows.length === 0) return null;
  if (rows.length === 1) {
    const r = rows[0]!;
    const one = await appendOne(db, { appId: r.appId, kind: r.kind, name: r.name, version: r.version, actorId: r.actorId, userIds: pgTextArray(r.userIds), key: r.key, payload: JSON.stringify(r.payload) });
    return one.rows[0]?.txid ?? null;
  }
  const col = <T>(f: (r: NewLogRow) => T) => rows.map(f);
  const many = await db.execute<{ txid: string }>(sql`insert into ev_log (app_id, shard, kind, name, version, actor_id, user_ids, key, payload)
    select a, ${sql.raw(shardSql('a', 'ac'))}, k, n, v, ac, case when u = '' then '{}'::text[] else string_to_array(u, chr(31)) end, ky, p::jsonb
    from unnest(${pgTextArray(col((r) => r.appId))}::text[], ${pgTextArray(col((r) => r.kind))}::text[],
                ${pgTextArray(col((r) => r.name))}::text[], ${pgIntArray(col((r) => r.version))}::smallint[], ${pgTextArray(col((r) => r.actorId))}::text[],
                ${pgTextArray(col((r) => r.userIds.join('\u001f')))}::text[], ${pgTextArray(col((r) => r.key))}::text[], ${pgTextArray(col((r) => JSON.stringify(r.payload)))}::text[])
      as t(a, k, n, v, ac, u, ky, p) returning txid::text as txid`);
  return many.rows[0]?.txid ?? null;
}

/** A PostgreSQL array literal of text (NULLs allowed). */
export function pgTextArray(values: (string | null)[]): string {
  return `{${values.map((v) => (v === null ? 'NULL' : `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`)).join(',')}}`;
}
const pgIntArray = (values: number[]) => `{${values.join(',')}}`;

/**
 * Makes sure each consumer has a checkpoint row per shard, starting at the log's current end (or
 * the start): one statement for all of them (a server starts with dozens of consumers). Rows go in
 * a fixed order, so servers starting together wait on each other instead of deadlocking.
 */
export async function ensureConsumers(db: Db, consumers: { name: string; from: 'start' | 'end' }[], shards: number): Promise<void> {
  if (consumers.length === 0) return;
  // Starting at the end: every row whose transaction is finished now counts as seen.
  await db.execute(sql`insert into ev_consumers (consumer, shard, txid, last_id)
    select c.name, s, case when c.from_end then pg_snapshot_xmin(pg_current_snapshot()) else '0'::xid8 end, 0
    from unnest(${pgTextArray(consumers.map((c) => c.name))}::text[], ${`{${consumers.map((c) => (c.from === 'end' ? 't' : 'f')).join(',')}}`}::boolean[]) as c(name, from_end),
      generate_series(0, ${shards - 1}) s
    order by c.name, s
    on conflict do nothing`);
}

export async function dropConsumer(db: Db, consumer: string): Promise<void> {
  await db.execute(sql`delete from ev_consumers where consumer = ${consumer}`);
}

export type Position = { txid: string; id: number };

/**
 * Takes one shard for this transaction: the checkpoints of the named consumers in it that no other
 * server holds (SKIP LOCKED: a checkpoint another server holds is left alone). Empty when the shard
 * is busy elsewhere.
 */
export async function leaseShard(db: Db, shard: number, names: string[]): Promise<{ consumer: string; from: Position }[]> {
  const cp = await db.execute<{ consumer: string; txid: string; last_id: number }>(sql`select consumer, txid::text as txid, last_id from ev_consumers
    where shard = ${shard} and consumer = any(${pgTextArray(names)}::text[]) for update skip locked`);
  return cp.rows.map((c) => ({ consumer: c.consumer, from: { txid: c.txid, id: Number(c.last_id) } }));
}

export const after = (a: Position, b: Position): boolean => {
  const x = BigInt(a.txid);
  const y = BigInt(b.txid);
  return x > y || (x === y && a.id > b.id);
};

/**
 * Reads one shard's next rows after `from` whose transactions have all finished (below the read
 * horizon). `next` is the checkpoint to store once they are handled: the last row read when the
 * batch is full, else the horizon (every finished transaction's rows up to it have been read).
 */
export async function readShard(db: Db, shard: number, from: Position, limit: number): Promise<{ rows: LogRow[]; next: Position }> {
  const res = await db.execute<Partial<RawRow> & { row_txid: string | null; horizon: string }>(sql`with h as (select pg_snapshot_xmin(pg_current_snapshot()) as x)
    select l.id, l.app_id, l.kind, l.name, l.version, l.actor_id, l.user_ids, l.key, l.payload, l.created_at, l.txid::text as row_txid, h.x::text as horizon
    from h left join lateral (
      select * from ev_log where shard = ${shard} and (txid, id) > (${from.txid}::xid8, ${from.id}::bigint) and txid < h.x
      order by txid, id limit ${limit}
    ) l on true`);
  const horizon = res.rows[0]!.horizon;
  const found = res.rows.filter((r) => r.id !== null && r.id !== undefined) as (RawRow & { row_txid: string })[];
  const last = found.length ? { txid: found[found.length - 1]!.row_txid, id: Number(found[found.length - 1]!.id) } : from;
  const next = found.length < limit && BigInt(horizon) > BigInt(last.txid) ? { txid: horizon, id: 0 } : last;
  return { rows: found.map(toRow), next };
}

/** Stores several consumers' checkpoints of one shard in one statement. */
export async function advanceMany(db: Db, shard: number, items: { consumer: string; next: Position; handled: number }[]): Promise<void> {
  if (items.length === 0) return;
  await db.execute(sql`update ev_consumers c set txid = v.txid::xid8, last_id = v.last_id, handled = c.handled + v.handled, updated_at = now()
    from unnest(${pgTextArray(items.map((i) => i.consumer))}::text[], ${pgTextArray(items.map((i) => i.next.txid))}::text[],
                ${pgIntArray(items.map((i) => i.next.id))}::bigint[], ${pgIntArray(items.map((i) => i.handled))}::bigint[]) as v(consumer, txid, last_id, handled)
    where c.consumer = v.consumer and c.shard = ${shard}`);
}

export async function recordFailure(db: Db, consumer: string, row: LogRow, error: string): Promise<void> {
  await db.execute(sql`insert into ev_failures (consumer, event_id, app_id, name, error) values (${consumer}, ${row.id}, ${row.appId}, ${row.name}, ${error.slice(0, 2000)})
    on conflict (consumer, event_id) do update set error = excluded.error, attempts = ev_failures.attempts + 1, created_at = now()`);
}

/** Shards where some of these consumers have rows waiting: one cheap query for all consumers of a server. */
export async function pendingShards(db: Db, names: string[]): Promise<number[]> {
  if (names.length === 0) return [];
  const r = await db.execute<{ shard: number }>(sql`select distinct c.shard from ev_consumers c
    where c.consumer = any(${pgTextArray(names)}::text[])
      and exists (select 1 from ev_log l where l.shard = c.shard and (l.txid, l.id) > (c.txid, c.last_id) and l.txid < pg_snapshot_xmin(pg_current_snapshot()))
    order by 1`);
  return r.rows.map((x) => Number(x.shard));
}

/** The newest position appended and committed so far. */
export async function head(db: Db): Promise<number> {
  const r = await db.execute<{ id: number | null }>(sql`select max(id) as id from ev_log`);
  return Number(r.rows[0]?.id ?? 0);
}

/**
 * (consumer, shard) pairs that still have rows at or below `upTo` to handle — visible rows only,
 * whatever the horizon: a row a consumer cannot read yet (an older transaction still runs) counts.
 */
export async function pendingUpTo(db: Db, names: string[], upTo: number): Promise<{ consumer: string; shard: number }[]> {
  if (names.length === 0) return [];
  const r = await db.execute<{ consumer: string; shard: number }>(sql`select c.consumer, c.shard from ev_consumers c
    where c.consumer = any(${pgTextArray(names)}::text[])
      and exists (select 1 from ev_log l where l.shard = c.shard and l.id <= ${upTo} and (l.txid, l.id) > (c.txid, c.last_id))`);
  return r.rows.map((x) => ({ consumer: x.consumer, shard: Number(x.shard) }));
}

/** How far behind each consumer is: rows after its checkpoint. */
export async function lag(db: Db): Promise<{ consumer: string; behind: number; handled: number; updatedAt: Date }[]> {
  const r = await db.execute<{ consumer: string; behind: number; handled: number; updated_at: Date }>(sql`select c.consumer, sum((select count(*) from ev_log l where l.shard = c.shard and (l.txid, l.id) > (c.txid, c.last_id)))::bigint as behind,
      sum(c.handled)::bigint as handled, max(c.updated_at) as updated_at
    from ev_consumers c group by c.consumer order by c.consumer`);
  return r.rows.map((x) => ({ consumer: x.consumer, behind: Number(x.behind), handled: Number(x.handled), updatedAt: new Date(x.updated_at) }));
}

/** Per consumer: one app's rows after its checkpoints. */
export async function appLag(db: Db, appId: string, names: string[]): Promise<{ consumer: string; behind: number; updatedAt: Date | null }[]> {
  if (names.length === 0) return [];
  const r = await db.execute<{ consumer: string; behind: number; updated_at: Date | null }>(sql`select c.consumer,
      sum((select count(*) from ev_log l where l.app_id = ${appId} and l.shard = c.shard and (l.txid, l.id) > (c.txid, c.last_id)))::bigint as behind,
      max(c.updated_at) as updated_at
    from ev_consumers c where c.consumer = any(${pgTextArray(names)}::text[]) group by c.consumer order by c.consumer`);
  return r.rows.map((x) => ({ consumer: x.consumer, behind: Number(x.behind), updatedAt: x.updated_at ? new Date(x.updated_at) : null }));
}

export async function listFailures(db: Db, appId: string, limit: number): Promise<{ consumer: string; eventId: number; name: string; error: string; attempts: number; createdAt: Date }[]> {
  const r = await db.execute<{ consumer: string; event_id: number; name: string; error: string; attempts: number; created_at: Date }>(
    sql`select consumer, event_id, name, error, attempts, created_at from ev_failures where app_id = ${appId} order by created_at desc limit ${limit}`,
  );
  return r.rows.map((x) => ({ consumer: x.consumer, eventId: Number(x.event_id), name: x.name, error: x.error, attempts: Number(x.attempts), createdAt: new Date(x.created_at) }));
}

export async function takeFailure(db: Db, appId: string, consumer: string, eventId: number): Promise<LogRow | null> {
  const r = await db.execute<RawRow>(sql`with f as (delete from ev_failures where app_id = ${appId} and consumer = ${consumer} and event_id = ${eventId} returning event_id)
    select l.*, l.txid::text as row_txid from ev_log l join f on f.event_id = l.id`);
  return r.rows[0] ? toRow(r.rows[0]) : null;
}

/** Rows of one app from a position (exclusive) or a time, oldest first: replay and the API listing. */
export async function readApp(db: Db, appId: string, q: { afterId?: number | undefined; since?: Date | undefined; names?: string[] | undefined; limit: number; desc?: boolean }): Promise<LogRow[]> {
  const r = await db.execute<RawRow>(sql`select *, txid::text as row_txid from ev_log where app_id = ${appId}
    ${q.afterId !== undefined ? (q.desc ? sql`and id < ${q.afterId}` : sql`and id > ${q.afterId}`) : sql``}
    ${q.since ? sql`and created_at >= ${q.since.toISOString()}::timestamptz` : sql``}
    ${q.names?.length ? sql`and name = any(${pgTextArray(q.names)}::text[])` : sql``}
    order by id ${q.desc ? sql`desc` : sql`asc`} limit ${q.limit}`);
  return r.rows.map(toRow);
}

/** Deletes rows older than `before` that every consumer has handled (in-process observers, which a killed process may leave behind, do not hold rows); returns how many. */
export async function prune(db: Db, before: Date, batch: number): Promise<number> {
  const r = await db.execute(sql`delete from ev_log where id in (
    select l.id from ev_log l where l.created_at < ${before.toISOString()}::timestamptz
      and not exists (select 1 from ev_consumers c where c.shard = l.shard and (l.txid, l.id) > (c.txid, c.last_id) and c.consumer not like 'observe:%')
    limit ${batch})`);
  return r.rowCount ?? 0;
}

/**
 * Deletes up to `limit` rows of a deleted app; returns how many. Its `app.deleted` rows stay: other
 * consumers (on other servers too) may not have read them yet. They go with the retention prune.
 */
export async function deleteAppRows(db: Db, appId: string, limit: number): Promise<number> {
  const r = await db.execute(sql`delete from ev_log where id in (select id from ev_log where app_id = ${appId} and name <> 'app.deleted' limit ${limit})`);
  return r.rowCount ?? 0;
}

export async function deleteAppRest(db: Db, appId: string): Promise<void> {
  await db.execute(sql`delete from ev_failures where app_id = ${appId}`);
  await db.execute(sql`delete from ev_interest where app_id = ${appId}`);
}

/**
 * Erasure: the user's own events go; events that merely list them lose their id. The
 * `user.deleted` row itself stays until the retention prune, like `app.deleted`, for the consumers
 * that have not read it yet.
 */
export async function eraseUser(db: Db, appId: string, userId: string): Promise<void> {
  await db.execute(sql`delete from ev_log where app_id = ${appId} and actor_id = ${userId} and name <> 'user.deleted'`);
  await db.execute(sql`update ev_log set user_ids = array_remove(user_ids, ${userId}) where app_id = ${appId} and ${userId} = any(user_ids) and name <> 'user.deleted'`);
}

/** Replaces what one owner's ref (a rule, an endpoint) listens to. */
export async function setInterest(db: Db, appId: string, owner: string, ref: string, patterns: string[]): Promise<void> {
  await db.execute(sql`delete from ev_interest where app_id = ${appId} and owner = ${owner} and ref = ${ref}`);
  if (patterns.length) await db.execute(sql`insert into ev_interest (app_id, owner, ref, pattern) select ${appId}, ${owner}, ${ref}, unnest(${pgTextArray([...new Set(patterns)])}::text[]) on conflict do nothing`);
}

/** Replaces everything one owner listens to across apps (a full resync at start). */
export async function resyncInterest(db: Db, owner: string, items: { appId: string; ref: string; patterns: string[] }[]): Promise<void> {
  // Serialised per owner: two servers resyncing at once must not interleave delete and insert.
  await db.execute(sql`select pg_advisory_xact_lock(hashtext('ev_interest:' || ${owner}))`);
  await db.execute(sql`delete from ev_interest where owner = ${owner}`);
  const flat = items.flatMap((i) => [...new Set(i.patterns)].map((p) => [i.appId, i.ref, p] as const));
  for (let i = 0; i < flat.length; i += 5000) {
    const part = flat.slice(i, i + 5000);
    await db.execute(sql`insert into ev_interest (app_id, owner, ref, pattern)
      select a, ${owner}, r, p from unnest(${pgTextArray(part.map((x) => x[0]))}::text[], ${pgTextArray(part.map((x) => x[1]))}::text[], ${pgTextArray(part.map((x) => x[2]))}::text[]) as t(a, r, p)
      on conflict do nothing`);
  }
}
