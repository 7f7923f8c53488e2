import type { Db } from './db/index.ts';

/** Who is acting: recorded in the audit log and used for authorisation in services. */
export type Actor =
  | { type: 'operator'; id: string }
  | { type: 'secret_key'; id: string }
  | { type: 'user'; id: string }
  | { type: 'system'; id: string | null }
  | { type: 'cli'; id: string | null };

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
