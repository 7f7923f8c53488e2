// Automation workflows: "when this happens to a user, then wait, check, split and act".
//
// Entering: a consumer of the event log (`automation.entry`) starts a run per matching workflow and
// user, in the consumer's transaction: exactly once per trigger event (unique per workflow and
// event), re-entry and the hourly rate checked under a lock per workflow and user. The same
// consumer records the events that running workflows watch for (wait_for_event steps, did_event
// branches, goals) on the user's runs.
//
// Running: runs are rows with a wake-up time. Each server's executor claims due runs one at a time
// (FOR UPDATE SKIP LOCKED) and moves each as far as it can go in one transaction: the step history,
// every action's effect (points, coupons, messages, badges, webhooks, traits — each keyed by run and
// step) and the run's new position commit together. A crash rolls the transaction back and the run
// is claimed again; a restart mid-wait finds the row and its wake-up time. Editing a live workflow
// creates a version; runs finish on the version they started with.
import type { Ctx } from '../../context.ts';
import type { Db } from '../../db/index.ts';
import type { Erasure } from '../../erasure.ts';
import type { EventBus } from '../../events.ts';
import type { ConsumerCtx, LogRow } from '../../events/index.ts';
import { isDomainEvent } from '../../events/known.ts';
import { AppError, fieldError, isAppError, validationError } from '../../http/errors.ts';
import type { Clock } from '../../lib/clock.ts';
import { matchesConditions, readPath, usersAt } from '../../lib/conditions.ts';
import { newId } from '../../lib/ids.ts';
import { inTransaction, type TxCtx } from '../../lib/tx.ts';
import type { SegmentGate } from '../../lib/segment-gate.ts';
import type { Audit } from '../audit/index.ts';
import type { Coupons } from '../coupons/index.ts';
import { HOLDOUT, type Experiments } from '../experiments/index.ts';
import type { Gamification } from '../gamification/index.ts';
import type { Messaging } from '../messaging/index.ts';
import type { Points } from '../points/index.ts';
import type { Users } from '../users/index.ts';
import type { Webhooks } from '../webhooks/index.ts';
import type { Hub } from '../../realtime/index.ts';
import './errors.ts';
import { checkGraph, drawPath, fillData, nextLocalTime, nextOccurrence, targetsOf, watchesOf, type Definition, type Source, type Step, type Watch } from './rules/definition.ts';
import * as store from './store.ts';
import type { RunRow, RunStepRow, WorkflowRow } from './store.ts';
import type { CreateWorkflowInput, DefinitionInput, UpdateWorkflowInput } from './types.ts';

declare module '../../events.ts' {
  interface DomainEvents {
    'automation.run_started': { appId: string; workflowId: string; version: number; runId: string; userId: string };
    'automation.run_ended': { appId: string; workflowId: string; version: number; runId: string; userId: string; status: 'completed' | 'exited'; exitReason: string | null };
  }
}

export type AutomationDeps = {
  db: Db;
  bus: EventBus;
  clock: Clock;
  audit: Audit;
  log: { error(obj: object, msg: string): void };
  points: Points;
  coupons: Coupons;
  messaging: Messaging;
  gamification: Gamification;
  users: Users;
  webhooks: Webhooks;
  /** Branches on segment membership ask the segments module (wired in app.ts). */
  segments?: SegmentGate | undefined;
  /** Experiment steps ask for each user's arm (automation → experiments). */
  experiments?: Pick<Experiments, 'gate' | 'describe'> | undefined;
  /** Tells every server that an app's workflows changed. */
  hub: Pick<Hub, 'on' | 'publish'>;
  /** How often each server looks for runs whose wait is over (ms). */
  pollMs?: number;
};

type Live = { workflow: WorkflowRow; def: Definition; watches: Watch[] };

const system: Ctx['actor'] = { type: 'system', id: null };
/** Steps one run may take in one go (a workflow has at most 50 and cannot loop). */
const MAX_HOPS = 60;
/** After an unexpected error a run is looked at again this much later. */
const RETRY_MS = 60_000;
/** Due runs one executor transaction claims and moves. */
const CLAIM = 50;
/** Users one trigger event may enter (a recipients list). */
const MAX_ENTRIES_PER_EVENT = 1000;
const HUB_TOPIC = 'au.changed';
/** Users of a scheduled audience entered per transaction. */
const FIRE_PAGE = 200;

