// Discovery: the refresh of hot scores and rankings, the hot list, rankings, curated slots and
// "for you" recommendations.
import type { Ctx } from '../../../context.ts';
import { assertOpenKind } from '../errors.ts';
import { PERIODS, dayIn, periodWindow, type Period } from '../rules/periods.ts';
import * as store from '../store/discovery.ts';
import * as subjectsStore from '../store/subjects.ts';
import type { Settings } from '../types.ts';
import type { Shared } from './context.ts';
import type { SettingsService } from './settings.ts';
import type { SubjectsService, SubjectView } from './subjects.ts';

const BATCH = 500;
/** The hot list is refreshed asynchronously anyway; a one-second cache makes reads nearly free. */
const HOT_CACHE_MS = 1000;

export function createDiscovery(d: Shared, settings: SettingsService, subjects: SubjectsService) {
  const delay = d.refreshDelayMs ?? 500;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<unknown> = Promise.resolve();
  let closed = false;
  const hotCache = new Map<string, { until: number; views: SubjectView[] }>();
  const system: Ctx = { db: d.db, actor: { type: 'system', id: null } };

  async function refreshBatch(): Promise<number> {
    const marks = await store.takeDirty(d.db, BATCH);
    if (marks.length === 0) return 0;
    try {
      await d.db.transaction(async (tx) => {
        const byApp = new Map<string, typeof marks>();
        for (const m of marks) byApp.set(m.appId, [...(byApp.get(m.appId) ?? []), m]);
        for (const [appId, ms] of byApp) {
          const s = await settings.get({ ...system, db: tx }, appId);
          await store.refreshHot(tx, [...new Set(ms.map((m) => m.subjectId))], s.hot.weights, s.hot.decay_hours);
          const windows = new Map<string, store.RankingWindow>();
          for (const m of ms) {
            for (const period of PERIODS) {
              const w = periodWindow(period, m.day);
              windows.set(`${m.subjectId}|${period}|${w.start}`, { subjectId: m.subjectId, period, ...w });
            }
          }
          await store.refreshRankings(tx, [...windows.values()], s.hot.weights);
        }
      });
    } catch (err) {
      // Put the marks back so the next refresh retries them.
      await store.remark(d.db, marks).catch(() => {});
      throw err;
    }
    return marks.length;
  }

  /** Refreshes every marked subject; returns how many marks were processed. */
  async function refresh(): Promise<number> {
    const run = running.then(async () => {
      let total = 0;
      for (;;) {
        const n = await refreshBatch();
        total += n;
        if (n < BATCH) break;
      }
      if (total > 0) hotCache.clear();
      return total;
    });
    running = run.catch(() => {});
    return run;
  }

  return {
    refresh,

    /** Called after an interaction changed a counter: schedules a refresh soon. */
    touch(): void {
      if (timer || closed) return;
      timer = setTimeout(() => {
        timer = null;
        refresh().catch((err: unknown) => d.log.error({ err }, 'interactions: hot/ranking refresh failed'));
      }, delay);
      timer.unref();
    },

    async close(): Promise<void> {
      closed = true;
      if (timer) clearTimeout(timer);
      timer = null;
      await running;
    },

    async rescore(ctx: Ctx, appId: string, s: Settings): Promise<void> {
      await store.rescoreApp(ctx.db, appId, s.hot.weights, s.hot.decay_hours);
      hotCache.clear();
    },

    async hot(ctx: Ctx, appId: string, kind: string, q: { limit: number; after?: { h: number; id: number } | undefined }): Promise<SubjectView[]> {
      assertOpenKind(kind, 'query.kind');
      const key = `${appId}\u0000${kind}\u0000${q.limit}\u0000${q.after ? `${q.after.h}:${q.after.id}` : ''}`;
      const now = Date.now();
      const hit = hotCache.get(key);
      if (hit && hit.until > now) return hit.views;
      const views = await subjects.views(ctx, await store.hotList(ctx.db, appId, kind, q));
      if (hotCache.size > 5000) hotCache.clear();
      hotCache.set(key, { until: now + HOT_CACHE_MS, views });
      return views;
    },

    async ranking(ctx: Ctx, appId: string, kind: string, period: Period, date: string | undefined, q: { limit: number; after?: { s: number; id: number } | undefined }) {
      assertOpenKind(kind, 'query.kind');
      const s = await settings.get(ctx, appId);
      const window = periodWindow(period, date ?? dayIn(d.now(), s.timezone));
      const ranked = await store.ranking(ctx.db, appId, kind, period, window.start, q);
      const rows = await subjectsStore.subjectsByIds(ctx.db, ranked.map((r) => r.subjectId));
      const views = new Map((await subjects.views(ctx, rows)).map((v) => [v.row.id, v]));
      return { window, items: ranked.filter((r) => views.has(r.subjectId)).map((r) => ({ score: r.score, view: views.get(r.subjectId)! })) };
    },
  };
}

export type DiscoveryService = ReturnType<typeof createDiscovery>;
