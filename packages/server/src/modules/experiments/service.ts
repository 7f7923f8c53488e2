// Experiments: deterministic, sticky assignment to variants and a holdout; the first exposure of
// each user recorded once (announced as `experiment.exposed`); a report per arm with the
// difference from the control, its 95% interval and p-value, and a sample-ratio check.
import { randomBytes } from 'node:crypto';
import type { Ctx } from '../../context.ts';
import type { Db } from '../../db/index.ts';
import type { Erasure } from '../../erasure.ts';
import type { EventBus } from '../../events.ts';
import { AppError } from '../../http/errors.ts';
import type { Clock } from '../../lib/clock.ts';
import { newId } from '../../lib/ids.ts';
import type { Audit } from '../audit/index.ts';
import './errors.ts';
import { assign, expectedShares, HOLDOUT } from './rules/assign.ts';
import { sampleRatio, twoProportion, welch } from './rules/stats.ts';
import * as store from './store.ts';
import type { ExperimentRow } from './store.ts';
import type { ExperimentInput, ExperimentPatchInput } from './types.ts';

declare module '../../events.ts' {
  interface DomainEvents {
    'experiment.exposed': { appId: string; experimentId: string; key: string; userId: string; variant: string };
  }
}

/** A feature's view of an experiment: whether it runs, the control arm, and each asked user's arm (HOLDOUT for the holdout). */
export type Gate = { id: string; key: string; status: string; running: boolean; control: string; arms: Map<string, string> };

export { HOLDOUT };

export type ExperimentsDeps = { db: Db; bus: EventBus; clock: Clock; audit: Audit };

export const publicExperiment = (e: ExperimentRow) => ({
  key: e.key,
  name: e.name,
  description: e.description,
  status: e.status,
  variants: e.variants,
  holdout_percent: e.holdoutPercent,
  target: { kind: e.targetKind, id: e.targetId },
  goal: e.goal,
});

