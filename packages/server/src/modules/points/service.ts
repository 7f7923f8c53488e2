// The points ledger's use cases. See schema.ts for the invariants and store.ts for how each
// statement keeps them under concurrency.
import { createHash } from 'node:crypto';
import type { Ctx } from '../../context.ts';
import type { Db } from '../../db/index.ts';
import type { Erasure } from '../../erasure.ts';
import type { EventBus } from '../../events.ts';
import type { HostEvent, LogRow } from '../../events/index.ts';
import { isDomainEvent } from '../../events/known.ts';
import { AppError, fieldError } from '../../http/errors.ts';
import type { Clock } from '../../lib/clock.ts';
import { loadCache } from '../../lib/cache.ts';
import { localDate, periodWindow, startOfLocalDay, type Period } from '../../lib/localtime.ts';
import { defined } from '../../lib/objects.ts';
import { inTransaction, pgCode, type TxCtx } from '../../lib/tx.ts';
import type { Audit } from '../audit/index.ts';
import { HOLDOUT, type Experiments } from '../experiments/index.ts';
import './errors.ts';
import { capCounters, grantable } from './rules/caps.ts';
import { expiresAtFor } from './rules/expiry.ts';
import { matchesConditions, usersAt } from '../../lib/conditions.ts';
import * as store from './store.ts';
import type { BalanceView, EntryKind, EntryQuery, EntryRow, RuleRow, TypeRow } from './store.ts';
import type { RuleExperiment } from './schema.ts';
import type { PutTypeInput, RuleInput, RulePatchInput } from './types.ts';

declare module '../../events.ts' {
  interface DomainEvents {
    /** After every committed ledger entry (never for replays). */
    'points.changed': { appId: string; userId: string; type: string; entryId: number; kind: EntryKind; amount: number; balance: number; sourceType: string | null; sourceId: string | null };
  }
}

export type PointsDeps = {
  audit: Audit;
  bus: EventBus;
  clock: Clock;
  log: { error(obj: object, msg: string): void };
  /** How long type and rule definitions are cached per app (other servers see changes after this). */
  cacheMs?: number;
  /** Earn rules inside an A/B test ask the experiment for each earner's arm (points → experiments). */
  experiments?: Pick<Experiments, 'gate' | 'describe'> | undefined;
};

export type Source = { type: string; id: string | null };

export type DebitInput = {
  userId: string;
  type: string;
  amount: number;
  /** Unique per app: a replay returns the original entry. */
  key: string;
  reason?: string | null | undefined;
  source?: Source | null | undefined;
};

export type CreditInput = DebitInput & {
  ruleId?: string | null | undefined;
  expiresAt?: Date | null | undefined;
  expiresInDays?: number | null | undefined;
};

export type EntryResult = { entry: EntryRow; replayed: boolean };

export type BalanceResult = BalanceView & { expiring: { expiresAt: Date; amount: number }[] };

/** Returns the multiplier for points a rule grants a user (levels use it); 1 when none applies. */
export type MultiplierFn = (ctx: Ctx, appId: string, userId: string, type: string) => Promise<number>;

const fingerprintOf = (kind: string, userId: string, type: string, amount: number) => createHash('sha256').update(`${kind}\u0000${userId}\u0000${type}\u0000${amount}`).digest('base64url').slice(0, 22);
/** Users one event may credit through one rule (a list such as a post's voters). */
const MAX_EARNERS = 1000;

/** One occurrence earn rules may match: a host event or a domain event. */
type ApplyInput = { appId: string; userId: string | null; source: 'event' | 'domain'; name: string; sourceId: string; properties: Record<string, unknown> };

function checkReplay(r: EntryResult, kind: EntryKind, input: { userId: string; type: string; amount: number; key: string }, sign: 1 | -1): EntryResult {
  if (!r.replayed) return r;
  const expected = fingerprintOf(kind, input.userId, input.type, input.amount * sign);
  if (r.entry.fingerprint !== expected) {
    throw new AppError('points.idempotency_conflict', `Idempotency key "${input.key}" was already used for another ledger change (entry ${r.entry.id}: ${r.entry.kind} ${r.entry.amount} ${r.entry.type} for ${r.entry.userId})`, {
      field: 'body.idempotency_key',
      entry_id: String(r.entry.id),
    });
  }
  return r;
}

