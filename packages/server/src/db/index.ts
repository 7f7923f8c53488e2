// The ONLY place that starts the embedded PostgreSQL or opens a connection pool.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fs from 'node:fs';
import pg from 'pg';
import { drizzle, type NodePgDatabase, type NodePgQueryResultHKT } from 'drizzle-orm/node-postgres';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import type { PgDatabase } from 'drizzle-orm/pg-core';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded.ts';

/** A database handle or an open transaction: services accept either, so callers decide atomicity. */
export type Db = PgDatabase<NodePgQueryResultHKT, Record<string, never>>;

export type Database = {
  db: NodePgDatabase<Record<string, never>>;
  pool: pg.Pool;
  url: string;
  embedded: EmbeddedPostgres | null;
  close(): Promise<void>;
};

export type OpenDbOptions = {
  databaseUrl?: string | undefined;
  dataDir: string;
  embeddedPort?: number | undefined;
  poolSize?: number;
  log?: (msg: string) => void;
  onStep?: (step: string, done: number, total: number) => void;
  /**
   * Called once with the pool (and its drizzle handle) as soon as the database's address is known,
   * before the embedded PostgreSQL is started or the connection checked: what only needs the pool
   * object (building the app) can be done meanwhile. Nothing may query it before openDb resolves.
   * It is the pool openDb returns; if openDb fails, it is ended.
   */
  onPool?: (handle: DatabaseHandle) => void;
};

/** What needs only the pool, not a started database: the app is built with it. */
export type DatabaseHandle = Pick<Database, 'db' | 'pool' | 'url'>;

export const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

// Timestamps come back as Date (default); bigint (int8) as JS number when it fits: counters and
// sequences in Canyu stay far below 2^53.
pg.types.setTypeParser(20, (v: string) => {
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : v;
});

// drizzle asks node-postgres for timestamps as PostgreSQL's text ('0001-01-01 00:00:00+00') and
// turns it into a Date with `new Date(text)`, whose legacy (non-ISO) parsing reads years 0-99 as
// 1900-1999: year 0001 was stored right and read back as 2001. So each connection hands drizzle
// ISO 8601 text instead, converted by node-postgres's own PostgreSQL date parser.
const TIMESTAMPTZ = pg.types.builtins.TIMESTAMPTZ;
const TIMESTAMP = pg.types.builtins.TIMESTAMP;
const parseTimestamptz = pg.types.getTypeParser(TIMESTAMPTZ) as (v: string) => Date;
type TypeParsers = { getTypeParser: (id: number, format?: string) => unknown };

function isoTimestamp(v: string, withZone: boolean): string {
  const d = parseTimestamptz(withZone ? v : `${v}+00`);
  if (Number.isNaN(d.getTime())) return v;
  // drizzle appends '+0000' to a timestamp without time zone.
  return withZone ? d.toISOString() : d.toISOString().slice(0, -1);
}

/** Makes every connection of the pool return timestamps to drizzle as ISO 8601 text. */
export function exactTimestamps(pool: pg.Pool): void {
  pool.on('connect', (client) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as unknown as { query: (...args: unknown[]) => unknown }).query = (config: unknown, ...rest: unknown[]) => {
      const types = (config as { types?: TypeParsers } | null)?.types;
      if (types && typeof config === 'object') {
        const getTypeParser = (id: number, format?: string) =>
          id === TIMESTAMPTZ ? (v: string) => isoTimestamp(v, true) : id === TIMESTAMP ? (v: string) => isoTimestamp(v, false) : types.getTypeParser(id, format);
        return query({ ...config, types: { getTypeParser } }, ...rest);
      }
      return query(config, ...rest);
    };
  });
}

/**
 * Whether a query failed because its connection was lost or refused (PostgreSQL restarting,
 * failing over, ending the connection, or unreachable), as opposed to the statement itself.
 */
export function isConnectionLoss(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  // SQLSTATE class 08 (connection exception); 57P01–57P03: shut down by an administrator, after a
  // crash, or not accepting connections yet.
  if (/^08/.test(code) || code === '57P01' || code === '57P02' || code === '57P03') return true;
  if (['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH'].includes(code)) return true;
  return typeof e?.message === 'string' && /^Connection terminated/.test(e.message);
}

/** The connections of each pool made by createPool that are open, and who waits for none to be. */
const connections = new WeakMap<pg.Pool, { open: number; closed: (() => void)[] }>();

/**
 * Every pool Canyu opens: exact timestamps, and an idle client that loses its connection (a
 * PostgreSQL restart, a dropped test database) is logged and replaced instead of crashing the process.
 */
export function createPool(url: string, opts: { max: number; idleTimeoutMillis?: number; log?: ((line: string) => void) | undefined; options?: string }): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max: opts.max, idleTimeoutMillis: opts.idleTimeoutMillis ?? 30_000, ...(opts.options ? { options: opts.options } : {}) });
  exactTimestamps(pool);
  pool.on('error', (err) => opts.log?.(`postgres pool error: ${err.message}`));
  // pg leaves a client checked out of the pool (a transaction between two statements, a LISTEN
  // connection) without an 'error' listener: a connection PostgreSQL ended meanwhile (a restart, a
  // failover, pg_terminate_backend) raised an unhandled 'error' event and killed the server. The
  // statement in flight still fails with the error, and the pool drops the client when it comes back.
  const lost = (err: Error) => opts.log?.(`postgres connection lost: ${err.message}`);
  pool.on('acquire', (client) => client.on('error', lost));
  pool.on('release', (_err, client) => client.removeListener('error', lost));
  const c = { open: 0, closed: [] as (() => void)[] };
  connections.set(pool, c);
  pool.on('connect', () => c.open++);
  pool.on('remove', () => {
    if (--c.open <= 0) for (const resolve of c.closed.splice(0)) resolve();
  });
  return pool;
}

