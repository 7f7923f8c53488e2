// Analytics use cases: settings (reporting time zone, what makes a user active) and the metrics.
// Every figure is computed when asked (store.ts) from the events' roll-up, which ingestion keeps in
// the same statement as the events, so a late event with an old timestamp, a duplicate (stored once
// by ingestion) or an erased user (whose events and roll-up rows are deleted) is reflected exactly
// at the next read. Engagement reads its own copy of the domain events that
// measure capabilities (an_engagement), filled by one consumer of the event log.
import type { SQL } from 'drizzle-orm';
import type { Ctx } from '../../context.ts';
import type { Db } from '../../db/index.ts';
import type { Erasure } from '../../erasure.ts';
import type { EventBus } from '../../events.ts';
import type { LogRow } from '../../events/index.ts';
import { AppError, fieldError } from '../../http/errors.ts';
import type { Clock } from '../../lib/clock.ts';
import { addDays, localDate, startOfLocalDay } from '../../lib/localtime.ts';
import type { Audit } from '../audit/index.ts';
import { engagementFamily, FAMILIES, type Family } from './rules/families.ts';
import { retentionTable, unitDays } from './rules/retention.ts';
import './errors.ts';
import * as store from './store.ts';
import { DEFAULT_TIMEZONE, MAX_EXPORT_ROWS, MAX_SESSION_HOURS, RETENTION_PERIODS, type ChurnQuery, type LurkersQuery, type SessionsQuery, type ActiveQuery, type DropoffExportQuery, type DropoffQuery, type EngagementQuery, type FunnelQuery, type RetentionQuery, type SettingsInput } from './types.ts';

export type AnalyticsDeps = {
  /** Outside any consumer's transaction: a big app's engagement rows are erased in committed batches. */
  db: Db;
  bus: EventBus;
  clock: Clock;
  audit: Audit;
  /**
   * The members of a segment as a subquery of user ids (the segments module's own SQL, wired in
   * app.ts: segments read analytics, so analytics never imports segments); null when the app has
   * no such segment.
   */
  segmentMembers?: ((ctx: Ctx, appId: string, segmentId: string) => Promise<SQL | null>) | undefined;
};

/** Rows one erasure statement deletes (and one transaction commits). */
const ERASE_BATCH = 5000;

export type AnalyticsSettings = { timezone: string; activeEvents: string[] | null; updatedAt: Date | null };

/** The consumer that copies capability events into an_engagement (its name keys its checkpoints). */
export const ENGAGEMENT_CONSUMER = 'analytics.engagement';

