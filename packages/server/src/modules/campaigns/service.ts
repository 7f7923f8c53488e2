// The campaign lifecycle shared by every kind — draft → scheduled → running → ended, or
// cancelled — and the composition of the kinds. Time-driven transitions (a campaign's start and
// end, reservation timeouts, team deadlines, presale windows…) all happen in `tick(now)`: each one
// is a conditional UPDATE … RETURNING (or SKIP LOCKED claim) in a transaction that also enqueues
// its webhooks, so however many servers tick at once, each transition happens and is announced
// exactly once. Ticks come from a cron job every minute and from delayed jobs at the exact times
// (`wake`), on whichever servers run jobs.
import type pg from 'pg';
import type { Redis } from 'ioredis';
import type { SQL } from 'drizzle-orm';
import type { Ctx } from '../../context.ts';
import type { Db } from '../../db/index.ts';
import type { Erasure } from '../../erasure.ts';
import type { EventBus } from '../../events.ts';
import { AppError, fieldError } from '../../http/errors.ts';
import type { Jobs } from '../../jobs.ts';
import type { Clock } from '../../lib/clock.ts';
import { newId, randomBase62 } from '../../lib/ids.ts';
import { isAdminActor, type Audit } from '../audit/index.ts';
import type { Coupons } from '../coupons/index.ts';
import type { Experiments } from '../experiments/index.ts';
import type { SegmentGate } from '../../lib/segment-gate.ts';
import type { Points } from '../points/index.ts';
import type { Users } from '../users/index.ts';
import { admitFor, assertEditable, mustCampaign, type CampaignAudit, type KindHooks, type Report } from './core.ts';
import { createOutbox, type Effects, type Webhooks } from '../webhooks/index.ts';
import { createRedisGate } from './flash-sale/gate.ts';
import { createFlashSale } from './flash-sale/service.ts';
import { createGroupBuy } from './group-buy/service.ts';
import { createBargain } from './bargain/service.ts';
import { createCrowdfunding } from './crowdfunding/service.ts';
import { createPresale } from './presale/service.ts';
import { createReferral } from './referral/service.ts';
import type { CampaignKind } from './schema.ts';
import * as referralStore from './referral/store.ts';
import * as store from './store.ts';
import type { CampaignRow } from './store.ts';
import type { Hub } from '../../realtime/index.ts';
import type { CreateCampaignInput, UpdateCampaignInput } from './types.ts';

type Lifecycle = { appId: string; campaignId: string; kind: CampaignKind };
declare module '../../events.ts' {
  interface DomainEvents {
    'campaign.scheduled': Lifecycle;
    'campaign.started': Lifecycle;
    'campaign.ended': Lifecycle;
    'campaign.cancelled': Lifecycle;
  }
}

export type CampaignsDeps = {
  db: Db;
  pool: Pick<pg.Pool, 'query'>;
  clock: Clock;
  bus: EventBus;
  webhooks: Webhooks;
  audit: Audit;
  /** Referral rewards are credited through points and coupons; users say who is new. */
  points: Pick<Points, 'earn' | 'getType'>;
  coupons: Pick<Coupons, 'issue' | 'getTemplate'>;
  users: Pick<Users, 'get'>;
  log: { error(obj: object, msg: string): void; warn(obj: object, msg: string): void };
  /** Optional accelerator for the flash-sale gate. */
  redis?: Redis | null;
  /** Tells every server when flash-sale stock comes back, so none keeps answering "sold out" from memory. */
  hub?: Pick<Hub, 'publish' | 'on'> | null;
  /** How long a server answers "sold out" from memory (default 1000 ms). */
  soldOutMemoryMs?: number;
  /** Dice for bargain cuts (tests pass their own). */
  random?: () => number;
  /** Campaigns inside an A/B test hold its holdout out (campaigns → experiments). */
  experiments?: Pick<Experiments, 'gate' | 'describe'> | undefined;
  /** Campaigns for a segment admit its members only (the segments module, wired in app.ts). */
  segments?: SegmentGate | undefined;
  /** The report's attributed conversions: the participants' order events (analytics, wired in app.ts). */
  conversions?: ((ctx: Ctx, appId: string, participants: SQL, q: AttributionSpec) => Promise<{ participants: number; converted: number; orders: number; amount: number }>) | undefined;
};

/** Which host events count as a campaign's conversions: the event, its amount property, the window after first taking part. */
export type AttributionSpec = { event: string; property: string; windowDays: number };

const TICK_JOB = 'canyu.campaigns.tick';

function mergeSettings(current: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const out = { ...current };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = v;
  }
  return out;
}
const RECONCILE_JOB = 'canyu.campaigns.reconcile';

