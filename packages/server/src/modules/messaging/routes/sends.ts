// Sending and tracking: sends (campaigns), announcements, per-message tracking, acknowledgements.
import { z } from 'zod';
import { appIdOf } from '../../../http/auth.ts';
import { cursorTime, decodeCursor, page, pageQuery, pageSchema } from '../../../http/pagination.ts';
import { errors, type Api, type RequestCtx } from '../../../http/route.ts';
import type { Messaging } from '../service/index.ts';
import { AnnouncementBody, SendBody } from '../types.ts';
import { AnnouncementOut, DeliveryOut, MessageOut, presentAnnouncement, presentDelivery, presentMessage, presentResult, presentSend, presentStats, RecipientOut, SendOut, StatsOut } from './present.ts';
import { userActivity } from '../../../http/audit.ts';

const send = { secret: true, operator: 'messaging.manage' } as const;
const read = { secret: true, operator: 'messaging.read' } as const;

export function sendRoutes(api: Api, deps: { messaging: Messaging; ctx: RequestCtx }): void {
  const { messaging: m, ctx } = deps;
  const tags = ['Sends'];
  const SendParams = z.strictObject({ sendId: z.string().max(64) });

  api.post(
    '/v1/messaging/sends',
    {
      config: { auth: send, audit: 'recorded' },
      schema: {
        tags,
        summary: 'Send a message to a user, a list of users or an audience; now or at scheduled_at',
        description:
          'To user_id / user_ids (≤ 1000): answered 201 once every message is written, with each recipient’s outcome per channel. To an audience (all users, a traits filter, or a segment when a segments module is installed) or scheduled: answered 202; follow it with GET /v1/messaging/sends/{id}. ' +
          'Every message passes the contact budget: opt-outs, quiet hours in the user’s timezone (deferred, not dropped) and frequency caps (capped messages are recorded as capped); transactional messages bypass all three.',
        body: SendBody,
        response: { 201: SendOut.extend({ results: z.array(RecipientOut) }), 202: SendOut, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (req, reply) => {
      const r = await m.sending.create(ctx(req), appIdOf(req), req.body);
      if (r.results) return reply.code(201).send({ ...presentSend(r.send), results: r.results.map(presentResult) });
      return reply.code(202).send(presentSend(r.send));
    },
  );

  api.get(
    '/v1/messaging/sends',
    {
      config: { auth: read },
      schema: {
        tags,
        summary: 'List sends, newest first',
        querystring: z.strictObject({ ...pageQuery, status: z.enum(['scheduled', 'queued', 'running', 'done', 'failed', 'canceled']).optional(), campaign: z.string().max(128).optional() }),
        response: { 200: pageSchema(SendOut), ...errors(400, 401, 403) },
      },
    },
    async (req) => {
      const cur = decodeCursor(req.query.cursor, z.object({ t: cursorTime(), i: z.string() }));
      const rows = await m.sending.list(ctx(req), appIdOf(req), { limit: req.query.limit + 1, before: cur ? { t: cur.t, id: cur.i } : undefined, status: req.query.status, campaign: req.query.campaign });
      const p = page(rows, req.query.limit, (r) => ({ t: r.createdAt.toISOString(), i: r.id }));
      return { data: p.data.map(presentSend), next_cursor: p.next_cursor };
    },
  );

  api.get(
    '/v1/messaging/sends/:sendId',
    { config: { auth: read }, schema: { tags, summary: 'A send with its statistics (inbox: sent, read, clicked; per channel: queued … delivered)', params: SendParams, response: { 200: SendOut.extend({ stats: StatsOut }), ...errors(401, 403, 404) } } },
    async (req) => {
      const appId = appIdOf(req);
      const s = await m.sending.get(ctx(req), appId, req.params.sendId);
      return { ...presentSend(s), stats: presentStats(await m.sendStats(ctx(req), appId, { sendId: s.id })) };
    },
  );

  api.post(
    '/v1/messaging/sends/:sendId/cancel',
    { config: { auth: send, audit: 'recorded' }, schema: { tags, summary: 'Cancel a scheduled send', params: SendParams, response: { 200: SendOut, ...errors(401, 403, 404, 409) } } },
    async (req) => presentSend(await m.sending.cancel(ctx(req), appIdOf(req), req.params.sendId)),
  );

  api.get(
    '/v1/messaging/campaigns/:campaign/stats',
    { config: { auth: read }, schema: { tags, summary: 'Statistics of every send labelled with this campaign', params: z.strictObject({ campaign: z.string().min(1).max(128) }), response: { 200: StatsOut, ...errors(401, 403) } } },
    async (req) => presentStats(await m.sendStats(ctx(req), appIdOf(req), { campaign: req.params.campaign })),
  );

  api.get(
    '/v1/messaging/messages/:messageId',
    {
      config: { auth: read },
      schema: { tags: ['Tracking'], summary: 'One message: inbox state (read, clicked) and every delivery (sent, delivered, attempts)', params: z.strictObject({ messageId: z.string().max(40) }), response: { 200: MessageOut, ...errors(401, 403, 404) } },
    },
    async (req) => {
      const r = await m.message(ctx(req), appIdOf(req), req.params.messageId);
      return presentMessage(r.message, r.deliveries);
    },
  );

  api.post(
    '/v1/messaging/deliveries/:deliveryId/ack',
    {
      config: { auth: { secret: true, user: true }, audit: userActivity },
      schema: {
        tags: ['Tracking'],
        summary: 'Acknowledge a delivery: it reached the device (push/SMS by the host, or a realtime client)',
        description: 'Idempotent: delivered is recorded once. A user token may acknowledge only its own deliveries.',
        params: z.strictObject({ deliveryId: z.string().max(40) }),
        response: { 200: DeliveryOut, ...errors(401, 403, 404) },
      },
    },
    async (req) => {
      const p = req.principal;
      const r = await m.ackDelivery(ctx(req), appIdOf(req), req.params.deliveryId, p.kind === 'user' ? p.userId : undefined);
      return presentDelivery(r.delivery);
    },
  );

  // ---- announcements ---------------------------------------------------------------------------------------
  const atags = ['Announcements'];
  const AnnParams = z.strictObject({ announcementId: z.string().max(40) });
  api.post(
    '/v1/messaging/announcements',
    {
      config: { auth: send, audit: 'recorded' },
      schema: {
        tags: atags,
        summary: 'Announce to every user or a traits-filtered audience',
        description: 'Stored once, however large the audience, and merged into each user’s inbox when they read it; read/delete state is kept per user only once they act. Pushed to connected clients (WebSocket/SSE) when it starts.',
        body: AnnouncementBody,
        response: { 201: AnnouncementOut, ...errors(400, 401, 403, 409) },
      },
    },
    async (req, reply) => reply.code(201).send(presentAnnouncement(await m.inbox.announce(ctx(req), appIdOf(req), req.body))),
  );

  api.get(
    '/v1/messaging/announcements',
    { config: { auth: read }, schema: { tags: atags, summary: 'List announcements, newest first', querystring: z.strictObject({ ...pageQuery, campaign: z.string().max(128).optional() }), response: { 200: pageSchema(AnnouncementOut), ...errors(400, 401, 403) } } },
    async (req) => {
      const cur = decodeCursor(req.query.cursor, z.object({ i: z.number().int() }));
      const rows = await m.inbox.listAnnouncements(ctx(req), appIdOf(req), { limit: req.query.limit + 1, beforeId: cur?.i, campaign: req.query.campaign });
      const p = page(rows, req.query.limit, (r) => ({ i: r.id }));
      return { data: p.data.map((a) => presentAnnouncement(a)), next_cursor: p.next_cursor };
    },
  );

  api.get(
    '/v1/messaging/announcements/:announcementId',
    { config: { auth: read }, schema: { tags: atags, summary: 'An announcement with its read/click/delete counts', params: AnnParams, response: { 200: AnnouncementOut, ...errors(401, 403, 404) } } },
    async (req) => presentAnnouncement(await m.inbox.getAnnouncement(ctx(req), appIdOf(req), req.params.announcementId)),
  );

  api.delete(
    '/v1/messaging/announcements/:announcementId',
    { config: { auth: send, audit: 'recorded' }, schema: { tags: atags, summary: 'Withdraw an announcement from every inbox', params: AnnParams, response: { 200: AnnouncementOut, ...errors(401, 403, 404) } } },
    async (req) => presentAnnouncement(await m.inbox.withdraw(ctx(req), appIdOf(req), req.params.announcementId)),
  );
}
