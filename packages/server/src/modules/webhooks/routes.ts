import { z } from 'zod';
import { dateTime } from '../../http/fields.ts';
import { appIdOf } from '../../http/auth.ts';
import { cursorTime, decodeCursor, page, pageQuery, pageSchema } from '../../http/pagination.ts';
import { errors, iso, type Api, type RequestCtx } from '../../http/route.ts';
import type { EndpointView, Webhooks } from './service.ts';
import type { AttemptRow, DeliveryRow } from './store.ts';
import { AttemptOut, CreateEndpointBody, DeliveryDetailOut, DeliveryIdParams, DeliveryOut, DELIVERY_STATUSES, EndpointIdParams, EndpointOut, RotateSecretBody, SecretOut, UpdateEndpointBody } from './types.ts';

const tags = ['Webhooks'];

const presentEndpoint = (e: EndpointView) => ({
  id: e.id,
  url: e.url,
  description: e.description,
  event_types: e.eventTypes,
  enabled: e.enabled,
  state: e.state,
  consecutive_failures: e.failureStreak,
  circuit_open_until: e.state === 'open' ? iso(e.circuitOpenUntil) : null,
  secret_hint: e.secretHint,
  created_at: e.createdAt.toISOString(),
  updated_at: e.updatedAt.toISOString(),
});

const presentDelivery = (d: DeliveryRow) => ({
  id: d.id,
  endpoint_id: d.endpointId,
  event_id: d.eventId,
  event_type: d.eventType,
  status: d.status,
  attempts: d.attempts,
  max_attempts: d.maxAttempts,
  next_attempt_at: d.status === 'pending' || d.status === 'retrying' ? d.nextAttemptAt.toISOString() : null,
  last_status_code: d.lastStatusCode,
  last_error: d.lastError,
  created_at: d.createdAt.toISOString(),
  delivered_at: iso(d.deliveredAt),
});

const presentAttempt = (a: AttemptRow): z.infer<typeof AttemptOut> => ({ attempt: a.attempt, status_code: a.statusCode, error: a.error, response_body: a.responseBody, duration_ms: a.durationMs, created_at: a.createdAt.toISOString() });

const read = { secret: true, operator: 'webhooks.read' } as const;
const manage = { secret: true, operator: 'webhooks.manage' } as const;

