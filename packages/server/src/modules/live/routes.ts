import { z } from 'zod';
import { appIdOf, assertActsFor } from '../../http/auth.ts';
import { AppError } from '../../http/errors.ts';
import { cursorTime, decodeCursor, page, pageQuery, pageSchema } from '../../http/pagination.ts';
import { errors, iso, type Api, type RequestCtx } from '../../http/route.ts';
import type { FastifyRequest } from 'fastify';
import type { Live } from './service.ts';
import type { LiveMessageRow, RoomRow } from './store.ts';
import { ChatBody, InteractionBody, LikeBody, RoomBody, RoomParams } from './types.ts';
import { USER_TEXT_NOTE, userText } from '../../lib/text.ts';
import { userActivity } from '../../http/audit.ts';

const RoomOut = z
  .object({
    id: z.string(),
    title: z.string(),
    status: z.enum(['open', 'closed']),
    chat: z.object({ max: z.number(), window_seconds: z.number() }),
    likes: z.number(),
    messages: z.number(),
    online: z.number().optional().describe('Connections subscribed to the room, across servers'),
    topic: z.string().describe('Subscribe to it over GET /v1/realtime (or ?topics= on SSE)'),
    created_at: z.string(),
    closed_at: z.string().nullable(),
  })
  .meta({ id: 'LiveRoom' });

const present = (r: RoomRow & { online?: number }) => ({
  id: r.id,
  title: r.title,
  status: r.status as 'open',
  chat: { max: r.chatMax, window_seconds: r.chatWindowS },
  likes: r.likes,
  messages: r.messages,
  ...(r.online !== undefined ? { online: r.online } : {}),
  topic: `live:${r.id}`,
  created_at: r.createdAt.toISOString(),
  closed_at: iso(r.closedAt),
});

const MessageOut = z.object({ id: z.string(), user_id: z.string(), text: z.string().describe(USER_TEXT_NOTE), masked: z.boolean(), created_at: z.string() }).meta({ id: 'LiveMessage' });
const presentMessage = (m: LiveMessageRow) => ({ id: `lvm_${m.id}`, user_id: m.userId, text: userText(m.text), masked: m.masked, created_at: m.createdAt.toISOString() });

/** Who speaks: a user token speaks for itself; a secret key names the user. */
function speaker(req: FastifyRequest, userId: string | undefined): string {
  const p = req.principal;
  if (p.kind === 'user') {
    if (userId !== undefined) assertActsFor(req, userId);
    return p.userId;
  }
  if (!userId) throw new AppError('validation_failed', 'user_id is required with a secret key', { issues: [{ field: 'body.user_id', code: 'invalid_type', message: 'required with a secret key', expected: 'string' }] });
  return userId;
}

