// Badges and tasks, both driven by activity: ingested host events, and Canyu's own activities
// (gm.checkin, gm.checkin_makeup, gm.draw, gm.redeem, gm.daily_reward). Each activity id is counted
// once (gm_seen), so counters and task progress never double; each badge is awarded once (a
// primary key) and each task period claimed once (a guarded UPDATE), rewards idempotent by key.
import type { Ctx } from '../../../context.ts';
import { AppError } from '../../../http/errors.ts';
import { loadCache } from '../../../lib/cache.ts';
import { newId } from '../../../lib/ids.ts';
import { defined } from '../../../lib/objects.ts';
import { inTransaction, type TxCtx } from '../../../lib/tx.ts';
import { matchesConditions, usersAt } from '../../../lib/conditions.ts';
import { counterName, meets, progressOf, type Facts } from '../rules/badges.ts';
import { periodEnds, periodKey } from '../rules/periods.ts';
import type { BadgeCriteria } from '../schema.ts';
import * as badgeStore from '../store/badges.ts';
import type { BadgeRow } from '../store/badges.ts';
import { findState } from '../store/checkin.ts';
import { findUserLevel } from '../store/levels.ts';
import * as taskStore from '../store/tasks.ts';
import type { TaskRow } from '../store/tasks.ts';
import type { BadgeInput, BadgePatchInput, TaskInput, TaskPatchInput } from '../types.ts';
import type { Shared } from './deps.ts';

declare module '../../../events.ts' {
  interface DomainEvents {
    'badge.awarded': { appId: string; userId: string; id: string; badgeId: string; key: string };
    'task.completed': { appId: string; userId: string; id: string; taskId: string; key: string; periodKey: string };
    'task.claimed': { appId: string; userId: string; id: string; taskId: string; key: string; periodKey: string };
  }
}

export type Activity = { userId: string; name: string; sourceId: string; properties: Record<string, unknown> };

/** Users one activity may count for (a list such as a team's members). */
const MAX_USERS = 1000;

/** What an app's badges and tasks listen to, so unrelated activity costs one cached lookup. */
type Interest = { badges: BadgeRow[]; counted: Set<string>; tasksByEvent: Map<string, TaskRow[]> };

