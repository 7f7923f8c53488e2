// Transactions that several modules compose. A use case that must be atomic with its caller's
// work takes the caller's transaction through `ctx`; domain events it wants to publish must wait
// until the OUTERMOST transaction commits, or a rollback would leave subscribers reacting to
// something that never happened. `afterCommit` on a ctx marks "ctx.db is a transaction the caller
// owns; queue your post-commit work here".
import { drizzle } from 'drizzle-orm/node-postgres';
import type pg from 'pg';
import type { Ctx } from '../context.ts';

/** Work to run once the transaction commits; a promise it returns is awaited before the next. */
export type AfterCommit = (fn: () => unknown) => void;
export type TxCtx = Ctx & { afterCommit?: AfterCommit };

/**
 * Runs `fn` in a transaction: the caller's, if `ctx` already carries one, else a new one whose
 * queued post-commit callbacks run in order once it commits (and are dropped if it rolls back).
 * This is the one post-commit mechanism: the webhooks outbox and the event log's consumers use it.
 */
export async function inTransaction<T>(ctx: TxCtx, fn: (tx: TxCtx & { afterCommit: AfterCommit }) => Promise<T>): Promise<T> {
  if (ctx.afterCommit) return fn(ctx as TxCtx & { afterCommit: AfterCommit });
  const queue: (() => unknown)[] = [];
  const result = await ctx.db.transaction((db) => fn({ ...ctx, db, afterCommit: (f) => void queue.push(f) }));
  for (const f of queue) await f();
  return result;
}

/** Runs `fn` now, or after the caller's transaction commits when there is one. */
export function afterCommit(ctx: TxCtx, fn: () => unknown): void {
  if (ctx.afterCommit) ctx.afterCommit(fn);
  else fn();
}

/** PostgreSQL error code of a failed query (drizzle wraps the driver's error in `cause`). */
export function pgCode(err: unknown): string | undefined {
  for (let e: unknown = err, i = 0; e && i < 4; e = (e as { cause?: unknown }).cause, i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

/** The constraint a failed query violated, if any. */
export function pgConstraint(err: unknown): string | undefined {
  for (let e: unknown = err, i = 0; e && i < 4; e = (e as { cause?: unknown }).cause, i++) {
    const c = (e as { constraint?: unknown }).constraint;
    if (typeof c === 'string') return c;
  }
  return undefined;
}

/**
 * Runs `fn` in a transaction on one client of a pg pool, for hot paths that use named prepared
 * statements on the raw client and still need other writes (the event log) in the same commit.
 * `fn` gets the client and a drizzle handle over it.
 */
export async function inClientTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient, db: Ctx['db']) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    const out = await fn(client, drizzle({ client }) as unknown as Ctx['db']);
    await client.query('commit');
    client.release();
    return out;
  } catch (err) {
    await client.query('rollback').catch(() => undefined);
    client.release(err instanceof Error ? err : true);
    throw err;
  }
}

/**
 * Runs `fn` again when PostgreSQL aborted it whole as a deadlock victim (40P01) or a
 * serialization failure (40001): nothing of it happened, and the other side has gone on. Waits a
 * few random milliseconds between tries so that the same two do not meet again at once; under
 * heavy contention a transaction can lose several times in a row, so it tries up to 8 times.
 */
export async function retryOnDeadlock<T>(fn: () => Promise<T>, attempts = 8): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      const code = pgCode(err);
      if ((code !== '40P01' && code !== '40001') || i >= attempts) throw err;
      await new Promise((r) => setTimeout(r, Math.random() * 5 * i));
    }
  }
}