export function createAutomation(deps: AutomationDeps) {
  const { db, bus, clock } = deps;
  const definitions = new Map<string, Definition>();

  const notFound = (id: string) => new AppError('automation.workflow_not_found', `No workflow ${id} in this app`, { workflow_id: id });

  async function definitionOf(d: Db, workflowId: string, version: number): Promise<Definition> {
    const k = `${workflowId}:${version}`;
    let def = definitions.get(k);
    if (!def) {
      def = await store.findVersion(d, workflowId, version);
      if (!def) throw new Error(`workflow ${workflowId} has no version ${version}`);
      if (definitions.size > 5000) definitions.clear();
      definitions.set(k, def);
    }
    return def;
  }

  // ---- what an event means to workflows ----------------------------------------------------------
  type Occurrence = { appId: string; name: string; source: Source; actor: string | null; properties: Record<string, unknown>; key: string };
  const occurrenceOf = (row: LogRow): Occurrence => {
    if (row.kind === 'host') {
      const p = row.payload as { userId?: string; name?: string; properties?: Record<string, unknown>; eventId?: string };
      return { appId: row.appId, name: p.name ?? row.name, source: 'event', actor: p.userId ?? row.actorId, properties: p.properties ?? {}, key: String(row.id) };
    }
    return { appId: row.appId, name: row.name, source: 'domain', actor: row.actorId, properties: row.payload, key: String(row.id) };
  };
  const sameEvent = (o: Occurrence, m: { event?: string | undefined; source?: Source | undefined }) => m.event !== undefined && m.event === o.name && (m.source ?? 'event') === o.source;
  const cares = (flows: Live[], o: Occurrence) => flows.some((f) => (f.workflow.status === 'active' && sameEvent(o, f.def.trigger)) || f.watches.some((w) => sameEvent(o, w)));

  /** The users a trigger event enters: the actor, or the user id(s) at a payload path. */
  function usersOf(def: Definition, o: Occurrence): string[] {
    if (def.trigger.user === 'actor') return o.actor ? [o.actor] : [];
    return usersAt(o.properties, def.trigger.user, MAX_ENTRIES_PER_EVENT);
  }

  async function enter(ctx: ConsumerCtx, f: Live, userId: string, o: Occurrence, now: Date): Promise<void> {
    const wf = f.workflow;
    await store.lockEntry(ctx.db, wf.id, userId);
    const reentry = f.def.entry.reentry;
    if (reentry !== 'always' && (await store.hasRun(ctx.db, wf.id, userId, reentry === 'after_exit'))) return;
    const max = f.def.entry.max_per_hour;
    if (max !== null) {
      const hour = new Date(Math.floor(now.getTime() / 3_600_000) * 3_600_000);
      if (!(await store.takeRate(ctx.db, wf.id, wf.appId, hour, max))) {
        await store.countThrottled(ctx.db, wf.id);
        return;
      }
    }
    const run = await store.insertRun(ctx.db, {
      id: newId('aur'),
      appId: wf.appId,
      workflowId: wf.id,
      version: wf.version,
      userId,
      // One run per trigger event and user: an event naming many users (a list) enters each once.
      triggerKey: f.def.trigger.user === 'actor' && !f.def.trigger.schedule ? o.key : `${o.key}:${userId}`,
      trigger: { event: o.name, source: o.source, properties: o.properties },
      status: 'active',
      step: f.def.steps[0]!.id,
      stepAt: now,
      wakeAt: now,
      createdAt: now,
    });
    if (run) await bus.emit(ctx.db, 'automation.run_started', { appId: wf.appId, workflowId: wf.id, version: wf.version, runId: run.id, userId });
  }

  /** Records an event on the actor's runs that watch for it. */
  async function observe(ctx: ConsumerCtx, flows: Live[], o: Occurrence, now: Date): Promise<void> {
    if (!o.actor || !flows.some((f) => f.watches.some((w) => sameEvent(o, w)))) return;
    const maxGoalHours = Math.max(0, ...flows.map((f) => f.def.goal?.within_hours ?? 0));
    for (const run of await store.watchingRuns(ctx.db, o.appId, o.actor, new Date(now.getTime() - maxGoalHours * 3_600_000))) {
      const def = await definitionOf(ctx.db, run.workflowId, run.version);
      for (const w of watchesOf(def)) {
        if (!sameEvent(o, w) || !matchesConditions(w.conditions, o.properties)) continue;
        if (w.kind === 'goal') {
          if (run.convertedAt === null && now.getTime() <= run.createdAt.getTime() + def.goal!.within_hours * 3_600_000) await store.markConverted(ctx.db, run.id, now);
        } else if (run.status === 'active') {
          // A wait_for_event counts only while the run is at that step; a did_event any time after entry.
          if (w.kind === 'wait' && run.step !== w.key.slice('wait:'.length)) continue;
          await store.markSeen(ctx.db, run.id, w.key, o.key, w.kind === 'wait' ? now : null);
        }
      }
    }
  }

  // ---- the executor -----------------------------------------------------------------------------
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = true;

  function poke(): void {
    if (running) {
      again = true;
      return;
    }
    running = (async () => {
      do {
        again = false;
        try {
          await runDue();
        } catch (err) {
          deps.log.error({ err }, 'automation executor failed');
        }
      } while (again && !stopped);
    })().finally(() => {
      running = null;
    });
  }

  /**
   * Scheduled triggers whose time has come: the audience enters page by page, each page in one
   * transaction with the workflow's cursor (FOR UPDATE SKIP LOCKED: one server per workflow), so a
   * crash resumes at the page it was on and the runs' keys (occurrence and user) enter nobody twice.
   * Occurrences missed while no server ran are not made up: the next one is after now.
   */
  async function fireDue(): Promise<void> {
    for (let pages = 0; pages < 1000; pages++) {
      const more = await inTransaction({ db, actor: system }, async (tx) => {
        const now = clock.now();
        const wf = await store.claimFiring(tx.db, now);
        if (!wf) return false;
        const def = await definitionOf(tx.db, wf.id, wf.version);
        const schedule = def.trigger.schedule;
        if (!schedule) {
          await store.setFiring(tx.db, wf.id, null, null);
          return true;
        }
        const fireAt = wf.nextFireAt!;
        const page = await deps.users.list(tx, wf.appId, { limit: FIRE_PAGE, afterUserId: wf.fireCursor ?? undefined });
        const f: Live = { workflow: wf, def, watches: watchesOf(def) };
        const o: Occurrence = { appId: wf.appId, name: 'automation.schedule', source: 'domain', actor: null, properties: { scheduled_for: fireAt.toISOString() }, key: `schedule:${fireAt.toISOString()}` };
        const ctx = { ...tx, afterCommit: tx.afterCommit ?? (() => undefined) };
        for (const u of page) {
          if (matchesConditions(def.trigger.audience?.traits ?? {}, u.traits)) await enter(ctx, f, u.userId, o, now);
        }
        if (page.length === FIRE_PAGE) await store.setFiring(tx.db, wf.id, fireAt, page[page.length - 1]!.userId);
        else await store.setFiring(tx.db, wf.id, nextOccurrence(schedule, def.timezone, now > fireAt ? now : fireAt), null);
        return true;
      });
      if (!more) return;
    }
  }

  /** When a workflow's schedule fires next: only while it is active and has one. */
  const nextFireOf = (status: string, def: Definition): Date | null => (status === 'active' && def.trigger.schedule ? nextOccurrence(def.trigger.schedule, def.timezone, clock.now()) : null);

  /**
   * Moves every run that is due now, CLAIM at a time in one transaction (each run behind a
   * savepoint: a run that fails unexpectedly is put back for later, the others commit); returns
   * how many were moved.
   */
  async function runDue(): Promise<number> {
    await fireDue();
    let n = 0;
    while (n < 100_000) {
      const moved = await inTransaction({ db, actor: system }, async (tx) => {
        const runs = await store.claimDue(tx.db, clock.now(), CLAIM);
        for (const run of runs) {
          try {
            await tx.db.transaction((sp) => advance({ ...tx, db: sp }, run));
          } catch (err) {
            deps.log.error({ err, run_id: run.id }, 'automation run failed; it is tried again later');
            await store.saveRun(tx.db, run.id, { wakeAt: new Date(clock.now().getTime() + RETRY_MS) });
          }
        }
        return runs.length;
      });
      n += moved;
      if (moved < CLAIM) break;
    }
    return n;
  }

  type StepLog = { stepId: string; outcome: string; detail: Record<string, unknown> };

  async function advance(tx: TxCtx & { afterCommit: (fn: () => void) => void }, run: RunRow): Promise<void> {
    const now = clock.now();
    const def = await definitionOf(tx.db, run.workflowId, run.version);
    const wf = await store.findWorkflow(tx.db, run.appId, run.workflowId);
    const logs: StepLog[] = [];
    const flush = () =>
      store.insertSteps(
        tx.db,
        logs.map((l) => ({ appId: run.appId, runId: run.id, workflowId: run.workflowId, version: run.version, stepId: l.stepId, outcome: l.outcome, detail: l.detail, at: now })),
      );
    const end = async (status: 'completed' | 'exited', reason: string | null) => {
      await flush();
      await store.saveRun(tx.db, run.id, { status, exitReason: reason, step: null, wakeAt: null, endedAt: now });
      await bus.emit(tx.db, 'automation.run_ended', { appId: run.appId, workflowId: run.workflowId, version: run.version, runId: run.id, userId: run.userId, status, exitReason: reason });
    };
    if (!wf || wf.status === 'archived') return end('exited', 'archived');

    const index = new Map(def.steps.map((s, i) => [s.id, i]));
    let stepId: string | null = run.step;
    let stepAt = run.stepAt;
    for (let hop = 0; hop < MAX_HOPS; hop++) {
      if (stepId === null || stepId === 'end') return end('completed', null);
      const i = index.get(stepId);
      if (i === undefined) return end('exited', 'unknown_step');
      const s: Step = def.steps[i]!;
      let next = targetsOf(def, i)[0]!.to;
      let outcome = 'done';
      let detail: Record<string, unknown> = {};
      const sleepUntil = async (at: Date) => {
        await flush();
        await store.saveRun(tx.db, run.id, { step: s.id, stepAt, wakeAt: at });
      };
      switch (s.type) {
        case 'wait': {
          const tz = s.until_local_time ? ((await deps.users.timezoneOf(tx, run.appId, run.userId)) ?? def.timezone) : def.timezone;
          const due = s.seconds !== undefined ? new Date(stepAt.getTime() + s.seconds * 1000) : nextLocalTime(stepAt, tz, s.until_local_time!);
          if (now < due) return sleepUntil(due);
          outcome = 'waited';
          detail = { until: due.toISOString() };
          break;
        }
        case 'wait_for_event': {
          const seen = run.seen[`wait:${s.id}`];
          if (seen !== undefined) {
            outcome = 'event';
            detail = { event: s.event, event_position: seen };
            next = s.on_event;
          } else {
            const due = new Date(stepAt.getTime() + s.timeout_seconds * 1000);
            if (now < due) return sleepUntil(due);
            outcome = 'timeout';
            next = s.on_timeout;
          }
          break;
        }
        case 'branch': {
          const checks: Record<string, boolean> = {};
          const c = s.condition;
          if (c.did_event) checks.did_event = run.seen[`did:${s.id}`] !== undefined;
          if (c.trigger) checks.trigger = matchesConditions(c.trigger, (run.trigger.properties ?? {}) as Record<string, unknown>);
          if (c.traits) checks.traits = matchesConditions(c.traits, await traitsOf(tx, run.appId, run.userId));
          if (c.segment) checks.segment = (deps.segments ? await deps.segments.isMember(tx, run.appId, c.segment.id, run.userId) : false) === c.segment.member;
          const yes = Object.values(checks).every(Boolean);
          outcome = yes ? 'then' : 'else';
          detail = { checks };
          next = yes ? s.then : s.else;
          break;
        }
        case 'experiment': {
          // The arm is computed from the user (sticky) and, while the experiment runs, recorded in this transaction.
          const g = deps.experiments ? await deps.experiments.gate(tx, run.appId, s.experiment, [run.userId]) : null;
          if (!g) {
            logs.push({ stepId: s.id, outcome: 'failed', detail: { code: 'experiments.not_found', experiment: s.experiment } });
            return end('exited', 'experiment_not_found');
          }
          const arm = g.running ? g.arms.get(run.userId)! : g.control;
          if (arm === HOLDOUT) {
            logs.push({ stepId: s.id, outcome: 'holdout', detail: { experiment: g.key } });
            return end('exited', 'holdout');
          }
          outcome = g.running ? `arm_${arm}` : 'not_running';
          detail = { experiment: g.key, arm, status: g.status };
          next = s.paths[arm] ?? s.paths[g.control]!;
          break;
        }
        case 'split': {
          const k = drawPath(run.id, s.id, s.paths.map((p) => p.weight), s.holdout_weight ?? 0);
          if (k === 'holdout') {
            logs.push({ stepId: s.id, outcome: 'holdout', detail: {} });
            return end('exited', 'holdout');
          }
          outcome = `path_${k + 1}`;
          next = s.paths[k]!.next;
          break;
        }
        default: {
          const r = await act(tx, run, wf, def, s);
          outcome = r.ok ? 'done' : 'failed';
          detail = r.detail;
        }
      }
      logs.push({ stepId: s.id, outcome, detail });
      stepId = next;
      stepAt = now;
    }
    // A definition cannot loop, so this is a step budget, not a guard against cycles.
    await flush();
    await store.saveRun(tx.db, run.id, { step: stepId, stepAt, wakeAt: now });
  }

  async function traitsOf(ctx: Ctx, appId: string, userId: string): Promise<Record<string, unknown>> {
    try {
      return (await deps.users.get(ctx, appId, userId)).traits;
    } catch (err) {
      if (isAppError(err) && err.code === 'users.not_found') return {};
      throw err;
    }
  }

  /** One action, behind a savepoint: a refusal (an AppError) is recorded and the run goes on. */
  async function act(tx: TxCtx & { afterCommit: (fn: () => void) => void }, run: RunRow, wf: WorkflowRow, def: Definition, s: Step): Promise<{ ok: boolean; detail: Record<string, unknown> }> {
    const key = `au:${run.id}:${s.id}`;
    const source = { type: 'automation', id: run.id };
    try {
      return await tx.db.transaction(async (sp) => {
        const c: TxCtx & { afterCommit: (fn: () => void) => void } = { ...tx, db: sp };
        switch (s.type) {
          case 'grant_points': {
            const r = await deps.points.earn(c, run.appId, { userId: run.userId, type: s.points_type, amount: s.amount, key, reason: s.reason ?? wf.name, source });
            return { ok: true, detail: { entry_id: r.entry.id, amount: s.amount, type: s.points_type } };
          }
          case 'deduct_points': {
            const r = await deps.points.spend(c, run.appId, { userId: run.userId, type: s.points_type, amount: s.amount, key, reason: s.reason ?? wf.name, source });
            return { ok: true, detail: { entry_id: r.entry.id, amount: s.amount, type: s.points_type } };
          }
          case 'issue_coupon': {
            const [r] = await deps.coupons.issue(c, run.appId, s.template_id, [run.userId], key);
            if (!r?.coupon) return { ok: false, detail: { code: r?.error ?? 'coupons.not_issued', template_id: s.template_id } };
            return { ok: true, detail: { coupon_id: r.coupon.id, template_id: s.template_id } };
          }
          case 'send_message': {
            const data = fillData(s.data ?? {}, (run.trigger.properties ?? {}) as Record<string, unknown>, readPath);
            const r = await deps.messaging.sending.create(c, run.appId, { to: { user_id: run.userId }, template: s.template, data, channels: s.channels ?? ['in_app'], transactional: false }, { dedupeKey: key });
            const mine = r.results?.[0] as { status?: string } | undefined;
            return { ok: true, detail: { send_id: r.send.id, ...(mine?.status ? { status: mine.status } : {}) } };
          }
          case 'award_badge': {
            const r = await deps.gamification.achievements.awardBadge(c, run.appId, run.userId, s.badge_id);
            return { ok: true, detail: { badge_id: s.badge_id, awarded: r.awarded } };
          }
          case 'call_webhook': {
            const ids = await deps.webhooks.enqueue(sp, run.appId, {
              type: s.event_type,
              key: `${run.id}:${s.id}`,
              data: { workflow_id: run.workflowId, version: run.version, run_id: run.id, step_id: s.id, user_id: run.userId, trigger: run.trigger, data: s.data ?? {} },
            });
            tx.afterCommit(() => void deps.webhooks.dispatch(ids));
            return { ok: true, detail: { deliveries: ids.length } };
          }
          case 'set_traits': {
            await deps.users.identify(c, run.appId, run.userId, { traits: s.traits });
            return { ok: true, detail: { traits: Object.keys(s.traits) } };
          }
          default:
            return { ok: false, detail: { code: 'automation.unknown_step' } };
        }
      });
    } catch (err) {
      if (!isAppError(err)) throw err;
      return { ok: false, detail: { code: err.code, message: err.message } };
    }
  }

  // ---- definitions ------------------------------------------------------------------------------
  /** Fills in event sources and checks names, the step graph and what the steps refer to. */
  async function prepare(ctx: Ctx, appId: string, input: DefinitionInput, prefix: string): Promise<Definition> {
    const sourceOf = (m: { event: string; source?: Source | undefined }, field: string): Source => {
      const known = isDomainEvent(m.event);
      if (m.source === 'domain' && !known) throw new AppError('automation.unknown_event', `"${m.event}" is not a Canyu domain event (see GET /v1/events/catalog); host events use source "event"`, { field, event: m.event });
      if (m.event.startsWith('automation.')) throw new AppError('automation.unknown_event', `Workflows cannot react to automation's own events ("${m.event}"): a workflow could start itself forever`, { field, event: m.event });
      return m.source ?? (known ? 'domain' : 'event');
    };
    const def: Definition = structuredClone(input);
    if (def.trigger.event !== undefined) def.trigger.source = sourceOf({ event: def.trigger.event, source: def.trigger.source }, `${prefix}.trigger.event`);
    if (def.goal) def.goal.source = sourceOf(def.goal, `${prefix}.goal.event`);
    def.steps.forEach((s, i) => {
      if (s.type === 'wait_for_event') s.source = sourceOf(s, `${prefix}.steps.${i}.event`);
      if (s.type === 'branch' && s.condition.did_event) s.condition.did_event.source = sourceOf(s.condition.did_event, `${prefix}.steps.${i}.condition.did_event.event`);
    });
    const issues = checkGraph(def, prefix);
    if (issues.length > 0) throw validationError(issues);
    // What the actions refer to must exist now (a typo would otherwise fail every run).
    const must = async (field: string, check: () => Promise<unknown>) => {
      try {
        await check();
      } catch (err) {
        if (isAppError(err) && err.status < 500) throw fieldError(field, err.message);
        throw err;
      }
    };
    for (const [i, s] of def.steps.entries()) {
      const f = `${prefix}.steps.${i}`;
      if (s.type === 'grant_points' || s.type === 'deduct_points') await must(`${f}.points_type`, () => deps.points.getType(ctx, appId, s.points_type, `${f}.points_type`));
      if (s.type === 'issue_coupon') await must(`${f}.template_id`, () => deps.coupons.getTemplate(ctx, appId, s.template_id));
      if (s.type === 'award_badge') await must(`${f}.badge_id`, () => deps.gamification.achievements.badge(ctx, appId, s.badge_id));
      if (s.type === 'send_message') await must(`${f}.template`, () => deps.messaging.admin.getTemplate(ctx, appId, s.template));
      if (s.type === 'branch' && s.condition.segment && !(deps.segments && (await deps.segments.exists(ctx, appId, s.condition.segment.id)))) {
        throw fieldError(`${f}.condition.segment.id`, `no segment ${s.condition.segment.id} in this app`, 'the id of a segment (GET /v1/segments)');
      }
      if (s.type === 'experiment') {
        const e = deps.experiments ? await deps.experiments.describe(ctx, appId, s.experiment) : null;
        if (!e) throw fieldError(`${f}.experiment`, `no experiment ${s.experiment} in this app`, 'the id or key of an experiment (GET /v1/experiments)');
        const extra = Object.keys(s.paths).filter((k) => !e.variants.includes(k));
        const missing = e.variants.filter((k) => !(k in s.paths));
        if (extra.length || missing.length) throw fieldError(`${f}.paths`, `${extra.length ? `${extra.join(', ')}: not an arm of ${e.key}` : ''}${extra.length && missing.length ? '; ' : ''}${missing.length ? `missing a path for ${missing.join(', ')}` : ''} (arms: ${e.variants.join(', ')}; the holdout leaves the workflow)`, 'one path per arm');
        s.experiment = e.id;
      }
    }
    return def;
  }

  const changed = (appId: string) => {
    deps.hub.publish(HUB_TOPIC, { appId });
  };

  const publicShape = (w: WorkflowRow) => ({ name: w.name, description: w.description, status: w.status, version: w.version });

  async function transition(ctx: Ctx, appId: string, id: string, to: 'active' | 'paused' | 'archived'): Promise<WorkflowRow> {
    const out = await ctx.db.transaction(async (tx) => {
      const w = await store.findWorkflow(tx, appId, id, true);
      if (!w) throw notFound(id);
      if (w.status === to) return w;
      if (w.status === 'archived') throw new AppError('automation.archived', `Workflow ${id} is archived; create a new one`, { workflow_id: id });
      const row = await store.updateWorkflow(tx, id, { status: to, updatedAt: clock.now() });
      await store.setFiring(tx, id, nextFireOf(to, await definitionOf(tx, id, w.version)), null);
      if (to === 'archived') await store.exitRuns(tx, id, 'archived', clock.now());
      await deps.audit.record({ ...ctx, db: tx }, { appId, action: `automation.workflow.${to === 'active' ? 'activate' : to === 'paused' ? 'pause' : 'archive'}`, targetType: 'workflow', targetId: id, before: publicShape(w), after: publicShape(row) });
      return row;
    });
    changed(appId);
    await bus.refreshInterest(db, 'automation');
    return out;
  }

  const api = {
    erasure: {
      eraseUser: (db: Db, appId: string, userId: string) => store.eraseUser(db, appId, userId),
      eraseApp: (db: Db, appId: string) => store.eraseApp(db, appId),
    } satisfies Erasure,
    async create(ctx: Ctx, appId: string, input: CreateWorkflowInput): Promise<{ workflow: WorkflowRow; definition: Definition }> {
      const { name, description, active, ...definition } = input;
      const def = await prepare(ctx, appId, definition, 'body');
      const now = clock.now();
      const row = await ctx.db.transaction(async (tx) => {
        const status = active ? 'active' : 'draft';
        const w = await store.insertWorkflow(tx, { id: newId('wf'), appId, name, description: description ?? null, status, version: 1, nextFireAt: nextFireOf(status, def), createdAt: now, updatedAt: now }, def);
        await deps.audit.record({ ...ctx, db: tx }, { appId, action: 'automation.workflow.create', targetType: 'workflow', targetId: w.id, before: null, after: { ...publicShape(w), definition: def } });
        return w;
      });
      changed(appId);
      if (active) await bus.refreshInterest(db, 'automation');
      return { workflow: row, definition: def };
    },

    async get(ctx: Ctx, appId: string, id: string): Promise<{ workflow: WorkflowRow; definition: Definition; versions: { version: number; createdAt: Date }[] }> {
      const w = await store.findWorkflow(ctx.db, appId, id);
      if (!w) throw notFound(id);
      return { workflow: w, definition: await definitionOf(ctx.db, w.id, w.version), versions: await store.versionsOf(ctx.db, w.id) };
    },

    async list(ctx: Ctx, appId: string, q: Parameters<typeof store.listWorkflows>[2]): Promise<{ workflow: WorkflowRow; definition: Definition }[]> {
      const rows = await store.listWorkflows(ctx.db, appId, q);
      return Promise.all(rows.map(async (w) => ({ workflow: w, definition: await definitionOf(ctx.db, w.id, w.version) })));
    },

    /** Name and description change in place; a new definition becomes a new version. */
    async update(ctx: Ctx, appId: string, id: string, input: UpdateWorkflowInput): Promise<{ workflow: WorkflowRow; definition: Definition }> {
      if (input.name === undefined && input.description === undefined && input.definition === undefined) throw fieldError('body', 'give at least one of name, description or definition');
      const def = input.definition ? await prepare(ctx, appId, input.definition, 'body.definition') : undefined;
      const out = await ctx.db.transaction(async (tx) => {
        const w = await store.findWorkflow(tx, appId, id, true);
        if (!w) throw notFound(id);
        if (w.status === 'archived') throw new AppError('automation.archived', `Workflow ${id} is archived; create a new one`, { workflow_id: id });
        const now = clock.now();
        const current = await definitionOf(tx, w.id, w.version);
        let version = w.version;
        if (def && JSON.stringify(def) !== JSON.stringify(current)) {
          version = w.version + 1;
          await store.insertVersion(tx, { workflowId: w.id, appId, version, definition: def, createdAt: now });
          await store.setFiring(tx, w.id, nextFireOf(w.status, def), null);
        }
        const row = await store.updateWorkflow(tx, id, {
          ...(input.name !== undefined ? { name: input.name } : {}),
          ...(input.description !== undefined ? { description: input.description ?? null } : {}),
          version,
          updatedAt: now,
        });
        await deps.audit.record({ ...ctx, db: tx }, { appId, action: 'automation.workflow.update', targetType: 'workflow', targetId: id, before: { ...publicShape(w), definition: current }, after: { ...publicShape(row), definition: def ?? current } });
        return { workflow: row, definition: def ?? current };
      });
      changed(appId);
      await bus.refreshInterest(db, 'automation');
      return out;
    },

    activate: (ctx: Ctx, appId: string, id: string) => transition(ctx, appId, id, 'active'),
    pause: (ctx: Ctx, appId: string, id: string) => transition(ctx, appId, id, 'paused'),
    archive: (ctx: Ctx, appId: string, id: string) => transition(ctx, appId, id, 'archived'),

    async stats(ctx: Ctx, appId: string, id: string) {
      const { workflow, definition } = await api.get(ctx, appId, id);
      return { workflow, definition, ...(await store.stats(ctx.db, workflow.id)) };
    },

    async run(ctx: Ctx, appId: string, id: string): Promise<{ run: RunRow; steps: RunStepRow[] }> {
      const r = await store.findRun(ctx.db, appId, id);
      if (!r) throw new AppError('automation.run_not_found', `No workflow run ${id} in this app`, { run_id: id });
      return { run: r, steps: await store.stepsOf(ctx.db, r.id) };
    },

    runs: (ctx: Ctx, appId: string, q: Parameters<typeof store.listRuns>[2]) => store.listRuns(ctx.db, appId, q),

    /**
     * Moves every run whose time has come (each server also does it on its own every pollMs). Waits
     * for this server's own pass in flight first and last: runs it holds are skipped by the claim
     * (SKIP LOCKED), so returning before it ends would leave them moving after `tick` resolved.
     */
    async tick(): Promise<number> {
      if (running) await running;
      const n = await runDue();
      if (running) await running;
      return n;
    },

    start(): void {
      stopped = false;
      timer = setInterval(poke, deps.pollMs ?? 1000);
      timer.unref();
    },

    async stop(): Promise<void> {
      stopped = true;
      if (timer) clearInterval(timer);
      timer = null;
      await running;
    },
  };

  // ---- consumers ----------------------------------------------------------------------------------
  bus.interestIn('automation', store.hostInterest);
  // Workflows are read in the consumer's transaction, once per app and run of events: a workflow
  // created on another server a moment ago counts at once (a cache could still miss it).
  async function onRows(ctx: ConsumerCtx, rows: LogRow[]): Promise<void> {
    const byApp = new Map<string, Live[]>();
    let entered = false;
    for (const row of rows) {
      const o = occurrenceOf(row);
      if (o.source === 'domain' && o.name.startsWith('automation.')) continue;
      let flows = byApp.get(row.appId);
      if (!flows) byApp.set(row.appId, (flows = (await store.liveWorkflows(ctx.db, row.appId)).map((r) => ({ workflow: r.workflow, def: r.definition, watches: watchesOf(r.definition) }))));
      if (!cares(flows, o)) continue;
      const now = clock.now();
      // Watched events first: the event that starts a run is not one it then waits for.
      await observe(ctx, flows, o, now);
      for (const f of flows) {
        if (f.workflow.status !== 'active' || !sameEvent(o, f.def.trigger) || !matchesConditions(f.def.trigger.conditions, o.properties)) continue;
        for (const u of usersOf(f.def, o)) await enter(ctx, f, u, o, now);
      }
      entered = true;
    }
    if (entered) ctx.afterCommit(poke);
  }
  bus.consume({
    name: 'automation.entry',
    wants: (row) => !(row.kind === 'domain' && row.name.startsWith('automation.')),
    handle: (ctx, row) => onRows(ctx, [row]),
    handleBatch: onRows,
  });

  return api;
}

export type Automation = ReturnType<typeof createAutomation>;