export function createAchievements(shared: Shared) {
  const { deps } = shared;
  const cacheMs = deps.cacheMs ?? 5000;
  const cache = loadCache<Interest>(cacheMs);

  function interest(ctx: Ctx, appId: string): Promise<Interest> {
    return cache.get(appId, async () => {
      const [bs, ts] = await Promise.all([badgeStore.listBadges(ctx.db, appId, { active: true }), taskStore.listTasks(ctx.db, appId, { active: true })]);
      const counted = new Set(bs.flatMap((b) => (b.criteria.kind === 'event_count' ? [b.criteria.event] : [])));
      const tasksByEvent = new Map<string, TaskRow[]>();
      for (const t of ts) tasksByEvent.set(t.event, [...(tasksByEvent.get(t.event) ?? []), t]);
      return { badges: bs, counted, tasksByEvent };
    });
  }

  /** Awards each badge whose criteria the facts meet (once), granting its rewards. */
  async function awardMet(tx: TxCtx & { afterCommit: (fn: () => void) => void }, appId: string, userId: string, candidates: BadgeRow[], facts: Facts): Promise<string[]> {
    const awarded: string[] = [];
    for (const b of candidates) {
      if (!meets(b.criteria, facts)) continue;
      if (await giveBadge(tx, appId, userId, b, 'criteria')) awarded.push(b.id);
    }
    return awarded;
  }

  async function giveBadge(tx: TxCtx & { afterCommit: (fn: () => void) => void }, appId: string, userId: string, b: BadgeRow, via: string): Promise<boolean> {
    if (!(await badgeStore.award(tx.db, appId, userId, b.id, via, deps.clock.now()))) return false;
    if (b.rewards.length > 0) await shared.grant(tx, appId, userId, b.rewards, `badge:${b.id}:${userId}`, `Badge: ${b.name}`, { type: 'badge', id: b.id });
    await deps.bus.emit(tx.db, 'badge.awarded', { appId, userId, id: `badge:${b.id}:${userId}`, badgeId: b.id, key: b.key });
    return true;
  }

  const byKind = (i: Interest, kinds: BadgeCriteria['kind'][]) => i.badges.filter((b) => kinds.includes(b.criteria.kind));

  const achievements = {
    /** False only when the app's badges and tasks are known (and fresh) and none counts this activity. */
    wants(appId: string, name: string): boolean {
      const c = cache.peek(appId);
      return !c || c.counted.has(name) || c.tasksByEvent.has(name);
    },

    /** Counts an activity once: badge counters, task progress, badges it unlocks. */
    async track(ctx: Ctx, appId: string, a: Activity): Promise<{ counted: boolean; completed: string[]; awarded: string[] }> {
      const i = await interest(ctx, appId);
      const counts = i.counted.has(a.name);
      const taskList = (i.tasksByEvent.get(a.name) ?? []).filter((t) => matchesConditions(t.conditions, a.properties));
      if (!counts && taskList.length === 0) return { counted: false, completed: [], awarded: [] };
      const cfg = await shared.config(ctx, appId);
      const now = deps.clock.now();
      // Whose progress: the actor (no path), or the user id(s) at a property path.
      const usersOf = (path: string | null | undefined): string[] => (!path || path === 'actor' ? (a.userId ? [a.userId] : []) : usersAt(a.properties, path, MAX_USERS));
      // Time zones are read before the transaction: it must not wait for a second connection.
      const zones = new Map<string, string>();
      for (const t of taskList) {
        if (t.period === 'once') continue;
        for (const userId of usersOf(t.userPath)) if (!zones.has(userId)) zones.set(userId, await shared.timezoneOf(ctx, appId, userId, cfg));
      }
      return inTransaction(ctx, async (tx) => {
        if (!(await badgeStore.markSeen(tx.db, appId, `${a.name}:${a.sourceId}`))) return { counted: false, completed: [], awarded: [] };
        const completed: string[] = [];
        for (const t of taskList) {
          for (const userId of usersOf(t.userPath)) {
            const pk = periodKey(t.period, now, zones.get(userId) ?? cfg.timezone);
            const r = await taskStore.advance(tx.db, { appId, userId, taskId: t.id, periodKey: pk, target: t.target, now });
            if (r.completedNow) {
              completed.push(t.id);
              await deps.bus.emit(tx.db, 'task.completed', { appId, userId, id: `task:${t.id}:${userId}:${pk}`, taskId: t.id, key: t.key, periodKey: pk });
            }
          }
        }
        const awarded: string[] = [];
        if (counts) {
          const candidates = i.badges.filter((b) => b.criteria.kind === 'event_count' && b.criteria.event === a.name);
          const paths = [...new Set(candidates.map((b) => (b.criteria.kind === 'event_count' ? (b.criteria.user ?? 'actor') : 'actor')))];
          for (const path of paths) {
            const name = counterName(a.name, path);
            const mine = candidates.filter((b) => b.criteria.kind === 'event_count' && (b.criteria.user ?? 'actor') === path);
            for (const userId of usersOf(path)) {
              const value = await badgeStore.bumpCounter(tx.db, appId, userId, name);
              awarded.push(...(await awardMet(tx, appId, userId, mine, { counters: { [name]: value } })));
            }
          }
        }
        return { counted: true, completed, awarded };
      });
    },

    /** Re-checks the badges that depend on check-in, level or lifetime points facts. */
    async evaluate(ctx: Ctx, appId: string, userId: string, facts: Facts, kinds: BadgeCriteria['kind'][]): Promise<string[]> {
      const candidates = byKind(await interest(ctx, appId), kinds);
      if (candidates.length === 0) return [];
      return inTransaction(ctx, (tx) => awardMet(tx, appId, userId, candidates, facts));
    },

    /** Whether any active badge needs lifetime points of this type (so the caller may skip reading them). */
    async wantsEarned(ctx: Ctx, appId: string, type: string): Promise<boolean> {
      return (await interest(ctx, appId)).badges.some((b) => b.criteria.kind === 'points_earned' && b.criteria.type === type);
    },

    // ---- badges ---------------------------------------------------------------------------------

    async createBadge(ctx: Ctx, appId: string, input: BadgeInput): Promise<BadgeRow> {
      await shared.assertTypes(ctx, appId, [...input.rewards.map((r, i) => ({ type: r.type, field: `body.rewards.${i}.type` })), { type: input.criteria.kind === 'points_earned' ? input.criteria.type : null, field: 'body.criteria.type' }]);
      const row = await inTransaction(ctx, async (tx) => {
        const row = await badgeStore.insertBadge(tx.db, { id: newId('badge'), appId, key: input.key, name: input.name, description: input.description ?? null, iconUrl: input.icon_url ?? null, criteria: input.criteria, rewards: input.rewards, active: input.active, sort: input.sort });
        if (!row) throw new AppError('badges.key_taken', `A badge with key "${input.key}" already exists`, { field: 'body.key', key: input.key });
        if (shared.audited(ctx)) await deps.audit.record(tx, { appId, action: 'badge.create', targetType: 'badge', targetId: row.id, after: row });
        return row;
      });
      cache.delete(appId);
      await deps.bus.refreshInterest(ctx.db, 'gamification');
      return row;
    },

    async updateBadge(ctx: Ctx, appId: string, id: string, p: BadgePatchInput): Promise<BadgeRow> {
      if (p.rewards) await shared.assertTypes(ctx, appId, p.rewards.map((r, i) => ({ type: r.type, field: `body.rewards.${i}.type` })));
      const row = await inTransaction(ctx, async (tx) => {
        const before = await badgeStore.findBadge(tx.db, appId, id);
        if (!before) throw shared.notFound('badges.not_found', 'Badge', id);
        const row = (await badgeStore.updateBadge(tx.db, appId, id, defined({ name: p.name, description: p.description, iconUrl: p.icon_url, rewards: p.rewards, active: p.active, sort: p.sort })))!;
        if (shared.audited(ctx)) await deps.audit.record(tx, { appId, action: 'badge.update', targetType: 'badge', targetId: id, before, after: row });
        return row;
      });
      cache.delete(appId);
      await deps.bus.refreshInterest(ctx.db, 'gamification');
      return row;
    },

    async badge(ctx: Ctx, appId: string, id: string): Promise<BadgeRow> {
      const row = await badgeStore.findBadge(ctx.db, appId, id);
      if (!row) throw shared.notFound('badges.not_found', 'Badge', id);
      return row;
    },

    /** A badge by id or by key, or undefined (segments check the badges their rules name). */
    findBadge(ctx: Ctx, appId: string, ref: { id: string } | { key: string }): Promise<BadgeRow | undefined> {
      return 'id' in ref ? badgeStore.findBadge(ctx.db, appId, ref.id) : badgeStore.findBadgeByKey(ctx.db, appId, ref.key);
    },

    /** The badges these users hold (id and key), for segments' `badge` rule. */
    badgesOfUsers(ctx: Ctx, appId: string, userIds: string[]): Promise<{ userId: string; badgeId: string; key: string }[]> {
      return badgeStore.badgesOfUsers(ctx.db, appId, userIds);
    },

    listBadges(ctx: Ctx, appId: string, q: { limit: number; afterKey?: string | undefined; active?: boolean | undefined }) {
      return badgeStore.listBadges(ctx.db, appId, q);
    },

    /** An operator (or the host) awards a badge by hand, once; audited. */
    async awardBadge(ctx: Ctx, appId: string, userId: string, badgeId: string): Promise<{ awarded: boolean }> {
      const b = await achievements.badge(ctx, appId, badgeId);
      return inTransaction(ctx, async (tx) => {
        const awarded = await giveBadge(tx, appId, userId, b, ctx.actor.type === 'operator' ? 'operator' : 'api');
        // Recorded when the user held it already too (awarded: false): the operator asked.
        if (shared.audited(ctx)) await deps.audit.record(tx, { appId, action: 'badge.award', targetType: 'user', targetId: userId, before: { badge_id: b.id, key: b.key, held: !awarded }, after: { badge_id: b.id, key: b.key, held: true, awarded } });
        return { awarded };
      });
    },

    /** The badge wall: every active badge, earned or not, with progress toward it. */
    async wall(ctx: Ctx, appId: string, userId: string) {
      const [all, owned, counters, st, lvl, balances] = await Promise.all([
        badgeStore.listBadges(ctx.db, appId, { active: true }),
        badgeStore.userBadgesOf(ctx.db, appId, userId),
        badgeStore.countersOf(ctx.db, appId, userId),
        findState(ctx.db, appId, userId),
        findUserLevel(ctx.db, appId, userId),
        deps.points.balances(ctx, appId, userId),
      ]);
      const facts: Facts = { counters, checkinStreak: st?.longest ?? 0, checkinTotal: st?.total ?? 0, level: lvl?.level ?? 0, earned: Object.fromEntries(balances.map((b) => [b.type, b.earned])) };
      const byId = new Map(owned.map((o) => [o.badgeId, o]));
      return all.map((b) => ({ badge: b, awardedAt: byId.get(b.id)?.awardedAt ?? null, progress: progressOf(b.criteria, facts) }));
    },

    // ---- tasks ----------------------------------------------------------------------------------

    async createTask(ctx: Ctx, appId: string, input: TaskInput): Promise<TaskRow> {
      await shared.assertTypes(ctx, appId, input.rewards.map((r, i) => ({ type: r.type, field: `body.rewards.${i}.type` })));
      const row = await inTransaction(ctx, async (tx) => {
        const row = await taskStore.insertTask(tx.db, { id: newId('task'), appId, key: input.key, name: input.name, description: input.description ?? null, period: input.period, event: input.event, conditions: input.conditions, userPath: input.user === 'actor' ? null : input.user, target: input.target, rewards: input.rewards, group: input.group ?? null, sort: input.sort, active: input.active });
        if (!row) throw new AppError('tasks.key_taken', `A task with key "${input.key}" already exists`, { field: 'body.key', key: input.key });
        if (shared.audited(ctx)) await deps.audit.record(tx, { appId, action: 'task.create', targetType: 'task', targetId: row.id, after: row });
        return row;
      });
      cache.delete(appId);
      await deps.bus.refreshInterest(ctx.db, 'gamification');
      return row;
    },

    async updateTask(ctx: Ctx, appId: string, id: string, p: TaskPatchInput): Promise<TaskRow> {
      if (p.rewards) await shared.assertTypes(ctx, appId, p.rewards.map((r, i) => ({ type: r.type, field: `body.rewards.${i}.type` })));
      const row = await inTransaction(ctx, async (tx) => {
        const before = await taskStore.findTask(tx.db, appId, id);
        if (!before) throw shared.notFound('tasks.not_found', 'Task', id);
        const row = (await taskStore.updateTask(tx.db, appId, id, defined({ name: p.name, description: p.description, conditions: p.conditions, userPath: p.user === undefined ? undefined : p.user === 'actor' ? null : p.user, target: p.target, rewards: p.rewards, group: p.group, sort: p.sort, active: p.active })))!;
        if (shared.audited(ctx)) await deps.audit.record(tx, { appId, action: 'task.update', targetType: 'task', targetId: id, before, after: row });
        return row;
      });
      cache.delete(appId);
      await deps.bus.refreshInterest(ctx.db, 'gamification');
      return row;
    },

    async task(ctx: Ctx, appId: string, id: string): Promise<TaskRow> {
      const row = await taskStore.findTask(ctx.db, appId, id);
      if (!row) throw shared.notFound('tasks.not_found', 'Task', id);
      return row;
    },

    listTasks(ctx: Ctx, appId: string, q: Parameters<typeof taskStore.listTasks>[2]) {
      return taskStore.listTasks(ctx.db, appId, q);
    },

    /** The user's tasks in their current periods (their time zone), in growth-path order. */
    async userTasks(ctx: Ctx, appId: string, userId: string, group?: string) {
      const cfg = await shared.config(ctx, appId);
      const tz = await shared.timezoneOf(ctx, appId, userId, cfg);
      const now = deps.clock.now();
      const list = await taskStore.listTasks(ctx.db, appId, { active: true, ...(group ? { group } : {}) });
      const keys = [...new Set(list.map((t) => periodKey(t.period, now, tz)))];
      const rows = keys.length ? await taskStore.progressIn(ctx.db, appId, userId, keys) : [];
      return list.map((t) => {
        const pk = periodKey(t.period, now, tz);
        const p = rows.find((r) => r.taskId === t.id && r.periodKey === pk);
        return { task: t, periodKey: pk, progress: p?.progress ?? 0, completedAt: p?.completedAt ?? null, claimedAt: p?.claimedAt ?? null, resetsAt: periodEnds(t.period, now, tz) };
      });
    },

    /** Claims a completed task's reward for the current period, once. */
    async claim(ctx: Ctx, appId: string, userId: string, taskId: string) {
      const t = await achievements.task(ctx, appId, taskId);
      const cfg = await shared.config(ctx, appId);
      const tz = await shared.timezoneOf(ctx, appId, userId, cfg);
      const now = deps.clock.now();
      const pk = periodKey(t.period, now, tz);
      return inTransaction(ctx, async (tx) => {
        const row = await taskStore.claim(tx.db, { appId, userId, taskId, periodKey: pk, now });
        if (!row) {
          const p = await taskStore.findProgress(tx.db, appId, userId, taskId, pk);
          if (p?.claimedAt) throw new AppError('tasks.already_claimed', `Task "${t.key}" was already claimed for ${pk}`, { period_key: pk, claimed_at: p.claimedAt.toISOString() });
          throw new AppError('tasks.not_completed', `Task "${t.key}" is at ${p?.progress ?? 0} of ${t.target} for ${pk}`, { period_key: pk, progress: p?.progress ?? 0, target: t.target });
        }
        const entries = await shared.grant(tx, appId, userId, t.rewards, `task:${t.id}:${userId}:${pk}`, `Task: ${t.name}`, { type: 'task', id: t.id });
        await deps.bus.emit(tx.db, 'task.claimed', { appId, userId, id: `task:${t.id}:${userId}:${pk}`, taskId: t.id, key: t.key, periodKey: pk });
        return { task: t, periodKey: pk, entries: entries.map((e) => e.entry) };
      });
    },
  };
  return achievements;
}

export type Achievements = ReturnType<typeof createAchievements>;