export function createAnalytics(deps: AnalyticsDeps) {
  const { bus, clock } = deps;

  const settingsOf = async (db: Db, appId: string): Promise<AnalyticsSettings> => {
    const r = await store.getSettings(db, appId);
    return r ? { timezone: r.timezone, activeEvents: r.activeEvents, updatedAt: r.updatedAt } : { timezone: DEFAULT_TIMEZONE, activeEvents: null, updatedAt: null };
  };

  /**
   * The instants bounding a scan of local days first..last, with a day of margin on both sides:
   * PostgreSQL buckets the days (its tz database), these only keep the scan short.
   */
  const scan = async (db: Db, appId: string, tz: string, from: string, to: string, first: string, last: string): Promise<store.Scan> => ({
    appId,
    tz,
    from,
    to,
    start: startOfLocalDay(addDays(first, -1), tz),
    end: startOfLocalDay(addDays(last, 2), tz),
    rollup: await store.slotAligned(db, tz, addDays(first, -1), addDays(last, 1)),
  });

  /** Whose activity a metric counts: the traits filter and the segment's members (404 for an unknown segment). */
  const whoOf = async (ctx: Ctx, appId: string, q: { traits?: ActiveQuery['traits']; segment?: string | undefined }): Promise<store.Who> => {
    if (q.segment === undefined) return { traits: q.traits };
    const members = deps.segmentMembers ? await deps.segmentMembers(ctx, appId, q.segment) : null;
    if (!members) throw new AppError('analytics.segment_not_found', `No segment ${q.segment} in this app`, { field: 'query.segment', segment: q.segment });
    return { traits: q.traits, members };
  };

  const activeLive = async (db: Db, appId: string, st: AnalyticsSettings, from: string, to: string, who: store.Who) => {
    const s = await scan(db, appId, st.timezone, from, to, addDays(from, -29), to);
    return store.analyticsRead(db, (tx) => store.activeSeries(tx, s, st.activeEvents, who));
  };

  /**
   * The unfiltered series: closed days (ended half an hour ago or more) from an_active_cache, the
   * rest live. One repeatable-read transaction reads the cache's state, the roll-up changes its
   * snapshot did not see (they invalidate from their day on), and computes what is missing under
   * its own snapshot, which the state then records; so a cached day is exact whatever was ingested,
   * late or erased in between. Zones the roll-up does not fit are always computed live.
   */
  const activeCached = async (db0: Db, appId: string, st: AnalyticsSettings, from: string, to: string): Promise<store.ActiveDay[]> => {
    const tz = st.timezone;
    if (!(await store.slotAligned(db0, tz, addDays(from, -31), addDays(to, 1)))) return activeLive(db0, appId, st, from, to, {});
    const lastClosed = addDays(localDate(new Date(clock.now().getTime() - 30 * 60_000), tz), -1);
    const closedTo = to < lastClosed ? to : lastClosed;
    const key = JSON.stringify([tz, st.activeEvents]);
    return db0.transaction(
      async (db) => {
        const snapshot = await store.snapshotNow(db);
        const state = await store.getActiveState(db, appId);
        let valid: { from: string; to: string } | null = null;
        if (state && state.settingsKey === key) {
          const changed = await store.firstChangedDay(db, appId, state.snapshot, tz);
          const vTo = changed !== null && addDays(changed, -1) < state.validTo ? addDays(changed, -1) : state.validTo;
          if (vTo >= state.validFrom) valid = { from: state.validFrom, to: vTo };
        }
        if (from > closedTo) return activeLive(db, appId, st, from, to, {});
        if (valid && valid.from <= from && valid.to >= closedTo) {
          const cached = await store.cachedActive(db, appId, from, closedTo);
          return closedTo < to ? [...cached, ...(await activeLive(db, appId, st, addDays(closedTo, 1), to, {}))] : cached;
        }
        const rows = await activeLive(db, appId, st, from, to, {});
        const merge = valid !== null && from <= addDays(valid.to, 1) && closedTo >= addDays(valid.from, -1);
        const next = { appId, settingsKey: key, snapshot, validFrom: merge && valid!.from < from ? valid!.from : from, validTo: merge && valid!.to > closedTo ? valid!.to : closedTo };
        try {
          // A savepoint: a concurrent reader caching the same days makes this write fail (serialization), not the read.
          await db.transaction((sp) => store.saveActiveCache(sp, next, rows.filter((r) => r.day <= closedTo)));
        } catch (err) {
          if ((err as { cause?: { code?: string }; code?: string }).cause?.code !== '40001' && (err as { code?: string }).code !== '40001') throw err;
        }
        return rows;
      },
      { isolationLevel: 'repeatable read' },
    );
  };

  const funnelSpec = (st: AnalyticsSettings, q: FunnelQuery, who: store.Who): store.FunnelSpec => ({
    steps: q.steps,
    entryFrom: startOfLocalDay(q.from, st.timezone),
    entryTo: startOfLocalDay(addDays(q.to, 1), st.timezone),
    windowMs: q.window_minutes * 60_000,
    who,
  });

  // Domain events of the measured capabilities, once each (keyed by log position), by their actor,
  // at the time the log recorded them. `user.deleted` is handled here too, in log order: the user's
  // earlier events (same shard) are copied before it and erased by it, so a consumer running behind
  // the erasure consumers can never bring an erased user's rows back.
  bus.consume({
    name: ENGAGEMENT_CONSUMER,
    wants: (row) => row.kind === 'domain' && (row.name === 'user.deleted' || (engagementFamily(row.name) !== undefined && row.actorId !== null)),
    handle: (ctx, row) => copyEngagement(ctx.db, [row]),
    // A batch in one INSERT per run of rows between erasures (a row per event was a round trip each).
    handleBatch: (ctx, rows) => copyEngagement(ctx.db, rows),
  });

  /** Copies the rows' engagement, in log order: each `user.deleted` erases what came before it. */
  async function copyEngagement(db: Ctx['db'], rows: LogRow[]): Promise<void> {
    let pending: Parameters<typeof store.recordEngagement>[1] = [];
    for (const row of rows) {
      if (row.name === 'user.deleted') {
        await store.recordEngagement(db, pending);
        pending = [];
        const userId = row.payload.userId;
        if (typeof userId === 'string') await store.eraseUser(db, row.appId, userId);
        continue;
      }
      pending.push({ appId: row.appId, logId: row.id, family: engagementFamily(row.name)!, name: row.name, userId: row.actorId!, ts: row.createdAt });
    }
    await store.recordEngagement(db, pending);
  }

  return {
    settings: (ctx: Ctx, appId: string) => settingsOf(ctx.db, appId),

    async updateSettings(ctx: Ctx, appId: string, input: SettingsInput): Promise<AnalyticsSettings> {
      if (input.timezone !== undefined && !(await store.knowsZone(ctx.db, input.timezone))) throw fieldError('body.timezone', `the database does not know the time zone ${input.timezone}`, 'an IANA time zone name');
      return ctx.db.transaction(async (tx) => {
        const before = await settingsOf(tx, appId);
        const after = {
          timezone: input.timezone ?? before.timezone,
          activeEvents: input.active_events === undefined ? before.activeEvents : input.active_events === null ? null : [...new Set(input.active_events)].sort(),
          updatedAt: clock.now(),
        };
        await store.saveSettings(tx, { appId, ...after });
        await deps.audit.record({ ...ctx, db: tx }, {
          appId,
          action: 'analytics.settings',
          targetType: 'app',
          targetId: appId,
          before: { timezone: before.timezone, active_events: before.activeEvents },
          after: { timezone: after.timezone, active_events: after.activeEvents },
        });
        return after;
      });
    },

    /** DAU, WAU (7 days ending that day), MAU (30 days), stickiness, new and returning, per day. */
    async active(ctx: Ctx, appId: string, q: ActiveQuery) {
      const st = await settingsOf(ctx.db, appId);
      const who = await whoOf(ctx, appId, q);
      const rows = who.traits === undefined && who.members === undefined ? await activeCached(ctx.db, appId, st, q.from, q.to) : await activeLive(ctx.db, appId, st, q.from, q.to, who);
      return {
        timezone: st.timezone,
        activeEvents: st.activeEvents,
        days: rows.map((r) => ({ ...r, returning: r.dau - r.newUsers, stickiness: r.mau === 0 ? null : r.dau / r.mau })),
      };
    },

    async retention(ctx: Ctx, appId: string, q: RetentionQuery) {
      const st = await settingsOf(ctx.db, appId);
      const who = await whoOf(ctx, appId, q);
      const periods = RETENTION_PERIODS[q.unit];
      const s = await scan(ctx.db, appId, st.timezone, q.from, q.to, q.from, q.to);
      const r = await store.analyticsRead(ctx.db, (db) => store.retention(db, s, {
        cohortNames: q.cohort_event !== undefined ? [q.cohort_event] : st.activeEvents,
        returnNames: q.return_event !== undefined ? [q.return_event] : st.activeEvents,
        unitDays: unitDays(q.unit),
        periods,
        mode: q.mode,
        who,
      }));
      const today = localDate(clock.now(), st.timezone);
      return { timezone: st.timezone, periods, cohorts: retentionTable(r.cohorts, r.counts, { unit: q.unit, mode: q.mode, periods, today }) };
    },

    async funnel(ctx: Ctx, appId: string, q: FunnelQuery | DropoffQuery) {
      const st = await settingsOf(ctx.db, appId);
      const spec = funnelSpec(st, q, await whoOf(ctx, appId, q));
      const counts = await store.analyticsRead(ctx.db, (db) => store.funnelCounts(db, appId, spec));
      return {
        timezone: st.timezone,
        steps: counts.map((c, k) => {
          const prev = k === 0 ? null : counts[k - 1]!.users;
          return {
            users: c.users,
            conversion_from_previous: prev === null || prev === 0 ? null : c.users / prev,
            conversion_from_start: k === 0 || counts[0]!.users === 0 ? null : c.users / counts[0]!.users,
            median_seconds_from_previous: k === 0 ? null : c.median,
          };
        }),
      };
    },

    /** Every user who reached step `q.step` and not the next (at most MAX_EXPORT_ROWS), by user id. */
    async dropoffAll(ctx: Ctx, appId: string, q: DropoffExportQuery) {
      const st = await settingsOf(ctx.db, appId);
      const spec = funnelSpec(st, q, await whoOf(ctx, appId, q));
      return store.analyticsRead(ctx.db, (db) => store.funnelDropoff(db, appId, spec, q.step, undefined, MAX_EXPORT_ROWS));
    },

    /** Users who reached step `q.step` and not the next, by user id after the cursor's. */
    async dropoff(ctx: Ctx, appId: string, q: DropoffQuery, after: string | undefined) {
      const st = await settingsOf(ctx.db, appId);
      const spec = funnelSpec(st, q, await whoOf(ctx, appId, q));
      return store.analyticsRead(ctx.db, (db) => store.funnelDropoff(db, appId, spec, q.step, after, q.limit + 1));
    },

    /**
     * Conversions attributed to a feature's participants (campaign reports): their `event` events
     * within `windowDays` of first taking part, once per event, with the amount at `property`.
     */
    attributedConversions(ctx: Ctx, appId: string, participants: SQL, q: { event: string; property: string; windowDays: number }) {
      return store.analyticsRead(ctx.db, (db) => store.attributed(db, appId, participants, { event: q.event, path: q.property.split('.'), windowDays: q.windowDays }));
    },

    /** How many events of this name the app received on a local day (goals: "1,000 check-ins a day"). */
    async eventCount(ctx: Ctx, appId: string, event: string, day: string): Promise<number> {
      const st = await settingsOf(ctx.db, appId);
      return store.eventCount(ctx.db, await scan(ctx.db, appId, st.timezone, day, day, day, day), event);
    },

    /** Sessions per day (by the day they started): count, users, total, mean and median duration in seconds. */
    async sessions(ctx: Ctx, appId: string, q: SessionsQuery) {
      const st = await settingsOf(ctx.db, appId);
      const tz = st.timezone;
      const s: store.Scan = { appId, tz, from: q.from, to: q.to, start: startOfLocalDay(addDays(q.from, -2), tz), end: startOfLocalDay(addDays(q.to, 3), tz), rollup: false };
      const who = await whoOf(ctx, appId, q);
      const spec: store.SessionSpec =
        q.mode === 'gap'
          ? { mode: 'gap', timeoutSeconds: q.timeout_minutes * 60, event: q.event ?? null, who }
          : { mode: 'pairs', start: q.start_event, end: q.end_event, maxSeconds: MAX_SESSION_HOURS * 3600, who };
      const rows = await store.analyticsRead(ctx.db, (db) => store.sessionSeries(db, s, spec));
      const by = new Map(rows.map((r) => [r.day, r]));
      const days: store.SessionDay[] = [];
      for (let d = q.from; d <= q.to; d = addDays(d, 1)) days.push(by.get(d) ?? { day: d, sessions: 0, users: 0, totalSeconds: 0, avgSeconds: null, medianSeconds: null });
      return { timezone: tz, days };
    },

    /** Users who visit without interacting (lurkers), by user id. */
    lurkers(ctx: Ctx, appId: string, q: LurkersQuery, after: string | undefined) {
      return store.analyticsRead(ctx.db, (db) =>
        store.lurkers(db, appId, { since: new Date(clock.now().getTime() - q.days * 86_400_000), visitNames: q.visit_events ?? null, interactionNames: q.interaction_events ?? [], after, limit: q.limit + 1 }),
      );
    },

    /**
     * Which of these users are lurkers now (the definition of `lurkers`): segments evaluate their
     * `lurker` rule with it, a page of users at a time.
     */
    async lurkersAmong(ctx: Ctx, appId: string, userIds: readonly string[], q: { days: number; visitEvents?: readonly string[] | undefined; interactionEvents?: readonly string[] | undefined }): Promise<Set<string>> {
      if (userIds.length === 0) return new Set();
      const rows = await store.lurkers(ctx.db, appId, { since: new Date(clock.now().getTime() - q.days * 86_400_000), visitNames: q.visitEvents ?? null, interactionNames: q.interactionEvents ?? [], among: userIds, limit: userIds.length });
      return new Set(rows.map((r) => r.userId));
    },

    /** Which of these users are at churn risk now (the definition of `churnRisk`), for segments' `churn_risk` rule. */
    async churnRiskAmong(ctx: Ctx, appId: string, userIds: readonly string[], q: { recentDays: number; baselineDays: number; minBaselineDays: number; minDrop: number }): Promise<Set<string>> {
      if (userIds.length === 0) return new Set();
      const rows = await store.churnRisk(ctx.db, appId, { now: clock.now(), ...q, among: userIds, offset: 0, limit: userIds.length });
      return new Set(rows.map((r) => r.userId));
    },

    /** Users whose activity fell against their own baseline, largest drop first. */
    churnRisk(ctx: Ctx, appId: string, q: ChurnQuery, offset: number) {
      return store.analyticsRead(ctx.db, (db) =>
        store.churnRisk(db, appId, { now: clock.now(), recentDays: q.recent_days, baselineDays: q.baseline_days, minBaselineDays: q.min_baseline_days, minDrop: q.min_drop, offset, limit: q.limit + 1 }),
      );
    },

    /** Per day and capability: events, participants, and participation among that day's actives. */
    async engagement(ctx: Ctx, appId: string, q: EngagementQuery) {
      const st = await settingsOf(ctx.db, appId);
      const s = await scan(ctx.db, appId, st.timezone, q.from, q.to, q.from, q.to);
      const who = await whoOf(ctx, appId, q);
      const [rows, active] = await Promise.all([
        store.engagementSeries(ctx.db, s, st.activeEvents, who),
        store.activeSeries(ctx.db, await scan(ctx.db, appId, st.timezone, q.from, q.to, addDays(q.from, -29), q.to), st.activeEvents, who),
      ]);
      const dau = new Map(active.map((a) => [a.day, a.dau]));
      const by = new Map(rows.map((r) => [`${r.day}|${r.family}`, r]));
      const families = Object.keys(FAMILIES) as Family[];
      return {
        timezone: st.timezone,
        days: active.map((a) => ({
          day: a.day,
          dau: a.dau,
          families: families.map((family) => {
            const r = by.get(`${a.day}|${family}`);
            const activeUsers = r?.activeUsers ?? 0;
            return { family, count: r?.count ?? 0, users: r?.users ?? 0, activeParticipants: activeUsers, participationRate: (dau.get(a.day) ?? 0) === 0 ? null : activeUsers / dau.get(a.day)! };
          }),
        })),
      };
    },

    erasure: {
      eraseUser: store.eraseUser,
      async eraseApp(db: Db, appId: string): Promise<void> {
        for (let n = ERASE_BATCH; n === ERASE_BATCH; ) n = await store.deleteAppEngagement(deps.db, appId, ERASE_BATCH);
        await store.eraseAppRest(db, appId);
      },
    } satisfies Erasure,
  };
}

export type Analytics = ReturnType<typeof createAnalytics>;
