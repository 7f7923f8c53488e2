// Signed webhooks to the host app. Other modules publish through `enqueue` inside their own
// transaction (so a state change and the webhook announcing it commit together: an outbox), then
// call `dispatch` after the commit. Each delivery is attempted by a pg-boss job; failures are
// retried with exponential backoff; every attempt is logged with the receiver's answer.
import { randomUUID } from 'node:crypto';
import type { Ctx } from '../../context.ts';
import type { Db } from '../../db/index.ts';
import { AppError } from '../../http/errors.ts';
import type { Jobs } from '../../jobs.ts';
import type { Clock } from '../../lib/clock.ts';
import { newId, randomBase62, sha256 } from '../../lib/ids.ts';
import type { Audit } from '../audit/index.ts';
import './errors.ts';
import { DEFAULT_RETRY, matchingPatterns, retryDelaySeconds, type RetryPolicy } from './rules/backoff.ts';
import { signatureHeader } from './rules/signature.ts';
import * as store from './store.ts';
import type { DeliveryRow, EndpointRow } from './store.ts';
import type { CreateEndpointInput, UpdateEndpointInput } from './types.ts';

export type WebhookEvent = {
  /** Dotted type, e.g. `group_buy.team.succeeded`. */
  type: string;
  /** Unique per app for this occurrence: a repeat with the same key enqueues nothing. */
  key: string;
  data: Record<string, unknown>;
};

export type AttemptOutcome = { deliveryId: string; ok: boolean; statusCode: number | null; error: string | null; durationMs: number; status: 'succeeded' | 'retrying' | 'failed' };

export type WebhooksDeps = {
  db: Db;
  clock: Clock;
  audit: Audit;
  log: { error(obj: object, msg: string): void; warn(obj: object, msg: string): void };
  retry?: RetryPolicy;
  /** Per attempt. */
  timeoutMs?: number;
  random?: () => number;
};

const DELIVER_JOB = 'canyu.webhooks.deliver';
const SWEEP_JOB = 'canyu.webhooks.sweep';
const LEASE_MS = 60_000;
const USER_AGENT = 'Canyu-Webhooks/1';

export const eventIdOf = (appId: string, key: string) => `evt_${sha256(`${appId}\n${key}`).slice(0, 32)}`;
const newSecret = () => `whsec_${randomBase62(32)}`;