export function createCampaigns(deps: CampaignsDeps) {
  const { clock } = deps;

  /** The segment a campaign is for exists. */
  async function segmentOf(ctx: Ctx, appId: string, id: string): Promise<string> {
    if (!deps.segments || !(await deps.segments.exists(ctx, appId, id))) throw fieldError('body.segment', `no segment ${id} in this app`, 'the id of a segment (GET /v1/segments)');
    return id;
  }

  /** The experiment a campaign joins: it exists and has not stopped; stored by id. */
  async function experimentOf(ctx: Ctx, appId: string, idOrKey: string): Promise<string> {
    const e = deps.experiments ? await deps.experiments.describe(ctx, appId, idOrKey) : null;
    if (!e) throw fieldError('body.experiment', `no experiment ${idOrKey} in this app`, 'the id or key of an experiment (GET /v1/experiments)');
    if (e.status === 'stopped') throw fieldError('body.experiment', `experiment ${e.key} has stopped`, 'a draft or running experiment');
    return e.id;
  }
  const inTx = createOutbox(deps);
  let jobs: Jobs | null = null;
  const woken = new Set<number>();

  /** A tick at `at` (to the second) on some jobs server; repeated wakes for one second send one job. */
  function wake(at: Date): void {
    if (!jobs?.started) return;
    const slot = Math.ceil(at.getTime() / 1000);
    if (woken.has(slot)) return;
    if (woken.size > 50_000) woken.clear();
    woken.add(slot);
    const delay = Math.max(1, slot - Math.floor(clock.now().getTime() / 1000));
    jobs.send(TICK_JOB, {}, { startAfterSeconds: delay }).catch((err: unknown) => deps.log.error({ err }, 'could not schedule a campaign tick'));
  }

  // Each kind records what operators and the host change, in its own transaction.
  const audit: CampaignAudit = {
    record: async (ctx, tx, rec) => {
      if (isAdminActor(ctx)) await deps.audit.record({ ...ctx, db: tx }, rec);
    },
    replayed: (ctx) => deps.audit.replayed(ctx),
  };
  const admit = admitFor(deps.experiments, deps.segments);
  const flashSale = createFlashSale({ admit, db: deps.db, pool: deps.pool, clock, inTx, audit, gate: deps.redis ? createRedisGate(deps.redis, deps.log) : null, wake, hub: deps.hub ?? null, soldOutMemoryMs: deps.soldOutMemoryMs ?? 1000, log: deps.log });
  const groupBuy = createGroupBuy({ admit, db: deps.db, clock, inTx, audit, wake });
  const bargain = createBargain({ admit, db: deps.db, clock, inTx, audit, wake, ...(deps.random ? { random: deps.random } : {}) });
  const presale = createPresale({ admit, db: deps.db, clock, inTx, audit, wake });
  const crowdfunding = createCrowdfunding({ admit, db: deps.db, clock, inTx, audit });
  const referral = createReferral({ admit, db: deps.db, clock, inTx, audit, points: deps.points, coupons: deps.coupons, users: deps.users });
  const kinds: Record<CampaignKind, KindHooks> = { flash_sale: flashSale.hooks, group_buy: groupBuy.hooks, bargain: bargain.hooks, presale: presale.hooks, crowdfunding: crowdfunding.hooks, referral: referral.hooks };
  // An invitee's qualifying event rewards their referral (the check is in memory unless the event qualifies somewhere).
  deps.bus.interestIn('campaigns', referralStore.hostInterest);
  deps.bus.onHost('campaigns.referral', async (_ctx, e) => {
    await referral.qualify(e.appId, e.userId, e.name, e.eventId);
  });
  const hooksOf = (kind: CampaignKind): KindHooks => kinds[kind];

  // Erasing a user: held units go back to stock, then every record names a pseudonym instead.
  const erasure = {
    async eraseUser(db: Db, appId: string, userId: string): Promise<void> {
      await flashSale.releaseUser(appId, userId);
      await store.pseudonymise(db, appId, userId, `erased_${randomBase62(16)}`);
    },
    eraseApp: (db: Db, appId: string) => db.transaction((tx) => store.eraseApp(tx, appId)),
  } satisfies Erasure;

  /** Drops per-server caches after a campaign changed state here (other servers refresh within seconds). */
  const forget = () => {
    flashSale.forget();
    referral.forget();
  };
  const audited = (ctx: Ctx) => ctx.actor.type === 'operator' || ctx.actor.type === 'secret_key';
  const announce = async (fx: Effects, name: 'campaign.scheduled' | 'campaign.started' | 'campaign.ended' | 'campaign.cancelled', c: CampaignRow) => {
    await fx.event(name, { appId: c.appId, campaignId: c.id, kind: c.kind });
    await fx.webhook(c.appId, { type: name, key: `${c.id}:${name}`, data: { campaign_id: c.id, kind: c.kind, name: c.name, starts_at: c.startsAt.toISOString(), ends_at: c.endsAt.toISOString() } });
  };

  const api = {
    erasure,
    flashSale,
    groupBuy,
    bargain,
    presale,
    crowdfunding,
    referral,

    async create(ctx: Ctx, appId: string, input: CreateCampaignInput): Promise<CampaignRow> {
      const hooks = hooksOf(input.kind);
      const settings = hooks.parseSettings ? hooks.parseSettings(input.settings ?? {}) : (input.settings ?? {});
      const experimentId = input.experiment ? await experimentOf(ctx, appId, input.experiment) : null;
      const segmentId = input.segment ? await segmentOf(ctx, appId, input.segment) : null;
      return ctx.db.transaction(async (tx) => {
        const c = await store.insertCampaign(tx, {
          id: newId('cmp'),
          appId,
          kind: input.kind,
          name: input.name,
          description: input.description ?? '',
          startsAt: new Date(input.starts_at),
          endsAt: new Date(input.ends_at),
          budget: input.budget ?? null,
          perUserLimit: input.per_user_limit ?? null,
          experimentId,
          segmentId,
          settings,
        });
        if (audited(ctx)) await deps.audit.record({ ...ctx, db: tx }, { appId, action: 'campaign.create', targetType: 'campaign', targetId: c.id, after: { kind: c.kind, name: c.name } });
        return c;
      });
    },

    get(ctx: Ctx, appId: string, id: string): Promise<CampaignRow> {
      return mustCampaign(ctx.db, appId, id);
    },

    list(ctx: Ctx, appId: string, q: store.CampaignQuery): Promise<CampaignRow[]> {
      return store.listCampaigns(ctx.db, appId, q);
    },

    async update(ctx: Ctx, appId: string, id: string, input: UpdateCampaignInput): Promise<CampaignRow> {
      const experimentId = input.experiment ? await experimentOf(ctx, appId, input.experiment) : input.experiment;
      const segmentId = input.segment ? await segmentOf(ctx, appId, input.segment) : input.segment;
      const c = await ctx.db.transaction(async (tx) => {
        const before = await mustCampaign(tx, appId, id, undefined, true);
        assertEditable(before, clock.now());
        const startsAt = input.starts_at !== undefined ? new Date(input.starts_at) : before.startsAt;
        const endsAt = input.ends_at !== undefined ? new Date(input.ends_at) : before.endsAt;
        if (endsAt <= startsAt) throw fieldError(input.ends_at !== undefined ? 'body.ends_at' : 'body.starts_at', 'ends_at must be after starts_at');
        if (input.budget !== undefined && input.budget !== null && input.budget < before.committed) throw fieldError('body.budget', `must be at least the ${before.committed} already committed`);
        const hooks = hooksOf(before.kind);
        // settings is a merge patch (RFC 7396, one level): keys sent replace theirs, a null removes
        // one, keys not sent keep their values (they are not reset to the kind's defaults).
        const merged = input.settings === undefined ? undefined : mergeSettings(before.settings, input.settings);
        const settings = merged === undefined ? undefined : hooks.parseSettings ? hooks.parseSettings(merged) : merged;
        const after = await store.updateCampaign(tx, id, {
          ...(input.name !== undefined ? { name: input.name } : {}),
          ...(input.description !== undefined ? { description: input.description } : {}),
          startsAt,
          endsAt,
          ...(input.budget !== undefined ? { budget: input.budget } : {}),
          ...(input.per_user_limit !== undefined ? { perUserLimit: input.per_user_limit } : {}),
          ...(experimentId !== undefined ? { experimentId } : {}),
          ...(segmentId !== undefined ? { segmentId } : {}),
          ...(settings !== undefined ? { settings } : {}),
        });
        if (audited(ctx)) await deps.audit.record({ ...ctx, db: tx }, { appId, action: 'campaign.update', targetType: 'campaign', targetId: id, before: { name: before.name, starts_at: before.startsAt, ends_at: before.endsAt, budget: before.budget, per_user_limit: before.perUserLimit, experiment: before.experimentId, segment: before.segmentId, settings: before.settings }, after: { name: after.name, starts_at: after.startsAt, ends_at: after.endsAt, budget: after.budget, per_user_limit: after.perUserLimit, experiment: after.experimentId, segment: after.segmentId, settings: after.settings } });
        return after;
      });
      if (c.status === 'scheduled') {
        wake(c.startsAt);
        wake(c.endsAt);
      }
      forget();
      if (c.kind === 'referral') await deps.bus.refreshInterest(ctx.db, 'campaigns');
      return c;
    },

    /** draft → scheduled (→ running at once if its start has passed). */
    async schedule(ctx: Ctx, appId: string, id: string): Promise<CampaignRow> {
      const now = clock.now();
      const c = await inTx(ctx.db, async (tx, fx) => {
        const c0 = await mustCampaign(tx, appId, id, undefined, true);
        if (c0.status !== 'draft') throw new AppError('campaigns.invalid_transition', `Campaign ${id} is ${c0.status}; only a draft can be scheduled`, { campaign_id: id, status: c0.status });
        if (c0.endsAt <= now) throw new AppError('campaigns.invalid_transition', `Campaign ${id} ended at ${c0.endsAt.toISOString()}; move ends_at into the future first`, { campaign_id: id, ends_at: c0.endsAt.toISOString() });
        const why = await hooksOf(c0.kind).notReady?.(tx, c0);
        if (why) throw new AppError('campaigns.not_ready', `Campaign ${id} cannot be scheduled: ${why}`, { campaign_id: id, reason: why });
        const running = c0.startsAt <= now;
        const c1 = await store.updateCampaign(tx, id, running ? { status: 'running', startedAt: now } : { status: 'scheduled' });
        await announce(fx, 'campaign.scheduled', c1);
        if (running) await announce(fx, 'campaign.started', c1);
        if (audited(ctx)) await deps.audit.record({ ...ctx, db: tx }, { appId, action: 'campaign.schedule', targetType: 'campaign', targetId: id });
        return c1;
      });
      wake(c.startsAt);
      wake(c.endsAt);
      forget();
      if (c.kind === 'referral') await deps.bus.refreshInterest(ctx.db, 'campaigns');
      return c;
    },

    /** Stops a campaign for good; each kind releases what it holds (reservations, teams, pledges). */
    async cancel(ctx: Ctx, appId: string, id: string): Promise<CampaignRow> {
      const now = clock.now();
      return inTx(ctx.db, async (tx, fx) => {
        const c0 = await mustCampaign(tx, appId, id, undefined, true);
        if (c0.status === 'ended' || c0.status === 'cancelled') throw new AppError('campaigns.invalid_transition', `Campaign ${id} is already ${c0.status}`, { campaign_id: id, status: c0.status });
        const c1 = await store.updateCampaign(tx, id, { status: 'cancelled', cancelledAt: now });
        await hooksOf(c1.kind).onCancel?.(tx, fx, c1, now);
        await announce(fx, 'campaign.cancelled', c1);
        if (audited(ctx)) await deps.audit.record({ ...ctx, db: tx }, { appId, action: 'campaign.cancel', targetType: 'campaign', targetId: id, before: { status: c0.status } });
        fx.after(() => forget());
        return c1;
      });
    },

    async report(ctx: Ctx, appId: string, id: string, attribution?: AttributionSpec): Promise<Report & { campaign: CampaignRow; conversions: (AttributionSpec & { participants: number; converted: number; orders: number; amount: number }) | null }> {
      const c = await mustCampaign(ctx.db, appId, id);
      const conversions = attribution && deps.conversions ? { ...attribution, ...(await deps.conversions(ctx, appId, store.participantsSql(c), attribution)) } : null;
      return { ...(await hooksOf(c.kind).report(ctx.db, c)), campaign: c, conversions };
    },

    /** Every transition due at `now`, each exactly once across servers. Returns how many happened. */
    async tick(now: Date = clock.now()): Promise<number> {
      const started = await inTx(deps.db, async (tx, fx) => {
        const rows = await store.startDue(tx, now);
        for (const c of rows) await announce(fx, 'campaign.started', c);
        return rows.length;
      });
      const ended = await inTx(deps.db, async (tx, fx) => {
        const rows = await store.endDue(tx, now);
        for (const c of rows) {
          await kinds[c.kind]?.onEnd?.(tx, fx, c, now);
          await announce(fx, 'campaign.ended', c);
        }
        return rows.length;
      });
      if (started + ended > 0) forget();
      let n = started + ended;
      for (const h of Object.values(kinds)) n += (await h.tick?.(now)) ?? 0;
      return n;
    },

    registerJobs(j: Jobs): void {
      jobs = j;
      j.define(TICK_JOB, async () => {
        await api.tick();
      });
      j.schedule(TICK_JOB, '* * * * *');
      if (deps.redis) {
        j.define(RECONCILE_JOB, async () => {
          await flashSale.reconcile();
        });
        j.schedule(RECONCILE_JOB, '* * * * *');
      }
    },

    /** On boot: repair Redis counters a crash may have left wrong. */
    async start(): Promise<void> {
      await flashSale.reconcile().catch((err: unknown) => deps.log.warn({ err }, 'flash-sale reconcile on start failed'));
    },

    /** On shutdown: the flash sale's counted refusals go to the database. */
    async stop(): Promise<void> {
      await flashSale.flushRejections();
    },
  };
  return api;
}

export type Campaigns = ReturnType<typeof createCampaigns>;