export function createPoints(deps: PointsDeps) {
  const cacheMs = deps.cacheMs ?? 5000;
  const typeCache = loadCache<Map<string, TypeRow>>(cacheMs);
  const ruleCache = loadCache<{ rows: RuleRow[]; keys: Set<string> }>(cacheMs);
  let multiplier: MultiplierFn | null = null;
  const audited = (ctx: Ctx) => ctx.actor.type === 'operator' || ctx.actor.type === 'secret_key';

  // Definitions change rarely and are read on every write: cached per app (lib/cache.ts).
  async function typeOf(ctx: Ctx, appId: string, key: string, field = 'body.type'): Promise<TypeRow> {
    const load = async () => new Map((await store.listTypes(ctx.db, appId)).map((t) => [t.key, t]));
    let types = await typeCache.get(appId, load);
    // A type defined on another server a moment ago: look again before refusing.
    if (!types.has(key)) types = await typeCache.get(appId, load, { fresh: true });
    const t = types.get(key);
    if (!t) throw new AppError('points.unknown_type', `Point type "${key}" is not defined in this app; define it with PUT /v1/points/types/${key}`, { field, type: key });
    return t;
  }

  /** Active rules, and the (source, event) pairs they listen to: most events match no rule. */
  function rulesOf(ctx: Ctx, appId: string): Promise<{ rows: RuleRow[]; keys: Set<string> }> {
    return ruleCache.get(appId, async () => {
      const rows = await store.activeRules(ctx.db, appId);
      return { rows, keys: new Set(rows.map((r) => `${r.source}\u0000${r.event}`)) };
    });
  }

  /** An earn rule's experiment exists and its amounts name only its arms; stored by id. */
  async function checkExperiment(ctx: Ctx, appId: string, x: { id: string; amounts: Record<string, number> }): Promise<RuleExperiment> {
    if (!deps.experiments) throw fieldError('body.experiment', 'experiments are not available in this installation', 'no experiment');
    const e = await deps.experiments.describe(ctx, appId, x.id);
    if (!e) throw fieldError('body.experiment.id', `no experiment ${x.id} in this app`, 'the id or key of an experiment (GET /v1/experiments)');
    if (e.status === 'stopped') throw fieldError('body.experiment.id', `experiment ${e.key} has stopped`, 'a draft or running experiment');
    const unknown = Object.keys(x.amounts).filter((k) => !e.variants.includes(k));
    if (unknown.length) throw fieldError('body.experiment.amounts', `${unknown.join(', ')} ${unknown.length > 1 ? 'are not arms' : 'is not an arm'} of experiment ${e.key} (arms: ${e.variants.join(', ')}; the holdout never earns)`, 'amounts keyed by arm');
    return { id: e.id, amounts: x.amounts };
  }

  /**
   * The base amount a rule grants this user, in the grant's transaction: the rule's amount, or for
   * a rule inside an experiment the arm's amount, null while the experiment does not run or for its
   * holdout (whose users are recorded as exposed to nothing).
   */
  async function ruleAmount(ctx: Ctx, appId: string, rule: RuleRow, userId: string): Promise<number | null> {
    if (!rule.experiment) return rule.amount;
    const g = deps.experiments ? await deps.experiments.gate(ctx, appId, rule.experiment.id, [userId]) : null;
    const arm = g?.running ? g.arms.get(userId) : undefined;
    if (arm === undefined || arm === HOLDOUT) return null;
    return rule.experiment.amounts[arm] ?? rule.amount;
  }

  /** A grant's ledger key: the acting user's is the rule's original one; others' name the user too. */
  const ruleKey = (rule: RuleRow, o: { source: string; sourceId: string }, userId: string) =>
    rule.userPath === null ? `rule:${rule.id}:${o.source}:${o.sourceId}` : `rule:${rule.id}:${o.source}:${o.sourceId}:${userId}`;

  /** Who earns from a rule: the acting user, or the user id(s) at the rule's property path. */
  function earnersOf(rule: RuleRow, o: { userId: string | null; properties: Record<string, unknown> }): string[] {
    if (rule.userPath === null) return o.userId ? [o.userId] : [];
    return usersAt(o.properties, rule.userPath, MAX_EARNERS);
  }

  /** Recorded in the ledger write's own transaction: the event commits with the entry or not at all. */
  const changedOf = (e: EntryRow) => ({ appId: e.appId, userId: e.userId, type: e.type, entryId: e.id, kind: e.kind, amount: e.amount, balance: e.balanceAfter, sourceType: e.sourceType, sourceId: e.sourceId });
  const announce = (db: Ctx['db'], e: EntryRow) => deps.bus.emit(db, 'points.changed', changedOf(e));

  const insufficient = (type: string, balance: number, amount: number) =>
    new AppError('points.insufficient_balance', `Balance of "${type}" is ${balance}; cannot take ${amount}`, { field: 'body.amount', type, balance, requested: amount });

  /** Runs a ledger write; a concurrent first use of the same key (unique violation) is retried once, then it replays. */
  async function retryOnKeyRace<T>(ctx: TxCtx, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (pgCode(err) !== '23505') throw err;
      // Inside a caller's transaction the statement error has aborted it: the caller must retry.
      if (ctx.afterCommit) throw new AppError('idempotency.in_progress', 'The same ledger change is being made concurrently; retry', undefined, { retryAfter: 1 });
      return fn();
    }
  }

  /** The ledger entry a change writes, from its input: who, what, why, and the key's fingerprint. */
  const entryWrite = (ctx: Ctx, appId: string, kind: EntryKind, input: CreditInput, sign: 1 | -1, now: Date): store.EntryWrite => ({
    appId,
    userId: input.userId,
    type: input.type,
    kind,
    amount: input.amount,
    key: input.key,
    fingerprint: fingerprintOf(kind, input.userId, input.type, sign * input.amount),
    reason: input.reason ?? null,
    sourceType: input.source?.type ?? null,
    sourceId: input.source?.id ?? null,
    ruleId: input.ruleId ?? null,
    actorType: ctx.actor.type,
    actorId: ctx.actor.id,
    now,
  });

  async function creditAs(ctx: TxCtx, appId: string, kind: 'earn' | 'adjust', input: CreditInput): Promise<EntryResult> {
    const t = await typeOf(ctx, appId, input.type);
    const now = deps.clock.now();
    // Points that are expired the moment they arrive would be credited and expired at once.
    if (input.expiresAt && input.expiresAt <= now) throw fieldError('body.expires_at', `must be in the future (now is ${now.toISOString()})`, 'a date-time after now');
    const expiresAt = expiresAtFor(t.expiry, now, { at: input.expiresAt ?? null, days: input.expiresInDays ?? null });
    const write = { ...entryWrite(ctx, appId, kind, input, 1, now), expiresAt, earned: input.amount };
    const r = await retryOnKeyRace(ctx, () =>
      inTransaction(ctx, async (tx) => {
        let out: EntryResult;
        try {
          out = await store.credit(tx.db, write);
        } catch (err) {
          if (pgCode(err) === '23503') throw new AppError('points.unknown_type', `Point type "${input.type}" is not defined in this app`, { field: 'body.type', type: input.type });
          throw err;
        }
        if (!out.replayed) await announce(tx.db, out.entry);
        return out;
      }),
    );
    checkReplay(r, kind, input, 1);
    return r;
  }

  async function debitAs(ctx: TxCtx, appId: string, kind: 'spend' | 'adjust', input: DebitInput): Promise<EntryResult> {
    await typeOf(ctx, appId, input.type);
    const run = () =>
      inTransaction(ctx, async (tx) => {
        const now = deps.clock.now();
        const locked = await store.lockBalance(tx.db, appId, input.userId, input.type, input.key, now);
        if (locked?.dupId != null) {
          const entry = (await store.findEntry(tx.db, appId, locked.dupId))!;
          return checkReplay({ entry, replayed: true }, kind, input, -1);
        }
        let balance = locked?.balance ?? 0;
        if (locked?.due) {
          const expired = await store.expireDueLots(tx.db, appId, input.userId, input.type, now);
          balance -= expired.total;
        }
        if (balance < input.amount) throw insufficient(input.type, balance, input.amount);
        const entry = await store.debit(tx.db, { ...entryWrite(ctx, appId, kind, input, -1, now), spent: kind === 'spend' ? input.amount : 0 });
        await announce(tx.db, entry);
        return { entry, replayed: false };
      });
    return retryOnKeyRace(ctx, run);
  }

  async function expireFor(ctx: Ctx, appId: string, userId: string, type: string): Promise<number> {
    return inTransaction(ctx, async (tx) => {
      const now = deps.clock.now();
      const locked = await store.lockBalance(tx.db, appId, userId, type, null, now);
      if (!locked?.due) return 0;
      const r = await store.expireDueLots(tx.db, appId, userId, type, now);
      if (r.total > 0) {
        await deps.bus.emit(tx.db, 'points.changed', { appId, userId, type, entryId: 0, kind: 'expire', amount: -r.total, balance: locked.balance - r.total, sourceType: 'lot', sourceId: null });
      }
      return r.total;
    });
  }

  const points = {
    // ---- ledger writes --------------------------------------------------------------------------

    /** Credits points. Idempotent by `key`; composes into the caller's transaction when ctx has one. */
    earn(ctx: TxCtx, appId: string, input: CreditInput): Promise<EntryResult> {
      return creditAs(ctx, appId, 'earn', input);
    },

    /** Debits points, soonest-expiring lots first; never below zero (points.insufficient_balance). */
    spend(ctx: TxCtx, appId: string, input: DebitInput): Promise<EntryResult> {
      return debitAs(ctx, appId, 'spend', input);
    },

    /** An operator's or the host's correction, with a reason; audited with the entry. */
    adjust(ctx: TxCtx, appId: string, input: { userId: string; type: string; amount: number; reason: string; key: string }): Promise<EntryResult> {
      return inTransaction(ctx, async (tx) => {
        const r =
          input.amount > 0
            ? await creditAs(tx, appId, 'adjust', { ...input })
            : await debitAs(tx, appId, 'adjust', { userId: input.userId, type: input.type, amount: -input.amount, key: input.key, reason: input.reason });
        if (r.replayed) deps.audit.replayed(ctx);
        else if (audited(ctx)) {
          // The entry's balance after, less its amount, is the balance this change started from.
          await deps.audit.record(tx, {
            appId,
            action: 'points.adjust',
            targetType: 'user',
            targetId: input.userId,
            before: { type: input.type, balance: r.entry.balanceAfter - r.entry.amount },
            after: { type: input.type, balance: r.entry.balanceAfter, amount: input.amount, reason: input.reason, entry_id: String(r.entry.id) },
          });
        }
        return r;
      });
    },

    /**
     * Gives back a debit in full, into lots with the original expiry dates. Idempotent by `key`;
     * refunding needs the debit's own idempotency key. A debit is refunded at most once, whatever
     * the path (this call, a cancelled mall order): a refund under another key is
     * points.already_refunded. The balance lock serialises refunds of one debit, and the unique
     * index on pt_entries.refund_of is the last line of defence.
     */
    refund(ctx: TxCtx, appId: string, input: { debitKey: string; key: string; reason?: string | null; source?: Source | null }): Promise<EntryResult> {
      const run = () =>
        inTransaction(ctx, async (tx) => {
          const debit = await store.findEntryByKey(tx.db, appId, input.debitKey);
          if (!debit) throw new AppError('points.entry_not_found', `No ledger entry has idempotency key "${input.debitKey}"`, { field: 'body.debit_idempotency_key', idempotency_key: input.debitKey });
          if (debit.amount >= 0 || !debit.lots || debit.kind === 'expire') throw new AppError('points.not_refundable', `Entry ${debit.id} is a ${debit.kind} of ${debit.amount}; only debits can be refunded`, { field: 'body.debit_idempotency_key', entry_id: String(debit.id) });
          const now = deps.clock.now();
          const locked = await store.lockBalance(tx.db, appId, debit.userId, debit.type, input.key, now);
          const amount = -debit.amount;
          if (locked?.dupId != null) {
            const r = checkReplay({ entry: (await store.findEntry(tx.db, appId, locked.dupId))!, replayed: true }, 'refund', { userId: debit.userId, type: debit.type, amount, key: input.key }, 1);
            if (r.entry.refundOf !== debit.id) throw new AppError('points.idempotency_conflict', `Idempotency key "${input.key}" was already used for another ledger change (entry ${r.entry.id})`, { field: 'body.idempotency_key', entry_id: String(r.entry.id) });
            deps.audit.replayed(ctx);
            return r;
          }
          // Read after taking the lock: a refund committed by an earlier lock holder is visible.
          const prior = await store.findRefundOf(tx.db, appId, debit.id);
          // The lock statement's key check ran on its snapshot from before the wait: a concurrent
          // replay of this same refund finds it here.
          if (prior && prior.idemKey === input.key) {
            deps.audit.replayed(ctx);
            return { entry: prior, replayed: true };
          }
          if (prior) {
            throw new AppError('points.already_refunded', `Entry ${debit.id} (${debit.amount} ${debit.type}) was already refunded by entry ${prior.id}; a debit is refunded at most once`, {
              field: 'body.debit_idempotency_key',
              entry_id: String(debit.id),
              refund_entry_id: String(prior.id),
              refund_idempotency_key: prior.idemKey,
            });
          }
          const r = await store.creditLots(tx.db, {
            appId,
            userId: debit.userId,
            type: debit.type,
            kind: 'refund',
            amount,
            key: input.key,
            fingerprint: fingerprintOf('refund', debit.userId, debit.type, amount),
            reason: input.reason ?? null,
            sourceType: input.source?.type ?? 'entry',
            sourceId: input.source?.id ?? String(debit.id),
            ruleId: null,
            actorType: ctx.actor.type,
            actorId: ctx.actor.id,
            now,
            refundOf: debit.id,
            parts: debit.lots.map(([, n, exp]) => ({ amount: Number(n), expiresAt: exp ? new Date(exp) : null })),
          });
          await announce(tx.db, r.entry);
          if (audited(ctx)) {
            await deps.audit.record(tx, {
              appId,
              action: 'points.refund',
              targetType: 'user',
              targetId: debit.userId,
              before: { type: debit.type, balance: r.entry.balanceAfter - r.entry.amount },
              after: { type: debit.type, balance: r.entry.balanceAfter, amount, reason: input.reason ?? null, entry_id: String(r.entry.id), refund_of: String(debit.id) },
            });
          }
          return r;
        });
      return retryOnKeyRace(ctx, run);
    },

    /** The refund of the debit with this idempotency key, if it was refunded. */
    async refundOf(ctx: Ctx, appId: string, debitKey: string): Promise<EntryRow | null> {
      const debit = await store.findEntryByKey(ctx.db, appId, debitKey);
      return debit ? ((await store.findRefundOf(ctx.db, appId, debit.id)) ?? null) : null;
    },

    // ---- reads ----------------------------------------------------------------------------------

    /** Every balance of the user; lots already due are expired first, so balances are exact. */
    async balances(ctx: Ctx, appId: string, userId: string): Promise<BalanceView[]> {
      let rows = await store.userBalances(ctx.db, appId, userId, deps.clock.now());
      if (rows.some((r) => r.due > 0)) {
        for (const r of rows) if (r.due > 0) await expireFor(ctx, appId, userId, r.type);
        rows = await store.userBalances(ctx.db, appId, userId, deps.clock.now());
      }
      return rows;
    },

    /** One balance with its upcoming expiries; 0 for a user who never had this type. */
    /** One type's balance of many users at once (users without one are absent: 0). */
    balancesOf(ctx: Ctx, appId: string, userIds: string[], type: string): Promise<Map<string, number>> {
      return store.balancesOf(ctx.db, appId, userIds, type);
    },

    /**
     * 积分排行榜: users ranked by points of one type earned in the current day, ISO week or
     * calendar month of `timeZone` (or all time), or by current balance; with one user's exact
     * standing however far down they are.
     */
    async leaderboard(ctx: Ctx, appId: string, q: { type: string; period: Period; timeZone: string; basis: store.LeaderBasis; limit: number; userId?: string | undefined }) {
      await typeOf(ctx, appId, q.type, 'query.type');
      if (q.basis === 'balance' && q.period !== 'all') throw fieldError('query.rank_by', 'a balance is a standing, not a sum over a period: rank_by=balance needs period=all', 'earned, or period=all');
      const now = deps.clock.now();
      let window: store.LeaderWindow = null;
      let bounds: { from: string; to: string } | null = null;
      if (q.period !== 'all') {
        const w = periodWindow(q.period, localDate(now, q.timeZone));
        window = { from: startOfLocalDay(w.start, q.timeZone), to: startOfLocalDay(w.end, q.timeZone) };
        bounds = { from: w.start, to: w.end };
      }
      const [rows, me] = await Promise.all([
        store.leaders(ctx.db, appId, q.type, window, q.basis, q.limit),
        q.userId === undefined ? null : store.standing(ctx.db, appId, q.type, window, q.basis, q.userId),
      ]);
      return { window, bounds, rows, me: me && q.userId !== undefined ? { userId: q.userId, ...me } : null };
    },

    async balance(ctx: Ctx, appId: string, userId: string, type: string): Promise<BalanceResult> {
      await typeOf(ctx, appId, type, 'params.type');
      let [row] = await store.userBalances(ctx.db, appId, userId, deps.clock.now(), type);
      if (row && row.due > 0) {
        await expireFor(ctx, appId, userId, type);
        [row] = await store.userBalances(ctx.db, appId, userId, deps.clock.now(), type);
      }
      const view = row ?? { type, balance: 0, earned: 0, spent: 0, expired: 0, due: 0 };
      return { ...view, expiring: row ? await store.expiringLots(ctx.db, appId, userId, type, 50) : [] };
    },

    history(ctx: Ctx, appId: string, q: EntryQuery): Promise<EntryRow[]> {
      return store.listEntries(ctx.db, appId, q);
    },

    reconcile(ctx: Ctx, appId: string) {
      return store.reconcile(ctx.db, appId);
    },

    // ---- expiry ---------------------------------------------------------------------------------

    /** Expires every due lot (the scheduled job). Each user and type in its own short transaction. */
    async expireDue(ctx: Ctx, opts: { batch?: number } = {}): Promise<{ groups: number; points: number }> {
      let groups = 0;
      let total = 0;
      for (;;) {
        const due = await store.dueGroups(ctx.db, deps.clock.now(), opts.batch ?? 500);
        let expired = 0;
        for (const g of due) {
          expired += await expireFor(ctx, g.appId, g.userId, g.type);
          groups++;
        }
        total += expired;
        // Nothing left, or nothing this pass could expire (never spin on a group that will not move).
        if (due.length === 0 || expired === 0) break;
      }
      await store.purgeUsage(ctx.db, new Date(deps.clock.now().getTime() - 15 * 86_400_000));
      return { groups, points: total };
    },

    // ---- types ----------------------------------------------------------------------------------

    async putType(ctx: Ctx, appId: string, key: string, input: PutTypeInput): Promise<{ row: TypeRow; created: boolean }> {
      const r = await inTransaction(ctx, async (tx) => {
        const before = await store.findType(tx.db, appId, key);
        const r = await store.upsertType(tx.db, appId, key, { name: input.name, description: input.description ?? null, expiry: input.expiry });
        if (audited(ctx)) await deps.audit.record(tx, { appId, action: r.created ? 'points.type.create' : 'points.type.update', targetType: 'points_type', targetId: key, before: before ?? null, after: r.row });
        return r;
      });
      typeCache.delete(appId);
      return r;
    },

    listTypes(ctx: Ctx, appId: string): Promise<TypeRow[]> {
      return store.listTypes(ctx.db, appId);
    },

    /** The type, or points.unknown_type naming `field`. */
    getType(ctx: Ctx, appId: string, key: string, field?: string): Promise<TypeRow> {
      return typeOf(ctx, appId, key, field);
    },

    // ---- earn rules -----------------------------------------------------------------------------

    async createRule(ctx: Ctx, appId: string, input: RuleInput, id: string): Promise<RuleRow> {
      const experiment = input.experiment ? await checkExperiment(ctx, appId, input.experiment) : null;
      // A rule on a domain event that does not exist would be accepted and never fire.
      if (input.source === 'domain' && !isDomainEvent(input.event)) {
        throw fieldError('body.event', `Canyu records no domain event named "${input.event}" (see GET /v1/events/catalog); host events use source "event"`, 'a domain event name');
      }
      await typeOf(ctx, appId, input.type);
      const row = await inTransaction(ctx, async (tx) => {
        const row = await store.insertRule(tx.db, {
          id,
          appId,
          name: input.name,
          source: input.source,
          event: input.event,
          conditions: input.conditions,
          userPath: input.user === 'actor' ? null : input.user,
          type: input.type,
          amount: input.amount,
          dailyCap: input.daily_cap ?? null,
          weeklyCap: input.weekly_cap ?? null,
          totalCap: input.total_cap ?? null,
          timezone: input.timezone,
          expiresInDays: input.expires_in_days ?? null,
          active: input.active,
          experiment,
        });
        if (audited(ctx)) await deps.audit.record(tx, { appId, action: 'points.rule.create', targetType: 'points_rule', targetId: id, after: row });
        return row;
      });
      ruleCache.delete(appId);
      await deps.bus.refreshInterest(ctx.db, 'points');
      return row;
    },

    async updateRule(ctx: Ctx, appId: string, id: string, p: RulePatchInput): Promise<RuleRow> {
      const experiment = p.experiment ? await checkExperiment(ctx, appId, p.experiment) : p.experiment;
      const row = await inTransaction(ctx, async (tx) => {
        const before = await store.findRule(tx.db, appId, id);
        if (!before) throw new AppError('points.rule_not_found', `Rule ${id} does not exist in this app`, { rule_id: id });
        const row = (await store.updateRule(
          tx.db,
          appId,
          id,
          defined({ name: p.name, conditions: p.conditions, userPath: p.user === undefined ? undefined : p.user === 'actor' ? null : p.user, amount: p.amount, dailyCap: p.daily_cap, weeklyCap: p.weekly_cap, totalCap: p.total_cap, timezone: p.timezone, expiresInDays: p.expires_in_days, active: p.active, experiment }),
        ))!;
        if (audited(ctx)) await deps.audit.record(tx, { appId, action: 'points.rule.update', targetType: 'points_rule', targetId: id, before, after: row });
        return row;
      });
      ruleCache.delete(appId);
      await deps.bus.refreshInterest(ctx.db, 'points');
      return row;
    },

    async deleteRule(ctx: Ctx, appId: string, id: string): Promise<void> {
      await inTransaction(ctx, async (tx) => {
        const before = await store.deleteRule(tx.db, appId, id);
        if (!before) throw new AppError('points.rule_not_found', `Rule ${id} does not exist in this app`, { rule_id: id });
        if (audited(ctx)) await deps.audit.record(tx, { appId, action: 'points.rule.delete', targetType: 'points_rule', targetId: id, before });
      });
      ruleCache.delete(appId);
      await deps.bus.refreshInterest(ctx.db, 'points');
    },

    async getRule(ctx: Ctx, appId: string, id: string): Promise<RuleRow> {
      const row = await store.findRule(ctx.db, appId, id);
      if (!row) throw new AppError('points.rule_not_found', `Rule ${id} does not exist in this app`, { rule_id: id });
      return row;
    },

    listRules(ctx: Ctx, appId: string, q: { limit: number; afterId?: string | undefined; event?: string | undefined; active?: boolean | undefined }): Promise<RuleRow[]> {
      return store.listRules(ctx.db, appId, q);
    },

    /** False only when the app's rules are known (and fresh) and none listens to this event. */
    wants(appId: string, source: 'event' | 'domain', name: string): boolean {
      const c = ruleCache.peek(appId);
      return !c || c.keys.has(`${source}\u0000${name}`);
    },

    /**
     * Applies every active rule matching an occurrence. Each rule grants at most once per
     * (rule, source, source id), clipped to its caps; returns what was granted.
     */
    async apply(ctx: Ctx, appId: string, o: Omit<ApplyInput, 'appId'>): Promise<{ ruleId: string; userId: string; granted: number; reason?: 'cap' | 'duplicate' | 'experiment' }[]> {
      const matching = (await rulesOf(ctx, appId)).rows.filter((r) => r.source === o.source && r.event === o.name && matchesConditions(r.conditions, o.properties));
      const out: { ruleId: string; userId: string; granted: number; reason?: 'cap' | 'duplicate' | 'experiment' }[] = [];
      for (const rule of matching) {
        for (const userId of earnersOf(rule, o)) {
          const key = ruleKey(rule, o, userId);
          const factor = multiplier ? await multiplier(ctx, appId, userId, rule.type) : 1;
          try {
            const granted = await inTransaction(ctx, async (tx) => {
              if (await store.findEntryByKey(tx.db, appId, key)) return -1;
              const base = await ruleAmount(tx, appId, rule, userId);
              if (base === null) return -2;
              const amount = Math.floor(base * factor);
              const counters = capCounters(rule, deps.clock.now()).map((c) => ({ ...c, userId: c.userScoped ? userId : '' }));
              const held = await store.lockUsage(tx.db, appId, rule.id, counters);
              const used = counters.map((c) => ({ cap: c.cap, used: held.find((h) => h.userId === c.userId && h.period === c.period)?.amount ?? 0 }));
              const n = grantable(amount, used);
              if (n <= 0) return 0;
              await store.addUsage(tx.db, appId, rule.id, counters, n);
              await creditAs(tx, appId, 'earn', { userId, type: rule.type, amount: n, key, reason: rule.name, source: { type: o.source === 'event' ? 'event' : o.name, id: o.sourceId }, ruleId: rule.id, expiresInDays: rule.expiresInDays });
              return n;
            });
            out.push(granted === -2 ? { ruleId: rule.id, userId, granted: 0, reason: 'experiment' } : granted < 0 ? { ruleId: rule.id, userId, granted: 0, reason: 'duplicate' } : granted === 0 ? { ruleId: rule.id, userId, granted: 0, reason: 'cap' } : { ruleId: rule.id, userId, granted });
          } catch (err) {
            // The same occurrence applied concurrently (a redelivery): the other grant stands.
            if (pgCode(err) === '23505' || (err instanceof AppError && err.code === 'idempotency.in_progress')) out.push({ ruleId: rule.id, userId, granted: 0, reason: 'duplicate' });
            else throw err;
          }
        }
      }
      return out;
    },

    /**
     * Earn rules over a run of events (a consumer's batch): grants of rules without caps are
     * written together, one statement per app, and announced in one more; an event that matches a
     * capped rule or one inside an experiment goes through `apply` (the caps' counters are locked per grant). Same keys, same
     * effects as `apply` on each event in order.
     */
    async applyMany(ctx: Ctx, items: ApplyInput[]): Promise<void> {
      const now = deps.clock.now();
      const byApp = new Map<string, Map<string, Parameters<typeof store.creditMany>[2][number]>>();
      for (const o of items) {
        const matching = (await rulesOf(ctx, o.appId)).rows.filter((r) => r.source === o.source && r.event === o.name && matchesConditions(r.conditions, o.properties));
        if (matching.length === 0) continue;
        if (matching.some((r) => r.dailyCap !== null || r.weeklyCap !== null || r.totalCap !== null || r.experiment !== null)) {
          await points.apply(ctx, o.appId, o);
          continue;
        }
        let writes = byApp.get(o.appId);
        if (!writes) byApp.set(o.appId, (writes = new Map()));
        for (const rule of matching) {
          const t = await typeOf(ctx, o.appId, rule.type);
          for (const userId of earnersOf(rule, o)) {
            const key = ruleKey(rule, o, userId);
            if (writes.has(key)) continue;
            const factor = multiplier ? await multiplier(ctx, o.appId, userId, rule.type) : 1;
            const amount = Math.floor(rule.amount * factor);
            if (amount <= 0) continue;
            const input: CreditInput = { userId, type: rule.type, amount, key, reason: rule.name, source: { type: o.source === 'event' ? 'event' : o.name, id: o.sourceId }, ruleId: rule.id };
            const { appId: _app, ...w } = entryWrite(ctx, o.appId, 'earn', input, 1, now);
            writes.set(key, { ...w, expiresAt: expiresAtFor(t.expiry, now, { at: null, days: rule.expiresInDays ?? null }) });
          }
        }
      }
      for (const [appId, writes] of byApp) {
        const written = await store.creditMany(ctx.db, appId, [...writes.values()]);
        await deps.bus.emitMany(ctx.db, written.map((e) => ({ name: 'points.changed' as const, payload: changedOf(e) })));
      }
    },

    /** Levels (or anything else) may scale rule grants per user; set once at wiring. */
    useMultiplier(fn: MultiplierFn): void {
      multiplier = fn;
    },

    erasure: {
      eraseUser: (db: Db, appId: string, userId: string) => db.transaction((tx) => store.deleteUserData(tx, appId, userId)),
      eraseApp: (db: Db, appId: string) => db.transaction((tx) => store.eraseApp(tx, appId)),
    } satisfies Erasure,
  };

  return points;
}

