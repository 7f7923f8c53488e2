import { z } from 'zod';
import { appIdOf } from '../../http/auth.ts';
import { AppError, validationError } from '../../http/errors.ts';
import { decodeCursor, page, pageQuery, pageSchema } from '../../http/pagination.ts';
import { errors, externalId, type Api, type RequestCtx } from '../../http/route.ts';
import { DOMAIN_EVENTS } from '../../events/known.ts';
import type { Events } from './service.ts';
import { EventOut, IngestBody, IngestOut } from './types.ts';

const tags = ['Events'];

export function eventsRoutes(api: Api, deps: { events: Events; ctx: RequestCtx; bodyLimit: number }): void {
  const { events, ctx } = deps;

  api.post(
    '/v1/events',
    {
      config: { auth: { secret: true, user: true, operator: 'events.write' }, audit: { exempt: 'Event ingestion: what users did, kept in the event log itself' } },
      schema: {
        tags,
        summary: 'Track a batch of events (1-1000)',
        description:
          `Answered only once every event is committed to PostgreSQL. A repeated event_id is stored once (reported as a duplicate), so retrying a failed or timed-out request is always safe. ` +
          `The whole batch is validated first: one bad event rejects the request and nothing is stored. When the ingestion buffer is full the answer is 429 with Retry-After. Body limit: ${deps.bodyLimit} bytes.`,
        body: IngestBody,
        response: { 200: IngestOut, ...errors(400, 401, 403, 413, 429, 503) },
      },
    },
    async (req) => {
      const p = req.principal;
      const batch = req.body.events.map((input, i) => {
        if (p.kind === 'user') {
          if (input.user_id !== undefined && input.user_id !== p.userId) {
            throw new AppError('auth.wrong_user', `events[${i}].user_id is "${input.user_id}" but the user token is for "${p.userId}"`, { field: `body.events.${i}.user_id` });
          }
          return { input, userId: p.userId };
        }
        if (input.user_id === undefined) {
          throw validationError([{ field: `body.events.${i}.user_id`, code: 'invalid_type', message: 'user_id is required when sending with a secret key or operator session', expected: 'string' }]);
        }
        return { input, userId: input.user_id };
      });
      return events.ingest(appIdOf(req), batch);
    },
  );

  api.get(
    '/v1/events/catalog',
    {
      config: { auth: { secret: true, operator: 'events.read' } },
      schema: {
        tags,
        summary: 'Every event a rule can listen to: the domain events Canyu records and the host event names this app has sent',
        description:
          'Earn rules (source "domain"), tasks, badges, messaging rules and webhooks accept these names. `list` names the payload key holding a list of users (voters, recipients) that a messaging rule can send to.',
        response: {
          200: z.object({
            domain: z.array(z.object({ name: z.string(), module: z.string(), description: z.object({ en: z.string(), 'zh-CN': z.string() }), list: z.string().nullable() })),
            host: z.array(z.object({ name: z.string(), count: z.number().int(), last_seen: z.string() })),
          }),
          ...errors(401, 403),
        },
      },
    },
    async (req) => ({
      domain: Object.entries(DOMAIN_EVENTS)
        .filter(([name]) => name !== 'event.ingested')
        .map(([name, e]) => ({ name, module: e.module, description: { en: e.en, 'zh-CN': e.zh }, list: 'list' in e ? e.list : null })),
      host: (await events.hostNames(ctx(req), appIdOf(req))).map((h) => ({ name: h.name, count: h.count, last_seen: h.lastSeen.toISOString() })),
    }),
  );

  api.get(
    '/v1/events',
    {
      config: { auth: { secret: true, operator: 'events.read' } },
      schema: {
        tags,
        summary: 'Stored events, newest first',
        querystring: z.strictObject({ ...pageQuery, user_id: externalId('user_id').optional(), name: z.string().min(1).max(200).optional() }),
        response: { 200: pageSchema(EventOut), ...errors(400, 401, 403) },
      },
    },
    async (req) => {
      const q = req.query;
      const cur = decodeCursor(q.cursor, z.object({ s: z.number().int() }));
      const rows = await events.list(ctx(req), appIdOf(req), { limit: q.limit + 1, beforeSeq: cur?.s, userId: q.user_id, name: q.name });
      const pg = page(rows, q.limit, (r) => ({ s: r.seq }));
      return {
        next_cursor: pg.next_cursor,
        data: pg.data.map((r) => ({ event_id: r.eventId, seq: r.seq, user_id: r.userId, name: r.name, properties: r.properties, timestamp: r.ts.toISOString(), received_at: r.receivedAt.toISOString() })),
      };
    },
  );
}
