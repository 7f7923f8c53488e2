// The event log through the API: an app's domain events by position (replay, audit, backfill),
// how far each consumer is behind on them, and the events a consumer gave up on (with a retry).
import type { Module } from '../module.ts';
import { z } from 'zod';
import { appIdOf } from '../http/auth.ts';
import { AppError, defineErrors } from '../http/errors.ts';
import { dateTime, serialId } from '../http/fields.ts';
import { decodeCursor, page, pageQuery, pageSchema } from '../http/pagination.ts';
import { errors, type Api, type RequestCtx } from '../http/route.ts';
import type { AuditWriter } from '../context.ts';
import type { EventLog } from './index.ts';

declare module '../http/errors.ts' {
  interface ErrorCodes {
    'events.failure_not_found': true;
  }
}

defineErrors({ 'events.failure_not_found': [404, '没有该消费者处理失败的事件'] });

const tags = ['Event log'];
const read = { secret: true, operator: 'events.read' } as const;
const write = { secret: true, operator: 'events.write' } as const;

const LogEntry = z.object({
  position: z.number().int().describe('Increases with every event recorded; unique, never reused'),
  kind: z.enum(['domain', 'host']).describe('domain: recorded by Canyu; host: ingested through POST /v1/events and listened to by some rule'),
  name: z.string(),
  version: z.number().int(),
  actor_id: z.string().nullable().describe('The acting user'),
  user_ids: z.array(z.string()).describe('Every user the event concerns'),
  key: z.string().describe('Idempotency key of the occurrence (e.g. the host event_id)'),
  payload: z.record(z.string(), z.unknown()).describe('As recorded (JSON): user-written text inside is returned as given; render it as text'),
  created_at: z.string(),
});

const Consumer = z.object({ consumer: z.string(), behind: z.number().int().describe("This app's events the consumer has not handled yet"), updated_at: z.string().nullable() });
const Failure = z.object({ consumer: z.string(), position: z.number().int(), name: z.string(), error: z.string(), attempts: z.number().int(), created_at: z.string() });

export function eventLogRoutes(api: Api, deps: { bus: EventLog; audit: AuditWriter; ctx: RequestCtx }): void {
  const { bus } = deps;

  api.get(
    '/v1/events/log',
    {
      config: { auth: read },
      schema: {
        tags,
        summary: "The app's domain events, oldest first from a position or a time",
        description: 'Events stay for CANYU_EVENT_RETENTION_DAYS (default 30) once every consumer has handled them. Order is by position; events of one user are always in the order they happened.',
        querystring: z.strictObject({
          ...pageQuery,
          after: serialId('after').optional().describe('Start after this position'),
          since: dateTime().optional().describe('Start at this time'),
          name: z.string().min(1).max(200).optional(),
        }),
        response: { 200: pageSchema(LogEntry), ...errors(400, 401, 403) },
      },
    },
    async (req) => {
      const q = req.query;
      const cur = decodeCursor(q.cursor, z.object({ p: z.number().int().nonnegative() }));
      const after = cur?.p ?? (q.after !== undefined ? Number(q.after) : undefined);
      const rows = await bus.readApp(deps.ctx(req).db, appIdOf(req), { afterId: after, since: q.since ? new Date(q.since) : undefined, names: q.name ? [q.name] : undefined, limit: q.limit + 1 });
      const pg = page(rows, q.limit, (r) => ({ p: r.id }));
      return {
        next_cursor: pg.next_cursor,
        data: pg.data.map((r) => ({ position: r.id, kind: r.kind, name: r.name, version: r.version, actor_id: r.actorId, user_ids: r.userIds, key: r.key, payload: r.payload, created_at: r.createdAt.toISOString() })),
      };
    },
  );

  api.get(
    '/v1/events/consumers',
    {
      config: { auth: read },
      schema: { tags, summary: "How far each consumer (earn rules, tasks, messaging rules, webhooks…) is behind on this app's events", response: { 200: z.object({ data: z.array(Consumer) }), ...errors(401, 403) } },
    },
    async (req) => ({ data: (await bus.appLag(appIdOf(req))).map((c) => ({ consumer: c.consumer, behind: c.behind, updated_at: c.updatedAt ? c.updatedAt.toISOString() : null })) }),
  );

  api.get(
    '/v1/events/failures',
    {
      config: { auth: read },
      schema: {
        tags,
        summary: 'Events a consumer could not handle after three attempts (skipped; retry them once fixed)',
        querystring: z.strictObject({ limit: pageQuery.limit }),
        response: { 200: z.object({ data: z.array(Failure) }), ...errors(400, 401, 403) },
      },
    },
    async (req) => ({
      data: (await bus.failures(deps.ctx(req).db, appIdOf(req), req.query.limit)).map((f) => ({ consumer: f.consumer, position: f.eventId, name: f.name, error: f.error, attempts: f.attempts, created_at: f.createdAt.toISOString() })),
    }),
  );

  api.post(
    '/v1/events/failures/:consumer/:position/retry',
    {
      config: { auth: write, audit: 'recorded' },
      schema: {
        tags,
        summary: 'Runs one failed event again for its consumer (recorded again if it fails again)',
        params: z.strictObject({ consumer: z.string().min(1).max(200), position: serialId('position') }),
        response: { 200: z.object({ retried: z.literal(true) }), ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const appId = appIdOf(req);
      const { consumer, position } = req.params;
      const ok = await bus.retry(appId, consumer, Number(position), (tx) => deps.audit.record({ ...deps.ctx(req), db: tx }, { appId, action: 'events.failure.retry', targetType: 'event_failure', targetId: `${consumer}:${position}` }));
      if (!ok) throw new AppError('events.failure_not_found', `No failed event ${req.params.position} for consumer ${req.params.consumer} in this app`, { consumer: req.params.consumer, position: req.params.position });
      return { retried: true as const };
    },
  );
}

/** The event log as a module: its routes, its retention prune, and its part of erasure (`event_log.*` consumers). */
export function eventLogModule(bus: EventLog, deps: { audit: AuditWriter; now: () => Date }): Module {
  return {
    name: 'event_log',
    routes: (api, { ctx }) => eventLogRoutes(api, { bus, audit: deps.audit, ctx }),
    jobs(jobs) {
      // Handled rows of the event log older than CANYU_EVENT_RETENTION_DAYS.
      jobs.define('canyu.events.prune', async () => {
        await bus.prune(deps.now());
      });
      jobs.schedule('canyu.events.prune', '29 * * * *');
    },
    erasure: bus.erasure,
  };
}
