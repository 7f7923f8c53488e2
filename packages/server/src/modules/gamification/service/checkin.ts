// Daily check-in (签到) in the user's own time zone: exactly one per user per local day (a primary
// key, and the state row's lock), streaks with a cycle of rewards, make-up check-ins (补签) paid
// with a card or points and limited per month, and the month calendar.
import type { Ctx } from '../../../context.ts';
import { AppError, fieldError } from '../../../http/errors.ts';
import { addDays, daysInMonth, localDate } from '../../../lib/localtime.ts';
import { inTransaction, pgCode } from '../../../lib/tx.ts';
import type { EntryRow } from '../../points/index.ts';
import { currentStreak, restreak, rewardFor } from '../rules/checkin.ts';
import * as store from '../store/checkin.ts';
import type { CheckinRow } from '../store/checkin.ts';
import type { MakeupInput } from '../types.ts';
import type { Abuse } from './abuse.ts';
import type { ClientMeta, Shared } from './deps.ts';
import type { Levels } from './levels.ts';

declare module '../../../events.ts' {
  interface DomainEvents {
    'checkin.completed': { appId: string; userId: string; id: string; date: string; kind: 'normal' | 'makeup'; streak: number; total: number };
  }
}

export type CheckinResult = { date: string; timezone: string; streak: number; longest: number; total: number; reward: number; entries: EntryRow[] };

