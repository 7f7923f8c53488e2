// What every campaign kind needs from the lifecycle: finding a campaign of the right kind in the
// caller's app, refusing changes once it runs, and committing cost against its budget.
import type { Ctx } from '../../context.ts';
import type { Db } from '../../db/index.ts';
import { AppError } from '../../http/errors.ts';
import { HOLDOUT, type Experiments } from '../experiments/index.ts';
import type { SegmentGate } from '../../lib/segment-gate.ts';
import type { Effects } from '../webhooks/index.ts';
import './errors.ts';
import type { CampaignKind } from './schema.ts';
import * as store from './store.ts';
import type { CampaignRow } from './store.ts';

/**
 * How each campaign kind audits what operators and the host (secret key) change: `record` writes
 * in the kind's transaction (and only for those actors); `replayed` says a repeat (same order
 * reference) changed nothing, so the earlier entry stands.
 */
export type CampaignAudit = {
  record(ctx: Ctx, tx: Db, rec: { appId: string; action: string; targetType: string; targetId: string; before?: unknown; after?: unknown }): Promise<void>;
  replayed(ctx: Ctx): void;
};

export async function mustCampaign(db: Db, appId: string, id: string, kind?: CampaignKind, forUpdate = false): Promise<CampaignRow> {
  const c = await store.findCampaign(db, appId, id, forUpdate);
  if (!c) throw new AppError('campaigns.not_found', `No campaign ${id} in this app`, { campaign_id: id });
  if (kind && c.kind !== kind) throw new AppError('campaigns.wrong_kind', `Campaign ${id} is a ${c.kind} campaign, not ${kind}`, { campaign_id: id, kind: c.kind, expected: kind });
  return c;
}

/** Configuration may change while a campaign is a draft or scheduled to start later, never once it runs. */
export function assertEditable(c: CampaignRow, now: Date): void {
  if (c.status !== 'draft' && !(c.status === 'scheduled' && now < c.startsAt)) {
    throw new AppError('campaigns.not_editable', `Campaign ${c.id} is ${c.status}; it can be changed only while a draft or before its start`, { campaign_id: c.id, status: c.status });
  }
}

/**
 * What a running campaign may still get: more of what it sells (a new session, an item, a restock)
 * until it ends. Its terms (settings, prices, dates) stay as they were (assertEditable).
 */
export function assertExtendable(c: CampaignRow, now: Date): void {
  if (c.status === 'draft' || c.status === 'scheduled') return;
  if (c.status !== 'running' || now >= c.endsAt) {
    throw new AppError('campaigns.not_editable', `Campaign ${c.id} is ${c.status === 'running' ? 'over' : c.status}; sessions, items and stock can be added only until it ends`, { campaign_id: c.id, status: c.status });
  }
}

/** Users may take part while the campaign is scheduled or running and `now` is inside its window. */
export function assertLive(c: Pick<CampaignRow, 'id' | 'status' | 'startsAt' | 'endsAt'>, now: Date): void {
  if ((c.status !== 'scheduled' && c.status !== 'running') || now < c.startsAt || now >= c.endsAt) {
    throw new AppError('campaigns.not_active', now < c.startsAt && c.status !== 'cancelled' && c.status !== 'draft' ? `Campaign ${c.id} starts at ${c.startsAt.toISOString()}` : `Campaign ${c.id} is not running (${c.status})`, {
      campaign_id: c.id,
      status: c.status,
      starts_at: c.startsAt.toISOString(),
      ends_at: c.endsAt.toISOString(),
    });
  }
}

/** Whether a user may take part given the campaign's experiment; records the exposure in `db` (every kind's participation step). */
export type Admit = (db: Db, c: Pick<CampaignRow, 'id' | 'appId' | 'experimentId' | 'segmentId'>, userId: string) => Promise<void>;

/**
 * Who may take part. A campaign for a segment admits its members only. A campaign inside an experiment: while the experiment runs each participant is recorded in their
 * arm (in the participation's transaction) and the holdout is refused; otherwise everyone may.
 * A refused holdout user is not recorded here (the refusal rolls the transaction back, and a second
 * connection per refusal would starve the pool under a rush): the host records the holdout when it
 * asks POST /v1/experiments/{id}/exposures before showing the campaign, which tells it to hide it.
 */
export function admitFor(experiments: Pick<Experiments, 'gate'> | undefined, segments: SegmentGate | undefined): Admit {
  const system = { type: 'system' as const, id: null };
  return async (db, c, userId) => {
    if (c.segmentId && !(await segments?.isMember({ db, actor: system }, c.appId, c.segmentId, userId))) {
      throw new AppError('campaigns.not_eligible', `User ${userId} is not in segment ${c.segmentId}, which campaign ${c.id} is for`, { campaign_id: c.id, segment: c.segmentId });
    }
    if (!c.experimentId || !experiments) return;
    const g = await experiments.gate({ db, actor: system }, c.appId, c.experimentId, [userId], { record: false });
    if (!g?.running) return;
    if (g.arms.get(userId) === HOLDOUT) throw new AppError('campaigns.held_out', `User ${userId} is in the holdout of experiment ${g.key}, which campaign ${c.id} belongs to`, { campaign_id: c.id, experiment: g.key });
    await experiments.gate({ db, actor: system }, c.appId, c.experimentId, [userId]);
  };
}

export async function commitBudget(db: Db, c: CampaignRow, amount: number): Promise<void> {
  if (!(await store.commitBudget(db, c.id, amount))) {
    const fresh = (await store.findCampaign(db, c.appId, c.id))!;
    throw new AppError('campaigns.budget_exceeded', `Campaign ${c.id} has ${Math.max(0, (fresh.budget ?? 0) - fresh.committed)} of its budget left; this needs ${amount}`, { campaign_id: c.id, budget: fresh.budget, committed: fresh.committed, needed: amount });
  }
}

/** One more participation for the user, within the campaign's per-user limit (if it has one). */
export async function takeParticipation(db: Db, c: CampaignRow, userId: string, n = 1): Promise<void> {
  if (c.perUserLimit === null) return;
  if (!(await store.takeUserQuota(db, c.id, userId, n, c.perUserLimit))) {
    throw new AppError('campaigns.user_limit_reached', `User ${userId} has reached the limit of ${c.perUserLimit} in campaign ${c.id}`, { campaign_id: c.id, per_user_limit: c.perUserLimit });
  }
}

export async function returnParticipation(db: Db, c: Pick<CampaignRow, 'id' | 'perUserLimit'>, userId: string, n = 1): Promise<void> {
  if (c.perUserLimit === null) return;
  await store.returnUserQuota(db, c.id, userId, n);
}

export type Report = { participants: number; successes: number; cost: number; details: Record<string, unknown> };

/** What the lifecycle asks of each kind. */
export type KindHooks = {
  /** Why the campaign cannot be scheduled yet, or null. */
  notReady?(db: Db, c: CampaignRow): Promise<string | null>;
  /** Parses kind-specific settings (throws a validation error naming the field). */
  parseSettings?(settings: Record<string, unknown>): Record<string, unknown>;
  onCancel?(tx: Db, fx: Effects, c: CampaignRow, now: Date): Promise<void>;
  onEnd?(tx: Db, fx: Effects, c: CampaignRow, now: Date): Promise<void>;
  /** The kind's own due work (deadlines, timeouts); returns how many things it changed. */
  tick?(now: Date): Promise<number>;
  report(db: Db, c: CampaignRow): Promise<Report>;
};