export type Points = ReturnType<typeof createPoints>;

/**
 * Consumers: earn rules on host events (POST /v1/events) and on any domain event by name (the
 * acting user earns). Each grant runs in the consumer's transaction and is keyed by rule and
 * event, so it happens once per event. Erasure: `points.erasure`, wired in app.ts.
 */
export function wirePoints(points: Points, deps: { bus: EventBus }): void {
  deps.bus.interestIn('points', store.hostInterest);
  const hostInput = (r: LogRow): ApplyInput => {
    const e = r.payload as HostEvent;
    return { appId: e.appId, userId: e.userId, source: 'event', name: e.name, sourceId: e.eventId, properties: e.properties };
  };
  const domainInput = (r: LogRow): ApplyInput => ({ appId: r.appId, userId: typeof r.payload.userId === 'string' ? r.payload.userId : r.actorId, source: 'domain', name: r.name, sourceId: r.key, properties: r.payload });
  deps.bus.consume({
    name: 'points.host',
    wants: (r) => r.kind === 'host' && points.wants(r.appId, 'event', (r.payload as HostEvent).name),
    handle: (ctx, r) => points.applyMany(ctx, [hostInput(r)]),
    handleBatch: (ctx, rows) => points.applyMany(ctx, rows.map(hostInput)),
  });
  deps.bus.consume({
    name: 'points.domain',
    wants: (r) => r.kind === 'domain' && points.wants(r.appId, 'domain', r.name),
    handle: (ctx, r) => points.applyMany(ctx, [domainInput(r)]),
    handleBatch: (ctx, rows) => points.applyMany(ctx, rows.map(domainInput)),
  });
}
