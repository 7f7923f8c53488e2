// Queries on hot paths, built once instead of on every call. Building a drizzle query (its
// selection, its SQL text) cost more CPU than the rest of a profile read together; a prepared one
// only fills in its placeholders, and runs as a named (server-side prepared) statement, so that
// PostgreSQL parses it once per connection instead of on every call.
//
//   const byId = prepared('us_find_user', (db) => db.select().from(users).where(eq(users.userId, sql.placeholder('userId'))));
//   const rows = await byId(db, { userId });
//
//   const credit = preparedSql<RawRow>('pt_credit', sql`insert … values (${sql.placeholder('appId')}, …) returning *`);
//   const { rows } = await credit(db, { appId, … });   // the result db.execute would give
//
// A query is prepared once per Db handle: a transaction's handle gets its own (at its first use;
// for raw SQL that is only a small object, the text having been built once at load).
import { type SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import type { QueryResult, QueryResultRow } from 'pg';
import type { Db } from './index.ts';

type Executable<R> = { execute(params?: Record<string, unknown>): Promise<R> };
type Preparable<R> = { prepare(name: string): Executable<R> };

export function prepared<R, P extends Record<string, unknown>>(name: string, build: (db: Db) => Preparable<R>): (db: Db, params: P) => Promise<R> {
  const byDb = new WeakMap<Db, Executable<R>>();
  return (db, params) => {
    let q = byDb.get(db);
    if (!q) byDb.set(db, (q = build(db).prepare(name)));
    return q.execute(params);
  };
}

const dialect = new PgDialect();

/**
 * A raw statement (what `db.execute(sql\`…\`)` runs) whose values are `sql.placeholder(…)`s: its
 * text is built once, here, and it runs as a named statement. Answers what `db.execute` answers
 * (the driver's result; timestamps as strings, as for every raw statement).
 */
export function preparedSql<R extends QueryResultRow, P extends Record<string, unknown> = Record<string, unknown>>(name: string, statement: SQL): (db: Db, params: P) => Promise<QueryResult<R>> {
  const query = dialect.sqlToQuery(statement);
  const byDb = new WeakMap<Db, Executable<QueryResult<R>>>();
  return (db, params) => {
    let q = byDb.get(db);
    if (!q) byDb.set(db, (q = db._.session.prepareQuery(query, undefined, name, false) as unknown as Executable<QueryResult<R>>));
    return q.execute(params);
  };
}