export function createCheckin(shared: Shared, abuse: Abuse, levels: Levels) {
  const { deps } = shared;

  const alreadyDone = (date: string) => new AppError('checkin.already_checked_in', `Already checked in on ${date} (user's local day)`, { date });

  return {
    /** Checks the user in for their local today; a second call that day is checkin.already_checked_in. */
    async checkIn(ctx: Ctx, appId: string, userId: string, meta: ClientMeta): Promise<CheckinResult> {
      const cfg = await shared.config(ctx, appId);
      if (!cfg.checkin.enabled) throw new AppError('checkin.disabled', 'Check-in is turned off for this app');
      await abuse.guard(ctx, appId, 'checkin', userId, meta, cfg);
      const timezone = await shared.timezoneOf(ctx, appId, userId, cfg);
      const now = deps.clock.now();
      const date = localDate(now, timezone);
      const factor = await levels.multiplier(ctx, appId, userId);
      try {
        return await inTransaction(ctx, async (tx) => {
          const r = await store.checkIn(tx.db, { appId, userId, date, timezone, rewards: cfg.checkin.rewards, now });
          if (!r) throw alreadyDone(date);
          const entries: EntryRow[] = [];
          const source = { type: 'checkin', id: `${userId}:${date}` };
          const points = Math.floor(r.reward * factor);
          if (points > 0) entries.push((await deps.points.earn(tx, appId, { userId, type: cfg.points_type, amount: points, key: `checkin:${userId}:${date}`, reason: `Check-in, day ${r.streak} of streak`, source })).entry);
          if (cfg.checkin.growth > 0 && cfg.growth_type) entries.push((await deps.points.earn(tx, appId, { userId, type: cfg.growth_type, amount: cfg.checkin.growth, key: `checkin-growth:${userId}:${date}`, reason: 'Check-in growth', source })).entry);
          await deps.bus.emit(tx.db, 'checkin.completed', { appId, userId, id: `checkin:${userId}:${date}`, date, kind: 'normal', streak: r.streak, total: r.total });
          return { date, timezone, streak: r.streak, longest: r.longest, total: r.total, reward: points, entries };
        });
      } catch (err) {
        // The primary key is the last word when the state row somehow let two through.
        if (pgCode(err) === '23505') throw alreadyDone(date);
        throw err;
      }
    },

    /** Fills a missed day of the current local month, paid with one make-up card or points. */
    async makeup(ctx: Ctx, appId: string, userId: string, input: MakeupInput, meta: ClientMeta): Promise<CheckinResult & { paidWith: 'card' | 'points' }> {
      const cfg = await shared.config(ctx, appId);
      const mk = cfg.checkin.makeup;
      if (!cfg.checkin.enabled || !mk.enabled) throw new AppError('checkin.makeup_disabled', 'Make-up check-in is turned off for this app');
      const payType = input.pay_with === 'card' ? mk.card_type : mk.cost_points === null ? null : cfg.points_type;
      const payAmount = input.pay_with === 'card' ? 1 : (mk.cost_points ?? 0);
      if (!payType) throw new AppError('checkin.makeup_disabled', `This app does not accept make-up check-ins paid with ${input.pay_with === 'card' ? 'cards' : 'points'}`, { field: 'body.pay_with' });
      try {
        await deps.points.getType(ctx, appId, payType);
      } catch {
        throw new AppError('checkin.makeup_disabled', `Make-up ${input.pay_with === 'card' ? 'cards' : 'points'} are not set up: point type "${payType}" is not defined`, { field: 'body.pay_with', type: payType });
      }
      await abuse.guard(ctx, appId, 'checkin', userId, meta, cfg);
      const timezone = await shared.timezoneOf(ctx, appId, userId, cfg);
      const now = deps.clock.now();
      const today = localDate(now, timezone);
      const month = today.slice(0, 7);
      if (input.date >= today || input.date.slice(0, 7) !== month) {
        throw fieldError('body.date', `must be a day before today (${today}) in the current month (${month}), in the user's time zone ${timezone}`, `a date from ${month}-01 to ${addDays(today, -1)}`);
      }
      return inTransaction(ctx, async (tx) => {
        const st = await store.lockState(tx.db, appId, userId);
        const used = st.makeupMonth === month ? st.makeups : 0;
        if (used >= mk.max_per_month) throw new AppError('checkin.makeup_limit', `${used} of ${mk.max_per_month} make-up check-ins used in ${month}`, { month, used, limit: mk.max_per_month });
        const prev = await store.findCheckin(tx.db, appId, userId, addDays(input.date, -1));
        const base = (prev?.streak ?? 0) + 1;
        const row = await store.insertMakeup(tx.db, { appId, userId, date: input.date, streak: base, paidWith: input.pay_with, timezone, now });
        if (!row) throw alreadyDone(input.date);
        const following = restreak(input.date, base, await store.datesAfter(tx.db, appId, userId, input.date, 1000));
        await store.setStreaks(tx.db, appId, userId, following);
        // The current streak changes when the filled day joins the chain ending on the last check-in.
        const lastDate = st.lastDate && st.lastDate > input.date ? st.lastDate : input.date;
        const tail = following.find((f) => f.date === lastDate);
        const streak = lastDate === input.date ? base : (tail?.streak ?? st.streak);
        const longest = Math.max(st.longest, base, ...following.map((f) => f.streak));
        await store.updateState(tx.db, appId, userId, { lastDate, streak, longest, total: st.total + 1, makeupMonth: month, makeups: used + 1 });
        const paid = await deps.points.spend(tx, appId, { userId, type: payType, amount: payAmount, key: `makeup:${userId}:${input.date}`, reason: `Make-up check-in for ${input.date}`, source: { type: 'checkin', id: `${userId}:${input.date}` } });
        await deps.bus.emit(tx.db, 'checkin.completed', { appId, userId, id: `makeup:${userId}:${input.date}`, date: input.date, kind: 'makeup', streak: Math.max(base, streak), total: st.total + 1 });
        return { date: input.date, timezone, streak, longest, total: st.total + 1, reward: 0, entries: [paid.entry], paidWith: input.pay_with };
      });
    },

    /** The month calendar: which days are checked in (and how), the streak, make-ups left, the next rewards. */
    async calendar(ctx: Ctx, appId: string, userId: string, month?: string) {
      const cfg = await shared.config(ctx, appId);
      const timezone = await shared.timezoneOf(ctx, appId, userId, cfg);
      const today = localDate(deps.clock.now(), timezone);
      const m = month ?? today.slice(0, 7);
      const last = `${m}-${String(daysInMonth(m)).padStart(2, '0')}`;
      const [rows, st] = await Promise.all([store.monthCheckins(ctx.db, appId, userId, `${m}-01`, last), store.findState(ctx.db, appId, userId)]);
      const byDate = new Map<string, CheckinRow>(rows.map((r) => [r.localDate, r]));
      const days = [];
      for (let d = 1; d <= daysInMonth(m); d++) {
        const date = `${m}-${String(d).padStart(2, '0')}`;
        const r = byDate.get(date);
        days.push({ date, checkedIn: !!r, kind: r?.kind ?? null, streak: r?.streak ?? null });
      }
      const streak = currentStreak(st?.lastDate ?? null, st?.streak ?? 0, today);
      const checkedInToday = st?.lastDate === today;
      const nextDay = streak + 1; // tomorrow's day if checked in today, else today's
      const upcoming = Array.from({ length: cfg.checkin.rewards.length }, (_, i) => ({ streakDay: nextDay + i, points: rewardFor(cfg.checkin.rewards, nextDay + i) }));
      const usedThisMonth = st?.makeupMonth === today.slice(0, 7) ? st.makeups : 0;
      return {
        month: m,
        timezone,
        today,
        checkedInToday,
        streak,
        longest: st?.longest ?? 0,
        total: st?.total ?? 0,
        makeups: { used: usedThisMonth, left: Math.max(0, cfg.checkin.makeup.max_per_month - usedThisMonth), enabled: cfg.checkin.makeup.enabled },
        days,
        upcoming,
      };
    },
  };
}

export type Checkin = ReturnType<typeof createCheckin>;
