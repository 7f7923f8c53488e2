// RFM (重要价值客户 …) and core users (the 2/8 rule), computed per app on demand and every hour;
// after each computation, segments whose rules read them are recomputed (`onComputed`).
import { sql } from 'drizzle-orm';
import type { Ctx } from '../../../context.ts';
import type { Db } from '../../../db/index.ts';
import { AppError } from '../../../http/errors.ts';
import type { Clock } from '../../../lib/clock.ts';
import type { Audit } from '../../audit/index.ts';
import * as store from './store.ts';
import type { CoreSettingsInput, RfmSettingsInput } from './types.ts';

export type RfmDeps = { db: Db; clock: Clock; audit: Audit; onComputed: (appId: string, what: 'rfm' | 'core') => Promise<void> };

const rfmSettingsOut = (s: store.RfmSettingsRow) => ({
  event: s.event,
  amount_path: s.amountPath,
  window_days: s.windowDays,
  method: s.method,
  quantile: s.quantile,
  recency_days: s.recencyDays,
  frequency: s.frequency,
  monetary: s.monetary,
});
const coreSettingsOut = (s: store.CoreSettingsRow) => ({
  window_days: s.windowDays,
  top_percent: s.topPercent,
  weights: { frequency: s.wFrequency, duration: s.wDuration, spend: s.wSpend },
  spend_event: s.spendEvent,
  amount_path: s.amountPath,
});

/** One computation per app at a time (across servers): the second waits and then recomputes on fresh data. */
const lockApp = (tx: Db, key: string) => tx.execute(sql`select pg_advisory_xact_lock(hashtext(${key}))`);

export function createRfm(deps: RfmDeps) {
  const { db, clock } = deps;
  const notConfigured = (what: 'rfm' | 'core') =>
    new AppError('segments.not_configured', what === 'rfm' ? 'RFM is not set up for this app: PUT /v1/segments/rfm/settings first' : 'Core users are not set up for this app: PUT /v1/segments/core/settings first', { what });

  return {
    rfmSettings: (ctx: Ctx, appId: string) => store.getRfmSettings(ctx.db, appId),

    async setRfmSettings(ctx: Ctx, appId: string, b: RfmSettingsInput) {
      const row: store.RfmSettingsRow = {
        appId,
        event: b.event,
        amountPath: b.amount_path,
        windowDays: b.window_days,
        method: b.method,
        quantile: b.method === 'quantile' ? b.quantile : null,
        recencyDays: b.method === 'fixed' ? b.recency_days! : null,
        frequency: b.method === 'fixed' ? b.frequency! : null,
        monetary: b.method === 'fixed' ? b.monetary! : null,
        updatedAt: clock.now(),
      };
      await ctx.db.transaction(async (tx) => {
        const before = await store.getRfmSettings(tx, appId);
        await store.saveRfmSettings(tx, row);
        await deps.audit.record({ ...ctx, db: tx }, { appId, action: 'segments.rfm_settings', targetType: 'app', targetId: appId, before: before ? rfmSettingsOut(before) : null, after: rfmSettingsOut(row) });
      });
      return this.computeRfm(appId);
    },

    async computeRfm(appId: string) {
      const r = await db.transaction(async (tx) => {
        await lockApp(tx, `rfm:${appId}`);
        const s = await store.getRfmSettings(tx, appId);
        if (!s) throw notConfigured('rfm');
        return store.computeRfm(tx, s, clock.now());
      });
      await deps.onComputed(appId, 'rfm');
      return r;
    },

    async rfmSummary(ctx: Ctx, appId: string) {
      const s = await store.getRfmSettings(ctx.db, appId);
      if (!s) throw notConfigured('rfm');
      const [run, dist] = await Promise.all([store.lastRfmRun(ctx.db, appId), store.rfmDistribution(ctx.db, appId)]);
      return { settings: rfmSettingsOut(s), run, distribution: dist };
    },

    rfmUsers: (ctx: Ctx, appId: string, q: { class?: string | undefined; limit: number; afterUserId?: string | undefined }) => store.rfmUsers(ctx.db, appId, q),
    rfmOf: (ctx: Ctx, appId: string, userIds: string[]) => store.rfmOf(ctx.db, appId, userIds),

    coreSettings: (ctx: Ctx, appId: string) => store.getCoreSettings(ctx.db, appId),

    async setCoreSettings(ctx: Ctx, appId: string, b: CoreSettingsInput) {
      const row: store.CoreSettingsRow = {
        appId,
        windowDays: b.window_days,
        topPercent: b.top_percent,
        wFrequency: b.weights.frequency,
        wDuration: b.weights.duration,
        wSpend: b.weights.spend,
        spendEvent: b.spend_event,
        amountPath: b.amount_path,
        updatedAt: clock.now(),
      };
      await ctx.db.transaction(async (tx) => {
        const before = await store.getCoreSettings(tx, appId);
        await store.saveCoreSettings(tx, row);
        await deps.audit.record({ ...ctx, db: tx }, { appId, action: 'segments.core_settings', targetType: 'app', targetId: appId, before: before ? coreSettingsOut(before) : null, after: coreSettingsOut(row) });
      });
      return this.computeCore(appId);
    },

    async computeCore(appId: string) {
      const r = await db.transaction(async (tx) => {
        await lockApp(tx, `core:${appId}`);
        const s = await store.getCoreSettings(tx, appId);
        if (!s) throw notConfigured('core');
        return store.computeCore(tx, s, clock.now());
      });
      await deps.onComputed(appId, 'core');
      return r;
    },

    async coreSummary(ctx: Ctx, appId: string) {
      const s = await store.getCoreSettings(ctx.db, appId);
      if (!s) throw notConfigured('core');
      return { settings: coreSettingsOut(s) };
    },

    coreRanking: (ctx: Ctx, appId: string, q: { onlyCore: boolean; limit: number; afterRank?: number | undefined }) => store.coreRanking(ctx.db, appId, q),
    coreOf: (ctx: Ctx, appId: string, userIds: string[]) => store.coreOf(ctx.db, appId, userIds),

    /** The hourly job: every configured app, each computation in its own transaction. */
    async computeAll(): Promise<number> {
      let n = 0;
      for (const appId of await store.appsWithRfm(db)) {
        await this.computeRfm(appId);
        n++;
      }
      for (const appId of await store.appsWithCore(db)) {
        await this.computeCore(appId);
        n++;
      }
      return n;
    },

    eraseUser: store.eraseUser,
    eraseApp: store.eraseApp,
  };
}

export type Rfm = ReturnType<typeof createRfm>;
export { coreSettingsOut, rfmSettingsOut };
