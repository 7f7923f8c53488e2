// What every part of the service shares: its dependencies and a few helpers.
import type { Ctx } from '../../../context.ts';
import type { Db } from '../../../db/index.ts';
import type { EventBus } from '../../../events.ts';
import type { Clock } from '../../../lib/clock.ts';
import type { Audit } from '../../audit/index.ts';
import type pg from 'pg';

export type InteractionsDeps = {
  /** Used by background work (discovery refresh, user erasure) that runs outside any request. */
  db: Db;
  /** The pool behind `db`: the batched like statement runs on it as a named prepared statement. */
  pool?: pg.Pool | undefined;
  audit: Audit;
  bus: EventBus;
  clock: Clock;
  log: { error(obj: object, msg: string): void; warn(obj: object, msg: string): void };
  /** Counter shards per subject/user (default 16): more shards, less contention, more rows to sum. */
  counterSlots?: number;
  /** Delay between an interaction and the refresh of hot scores and rankings (default 500 ms). */
  refreshDelayMs?: number;
};

export type Shared = InteractionsDeps & {
  slot(): number;
  now(): Date;
  /** Audited actors: operator and secret-key changes (not end users acting for themselves). */
  audited(ctx: Ctx): boolean;
};

export function shared(deps: InteractionsDeps): Shared {
  const slots = deps.counterSlots ?? 16;
  return {
    ...deps,
    slot: () => Math.floor(Math.random() * slots),
    now: () => deps.clock.now(),
    audited: (ctx) => ctx.actor.type === 'operator' || ctx.actor.type === 'secret_key',
  };
}