export function webhooksRoutes(api: Api, deps: { webhooks: Webhooks; ctx: RequestCtx }): void {
  const { webhooks, ctx } = deps;

  api.post(
    '/v1/webhooks/endpoints',
    {
      config: { auth: manage, audit: 'recorded' },
      schema: {
        tags,
        summary: 'Add a webhook endpoint',
        description:
          'Canyu POSTs each event as JSON with `Canyu-Signature: t=<unix>,v1=<hex>` where v1 = HMAC-SHA256(secret, `<t>.<raw body>`), plus `Canyu-Event-Id` (de-duplicate on it: delivery is at least once), `Canyu-Event-Type` and `Canyu-Delivery-Id`. ' +
          'Answer 2xx within 10 s; anything else (redirects included: they are not followed) is retried with exponential backoff. After 5 failed attempts in a row the endpoint\'s circuit opens (`state: open`): nothing is sent until a cool-down ends (10 s, doubling up to 10 min), then one probe decides (`half_open`). ' +
          'Loopback, private, link-local, CGNAT, multicast and cloud-metadata destinations are refused (400 naming body.url, and again at connection time on every resolved address) unless the server allows them with CANYU_WEBHOOK_ALLOW_PRIVATE. The signing secret is shown in this answer.',
        body: CreateEndpointBody,
        response: { 201: EndpointOut.extend({ secret: z.string() }), ...errors(400, 401, 403, 429) },
      },
    },
    async (req, reply) => {
      const r = await webhooks.createEndpoint(ctx(req), appIdOf(req), req.body);
      return reply.code(201).send({ ...presentEndpoint(r.endpoint), secret: r.secret });
    },
  );

  api.get(
    '/v1/webhooks/endpoints',
    {
      config: { auth: read },
      schema: { tags, summary: 'List webhook endpoints', querystring: z.strictObject({ ...pageQuery, enabled: z.enum(['true', 'false']).optional() }), response: { 200: pageSchema(EndpointOut), ...errors(400, 401, 403) } },
    },
    async (req) => {
      const cur = decodeCursor(req.query.cursor, z.object({ i: z.string() }));
      const rows = await webhooks.listEndpoints(ctx(req), appIdOf(req), { limit: req.query.limit + 1, afterId: cur?.i, enabled: req.query.enabled === undefined ? undefined : req.query.enabled === 'true' });
      const p = page(rows, req.query.limit, (r) => ({ i: r.id }));
      return { data: p.data.map(presentEndpoint), next_cursor: p.next_cursor };
    },
  );

  api.get(
    '/v1/webhooks/endpoints/:endpointId',
    { config: { auth: read }, schema: { tags, summary: 'Get a webhook endpoint', params: EndpointIdParams, response: { 200: EndpointOut, ...errors(400, 401, 403, 404) } } },
    async (req) => presentEndpoint(await webhooks.getEndpoint(ctx(req), appIdOf(req), req.params.endpointId)),
  );

  api.patch(
    '/v1/webhooks/endpoints/:endpointId',
    { config: { auth: manage, audit: 'recorded' }, schema: { tags, summary: 'Change the URL, event types or enabled state of an endpoint', params: EndpointIdParams, body: UpdateEndpointBody, response: { 200: EndpointOut, ...errors(400, 401, 403, 404) } } },
    async (req) => presentEndpoint(await webhooks.updateEndpoint(ctx(req), appIdOf(req), req.params.endpointId, req.body)),
  );

  api.delete(
    '/v1/webhooks/endpoints/:endpointId',
    { config: { auth: manage, audit: 'recorded' }, schema: { tags, summary: 'Delete an endpoint (idempotent): it is never called again and its waiting deliveries are dropped; its delivery log is kept', params: EndpointIdParams, response: { 204: z.null(), ...errors(400, 401, 403) } } },
    async (req, reply) => {
      await webhooks.deleteEndpoint(ctx(req), appIdOf(req), req.params.endpointId);
      return reply.code(204).send(null);
    },
  );

  api.get(
    '/v1/webhooks/endpoints/:endpointId/secret',
    { config: { auth: manage }, schema: { tags, summary: "Reveal an endpoint's signing secret", params: EndpointIdParams, response: { 200: SecretOut, ...errors(400, 401, 403, 404) } } },
    async (req) => ({ secret: await webhooks.revealSecret(ctx(req), appIdOf(req), req.params.endpointId) }),
  );

  api.post(
    '/v1/webhooks/endpoints/:endpointId/rotate-secret',
    {
      config: { auth: manage, audit: 'recorded' },
      schema: {
        tags,
        summary: 'Rotate the signing secret',
        description: 'During the grace period every delivery carries two v1 signatures, one per secret, so receivers can switch without losing events.',
        params: EndpointIdParams,
        body: RotateSecretBody.nullish(),
        response: { 200: SecretOut, ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => ({ secret: await webhooks.rotateSecret(ctx(req), appIdOf(req), req.params.endpointId, req.body?.grace_seconds) }),
  );

  api.post(
    '/v1/webhooks/endpoints/:endpointId/test',
    {
      config: { auth: manage, audit: 'recorded' },
      schema: {
        tags,
        summary: 'Send a webhook.test event to the endpoint now and report what it answered',
        params: EndpointIdParams,
        response: { 200: z.object({ ok: z.boolean(), status_code: z.number().int().nullable(), error: z.string().nullable(), duration_ms: z.number().int(), delivery: DeliveryOut }), ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (req) => {
      const r = await webhooks.testEndpoint(ctx(req), appIdOf(req), req.params.endpointId);
      return { ok: r.outcome.ok, status_code: r.outcome.statusCode, error: r.outcome.error, duration_ms: r.outcome.durationMs, delivery: presentDelivery(r.delivery) };
    },
  );

  api.post(
    '/v1/webhooks/endpoints/:endpointId/replay',
    {
      config: { auth: manage, audit: 'recorded' },
      schema: {
        tags,
        summary: "Send this endpoint the app's domain events again from a position or a time",
        description:
          'Scans the event log (GET /v1/events/log) oldest first, after `after` or from `since`, up to `limit` entries, and queues a delivery to this endpoint for each domain event its event_types select — with the same event id as the first time, so receivers can de-duplicate. A delivery being sent right now is left to finish. Continue with `next_after` until it is null.',
        params: EndpointIdParams,
        body: z
          .strictObject({
            after: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional().describe('A log position (exclusive)'),
            since: dateTime().optional().describe('Or a time (inclusive)'),
            limit: z.number().int().min(1).max(10_000).default(1000),
          })
          .refine((b) => (b.after === undefined) !== (b.since === undefined), { message: 'give exactly one of after or since' }),
        response: { 200: z.object({ queued: z.number().int(), next_after: z.number().int().nullable() }), ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (req) => {
      const r = await webhooks.replay(ctx(req), appIdOf(req), req.params.endpointId, { after: req.body.after, since: req.body.since ? new Date(req.body.since) : undefined, limit: req.body.limit });
      return { queued: r.queued, next_after: r.nextAfter };
    },
  );

  api.get(
    '/v1/webhooks/deliveries',
    {
      config: { auth: read },
      schema: {
        tags,
        summary: 'The delivery log, newest first',
        querystring: z.strictObject({ ...pageQuery, endpoint_id: z.string().max(64).optional(), status: z.enum(DELIVERY_STATUSES).optional(), event_type: z.string().max(100).optional(), event_id: z.string().max(64).optional() }),
        response: { 200: pageSchema(DeliveryOut), ...errors(400, 401, 403) },
      },
    },
    async (req) => {
      const q = req.query;
      const cur = decodeCursor(q.cursor, z.object({ t: cursorTime(), i: z.string() }));
      const rows = await webhooks.listDeliveries(ctx(req), appIdOf(req), { limit: q.limit + 1, before: cur ? { t: cur.t, id: cur.i } : undefined, endpointId: q.endpoint_id, status: q.status, eventType: q.event_type, eventId: q.event_id });
      const p = page(rows, q.limit, (r) => ({ t: r.createdAt.toISOString(), i: r.id }));
      return { data: p.data.map(presentDelivery), next_cursor: p.next_cursor };
    },
  );

  api.get(
    '/v1/webhooks/deliveries/:deliveryId',
    { config: { auth: read }, schema: { tags, summary: 'A delivery with its payload and every attempt', params: DeliveryIdParams, response: { 200: DeliveryDetailOut, ...errors(400, 401, 403, 404) } } },
    async (req) => {
      const r = await webhooks.getDelivery(ctx(req), appIdOf(req), req.params.deliveryId);
      return { ...presentDelivery(r.delivery), payload: r.delivery.payload, attempt_log: r.attempts.map(presentAttempt) };
    },
  );

  api.post(
    '/v1/webhooks/deliveries/:deliveryId/redeliver',
    {
      config: { auth: manage, audit: 'recorded' },
      schema: { tags, summary: 'Send a delivery again now, with a fresh series of retries', params: DeliveryIdParams, response: { 202: DeliveryOut, ...errors(400, 401, 403, 404, 409) } },
    },
    async (req, reply) => reply.code(202).send(presentDelivery(await webhooks.redeliver(ctx(req), appIdOf(req), req.params.deliveryId))),
  );
}
