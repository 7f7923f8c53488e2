// What every part of the service shares: its dependencies and a few helpers.
import type { Ctx } from '../../../context.ts';
import type { Db } from '../../../db/index.ts';
import type { EventBus } from '../../../events.ts';
import type { Clock } from '../../../lib/clock.ts';
import type { Audit } from '../../audit/index.ts';
import type pg from 'pg';
import type { TxCtx } from '../../../lib/tx.ts';
import type { CountsPublisher } from './feed.ts';

/** The points ledger coins are paid from (the points module's use cases, in the caller's transaction). */
export type CoinLedger = {
  getType(ctx: Ctx, appId: string, key: string, field?: string): Promise<unknown>;
  spend(ctx: TxCtx, appId: string, input: { userId: string; type: string; amount: number; key: string; reason?: string | null; source?: { type: string; id: string } | null }): Promise<unknown>;
  earn(ctx: TxCtx, appId: string, input: { userId: string; type: string; amount: number; key: string; reason?: string | null; source?: { type: string; id: string } | null }): Promise<unknown>;
};

export type InteractionsDeps = {
  /** Used by background work (discovery refresh, user erasure) that runs outside any request. */
  db: Db;
  /** The pool behind `db`: the batched like statement runs on it as a named prepared statement. */
  pool?: pg.Pool | undefined;
  audit: Audit;
  bus: EventBus;
  clock: Clock;
  log: { error(obj: object, msg: string): void; warn(obj: object, msg: string): void };
  /** Coins (投币) are spent from and credited to this ledger; without it coins stay off. */
  points?: CoinLedger | undefined;
  /** Publishes live counters to subscribed clients (topic subject:<kind>:<id>); without it counters are only read. */
  realtime?: CountsPublisher | null | undefined;
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
