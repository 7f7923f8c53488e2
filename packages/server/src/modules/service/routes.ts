import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { userActivity, type AuditPolicy } from '../../http/audit.ts';
import { actingUserId, appIdOf } from '../../http/auth.ts';
import { AppError } from '../../http/errors.ts';
import { cursorTime, decodeCursor, page, pageQuery, pageSchema } from '../../http/pagination.ts';
import { errors, type Api, type RequestCtx } from '../../http/route.ts';
import { presentConversation, presentMessage, type Service } from './service.ts';
import type { AgentRow, CannedRow, ConversationRow, SettingsRow } from './store.ts';
import { AgentBody, AgentOut, CannedBody, CannedOut, CannedPatch, ConversationOut, InboundBody, MessageBody, MessageOut, OpenBody, RateBody, SettingsBody, SettingsOut, STATUSES, TransferBody } from './types.ts';

const tags = ['Customer service'];
const userSide = { secret: true, user: true } as const;
const readAny = { secret: true, user: true, operator: 'service.read' } as const;
const work = { secret: true, operator: 'service.work' } as const;
const manage = { secret: true, operator: 'service.manage' } as const;
/** Conversation work is its own record: every step is a message, an assignment or a domain event. */
const conversationWork: AuditPolicy = { exempt: 'Customer-service conversation work: every step is kept in the conversation (messages, assignment, resolution) and as a domain event' };

const Params = z.strictObject({ conversationId: z.string().min(1).max(64) });
const CannedParams = z.strictObject({ cannedId: z.string().min(1).max(64) });

const presentAgent = (a: AgentRow & { active?: number }): z.infer<typeof AgentOut> => ({ operator_id: a.operatorId, status: a.status as 'online', skills: a.skills, capacity: a.capacity, active: a.active ?? 0, updated_at: a.updatedAt.toISOString() });
const presentCanned = (r: CannedRow): z.infer<typeof CannedOut> => ({ id: r.id, title: r.title, body: r.body, created_at: r.createdAt.toISOString(), updated_at: r.updatedAt.toISOString() });
const presentSettings = (s: SettingsRow): z.infer<typeof SettingsOut> => ({ bot_enabled: s.botEnabled, threshold: s.threshold, handover_keywords: s.handoverKeywords, first_response_minutes: s.firstResponseMinutes, resolution_minutes: s.resolutionMinutes });

/** A user token sees only its own conversations; secret keys and operators see all. */
const userOf = (req: FastifyRequest): string | undefined => (req.principal.kind === 'user' ? req.principal.userId : undefined);
const operatorOf = (req: FastifyRequest): string => {
  if (req.principal.kind !== 'operator') throw new AppError('auth.forbidden', 'Only a signed-in operator works as an agent');
  return req.principal.operatorId;
};

const Opened = z.object({ conversation: ConversationOut, message: MessageOut.nullable(), replies: z.array(MessageOut).describe('What the bot (or the system) answered to this message') });

