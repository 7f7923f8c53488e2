// Abuse defence: per-user, per-IP and per-device limits on check-in, draws, redemptions and the
// daily reward (fixed windows counted in PostgreSQL, so every server shares them); flags for
// suspicious patterns (many accounts on one device, draws at machine speed, limits hit) that
// operators review, and blocks.
import type { Ctx } from '../../../context.ts';
import { AppError } from '../../../http/errors.ts';
import { loadCache } from '../../../lib/cache.ts';
import * as store from '../store/abuse.ts';
import type { FlagKind, FlagRow } from '../store/abuse.ts';
import type { AbuseAction, GamificationConfig } from '../types.ts';
import type { ClientMeta, Shared } from './deps.ts';

declare module '../../../events.ts' {
  interface DomainEvents {
    'gamification.flagged': { appId: string; flagId: number; kind: FlagKind; subject: string; userIds: string[] };
  }
}

export function createAbuse(shared: Shared) {
  const { deps } = shared;
  const blockCache = loadCache<Set<string>>(deps.cacheMs ?? 5000);
  const blockedSet = (ctx: Ctx, appId: string): Promise<Set<string>> => blockCache.get(appId, async () => new Set((await store.blockedUsers(ctx.db, appId)).map((r) => r.userId)));

  async function flag(ctx: Ctx, appId: string, f: { kind: FlagKind; subject: string; userIds: string[]; details: Record<string, unknown> }, cfg: GamificationConfig): Promise<FlagRow> {
    const row = await ctx.db.transaction(async (tx) => {
      const row = await store.raiseFlag(tx, { appId, ...f, now: deps.clock.now() });
      if (cfg.abuse.block_flagged) await store.block(tx, appId, f.userIds, `auto: ${f.kind}`, row.id);
      await deps.bus.emit(tx, 'gamification.flagged', { appId, flagId: row.id, kind: f.kind, subject: f.subject, userIds: f.userIds });
      return row;
    });
    if (cfg.abuse.block_flagged) blockCache.delete(appId);
    return row;
  }

  const abuse = {
    flag,

    /**
     * Before an action: refuses blocked users (403) and attempts over a configured limit (429,
     * with Retry-After, and a flag the first time a window overflows); records the device.
     */
    async guard(ctx: Ctx, appId: string, action: AbuseAction, userId: string, meta: ClientMeta, cfg: GamificationConfig): Promise<void> {
      if ((await blockedSet(ctx, appId)).has(userId)) {
        throw new AppError('gamification.blocked', `User ${userId} is blocked from check-in, draws and redemptions in this app`, { user_id: userId });
      }
      const limits = cfg.abuse[action];
      const now = deps.clock.now().getTime();
      for (const [dim, key, limit] of [
        ['user', userId, limits.per_user],
        ['ip', meta.ip, limits.per_ip],
        ['device', meta.deviceId, limits.per_device],
      ] as const) {
        if (!limit || !key) continue;
        const windowMs = limit.window_seconds * 1000;
        const windowStart = Math.floor(now / windowMs) * windowMs;
        const n = await store.hit(ctx.db, { appId, action, dim, key, windowStart: new Date(windowStart) });
        if (n > limit.max) {
          if (n === limit.max + 1) await flag(ctx, appId, { kind: 'limit_exceeded', subject: `${dim}:${key}`, userIds: [userId], details: { action, max: limit.max, window_seconds: limit.window_seconds } }, cfg);
          const retryAfter = Math.max(1, Math.ceil((windowStart + windowMs - now) / 1000));
          throw new AppError('gamification.limit_exceeded', `At most ${limit.max} ${action} attempts per ${limit.window_seconds}s per ${dim}; retry after ${retryAfter}s`, { action, per: dim, limit: limit.max, window_seconds: limit.window_seconds }, { retryAfter });
        }
      }
      if (meta.deviceId && (await store.addDevice(ctx.db, appId, meta.deviceId, userId, deps.clock.now()))) {
        const users = await store.deviceUsers(ctx.db, appId, meta.deviceId);
        if (users.length > cfg.abuse.max_accounts_per_device) {
          await flag(ctx, appId, { kind: 'device_many_accounts', subject: `device:${meta.deviceId}`, userIds: users, details: { accounts: users.length, max: cfg.abuse.max_accounts_per_device } }, cfg);
        }
      }
    },

    /** After a draw: many draws by one user within seconds looks like a script. */
    async afterDraw(ctx: Ctx, appId: string, userId: string, cfg: GamificationConfig): Promise<void> {
      const { count, window_seconds } = cfg.abuse.rapid_draws;
      const n = await store.recentDraws(ctx.db, appId, userId, new Date(deps.clock.now().getTime() - window_seconds * 1000));
      if (n >= count) await flag(ctx, appId, { kind: 'rapid_draws', subject: `user:${userId}`, userIds: [userId], details: { draws: n, window_seconds } }, cfg);
    },

    listFlags(ctx: Ctx, appId: string, q: Parameters<typeof store.listFlags>[2]) {
      return store.listFlags(ctx.db, appId, q);
    },

    /** dismiss: nothing to do; block: the flag's users are blocked. Audited. */
    async resolve(ctx: Ctx, appId: string, id: number, action: 'dismiss' | 'block', note: string | null): Promise<FlagRow> {
      const row = await ctx.db.transaction(async (tx) => {
        const existing = await store.findFlag(tx, appId, id);
        if (!existing) throw shared.notFound('gamification.flag_not_found', 'Flag', String(id));
        const row = await store.resolveFlag(tx, appId, id, action === 'block' ? 'blocked' : 'dismissed', note, deps.clock.now());
        if (!row) throw new AppError('gamification.flag_not_found', `Flag ${id} is already ${existing.status}`, { id, status: existing.status });
        if (action === 'block') await store.block(tx, appId, row.userIds, note ?? row.kind, row.id);
        if (shared.audited(ctx)) await deps.audit.record({ ...ctx, db: tx }, { appId, action: `gamification.flag.${action}`, targetType: 'gamification_flag', targetId: String(id), before: { status: existing.status }, after: { status: row.status, user_ids: row.userIds, note } });
        return row;
      });
      blockCache.delete(appId);
      return row;
    },

    blocks(ctx: Ctx, appId: string, q: { limit: number; afterUserId?: string | undefined }) {
      return store.listBlocks(ctx.db, appId, q);
    },

    async unblock(ctx: Ctx, appId: string, userId: string): Promise<boolean> {
      const removed = await ctx.db.transaction(async (tx) => {
        const before = await store.findBlock(tx, appId, userId);
        const removed = await store.unblock(tx, appId, userId);
        // Recorded even when the user was not blocked: the operator asked, and the entry says so.
        if (shared.audited(ctx)) await deps.audit.record({ ...ctx, db: tx }, { appId, action: 'gamification.unblock', targetType: 'user', targetId: userId, before: before ? { blocked: true, ...before } : { blocked: false }, after: { blocked: false } });
        return removed;
      });
      blockCache.delete(appId);
      return removed;
    },

    purge(ctx: Ctx) {
      return store.purgeCounters(ctx.db, new Date(deps.clock.now().getTime() - 32 * 86_400_000));
    },
  };
  return abuse;
}

export type Abuse = ReturnType<typeof createAbuse>;
