import type { Db } from './db/index.ts';

/** Who is acting: recorded in the audit log and used for authorisation in services. */
export type Actor =
  | { type: 'operator'; id: string }
  | { type: 'secret_key'; id: string }
  | { type: 'user'; id: string }
  | { type: 'system'; id: string | null }
  | { type: 'cli'; id: string | null };

/**
 * The app's sensitive-word filter over texts end users wrote (interactions' settings, passed in by
 * app.ts): returns what to store (masked when the app masks), or throws
 * `interactions.sensitive_content` naming the field when the app rejects.
 */
export type TextScreen = (ctx: Ctx, appId: string, items: { text: string; field: string }[]) => Promise<string[]>;

/** Passed to every use case. `db` may be a transaction, so a caller can make several calls atomic. */
export type Ctx = {
  db: Db;
  actor: Actor;
  requestId?: string | undefined;
  ip?: string | undefined;
  /**
   * Per HTTP request: marked when the audit log records the change (or finds it was a replay), so
   * the HTTP layer can tell a mutation that should have left an entry and did not (http/audit.ts).
   * Copies of the context (`{ ...ctx, db: tx }`) share it.
   */
  trail?: AuditTrail | undefined;
};

export type AuditTrail = { recorded: number; replayed: boolean };

/**
 * Writes an audit entry in `ctx.db`'s transaction: what the shared layers (the HTTP audit check,
 * the event log's routes) need of the audit module, which implements it.
 */
export type AuditWriter = {
  record(ctx: Ctx, rec: { appId: string | null; action: string; targetType: string; targetId: string | null; before?: unknown; after?: unknown }): Promise<void>;
};