export function liveRoutes(api: Api, deps: { live: Live; ctx: RequestCtx }): void {
  const { live, ctx } = deps;
  const tags = ['Live rooms'];
  const manage = { secret: true, operator: 'live.moderate' } as const;

  api.post(
    '/v1/live/rooms',
    { config: { auth: manage, audit: 'recorded' }, schema: { tags, summary: 'Open a live room (直播间)', body: RoomBody, response: { 201: RoomOut, ...errors(400, 401, 403) } } },
    async (req, reply) => reply.code(201).send(present(await live.create(ctx(req), appIdOf(req), req.body))),
  );

  api.get(
    '/v1/live/rooms',
    {
      config: { auth: { secret: true, user: true, operator: 'live.moderate' } },
      schema: { tags, summary: 'List live rooms, newest first', querystring: z.strictObject({ ...pageQuery, status: z.enum(['open', 'closed']).optional() }), response: { 200: pageSchema(RoomOut), ...errors(400, 401, 403) } },
    },
    async (req) => {
      const cur = decodeCursor(req.query.cursor, z.object({ t: cursorTime(), i: z.string() }));
      const rows = await live.list(ctx(req), appIdOf(req), { limit: req.query.limit + 1, before: cur ? { t: cur.t, id: cur.i } : undefined, status: req.query.status });
      const p = page(rows, req.query.limit, (r) => ({ t: r.createdAt.toISOString(), i: r.id }));
      const appId = appIdOf(req);
      return { data: p.data.map((r) => present({ ...r, online: live.online(appId, r.id) })), next_cursor: p.next_cursor };
    },
  );

  api.get(
    '/v1/live/rooms/:roomId',
    { config: { auth: { secret: true, user: true, operator: 'live.moderate' } }, schema: { tags, summary: 'A live room with its online count and likes', params: RoomParams, response: { 200: RoomOut, ...errors(401, 403, 404) } } },
    async (req) => present(await live.get(ctx(req), appIdOf(req), req.params.roomId)),
  );

  api.post(
    '/v1/live/rooms/:roomId/close',
    { config: { auth: manage, audit: 'recorded' }, schema: { tags, summary: 'End the live: clients get live.closed; chat and likes stop', params: RoomParams, response: { 200: RoomOut, ...errors(401, 403, 404) } } },
    async (req) => present(await live.close(ctx(req), appIdOf(req), req.params.roomId)),
  );

  api.get(
    '/v1/live/rooms/:roomId/messages',
    {
      config: { auth: { secret: true, user: true, operator: 'live.moderate' } },
      schema: { tags, summary: 'Chat history (弹幕), newest first', params: RoomParams, querystring: z.strictObject(pageQuery), response: { 200: pageSchema(MessageOut), ...errors(400, 401, 403) } },
    },
    async (req) => {
      const cur = decodeCursor(req.query.cursor, z.object({ i: z.number().int() }));
      const rows = await live.history(ctx(req), appIdOf(req), req.params.roomId, { limit: req.query.limit + 1, beforeId: cur?.i });
      const p = page(rows, req.query.limit, (r) => ({ i: r.id }));
      return { data: p.data.map(presentMessage), next_cursor: p.next_cursor };
    },
  );

  api.post(
    '/v1/live/rooms/:roomId/messages',
    {
      config: { auth: { secret: true, user: true }, audit: userActivity },
      schema: {
        tags,
        summary: 'Send a chat message (the same as live.chat over the WebSocket)',
        description: "Limited per user per room (429 live.rate_limited with Retry-After). The app's sensitive-word filter applies (PATCH /v1/interactions/settings, moderation): words are masked, or the message refused with interactions.sensitive_content when filter_mode is reject.",
        params: RoomParams,
        body: ChatBody,
        response: { 201: MessageOut, ...errors(400, 401, 403, 404, 409, 429) },
      },
    },
    async (req, reply) => reply.code(201).send(presentMessage(await live.chat(ctx(req), appIdOf(req), req.params.roomId, speaker(req, req.body.user_id), req.body.text))),
  );

  api.post(
    '/v1/live/rooms/:roomId/likes',
    {
      config: { auth: { secret: true, user: true }, audit: userActivity },
      schema: { tags, summary: 'Tap likes: counted now, written and announced to the room as one periodic total', params: RoomParams, body: LikeBody, response: { 202: z.object({ accepted: z.number() }), ...errors(400, 401, 403, 404, 409) } },
    },
    async (req, reply) => {
      speaker(req, req.body.user_id);
      await live.like(appIdOf(req), req.params.roomId, req.body.count);
      return reply.code(202).send({ accepted: req.body.count });
    },
  );

  api.post(
    '/v1/live/rooms/:roomId/interactions',
    {
      config: { auth: manage, audit: 'recorded' },
      schema: {
        tags,
        summary: 'Start a live poll or lottery in the room',
        description:
          'ref is the id of one of the app\'s polls (not closed) or lotteries, else 400 naming body.ref. Clients in the room get live.interaction with its current state, then, until the room closes: ' +
          'live.poll.results as votes change (at most a few per second; option counts only when the poll shows results to everyone, else the voter count) and live.lottery.draw for each draw (user_id, prize or null). ' +
          'The domain event live.interaction.started is appended as well.',
        params: RoomParams,
        body: InteractionBody,
        response: { 201: z.object({ id: z.string() }), ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (req, reply) => reply.code(201).send(await live.interaction(ctx(req), appIdOf(req), req.params.roomId, req.body)),
  );
}
