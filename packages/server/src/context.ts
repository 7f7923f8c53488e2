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
};