export function serviceRoutes(api: Api, deps: { service: Service; ctx: RequestCtx; now: () => Date }): void {
  const { service: sv, ctx, now } = deps;

  /** The messages after `seq` that are not the user's own: the bot's answer to the message just sent. */
  const repliesAfter = async (req: FastifyRequest, appId: string, c: ConversationRow, seq: number | undefined) =>
    seq === undefined ? [] : (await sv.messages(ctx(req), appId, c.id, { afterSeq: seq, limit: 10, userId: c.userId })).filter((m) => m.authorKind !== 'user').map(presentMessage);

  api.post(
    '/v1/service/conversations',
    {
      config: { auth: { ...userSide, operator: 'service.work' }, audit: userActivity },
      schema: {
        tags,
        summary: 'Open a conversation with customer service (客服), optionally with its first message (the bot answers at once)',
        description: 'A user token opens for its own user (channel in_app); a secret key or an operator names user_id (channels in_app and operator). 429 rate_limited past the per-user message limit.',
        body: OpenBody,
        response: { 201: Opened, ...errors(400, 401, 403, 429) },
      },
    },
    async (req, reply) => {
      const appId = appIdOf(req);
      const userId = actingUserId(req, req.body.user_id);
      const r = await sv.open(ctx(req), appId, { userId, channel: req.principal.kind === 'operator' ? 'operator' : 'in_app', text: req.body.text, attachments: req.body.attachments, skill: req.body.skill, locale: req.body.locale });
      return reply.code(201).send({ conversation: presentConversation(r.conversation, now()), message: r.message ? presentMessage(r.message) : null, replies: await repliesAfter(req, appId, r.conversation, r.message?.seq) });
    },
  );

  api.post(
    '/v1/service/inbound',
    {
      config: { auth: { secret: true }, audit: userActivity },
      schema: {
        tags,
        summary: 'A message relayed by a host bridge (WeChat, WeCom…): continues the bridge’s conversation or opens it; each message id is stored once',
        body: InboundBody,
        response: { 200: Opened.extend({ opened: z.boolean(), duplicate: z.boolean() }), ...errors(400, 401, 403, 429) },
      },
    },
    async (req) => {
      const appId = appIdOf(req);
      const b = req.body;
      const r = await sv.open(ctx(req), appId, { userId: b.user_id, channel: b.channel, text: b.text, attachments: b.attachments, locale: b.locale, external: { id: b.conversation_id, messageId: b.message_id } });
      return { conversation: presentConversation(r.conversation, now()), message: r.message ? presentMessage(r.message) : null, replies: await repliesAfter(req, appId, r.conversation, r.message?.seq), opened: r.opened, duplicate: r.message === null };
    },
  );

  api.get(
    '/v1/service/conversations',
    {
      config: { auth: readAny },
      schema: {
        tags,
        summary: 'Conversations, latest activity first (a user token: its own); filter by status, agent, skill or user',
        querystring: z.strictObject({ ...pageQuery, status: z.enum(STATUSES).optional(), agent_id: z.string().min(1).max(64).optional(), skill: z.string().min(1).max(50).optional(), user_id: z.string().min(1).max(255).optional() }),
        response: { 200: pageSchema(ConversationOut), ...errors(400, 401, 403) },
      },
    },
    async (req) => {
      const q = req.query;
      const own = userOf(req);
      if (own !== undefined && q.user_id !== undefined && q.user_id !== own) throw new AppError('auth.wrong_user', `query.user_id is "${q.user_id}" but the user token is for "${own}"`, { field: 'query.user_id' });
      const cur = decodeCursor(q.cursor, z.object({ t: cursorTime(), id: z.string() }));
      const rows = await sv.list(ctx(req), appIdOf(req), { userId: own ?? q.user_id, status: q.status, agentId: q.agent_id, skill: q.skill }, cur ? { at: new Date(cur.t), id: cur.id } : undefined, q.limit + 1);
      const p = page(rows, q.limit, (c) => ({ t: c.lastMessageAt.toISOString(), id: c.id }));
      const t = now();
      return { data: p.data.map((c) => presentConversation(c, t)), next_cursor: p.next_cursor };
    },
  );

  api.get(
    '/v1/service/queue',
    {
      config: { auth: { secret: true, operator: 'service.read' } },
      schema: {
        tags,
        summary: 'The queue: conversations waiting for an agent, longest waiting first, with their waiting time',
        querystring: z.strictObject({ ...pageQuery, skill: z.string().min(1).max(50).optional() }),
        response: { 200: pageSchema(ConversationOut), ...errors(400, 401, 403) },
      },
    },
    async (req) => {
      const q = req.query;
      const cur = decodeCursor(q.cursor, z.object({ t: cursorTime(), id: z.string() }));
      const rows = await sv.queue(ctx(req), appIdOf(req), q.skill, cur ? { at: new Date(cur.t), id: cur.id } : undefined, q.limit + 1);
      const p = page(rows, q.limit, (c) => ({ t: c.waitingSince!.toISOString(), id: c.id }));
      const t = now();
      return { data: p.data.map((c) => presentConversation(c, t)), next_cursor: p.next_cursor };
    },
  );

  api.get(
    '/v1/service/conversations/:conversationId',
    { config: { auth: readAny }, schema: { tags, summary: 'One conversation (a user token: only its own, else 404)', params: Params, response: { 200: ConversationOut, ...errors(400, 401, 403, 404) } } },
    async (req) => presentConversation(await sv.get(ctx(req), appIdOf(req), req.params.conversationId, userOf(req)), now()),
  );

  api.get(
    '/v1/service/conversations/:conversationId/messages',
    {
      config: { auth: readAny },
      schema: {
        tags,
        summary: 'Messages in order (internal notes only for operators and secret keys)',
        params: Params,
        querystring: z.strictObject({ ...pageQuery }),
        response: { 200: pageSchema(MessageOut), ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const q = req.query;
      const cur = decodeCursor(q.cursor, z.object({ s: z.int().min(0) }));
      const rows = await sv.messages(ctx(req), appIdOf(req), req.params.conversationId, { userId: userOf(req), afterSeq: cur?.s, limit: q.limit + 1 });
      const p = page(rows, q.limit, (m) => ({ s: m.seq }));
      return { data: p.data.map(presentMessage), next_cursor: p.next_cursor };
    },
  );

  api.post(
    '/v1/service/conversations/:conversationId/messages',
    {
      config: { auth: { ...userSide, operator: 'service.work' }, audit: conversationWork },
      schema: {
        tags,
        summary: 'Send a message: the user (user token, or a secret key with user_id), an agent (operator session; internal: a note), or the app (secret key without user_id)',
        description: 'A user’s message to a resolved conversation reopens it. An agent writing to a conversation nobody has takes it. Text at most 4000 characters; attachments are http(s) links; the sensitive-word filter applies.',
        params: Params,
        body: MessageBody,
        response: { 201: z.object({ conversation: ConversationOut, message: MessageOut, replies: z.array(MessageOut) }), ...errors(400, 401, 403, 404, 409, 429) },
      },
    },
    async (req, reply) => {
      const appId = appIdOf(req);
      const id = req.params.conversationId;
      const b = req.body;
      const p = req.principal;
      if (p.kind === 'user' || (p.kind === 'secret' && b.user_id !== undefined)) {
        if (b.internal) throw new AppError('validation_failed', 'A user cannot write an internal note', { field: 'body.internal' });
        const userId = actingUserId(req, b.user_id);
        const r = await sv.userMessage(ctx(req), appId, id, userId, { text: b.text, attachments: b.attachments });
        return reply.code(201).send({ conversation: presentConversation(r.conversation, now()), message: presentMessage(r.message!), replies: await repliesAfter(req, appId, r.conversation, r.message?.seq) });
      }
      if (b.user_id !== undefined) throw new AppError('validation_failed', 'An operator writes as an agent: leave user_id out', { field: 'body.user_id' });
      const r = await sv.agentMessage(ctx(req), appId, id, p.kind === 'operator' ? p.operatorId : null, { text: b.text, attachments: b.attachments, internal: b.internal });
      return reply.code(201).send({ conversation: presentConversation(r.conversation, now()), message: presentMessage(r.message), replies: [] });
    },
  );

  api.post(
    '/v1/service/conversations/:conversationId/handover',
    { config: { auth: userSide, audit: userActivity }, schema: { tags, summary: 'The user asks for a person (转人工): the conversation joins the queue or goes to a free agent', params: Params, body: z.strictObject({ user_id: z.string().min(1).max(255).optional() }), response: { 200: ConversationOut, ...errors(400, 401, 403, 404) } } },
    async (req) => presentConversation(await sv.handover(ctx(req), appIdOf(req), req.params.conversationId, actingUserId(req, req.body.user_id)), now()),
  );

  api.post(
    '/v1/service/conversations/:conversationId/rating',
    {
      config: { auth: userSide, audit: userActivity },
      schema: { tags, summary: 'Rate a resolved conversation (CSAT 1–5), once', params: Params, body: RateBody, response: { 200: ConversationOut, ...errors(400, 401, 403, 404, 409) } },
    },
    async (req) => presentConversation(await sv.rate(ctx(req), appIdOf(req), req.params.conversationId, actingUserId(req, req.body.user_id), req.body.score, req.body.comment), now()),
  );

  api.post(
    '/v1/service/conversations/:conversationId/claim',
    { config: { auth: { operator: 'service.work' }, audit: conversationWork }, schema: { tags, summary: 'Take a conversation nobody has (409 service.already_assigned if another agent was first)', params: Params, response: { 200: ConversationOut, ...errors(400, 401, 403, 404, 409) } } },
    async (req) => presentConversation(await sv.claim(ctx(req), appIdOf(req), req.params.conversationId, operatorOf(req)), now()),
  );

  api.post(
    '/v1/service/conversations/:conversationId/transfer',
    { config: { auth: work, audit: conversationWork }, schema: { tags, summary: 'Hand a conversation to another agent, or back to the queue for a skill', params: Params, body: TransferBody, response: { 200: ConversationOut, ...errors(400, 401, 403, 404, 409) } } },
    async (req) => presentConversation(await sv.transfer(ctx(req), appIdOf(req), req.params.conversationId, { agentId: req.body.agent_id, skill: req.body.skill }), now()),
  );

  api.post(
    '/v1/service/conversations/:conversationId/resolve',
    { config: { auth: work, audit: conversationWork }, schema: { tags, summary: 'Mark a conversation resolved (the user is asked for a rating)', params: Params, response: { 200: ConversationOut, ...errors(400, 401, 403, 404) } } },
    async (req) => presentConversation(await sv.resolve(ctx(req), appIdOf(req), req.params.conversationId), now()),
  );

  api.put(
    '/v1/service/agents/me',
    { config: { auth: { operator: 'service.work' }, audit: conversationWork }, schema: { tags, summary: 'Your agent status (online takes waiting conversations up to your free seats), skills and seats', body: AgentBody, response: { 200: AgentOut, ...errors(400, 401, 403) } } },
    async (req) => presentAgent(await sv.setAgent(ctx(req), appIdOf(req), operatorOf(req), req.body)),
  );

  api.get(
    '/v1/service/agents',
    { config: { auth: { secret: true, operator: 'service.read' } }, schema: { tags, summary: 'Agents with status, skills, seats and conversations assigned now', response: { 200: z.object({ data: z.array(AgentOut) }), ...errors(401, 403) } } },
    async (req) => ({ data: (await sv.agents(ctx(req), appIdOf(req))).map(presentAgent) }),
  );

  api.get(
    '/v1/service/canned',
    { config: { auth: { secret: true, operator: 'service.read' } }, schema: { tags, summary: 'Canned replies, newest first', querystring: z.strictObject(pageQuery), response: { 200: pageSchema(CannedOut), ...errors(400, 401, 403) } } },
    async (req) => {
      const cur = decodeCursor(req.query.cursor, z.object({ t: cursorTime(), id: z.string() }));
      const rows = await sv.canned(ctx(req), appIdOf(req), cur ? { at: new Date(cur.t), id: cur.id } : undefined, req.query.limit + 1);
      const p = page(rows, req.query.limit, (r) => ({ t: r.createdAt.toISOString(), id: r.id }));
      return { data: p.data.map(presentCanned), next_cursor: p.next_cursor };
    },
  );
  api.post(
    '/v1/service/canned',
    { config: { auth: manage, audit: 'recorded' }, schema: { tags, summary: 'Add a canned reply', body: CannedBody, response: { 201: CannedOut, ...errors(400, 401, 403) } } },
    async (req, reply) => reply.code(201).send(presentCanned(await sv.addCanned(ctx(req), appIdOf(req), req.body))),
  );
  api.patch(
    '/v1/service/canned/:cannedId',
    { config: { auth: manage, audit: 'recorded' }, schema: { tags, summary: 'Change a canned reply', params: CannedParams, body: CannedPatch, response: { 200: CannedOut, ...errors(400, 401, 403, 404) } } },
    async (req) => presentCanned(await sv.updateCanned(ctx(req), appIdOf(req), req.params.cannedId, req.body)),
  );
  api.delete(
    '/v1/service/canned/:cannedId',
    { config: { auth: manage, audit: 'recorded' }, schema: { tags, summary: 'Delete a canned reply', params: CannedParams, response: { 204: z.null(), ...errors(400, 401, 403, 404) } } },
    async (req, reply) => {
      await sv.removeCanned(ctx(req), appIdOf(req), req.params.cannedId);
      return reply.code(204).send(null);
    },
  );

  api.get(
    '/v1/service/settings',
    { config: { auth: { secret: true, operator: 'service.read' } }, schema: { tags, summary: 'Bot threshold, hand-over words and SLA', response: { 200: SettingsOut, ...errors(401, 403) } } },
    async (req) => presentSettings(await sv.settings(ctx(req), appIdOf(req))),
  );
  api.put(
    '/v1/service/settings',
    { config: { auth: manage, audit: 'recorded' }, schema: { tags, summary: 'Change the bot threshold, hand-over words and SLA (only the fields given)', body: SettingsBody, response: { 200: SettingsOut, ...errors(400, 401, 403) } } },
    async (req) => presentSettings(await sv.saveSettings(ctx(req), appIdOf(req), req.body)),
  );
}
