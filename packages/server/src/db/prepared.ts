// A query on a hot path, built once instead of on every call. Building a drizzle query (its
// selection, its SQL text) cost more CPU than the rest of a profile read together; a prepared one
// only fills in its placeholders, and runs as a named (server-side prepared) statement.
//
//   const byId = prepared('us_find_user', (db) => db.select().from(users).where(eq(users.userId, sql.placeholder('userId'))));
//   const rows = await byId(db, { userId });
//
// It is prepared once per Db handle: a transaction's handle gets its own (built at its first use).
import type { Db } from './index.ts';

type Preparable<R> = { prepare(name: string): { execute(params?: Record<string, unknown>): Promise<R> } };

export function prepared<R, P extends Record<string, unknown>>(name: string, build: (db: Db) => Preparable<R>): (db: Db, params: P) => Promise<R> {
  const byDb = new WeakMap<Db, { execute(params?: Record<string, unknown>): Promise<R> }>();
  return (db, params) => {
    let q = byDb.get(db);
    if (!q) byDb.set(db, (q = build(db).prepare(name)));
    return q.execute(params);
  };
}
