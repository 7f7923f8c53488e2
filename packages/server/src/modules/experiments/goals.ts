// KPI goals: an operator's target for a metric (daily count of an event, D-N retention of a
// cohort, active users) from a baseline to a target by a due day; a daily job records each goal's
// value once per day (a unique row per goal and day, so any number of servers or retries write it
// once), and the report says whether the goal is on the straight path to its target.
import type { Ctx } from '../../context.ts';
import type { Module } from '../../module.ts';
import type { Analytics } from '../analytics/index.ts';
import type { Audit } from '../audit/index.ts';
import { AppError, fieldError } from '../../http/errors.ts';
import './goals-errors.ts';
import type { Clock } from '../../lib/clock.ts';
import { newId } from '../../lib/ids.ts';
import * as store from './goals-store.ts';
import { daysBetween, statusOn, type GoalStatus } from './rules/goals.ts';
import type { GoalMetric } from './schema.ts';

/** A metric's value on a day, or null when it cannot be measured (yet). */
export type Measure = (ctx: Ctx, appId: string, metric: GoalMetric, day: string) => Promise<number | null>;

/** Active users, D-N retention and a day's event count, all from the analytics module. */
export function measureWithAnalytics(analytics: Pick<Analytics, 'active' | 'retention' | 'eventCount'>): Measure {
  return async (ctx, appId, metric, day) => {
    if (metric.kind === 'active_users') {
      const r = await analytics.active(ctx, appId, { from: day, to: day });
      const d = r.days.find((x) => x.day === day);
      return d ? d[metric.window] : null;
    }
    if (metric.kind === 'retention') {
      // The cohort that reaches day N today: users who started N days ago.
      const cohortDay = new Date(Date.parse(`${day}T00:00:00Z`) - metric.day_n * 86_400_000).toISOString().slice(0, 10);
      const r = await analytics.retention(ctx, appId, { from: cohortDay, to: cohortDay, unit: 'day', mode: 'n_day', ...(metric.cohort_event ? { cohort_event: metric.cohort_event } : {}), ...(metric.return_event ? { return_event: metric.return_event } : {}) });
      return r.cohorts[0]?.rates[metric.day_n] ?? null;
    }
    return analytics.eventCount(ctx, appId, metric.event, day);
  };
}

export type GoalInput = { name: string; metric: GoalMetric; baseline: number; target: number; start_day: string; due_day: string };

export function createGoals(deps: { clock: Clock; measure: Measure; audit: Audit }) {
  return {
    async create(ctx: Ctx, appId: string, g: GoalInput): Promise<store.GoalRow> {
      if (daysBetween(g.start_day, g.due_day) <= 0) throw fieldError('body.due_day', 'must come after start_day', 'a day (YYYY-MM-DD) after start_day');
      const row = { id: newId('goal'), appId, name: g.name, metric: g.metric, baseline: g.baseline, target: g.target, startDay: g.start_day, dueDay: g.due_day, createdAt: deps.clock.now() };
      await ctx.db.transaction(async (tx) => {
        await store.insertGoal(tx, row);
        await deps.audit.record({ ...ctx, db: tx }, { appId, action: 'goal.create', targetType: 'goal', targetId: row.id, before: null, after: { name: g.name, metric: g.metric, baseline: g.baseline, target: g.target, start_day: g.start_day, due_day: g.due_day } });
      });
      return row;
    },

    list: (ctx: Ctx, appId: string, q: { limit: number; before?: { t: string; id: string } | undefined }) => store.listGoals(ctx.db, appId, q),

    /** The daily job's work for one app and day: measures each live goal and records it once. Returns how many rows this call wrote. */
    async recordDay(ctx: Ctx, appId: string, day: string): Promise<number> {
      let written = 0;
      for (const g of await store.goalsDueOn(ctx.db, appId, day)) {
        const value = await deps.measure(ctx, appId, g.metric, day);
        if (await store.recordProgress(ctx.db, { goalId: g.id, appId, day, value, recordedAt: deps.clock.now() })) written++;
      }
      return written;
    },

    /**
     * The daily job: records yesterday (UTC) for every app with live goals. Safe to run on every
     * server and to retry: rows already written stay as they are.
     */
    async recordYesterday(ctx: Ctx): Promise<number> {
      const day = new Date(deps.clock.now().getTime() - 86_400_000).toISOString().slice(0, 10);
      let written = 0;
      for (const appId of await store.appsWithGoalsOn(ctx.db, day)) written += await this.recordDay(ctx, appId, day);
      return written;
    },

    /** The goal, its recorded days and where the latest one stands against the path. */
    async report(ctx: Ctx, appId: string, id: string) {
      const g = await store.findGoal(ctx.db, appId, id);
      if (!g) throw new AppError('goals.not_found', `Goal ${id} does not exist in this app`, { goal_id: id });
      const days = (await store.progressOf(ctx.db, g.id)).map((p) => ({ day: p.day, value: p.value }));
      const path = { baseline: g.baseline, target: g.target, startDay: g.startDay, dueDay: g.dueDay };
      const last = [...days].reverse().find((d) => d.value !== null);
      const now: { day: string; status: GoalStatus; expected: number; progress: number } | null = last ? { day: last.day, ...statusOn(path, last.day, last.value!) } : null;
      return { goal: g, days, latest: now };
    },

    erase: store.eraseGoals,
  };
}
export type Goals = ReturnType<typeof createGoals>;

/** The daily job, for the experiments module's `jobs` (the name must not change: schedules are keyed by it). */
export function goalsJobs(goals: Goals): NonNullable<Module['jobs']> {
  return (jobs, { systemCtx }) => {
    jobs.define('canyu.experiments.goals.record', async () => {
      await goals.recordYesterday(systemCtx());
    });
    jobs.schedule('canyu.experiments.goals.record', '17 1 * * *');
  };
}
