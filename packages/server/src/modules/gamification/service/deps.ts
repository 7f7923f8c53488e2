// What every part of the gamification service shares: its dependencies, the app configuration
// (cached), the user's time zone, and granting rewards through the points ledger.
import type { Ctx } from '../../../context.ts';
import type { Db } from '../../../db/index.ts';
import type { EventBus } from '../../../events.ts';
import { AppError, fieldError } from '../../../http/errors.ts';
import type { SegmentGate } from '../../../lib/segment-gate.ts';
import { loadCache } from '../../../lib/cache.ts';
import type { Clock } from '../../../lib/clock.ts';
import type { TxCtx } from '../../../lib/tx.ts';
import type { Audit } from '../../audit/index.ts';
import type { EntryResult, Points, Source } from '../../points/index.ts';
import type { Users } from '../../users/index.ts';
import type { Reward } from '../schema.ts';
import '../errors.ts';
import * as store from '../store/config.ts';
import { ConfigBody, type GamificationConfig } from '../types.ts';

export type GamificationDeps = {
  db: Db;
  bus: EventBus;
  clock: Clock;
  audit: Audit;
  points: Points;
  users: Pick<Users, 'timezoneOf'>;
  log: { error(obj: object, msg: string): void; warn?(obj: object, msg: string): void };
  /** How long app configuration is cached (other servers see a change after this). */
  cacheMs?: number;
  /** Lotteries for a segment ask who is in it (the segments module, wired in app.ts). */
  segments?: SegmentGate | undefined;
};

/** Who is calling from where: for per-IP and per-device limits and abuse flags. */
export type ClientMeta = { ip?: string | undefined; deviceId?: string | undefined };

export const DEFAULT_CONFIG: GamificationConfig = ConfigBody.parse({});

export function createShared(deps: GamificationDeps) {
  const cacheMs = deps.cacheMs ?? 5000;
  const cache = loadCache<GamificationConfig>(cacheMs);
  const audited = (ctx: Ctx) => ctx.actor.type === 'operator' || ctx.actor.type === 'secret_key';

  const segments = deps.segments ?? null;
  const shared = {
    deps,
    audited,

    /** The segment a feature is restricted to exists (`field` names it in the error). */
    async assertSegment(ctx: Ctx, appId: string, id: string | null | undefined, field: string): Promise<void> {
      if (!id) return;
      if (!segments || !(await segments.exists(ctx, appId, id))) throw fieldError(field, `no segment ${id} in this app`, 'the id of a segment (GET /v1/segments)');
    },

    isMember(ctx: Ctx, appId: string, segmentId: string, userId: string): Promise<boolean> {
      return segments ? segments.isMember(ctx, appId, segmentId, userId) : Promise.resolve(false);
    },

    /** The app's configuration (defaults until an operator saves one). */
    config(ctx: Ctx, appId: string): Promise<GamificationConfig> {
      return cache.get(appId, async () => {
        const raw = await store.findConfig(ctx.db, appId);
        return raw ? ConfigBody.parse(raw) : DEFAULT_CONFIG;
      });
    },

    async saveConfig(ctx: Ctx, appId: string, next: GamificationConfig): Promise<GamificationConfig> {
      await ctx.db.transaction(async (tx) => {
        const before = await store.findConfig(tx, appId);
        await store.saveConfig(tx, appId, next as unknown as Record<string, unknown>);
        if (audited(ctx)) await deps.audit.record({ ...ctx, db: tx }, { appId, action: 'gamification.config.update', targetType: 'gamification_config', targetId: appId, before: before ?? null, after: next });
      });
      cache.delete(appId);
      return next;
    },

    /** The user's time zone, else the app's. */
    async timezoneOf(ctx: Ctx, appId: string, userId: string, cfg: GamificationConfig): Promise<string> {
      return (await deps.users.timezoneOf(ctx, appId, userId)) ?? cfg.timezone;
    },

    /** Credits each reward through the ledger inside the caller's transaction, once per key. */
    async grant(ctx: TxCtx, appId: string, userId: string, rewards: readonly Reward[], key: string, reason: string, source: Source): Promise<EntryResult[]> {
      const out: EntryResult[] = [];
      for (let i = 0; i < rewards.length; i++) {
        const r = rewards[i]!;
        out.push(await deps.points.earn(ctx, appId, { userId, type: r.type, amount: r.amount, key: rewards.length === 1 ? key : `${key}:${i}`, reason, source }));
      }
      return out;
    },

    /** Refuses configuration that names point types the app has not defined. */
    async assertTypes(ctx: Ctx, appId: string, types: { type: string | null | undefined; field: string }[]): Promise<void> {
      for (const t of types) if (t.type) await deps.points.getType(ctx, appId, t.type, t.field);
    },

    notFound(code: 'badges.not_found' | 'tasks.not_found' | 'lottery.not_found' | 'lottery.prize_not_found' | 'mall.item_not_found' | 'mall.order_not_found' | 'gamification.flag_not_found', what: string, id: string) {
      return new AppError(code, `${what} ${id} does not exist in this app`, { id });
    },
  };
  return shared;
}

export type Shared = ReturnType<typeof createShared>;