export function createExperiments(deps: ExperimentsDeps) {
  const { bus, clock } = deps;
  const notFound = (id: string) => new AppError('experiments.not_found', `No experiment ${id} in this app`, { experiment: id });

  async function must(db: Db, appId: string, id: string, lock = false): Promise<ExperimentRow> {
    const e = await store.findExperiment(db, appId, id, lock);
    if (!e) throw notFound(id);
    return e;
  }

  return {
    erasure: { eraseUser: store.eraseUser, eraseApp: store.eraseApp } satisfies Erasure,

    async create(ctx: Ctx, appId: string, b: ExperimentInput): Promise<ExperimentRow> {
      const now = clock.now();
      return ctx.db.transaction(async (tx) => {
        const row = await store.insertExperiment(tx, {
          id: newId('exp'),
          appId,
          key: b.key,
          name: b.name,
          description: b.description ?? null,
          status: 'draft',
          variants: b.variants,
          holdoutPercent: b.holdout_percent,
          salt: randomBytes(12).toString('hex'),
          targetKind: b.target.kind,
          targetId: b.target.id ?? null,
          goal: b.goal,
          startedAt: null,
          stoppedAt: null,
          createdAt: now,
          updatedAt: now,
        });
        if (!row) throw new AppError('experiments.key_taken', `An experiment with key ${b.key} exists`, { field: 'body.key' });
        await deps.audit.record({ ...ctx, db: tx }, { appId, action: 'experiment.create', targetType: 'experiment', targetId: row.id, before: null, after: publicExperiment(row) });
        return row;
      });
    },

    get: (ctx: Ctx, appId: string, id: string) => must(ctx.db, appId, id),
    list: (ctx: Ctx, appId: string, q: { limit: number; status?: string | undefined; before?: { t: string; id: string } | undefined }) => store.listExperiments(ctx.db, appId, q),

    /** Name and description any time; arms, holdout and goal only while a draft (assignments depend on them). */
    async update(ctx: Ctx, appId: string, id: string, p: ExperimentPatchInput): Promise<ExperimentRow> {
      return ctx.db.transaction(async (tx) => {
        const e = await must(tx, appId, id, true);
        const locked = p.variants !== undefined || p.holdout_percent !== undefined || p.goal !== undefined;
        if (locked && e.status !== 'draft') throw new AppError('experiments.locked', 'Variants, holdout and goal cannot change once the experiment has started: stop it and create a new one', { status: e.status });
        const row = await store.updateExperiment(tx, e.id, {
          ...(p.name !== undefined ? { name: p.name } : {}),
          ...(p.description !== undefined ? { description: p.description ?? null } : {}),
          ...(p.variants !== undefined ? { variants: p.variants } : {}),
          ...(p.holdout_percent !== undefined ? { holdoutPercent: p.holdout_percent } : {}),
          ...(p.goal !== undefined ? { goal: p.goal } : {}),
          updatedAt: clock.now(),
        });
        await deps.audit.record({ ...ctx, db: tx }, { appId, action: 'experiment.update', targetType: 'experiment', targetId: e.id, before: publicExperiment(e), after: publicExperiment(row) });
        return row;
      });
    },

    async setStatus(ctx: Ctx, appId: string, id: string, status: 'running' | 'stopped'): Promise<ExperimentRow> {
      return ctx.db.transaction(async (tx) => {
        const e = await must(tx, appId, id, true);
        if (e.status === status) return e;
        if (status === 'running' && e.status !== 'draft') throw new AppError('experiments.not_running', 'A stopped experiment cannot start again', { status: e.status });
        const now = clock.now();
        const row = await store.updateExperiment(tx, e.id, { status, ...(status === 'running' ? { startedAt: now } : { stoppedAt: now }), updatedAt: now });
        await deps.audit.record({ ...ctx, db: tx }, { appId, action: status === 'running' ? 'experiment.start' : 'experiment.stop', targetType: 'experiment', targetId: e.id, before: { status: e.status }, after: { status } });
        return row;
      });
    },

    /** The user's arm, computed (not recorded): the same answer every time. */
    async assignment(ctx: Ctx, appId: string, id: string, userId: string): Promise<{ experiment: ExperimentRow; variant: string; holdout: boolean }> {
      const e = await must(ctx.db, appId, id);
      const variant = assign(e.salt, userId, e.variants, e.holdoutPercent);
      return { experiment: e, variant, holdout: variant === HOLDOUT };
    },

    /**
     * The user is being shown the experiment now: records their arm at the first exposure (once,
     * whatever races) and announces it. Holdout users are recorded too (as the baseline) but
     * `expose` is false for them: the caller must show them nothing of the experiment.
     */
    async expose(ctx: Ctx, appId: string, id: string, userId: string): Promise<{ variant: string; holdout: boolean; expose: boolean; first: boolean; assignedAt: Date }> {
      return ctx.db.transaction(async (tx) => {
        const e = await must(tx, appId, id);
        if (e.status !== 'running') throw new AppError('experiments.not_running', `Experiment ${e.key} is ${e.status}: exposures are recorded only while it runs`, { status: e.status });
        const variant = assign(e.salt, userId, e.variants, e.holdoutPercent);
        const r = await store.recordAssignment(tx, { experimentId: e.id, appId, userId, variant, assignedAt: clock.now() });
        if (r.first) await bus.emit(tx, 'experiment.exposed', { appId, experimentId: e.id, key: e.key, userId, variant });
        return { variant: r.variant, holdout: r.variant === HOLDOUT, expose: r.variant !== HOLDOUT, first: r.first, assignedAt: r.assignedAt };
      });
    },

    /**
     * What a feature inside an experiment (an earn rule, a send, a workflow branch, a campaign) asks
     * before it acts for users: each user's arm, computed from the salt (sticky, the same answer
     * every time) and, while the experiment runs, recorded as their exposure in the caller's
     * transaction (announced once per user). Holdout users get HOLDOUT: the caller shows them
     * nothing of the experiment. Null when the experiment does not exist. `record: false` only
     * computes the arms (a feature planning work it records later, in its own transaction).
     */
    async gate(ctx: Ctx, appId: string, id: string, userIds: readonly string[], opts: { record?: boolean } = {}): Promise<Gate | null> {
      const e = await store.findExperiment(ctx.db, appId, id);
      if (!e) return null;
      const arms = new Map(userIds.map((u) => [u, assign(e.salt, u, e.variants, e.holdoutPercent)]));
      const running = e.status === 'running';
      if (running && arms.size > 0 && opts.record !== false) {
        const now = clock.now();
        const fresh = await store.recordAssignments(ctx.db, [...arms].map(([userId, variant]) => ({ experimentId: e.id, appId, userId, variant, assignedAt: now })));
        if (fresh.size > 0) await bus.emitMany(ctx.db, [...fresh].map((userId) => ({ name: 'experiment.exposed' as const, payload: { appId, experimentId: e.id, key: e.key, userId, variant: arms.get(userId)! } })));
      }
      return { id: e.id, key: e.key, status: e.status, running, control: e.variants[0]!.key, arms };
    },

    /** An experiment's id, status and arm names, for a feature checking its configuration (null: none). */
    async describe(ctx: Ctx, appId: string, id: string): Promise<{ id: string; key: string; status: string; variants: string[] } | null> {
      const e = await store.findExperiment(ctx.db, appId, id);
      return e ? { id: e.id, key: e.key, status: e.status, variants: e.variants.map((v) => v.key) } : null;
    },

    /** Per arm: users and the goal; each variant against the control; the holdout against the control; the sample-ratio check. */
    async report(ctx: Ctx, appId: string, id: string) {
      const e = await must(ctx.db, appId, id);
      const figures = new Map((await store.armFigures(ctx.db, e)).map((f) => [f.variant, f]));
      const arms = [...(e.holdoutPercent > 0 ? [HOLDOUT] : []), ...e.variants.map((v) => v.key)];
      const control = e.variants[0]!.key;
      const fig = (k: string) => figures.get(k) ?? { variant: k, users: 0, converted: 0, mean: 0, variance: 0 };
      const c = fig(control);
      const compare = (k: string) => {
        if (k === control) return null;
        const f = fig(k);
        return e.goal.kind === 'conversion'
          ? twoProportion({ x: c.converted, n: c.users }, { x: f.converted, n: f.users })
          : welch({ mean: c.mean, variance: c.variance, n: c.users }, { mean: f.mean, variance: f.variance, n: f.users });
      };
      const srm = sampleRatio(new Map(arms.map((k) => [k, fig(k).users])), expectedShares(e.variants, e.holdoutPercent));
      return {
        experiment: e,
        control,
        arms: arms.map((k) => {
          const f = fig(k);
          return { arm: k, users: f.users, value: f.users === 0 ? null : e.goal.kind === 'conversion' ? f.converted / f.users : f.mean, conversions: e.goal.kind === 'conversion' ? f.converted : null, vsControl: compare(k) };
        }),
        sampleRatio: srm,
      };
    },
  };
}

export type Experiments = ReturnType<typeof createExperiments>;
