// Signed webhooks to the host app. Other modules publish through `enqueue` inside their own
// transaction (so a state change and the webhook announcing it commit together: an outbox), then
// call `dispatch` after the commit. Deliveries live in wh_deliveries; each server's worker
// (worker.ts) claims due ones in batches with SKIP LOCKED and attempts them over keep-alive
// connections (sender.ts, through the SSRF guard); failures are retried with exponential backoff
// per delivery, and a circuit breaker per endpoint (rules/circuit.ts) keeps a dead endpoint from
// costing anyone else anything. Every attempt is logged with the receiver's answer.
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { Ctx } from '../../context.ts';
import type { Db } from '../../db/index.ts';
import type { Erasure } from '../../erasure.ts';
import { AppError, validationError } from '../../http/errors.ts';
import type { Jobs } from '../../jobs.ts';
import type { Clock } from '../../lib/clock.ts';
import { newId, randomBase62, sha256 } from '../../lib/ids.ts';
import { BlockedAddressError, createNetGuard, type NetGuard } from '../../lib/net-guard.ts';
import type { SecretBox } from '../../lib/secrets.ts';
import type { Audit } from '../audit/index.ts';
import './errors.ts';
import type { LogRow } from '../../events/index.ts';
import { DIRECT_TYPES, domainWebhook } from './rules/domain.ts';
import { DEFAULT_RETRY, matchingPatterns, retryDelaySeconds, type RetryPolicy } from './rules/backoff.ts';
import { circuitState, DEFAULT_CIRCUIT, streakChange, type CircuitPolicy, type CircuitState } from './rules/circuit.ts';
import { signatureHeader } from './rules/signature.ts';
import { createSender, type SendResult } from './sender.ts';
import * as store from './store.ts';
import type { Claimed, DeliveryRow, EndpointRow } from './store.ts';
import type { CreateEndpointInput, UpdateEndpointInput } from './types.ts';
import { createWorker } from './worker.ts';

export type WebhookEvent = {
  /** Dotted type, e.g. `group_buy.team.succeeded`. */
  type: string;
  /** Unique per app for this occurrence: a repeat with the same key enqueues nothing. */
  key: string;
  data: Record<string, unknown>;
  /** When it happened, if earlier than now (events handled from the log): endpoints created later skip it. */
  occurredAt?: Date;
};

export type AttemptOutcome = { deliveryId: string; ok: boolean; statusCode: number | null; error: string | null; durationMs: number; status: 'succeeded' | 'retrying' | 'failed' };

/** An endpoint as shown: its circuit state and the last characters of its signing secret (never the secret). */
export type EndpointView = Omit<EndpointRow, 'secret' | 'previousSecret'> & { state: CircuitState; secretHint: string };

export type WorkerSettings = { concurrency: number; perEndpoint: number; batch: number; pollMs: number };
const DEFAULT_WORKER: WorkerSettings = { concurrency: 256, perEndpoint: 32, batch: 100, pollMs: 1000 };

export type WebhooksDeps = {
  db: Db;
  /** For LISTEN/NOTIFY between servers; without it a worker polls. */
  pool?: pg.Pool;
  clock: Clock;
  audit: Audit;
  log: { error(obj: object, msg: string): void; warn(obj: object, msg: string): void };
  /** Seals signing secrets at rest (the server master key, lib/secrets.ts). */
  secrets: SecretBox;
  /** Which destinations may be called (SSRF); default: public addresses only. */
  guard?: NetGuard;
  retry?: RetryPolicy;
  circuit?: CircuitPolicy;
  worker?: Partial<WorkerSettings>;
  /** Per attempt. */
  timeoutMs?: number;
  random?: () => number;
};

const LEASE_MS = 60_000;
const USER_AGENT = 'Canyu-Webhooks/1';

export const eventIdOf = (appId: string, key: string) => `evt_${sha256(`${appId}\n${key}`).slice(0, 32)}`;
const newSecret = () => `whsec_${randomBase62(32)}`;

/** Reads an app's event log (replay); given by the event graph's wiring. */
export type LogReader = (appId: string, q: { afterId?: number | undefined; since?: Date | undefined; limit: number }) => Promise<LogRow[]>;