/**
 * Ends a pool and waits until its connections are closed. pg's pool.end() resolves once it has
 * asked its idle clients to end, before their connections close: a PostgreSQL stopped right after
 * (the embedded one, at shutdown) still found them open, and each logged "postgres pool error:
 * terminating connection due to administrator command". Safe to call more than once.
 */
export async function endPool(pool: pg.Pool, waitMs = 5_000): Promise<void> {
  if (!pool.ending) await pool.end().catch(() => {});
  const c = connections.get(pool);
  if (!c || c.open <= 0) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, waitMs);
    c.closed.push(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

export async function openDb(opts: OpenDbOptions): Promise<Database> {
  let embedded: EmbeddedPostgres | null = null;
  let handle: DatabaseHandle | null = null;
  const open = (url: string): DatabaseHandle => {
    const pool = createPool(url, { max: opts.poolSize ?? 10, log: opts.log });
    handle = { pool, db: drizzle({ client: pool }), url };
    opts.onPool?.(handle);
    return handle;
  };
  try {
    if (opts.databaseUrl) open(opts.databaseUrl);
    else embedded = await startEmbeddedPostgres({ dataDir: opts.dataDir, port: opts.embeddedPort, log: opts.log, onStep: opts.onStep, onAddress: open });
  } catch (err) {
    const early = (handle as DatabaseHandle | null)?.pool;
    if (early) await endPool(early);
    throw err;
  }
  const { pool, db, url } = handle ?? open(embedded!.url);
  try {
    const c = await pool.connect();
    c.release();
  } catch (err) {
    await endPool(pool);
    await embedded?.stop();
    throw new Error(`Cannot connect to PostgreSQL (${redact(url)}): ${(err as Error).message}`);
  }
  let closed = false;
  return {
    db,
    pool,
    url,
    embedded,
    async close() {
      if (closed) return;
      closed = true;
      await endPool(pool);
      await embedded?.stop();
    },
  };
}

export function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}

export function pendingMigrationCount(applied: number): number {
  const journal = JSON.parse(fs.readFileSync(path.join(MIGRATIONS_DIR, 'meta', '_journal.json'), 'utf8')) as { entries: unknown[] };
  return Math.max(0, journal.entries.length - applied);
}

/**
 * Applies committed migrations. Several Canyu servers may start at once against one database,
 * so the whole run holds a session advisory lock; latecomers wait and then find nothing to do.
 */
export async function migrate(pool: pg.Pool, onProgress?: (done: number, total: number) => void): Promise<{ applied: number }> {
  const client = await pool.connect();
  try {
    await client.query(`select pg_advisory_lock(hashtext('canyu.migrate'))`);
    const before = await appliedCount(client);
    const total = pendingMigrationCount(0);
    onProgress?.(before, total);
    await applyMigrations(client);
    const after = await appliedCount(client);
    onProgress?.(after, total);
    return { applied: after - before };
  } finally {
    await client.query(`select pg_advisory_unlock(hashtext('canyu.migrate'))`).catch(() => {});
    client.release();
  }
}

/**
 * drizzle-orm's migrator, in fewer round trips: the same files, hashes and bookkeeping table
 * (canyu_migrations.__drizzle_migrations), the same rule (every migration newer than the last one
 * recorded) and one transaction for all, but each migration goes as one multi-statement query, not
 * one query per statement (~500 on a new database). On a first start the app is built meanwhile
 * (main.ts), and a statement's answer no longer waits for the event loop before the next is sent.
 */
async function applyMigrations(client: pg.PoolClient): Promise<void> {
  const migrations = readMigrationFiles({ migrationsFolder: MIGRATIONS_DIR });
  await client.query('create schema if not exists canyu_migrations');
  await client.query('create table if not exists canyu_migrations.__drizzle_migrations (id serial primary key, hash text not null, created_at bigint)');
  const { rows } = await client.query<{ created_at: string | number | null }>('select created_at from canyu_migrations.__drizzle_migrations order by created_at desc limit 1');
  const last = rows[0] ? Number(rows[0].created_at) : null;
  const pending = migrations.filter((m) => last === null || last < m.folderMillis);
  if (pending.length === 0) return;
  await client.query('begin');
  try {
    for (const m of pending) {
      // The hash is hex and folderMillis a number: safe to inline, which a multi-statement query needs.
      if (!/^[0-9a-f]+$/.test(m.hash) || !Number.isSafeInteger(m.folderMillis)) throw new Error(`unexpected migration bookkeeping: ${m.hash} ${m.folderMillis}`);
      await client.query(`${m.sql.join('\n;\n')}\n;\ninsert into canyu_migrations.__drizzle_migrations (hash, created_at) values ('${m.hash}', ${m.folderMillis})`);
    }
    await client.query('commit');
  } catch (err) {
    await client.query('rollback').catch(() => {});
    throw err;
  }
}

async function appliedCount(client: pg.PoolClient): Promise<number> {
  const { rows } = await client.query<{ t: string | null }>(`select to_regclass('canyu_migrations.__drizzle_migrations')::text as t`);
  if (!rows[0]?.t) return 0;
  const res = await client.query<{ n: number }>('select count(*)::int as n from canyu_migrations.__drizzle_migrations');
  return res.rows[0]?.n ?? 0;
}