export function createWebhooks(deps: WebhooksDeps) {
  const retry = deps.retry ?? DEFAULT_RETRY;
  const timeoutMs = deps.timeoutMs ?? 10_000;
  const random = deps.random ?? Math.random;
  let jobs: Jobs | null = null;
  const inline = new Set<Promise<unknown>>();

  const notFound = (id: string) => new AppError('webhooks.endpoint_not_found', `No webhook endpoint ${id} in this app`, { endpoint_id: id });

  async function mustEndpoint(db: Db, appId: string, id: string): Promise<EndpointRow> {
    const e = await store.findEndpoint(db, appId, id);
    if (!e) throw notFound(id);
    return e;
  }

  /** One HTTP attempt of a due delivery; null when it is not due or another worker has it. */
  async function attempt(deliveryId: string): Promise<AttemptOutcome | null> {
    const now = deps.clock.now();
    const d = await store.claimDelivery(deps.db, deliveryId, now, new Date(now.getTime() + Math.max(LEASE_MS, timeoutMs * 2)));
    if (!d) return null;
    const body = JSON.stringify(d.payload);
    const t = Math.floor(now.getTime() / 1000);
    const secrets = [d.secret, ...(d.previousSecret && d.previousSecretUntil && d.previousSecretUntil > now ? [d.previousSecret] : [])];
    let statusCode: number | null = null;
    let error: string | null = null;
    let responseBody: string | null = null;
    const t0 = performance.now();
    if (!d.enabled) {
      error = 'endpoint disabled';
    } else {
      try {
        const res = await fetch(d.url, {
          method: 'POST',
          redirect: 'manual',
          signal: AbortSignal.timeout(timeoutMs),
          headers: {
            'content-type': 'application/json',
            'user-agent': USER_AGENT,
            'canyu-signature': signatureHeader(secrets, t, body),
            'canyu-event-id': d.eventId,
            'canyu-event-type': d.eventType,
            'canyu-delivery-id': d.id,
            'canyu-attempt': String(d.attempts),
          },
          body,
        });
        statusCode = res.status;
        responseBody = (await res.text().catch(() => '')).slice(0, 2048);
        if (res.status < 200 || res.status >= 300) error = `HTTP ${res.status}`;
      } catch (err) {
        const e = err as Error & { cause?: { code?: string; message?: string } };
        error = e.name === 'TimeoutError' ? `timed out after ${timeoutMs} ms` : `${e.cause?.code ?? e.name}: ${e.cause?.message ?? e.message}`.slice(0, 500);
      }
    }
    const durationMs = Math.round(performance.now() - t0);
    const ok = error === null;
    const done = deps.clock.now();
    let status: AttemptOutcome['status'];
    let next = done;
    if (ok) status = 'succeeded';
    else if (!d.enabled || d.attempts >= d.maxAttempts) status = 'failed';
    else {
      status = 'retrying';
      next = new Date(done.getTime() + retryDelaySeconds(retry, d.attempts, random()) * 1000);
    }
    await store.recordAttempt(deps.db, { deliveryId: d.id, attempt: d.attempts, statusCode, error, responseBody, durationMs, at: done }, { status, nextAttemptAt: next });
    if (status === 'retrying' && jobs?.started) {
      await jobs.send(DELIVER_JOB, { id: d.id }, { startAfterSeconds: Math.max(1, Math.ceil((next.getTime() - done.getTime()) / 1000)) });
    }
    return { deliveryId: d.id, ok, statusCode, error, durationMs, status };
  }

  function runInline(ids: string[]): void {
    for (const id of ids) {
      const p = attempt(id).catch((err: unknown) => deps.log.error({ err, deliveryId: id }, 'webhook attempt failed'));
      inline.add(p);
      void p.finally(() => inline.delete(p));
    }
  }

  const api = {
    // ---- endpoints ------------------------------------------------------------------------------
    async createEndpoint(ctx: Ctx, appId: string, input: CreateEndpointInput): Promise<{ endpoint: EndpointRow; secret: string }> {
      const secret = newSecret();
      const endpoint = await ctx.db.transaction(async (tx) => {
        const e = await store.insertEndpoint(tx, { id: newId('whe'), appId, url: input.url, description: input.description ?? '', eventTypes: input.event_types ?? [], enabled: input.enabled ?? true, secret });
        await deps.audit.record({ ...ctx, db: tx }, { appId, action: 'webhook_endpoint.create', targetType: 'webhook_endpoint', targetId: e.id, after: { url: e.url, event_types: e.eventTypes, enabled: e.enabled } });
        return e;
      });
      return { endpoint, secret };
    },

    getEndpoint(ctx: Ctx, appId: string, id: string): Promise<EndpointRow> {
      return mustEndpoint(ctx.db, appId, id);
    },

    listEndpoints(ctx: Ctx, appId: string, q: { limit: number; afterId?: string | undefined; enabled?: boolean | undefined }): Promise<EndpointRow[]> {
      return store.listEndpoints(ctx.db, appId, q);
    },

    async updateEndpoint(ctx: Ctx, appId: string, id: string, input: UpdateEndpointInput): Promise<EndpointRow> {
      return ctx.db.transaction(async (tx) => {
        const before = await mustEndpoint(tx, appId, id);
        const e = (await store.updateEndpoint(tx, appId, id, {
          ...(input.url !== undefined ? { url: input.url } : {}),
          ...(input.description !== undefined ? { description: input.description } : {}),
          ...(input.event_types !== undefined ? { eventTypes: input.event_types } : {}),
          ...(input.enabled !== undefined ? { enabled: input.enabled } : {}),
        }))!;
        await deps.audit.record({ ...ctx, db: tx }, { appId, action: 'webhook_endpoint.update', targetType: 'webhook_endpoint', targetId: id, before: { url: before.url, event_types: before.eventTypes, enabled: before.enabled }, after: { url: e.url, event_types: e.eventTypes, enabled: e.enabled } });
        return e;
      });
    },

    /** Deletes the endpoint and its delivery log. Idempotent. */
    async deleteEndpoint(ctx: Ctx, appId: string, id: string): Promise<void> {
      await ctx.db.transaction(async (tx) => {
        if (await store.deleteEndpoint(tx, appId, id)) await deps.audit.record({ ...ctx, db: tx }, { appId, action: 'webhook_endpoint.delete', targetType: 'webhook_endpoint', targetId: id });
      });
    },

    async revealSecret(ctx: Ctx, appId: string, id: string): Promise<string> {
      return (await mustEndpoint(ctx.db, appId, id)).secret;
    },

    /** A new secret signs from now on; the old one keeps signing beside it for `graceSeconds`. */
    async rotateSecret(ctx: Ctx, appId: string, id: string, graceSeconds = 86_400): Promise<string> {
      const secret = newSecret();
      await ctx.db.transaction(async (tx) => {
        const before = await mustEndpoint(tx, appId, id);
        const until = new Date(deps.clock.now().getTime() + graceSeconds * 1000);
        await store.updateEndpoint(tx, appId, id, { secret, previousSecret: graceSeconds > 0 ? before.secret : null, previousSecretUntil: graceSeconds > 0 ? until : null });
        await deps.audit.record({ ...ctx, db: tx }, { appId, action: 'webhook_endpoint.rotate_secret', targetType: 'webhook_endpoint', targetId: id, after: { grace_seconds: graceSeconds } });
      });
      return secret;
    },

    // ---- publishing (for other modules) ---------------------------------------------------------
    /**
     * Records the event for every subscribed endpoint, through `db` (pass the caller's
     * transaction). Returns the new delivery ids for `dispatch` once the transaction commits.
     */
    async enqueue(db: Db, appId: string, event: WebhookEvent): Promise<string[]> {
      const endpointIds = await store.subscribedEndpoints(db, appId, matchingPatterns(event.type));
      if (endpointIds.length === 0) return [];
      const now = deps.clock.now();
      const eventId = eventIdOf(appId, event.key);
      const payload = { id: eventId, type: event.type, app_id: appId, created_at: now.toISOString(), data: event.data };
      return store.insertDeliveries(
        db,
        endpointIds.map((endpointId) => ({ id: newId('whd'), appId, endpointId, eventId, eventType: event.type, payload, maxAttempts: retry.maxAttempts, nextAttemptAt: now })),
      );
    },

    /** Starts delivering (after the enqueuing transaction committed): a job each, or inline without jobs. */
    async dispatch(ids: string[]): Promise<void> {
      if (ids.length === 0) return;
      if (jobs?.started) {
        for (const id of ids) await jobs.send(DELIVER_JOB, { id });
      } else {
        runInline(ids);
      }
    },

    /** enqueue + dispatch for callers that have nothing else to commit with the event. */
    async publish(appId: string, event: WebhookEvent): Promise<string[]> {
      const ids = await api.enqueue(deps.db, appId, event);
      await api.dispatch(ids);
      return ids;
    },

    attempt,

    /**
     * Hands every delivery due for `slackMs` or more to a job (or attempts it inline without jobs):
     * deliveries whose job was lost in a crash, or enqueued on a server without jobs. Returns how many.
     */
    async sweep(opts: { limit?: number; slackMs?: number } = {}): Promise<number> {
      const ids = await store.dueDeliveries(deps.db, new Date(deps.clock.now().getTime() - (opts.slackMs ?? 0)), opts.limit ?? 500);
      await api.dispatch(ids);
      return ids.length;
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

    /** Sends a `webhook.test` event to the endpoint now and answers with the outcome (no retries). */
    async testEndpoint(ctx: Ctx, appId: string, endpointId: string): Promise<{ delivery: DeliveryRow; outcome: AttemptOutcome }> {
      const e = await mustEndpoint(ctx.db, appId, endpointId);
      if (!e.enabled) throw new AppError('webhooks.endpoint_disabled', `Endpoint ${e.id} is disabled; enable it to test it`, { endpoint_id: e.id });
      const now = deps.clock.now();
      const eventId = eventIdOf(appId, `webhook.test:${randomUUID()}`);
      const payload = { id: eventId, type: 'webhook.test', app_id: appId, created_at: now.toISOString(), data: { message: 'Canyu webhook test 测试', endpoint_id: e.id } };
      const [id] = await store.insertDeliveries(ctx.db, [{ id: newId('whd'), appId, endpointId: e.id, eventId, eventType: 'webhook.test', payload, maxAttempts: 1, nextAttemptAt: now }]);
      const outcome = (await attempt(id!))!;
      const delivery = (await store.findDelivery(ctx.db, appId, id!))!;
      return { delivery, outcome };
    },

    /** Registers the delivery job and the sweep that recovers anything a crash left behind. */
    registerJobs(j: Jobs): void {
      jobs = j;
      j.define<{ id: string }>(DELIVER_JOB, async ({ id }) => {
        await attempt(id);
      });
      j.define(SWEEP_JOB, async () => {
        await api.sweep({ slackMs: 30_000 });
      });
      j.schedule(SWEEP_JOB, '* * * * *');
    },
  };
  return api;
}

export type Webhooks = ReturnType<typeof createWebhooks>;