export function createWebhooks(deps: WebhooksDeps) {
  let readLog: LogReader | null = null;
  const retry = deps.retry ?? DEFAULT_RETRY;
  const circuit = deps.circuit ?? DEFAULT_CIRCUIT;
  const timeoutMs = deps.timeoutMs ?? 10_000;
  const random = deps.random ?? Math.random;
  const guard = deps.guard ?? createNetGuard();
  const settings = { ...DEFAULT_WORKER, ...deps.worker };
  const leaseMs = Math.max(LEASE_MS, timeoutMs * 2);
  const sender = createSender({ guard, timeoutMs, maxSockets: settings.perEndpoint });
  let workerWanted = false;
  const inline = new Set<Promise<unknown>>();

  const notFound = (id: string) => new AppError('webhooks.endpoint_not_found', `No webhook endpoint ${id} in this app`, { endpoint_id: id });
  const { secrets: box } = deps;
  const view = ({ secret, previousSecret: _previous, ...e }: EndpointRow): EndpointView => ({ ...e, state: circuitState(e.circuitOpenUntil, deps.clock.now()), secretHint: `…${box.open(secret).slice(-4)}` });

  async function mustEndpoint(db: Db, appId: string, id: string): Promise<EndpointRow> {
    const e = await store.findEndpoint(db, appId, id);
    if (!e) throw notFound(id);
    return e;
  }

  /** A URL an endpoint may have: refuses local and private destinations as written (names are checked again on every connection). */
  function checkUrl(url: string, field: string): void {
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    const r = guard.refusal(host);
    if (r) throw validationError([{ field, code: 'destination_refused', message: new BlockedAddressError(r).message }]);
  }

  // ---- recording attempts: batched, so that hundreds of attempts a second cost a few transactions
  type Pending = { outcome: store.Outcome; counts: boolean; ok: boolean; done: () => void; fail: (e: unknown) => void };
  let queue: Pending[] = [];
  let flushing = false;

  function record(outcome: store.Outcome, ok: boolean, counts: boolean): Promise<void> {
    return new Promise((done, fail) => {
      queue.push({ outcome, ok, counts, done, fail });
      if (!flushing) {
        flushing = true;
        setImmediate(() => void flush());
      }
    });
  }

  async function flush(): Promise<void> {
    while (queue.length > 0) {
      const batch = queue.slice(0, 500);
      queue = queue.slice(batch.length);
      const perEndpoint = new Map<string, boolean[]>();
      for (const p of batch) if (p.counts) perEndpoint.set(p.outcome.endpointId, [...(perEndpoint.get(p.outcome.endpointId) ?? []), p.ok]);
      const changes = [...perEndpoint].map(([id, oks]) => ({ id, ...streakChange(oks) }));
      try {
        await store.recordOutcomes(deps.db, batch.map((p) => p.outcome), changes, { ...circuit, now: deps.clock.now() });
        for (const p of batch) p.done();
      } catch (err) {
        for (const p of batch) p.fail(err);
      }
    }
    flushing = false;
  }

  /** One HTTP attempt of a claimed delivery, recorded. */
  async function perform(d: Claimed): Promise<AttemptOutcome> {
    const now = deps.clock.now();
    const body = JSON.stringify(d.payload);
    const t = Math.floor(now.getTime() / 1000);
    const secrets = [d.secret, ...(d.previousSecret && d.previousSecretUntil && d.previousSecretUntil > now ? [d.previousSecret] : [])].map((s) => box.open(s));
    const r: SendResult = d.enabled
      ? await sender.send(
          d.url,
          {
            'content-type': 'application/json',
            'user-agent': USER_AGENT,
            'canyu-signature': signatureHeader(secrets, t, body),
            'canyu-event-id': d.eventId,
            'canyu-event-type': d.eventType,
            'canyu-delivery-id': d.id,
            'canyu-attempt': String(d.attempts),
          },
          body,
        )
      : { statusCode: null, error: 'endpoint disabled', responseBody: null, durationMs: 0 };
    const ok = r.error === null;
    const done = deps.clock.now();
    let status: AttemptOutcome['status'];
    let next = done;
    if (ok) status = 'succeeded';
    else if (!d.enabled || d.attempts >= d.maxAttempts) status = 'failed';
    else {
      status = 'retrying';
      next = new Date(done.getTime() + retryDelaySeconds(retry, d.attempts, random()) * 1000);
    }
    await record({ deliveryId: d.id, endpointId: d.endpointId, attempt: d.attempts, statusCode: r.statusCode, error: r.error, responseBody: r.responseBody, durationMs: r.durationMs, at: done, status, nextAttemptAt: next }, ok, d.enabled);
    return { deliveryId: d.id, ok, statusCode: r.statusCode, error: r.error, durationMs: r.durationMs, status };
  }

  /** One HTTP attempt of a due delivery; null when it is not due or another worker has it. */
  async function attempt(deliveryId: string, opts: { force?: boolean } = {}): Promise<AttemptOutcome | null> {
    const now = deps.clock.now();
    const d = await store.claimDelivery(deps.db, deliveryId, now, new Date(now.getTime() + leaseMs), opts.force);
    return d ? perform(d) : null;
  }

  function runInline(work: (() => Promise<unknown>)[]): void {
    for (const w of work) {
      const p = w().catch((err: unknown) => deps.log.error({ err }, 'webhook attempt failed'));
      inline.add(p);
      void p.finally(() => inline.delete(p));
    }
  }

  const worker = createWorker({
    pool: deps.pool,
    channel: store.WAKE_CHANNEL,
    log: deps.log,
    concurrency: settings.concurrency,
    perEndpoint: settings.perEndpoint,
    batch: settings.batch,
    pollMs: settings.pollMs,
    async claim(limit, busy) {
      const now = deps.clock.now();
      const leaseUntil = new Date(now.getTime() + leaseMs);
      const probes = await store.takeProbes(deps.db, now, leaseUntil);
      return store.claimDue(deps.db, { now, leaseUntil, limit, perEndpoint: settings.perEndpoint, busy, probes });
    },
    run: async (d) => void (await perform(d)),
  });

  const api = {
    erasure: {
      eraseApp: (db: Db, appId: string) => db.transaction((tx) => store.eraseApp(tx, appId)),
      eraseUser: (db: Db, appId: string, userId: string) => store.eraseUser(db, appId, userId),
    } satisfies Erasure,
    // ---- endpoints ------------------------------------------------------------------------------
    async createEndpoint(ctx: Ctx, appId: string, input: CreateEndpointInput): Promise<{ endpoint: EndpointView; secret: string }> {
      checkUrl(input.url, 'body.url');
      const secret = newSecret();
      const endpoint = await ctx.db.transaction(async (tx) => {
        const e = await store.insertEndpoint(tx, { id: newId('whe'), appId, url: input.url, description: input.description ?? '', eventTypes: input.event_types ?? [], enabled: input.enabled ?? true, secret: box.seal(secret) });
        await deps.audit.record({ ...ctx, db: tx }, { appId, action: 'webhook_endpoint.create', targetType: 'webhook_endpoint', targetId: e.id, after: { url: e.url, event_types: e.eventTypes, enabled: e.enabled } });
        return e;
      });
      return { endpoint: view(endpoint), secret };
    },

    async getEndpoint(ctx: Ctx, appId: string, id: string): Promise<EndpointView> {
      return view(await mustEndpoint(ctx.db, appId, id));
    },

    async listEndpoints(ctx: Ctx, appId: string, q: { limit: number; afterId?: string | undefined; enabled?: boolean | undefined }): Promise<EndpointView[]> {
      return (await store.listEndpoints(ctx.db, appId, q)).map(view);
    },

    async updateEndpoint(ctx: Ctx, appId: string, id: string, input: UpdateEndpointInput): Promise<EndpointView> {
      if (input.url !== undefined) checkUrl(input.url, 'body.url');
      return ctx.db.transaction(async (tx) => {
        const before = await mustEndpoint(tx, appId, id);
        const e = (await store.updateEndpoint(tx, appId, id, {
          ...(input.url !== undefined ? { url: input.url } : {}),
          ...(input.description !== undefined ? { description: input.description } : {}),
          ...(input.event_types !== undefined ? { eventTypes: input.event_types } : {}),
          ...(input.enabled !== undefined ? { enabled: input.enabled } : {}),
        }))!;
        await deps.audit.record({ ...ctx, db: tx }, { appId, action: 'webhook_endpoint.update', targetType: 'webhook_endpoint', targetId: id, before: { url: before.url, event_types: before.eventTypes, enabled: before.enabled }, after: { url: e.url, event_types: e.eventTypes, enabled: e.enabled } });
        return view(e);
      });
    },

    /** Deletes the endpoint (idempotent): its delivery log stays, its waiting deliveries are dropped. */
    async deleteEndpoint(ctx: Ctx, appId: string, id: string): Promise<void> {
      await ctx.db.transaction(async (tx) => {
        const deleted = await store.deleteEndpoint(tx, appId, id, deps.clock.now());
        // Recorded when it was gone already too (deleted: false): the caller asked.
        await deps.audit.record({ ...ctx, db: tx }, { appId, action: 'webhook_endpoint.delete', targetType: 'webhook_endpoint', targetId: id, before: { deleted: !deleted }, after: { deleted: true } });
      });
    },

    async revealSecret(ctx: Ctx, appId: string, id: string): Promise<string> {
      return box.open((await mustEndpoint(ctx.db, appId, id)).secret);
    },

    /** A new secret signs from now on; the old one keeps signing beside it for `graceSeconds`. */
    async rotateSecret(ctx: Ctx, appId: string, id: string, graceSeconds = 86_400): Promise<string> {
      const secret = newSecret();
      await ctx.db.transaction(async (tx) => {
        const before = await mustEndpoint(tx, appId, id);
        const until = new Date(deps.clock.now().getTime() + graceSeconds * 1000);
        // The previous secret moves over as stored (sealed).
        await store.updateEndpoint(tx, appId, id, { secret: box.seal(secret), previousSecret: graceSeconds > 0 ? before.secret : null, previousSecretUntil: graceSeconds > 0 ? until : null });
        await deps.audit.record({ ...ctx, db: tx }, { appId, action: 'webhook_endpoint.rotate_secret', targetType: 'webhook_endpoint', targetId: id, after: { grace_seconds: graceSeconds } });
      });
      return secret;
    },

    // ---- publishing (for other modules) ---------------------------------------------------------
    /**
     * The one entry point that creates deliveries: records the event for every subscribed
     * endpoint, through `db` (pass the caller's transaction). Returns the new delivery ids for
     * `dispatch` once the transaction commits (every server's worker is also woken by NOTIFY at
     * the commit).
     */
    async enqueue(db: Db, appId: string, event: WebhookEvent): Promise<string[]> {
      return api.enqueueMany(db, [{ appId, event }]);
    },

    /** `enqueue` for many events at once (a consumer's batch): one read of the apps' endpoints, one insert. */
    async enqueueMany(db: Db, items: { appId: string; event: WebhookEvent }[]): Promise<string[]> {
      const endpointsOf = new Map<string, Awaited<ReturnType<typeof store.enabledEndpointsOf>>>();
      for (const e of await store.enabledEndpointsOf(db, [...new Set(items.map((i) => i.appId))])) endpointsOf.set(e.appId, [...(endpointsOf.get(e.appId) ?? []), e]);
      if (endpointsOf.size === 0) return [];
      const now = deps.clock.now();
      const rows: Parameters<typeof store.insertDeliveries>[1] = [];
      for (const { appId, event } of items) {
        const patterns = new Set(matchingPatterns(event.type));
        // An endpoint hears of what happens once it exists, not of events from before.
        const targets = (endpointsOf.get(appId) ?? []).filter((t) => (t.eventTypes.length === 0 || t.eventTypes.some((p) => patterns.has(p))) && (!event.occurredAt || t.createdAt <= event.occurredAt));
        if (targets.length === 0) continue;
        const eventId = eventIdOf(appId, event.key);
        const payload = { id: eventId, type: event.type, app_id: appId, created_at: now.toISOString(), data: event.data };
        // An endpoint whose circuit is open gets its delivery after the cool-down.
        for (const t of targets) rows.push({ id: newId('whd'), appId, endpointId: t.id, eventId, eventType: event.type, payload, maxAttempts: retry.maxAttempts, nextAttemptAt: t.circuitOpenUntil && t.circuitOpenUntil > now ? t.circuitOpenUntil : now });
      }
      const ids: string[] = [];
      for (let i = 0; i < rows.length; i += 1000) ids.push(...(await store.insertDeliveries(db, rows.slice(i, i + 1000))));
      return ids;
    },

    /** Starts delivering (after the enqueuing transaction committed): wakes this server's worker, or attempts inline where none runs. */
    async dispatch(ids: string[]): Promise<void> {
      if (ids.length === 0) return;
      if (worker.running) worker.wake();
      else runInline(ids.map((id) => () => attempt(id)));
    },

    /**
     * Sends one endpoint the events of the app's log again (or for the first time), from a position
     * or a time, oldest first, up to `limit` log rows scanned: the ones its event types select.
     * Returns how many were queued and the position to continue after (null at the end).
     */
    async replay(ctx: Ctx, appId: string, endpointId: string, q: { after?: number | undefined; since?: Date | undefined; limit: number }): Promise<{ queued: number; nextAfter: number | null }> {
      if (!readLog) throw new Error('webhooks: no event log to replay from');
      const e = await mustEndpoint(ctx.db, appId, endpointId);
      if (!e.enabled) throw new AppError('webhooks.endpoint_disabled', `Endpoint ${endpointId} is disabled; enable it before replaying`, { endpoint_id: endpointId });
      const rows = await readLog(appId, { afterId: q.after, since: q.since, limit: q.limit });
      const wanted = (type: string) => e.eventTypes.length === 0 || matchingPatterns(type).some((p) => e.eventTypes.includes(p));
      const now = deps.clock.now();
      const out = rows
        .filter((r) => r.kind === 'domain' && !DIRECT_TYPES.has(r.name) && wanted(r.name))
        .map((r) => {
          const ev = domainWebhook(r);
          const eventId = eventIdOf(appId, ev.key);
          return { id: newId('whd'), appId, endpointId, eventId, eventType: ev.type, payload: { id: eventId, type: ev.type, app_id: appId, created_at: r.createdAt.toISOString(), data: ev.data }, maxAttempts: retry.maxAttempts, nextAttemptAt: now };
        });
      const ids = await ctx.db.transaction(async (tx) => {
        const ids = await store.redeliver(tx, out);
        await deps.audit.record({ ...ctx, db: tx }, { appId, action: 'webhook_endpoint.replay', targetType: 'webhook_endpoint', targetId: endpointId, after: { after: q.after ?? null, since: q.since?.toISOString() ?? null, queued: ids.length } });
        return ids;
      });
      await api.dispatch(ids);
      return { queued: ids.length, nextAfter: rows.length === q.limit ? rows[rows.length - 1]!.id : null };
    },

    /** The event log replays read (wired once at start). */
    useLog(fn: LogReader): void {
      readLog = fn;
    },

    /** enqueue + dispatch for callers that have nothing else to commit with the event. */
    async publish(appId: string, event: WebhookEvent): Promise<string[]> {
      const ids = await api.enqueue(deps.db, appId, event);
      await api.dispatch(ids);
      return ids;
    },

    attempt: (deliveryId: string) => attempt(deliveryId),

    /**
     * Claims every delivery due for `slackMs` or more and attempts it inline (without a running
     * worker: tests, maintenance). Returns how many were claimed.
     */
    async sweep(opts: { limit?: number; slackMs?: number } = {}): Promise<number> {
      const now = new Date(deps.clock.now().getTime() - (opts.slackMs ?? 0));
      const claimed = await store.claimDue(deps.db, { now, leaseUntil: new Date(deps.clock.now().getTime() + leaseMs), limit: opts.limit ?? 500, perEndpoint: opts.limit ?? 500, busy: new Map(), probes: await store.takeProbes(deps.db, now, new Date(deps.clock.now().getTime() + leaseMs)) });
      runInline(claimed.map((d) => () => perform(d)));
      return claimed.length;
    },

    /** Resolves when inline attempts started so far have finished (tests, shutdown). */
    async idle(): Promise<void> {
      while (inline.size > 0) await Promise.allSettled([...inline]);
    },

    // ---- delivery log ---------------------------------------------------------------------------
    listDeliveries(ctx: Ctx, appId: string, q: store.DeliveryQuery): Promise<DeliveryRow[]> {
      return store.listDeliveries(ctx.db, appId, q);
    },

    async getDelivery(ctx: Ctx, appId: string, id: string): Promise<{ delivery: DeliveryRow; attempts: store.AttemptRow[] }> {
      const delivery = await store.findDelivery(ctx.db, appId, id);
      if (!delivery) throw new AppError('webhooks.delivery_not_found', `No webhook delivery ${id} in this app`, { delivery_id: id });
      return { delivery, attempts: await store.listAttempts(ctx.db, id) };
    },

    /** Sends the delivery again now, with a fresh series of retries, whatever its state. */
    async redeliver(ctx: Ctx, appId: string, id: string): Promise<DeliveryRow> {
      const d = await store.findDelivery(ctx.db, appId, id);
      if (!d) throw new AppError('webhooks.delivery_not_found', `No webhook delivery ${id} in this app`, { delivery_id: id });
      const endpoint = await mustEndpoint(ctx.db, appId, d.endpointId);
      if (!endpoint.enabled) throw new AppError('webhooks.endpoint_disabled', `Endpoint ${endpoint.id} is disabled; enable it before redelivering`, { endpoint_id: endpoint.id });
      const r = await store.resetDelivery(ctx.db, appId, id, deps.clock.now(), retry.maxAttempts);
      if (!r) throw new AppError('webhooks.delivery_in_progress', `Delivery ${id} is being sent right now; try again when the attempt has finished`, { delivery_id: id });
      await deps.audit.record(ctx, { appId, action: 'webhook_delivery.redeliver', targetType: 'webhook_delivery', targetId: id });
      await api.dispatch([id]);
      return r;
    },

    /** Sends a `webhook.test` event to the endpoint now (even if its circuit is open) and answers with the outcome (no retries). */
    async testEndpoint(ctx: Ctx, appId: string, endpointId: string): Promise<{ delivery: DeliveryRow; outcome: AttemptOutcome }> {
      const e = await mustEndpoint(ctx.db, appId, endpointId);
      if (!e.enabled) throw new AppError('webhooks.endpoint_disabled', `Endpoint ${e.id} is disabled; enable it to test it`, { endpoint_id: e.id });
      const now = deps.clock.now();
      const eventId = eventIdOf(appId, `webhook.test:${randomUUID()}`);
      const payload = { id: eventId, type: 'webhook.test', app_id: appId, created_at: now.toISOString(), data: { message: 'Canyu webhook test 测试', endpoint_id: e.id } };
      const [id] = await ctx.db.transaction(async (tx) => {
        const ids = await store.insertDeliveries(tx, [{ id: newId('whd'), appId, endpointId: e.id, eventId, eventType: 'webhook.test', payload, maxAttempts: 1, nextAttemptAt: now }]);
        await deps.audit.record({ ...ctx, db: tx }, { appId, action: 'webhook_endpoint.test', targetType: 'webhook_endpoint', targetId: e.id, after: { delivery_id: ids[0] ?? null } });
        return ids;
      });
      const outcome = (await attempt(id!, { force: true }))!;
      const delivery = (await store.findDelivery(ctx.db, appId, id!))!;
      return { delivery, outcome };
    },

    /** Servers that run jobs also run the delivery worker (started with the app). */
    registerJobs(_jobs: Jobs): void {
      workerWanted = true;
    },

    /**
     * Seals signing secrets stored in the clear (endpoints from before sealing existed) and
     * re-seals those sealed under a previous master key (rotation). Run at every start; safe with
     * several servers starting at once: each value is replaced only if it still holds what was read.
     */
    async sealSecrets(): Promise<number> {
      let n = 0;
      for (const row of await store.unsealedSecrets(deps.db, box.prefix)) {
        const next = (v: string | null) => (v === null || v === '' || box.isCurrent(v) ? v : box.seal(box.open(v)));
        if (await store.replaceSecrets(deps.db, row, { secret: next(row.secret)!, previousSecret: next(row.previousSecret) })) n++;
      }
      return n;
    },

    /** Seals what is stored in the clear, then starts this server's delivery worker (when it runs jobs, or when `force`d: tests). */
    async start(opts: { force?: boolean } = {}): Promise<void> {
      await api.sealSecrets();
      if (workerWanted || opts.force) await worker.start();
    },

    /** Stops claiming, lets attempts in flight finish and be recorded. */
    async stop(): Promise<void> {
      await worker.stop();
      await api.idle();
      sender.close();
    },
  };
  return api;
}

export type Webhooks = ReturnType<typeof createWebhooks>;
