// The user's side: inbox, unread counts, read/click/delete, preferences, the contact budget.
import { z } from 'zod';
import { appIdOf, assertActsFor } from '../../../http/auth.ts';
import { cursorTime, decodeCursor, page, pageQuery, pageSchema } from '../../../http/pagination.ts';
import { errors, optionalBody, type Api, type RequestCtx } from '../../../http/route.ts';
import type { Messaging } from '../service/index.ts';
import { Category, Channel, InboxId, PreferencesBody, ReserveBody, UserParams } from '../types.ts';
import { ContactCheckOut, InboxItemOut, presentCheck, presentItem, presentPrefs, presentReservation, PrefsOut, ReservationOut } from './present.ts';
import { userActivity } from '../../../http/audit.ts';

const tags = ['Inbox'];
const ItemParams = UserParams.extend({ itemId: InboxId });
const Cursor = z.object({ t: cursorTime(), k: z.enum(['msg', 'ann']), i: z.number().int() });

export function inboxRoutes(api: Api, deps: { messaging: Messaging; ctx: RequestCtx }): void {
  const { messaging: m, ctx } = deps;
  const read = { secret: true, user: true, operator: 'messaging.read' } as const;
  const write = { secret: true, user: true } as const;

  api.get(
    '/v1/users/:userId/inbox',
    {
      config: { auth: read },
      schema: {
        tags,
        summary: "A user's inbox: their messages and the announcements they are in the audience of, newest first",
        params: UserParams,
        querystring: z.strictObject({ ...pageQuery, category: Category.optional(), unread: z.enum(['true', 'false']).optional().describe('true: only unread; false: only read') }),
        response: { 200: pageSchema(InboxItemOut), ...errors(400, 401, 403) },
      },
    },
    async (req) => {
      assertActsFor(req, req.params.userId);
      const q = req.query;
      const rows = await m.inbox.list(ctx(req), appIdOf(req), req.params.userId, { limit: q.limit + 1, category: q.category, unread: q.unread === undefined ? undefined : q.unread === 'true', cursor: decodeCursor(q.cursor, Cursor) });
      const p = page(rows, q.limit, (r) => ({ t: r.created_at.toISOString(), k: r.kind, i: r.id }));
      return { data: p.data.map(presentItem), next_cursor: p.next_cursor };
    },
  );

  api.get(
    '/v1/users/:userId/inbox/unread',
    {
      config: { auth: read },
      schema: { tags, summary: 'Unread counts, in total and per category', params: UserParams, response: { 200: z.object({ total: z.number(), by_category: z.record(z.string(), z.number()) }), ...errors(401, 403) } },
    },
    async (req) => {
      assertActsFor(req, req.params.userId);
      const r = await m.inbox.unread(ctx(req), appIdOf(req), req.params.userId);
      return { total: r.total, by_category: r.byCategory };
    },
  );

  api.post(
    '/v1/users/:userId/inbox/read',
    {
      config: { auth: write, audit: userActivity },
      schema: {
        tags,
        summary: 'Mark everything read (or one category)',
        params: UserParams,
        body: optionalBody(z.strictObject({ category: Category.optional() })),
        response: { 200: z.object({ marked: z.number() }), ...errors(400, 401, 403) },
      },
    },
    async (req) => {
      assertActsFor(req, req.params.userId);
      return { marked: await m.inbox.readAll(ctx(req), appIdOf(req), req.params.userId, req.body?.category) };
    },
  );

  for (const [action, summary] of [
    ['read', 'Mark one message or announcement read'],
    ['click', 'Record a click on a message or announcement (also marks it read)'],
  ] as const) {
    api.post(
      `/v1/users/:userId/inbox/:itemId/${action}`,
      {
        config: { auth: write, audit: userActivity },
        schema: { tags, summary, description: 'Idempotent: the first time is kept.', params: ItemParams, response: { 204: z.null(), ...errors(400, 401, 403, 404) } },
      },
      async (req, reply) => {
        assertActsFor(req, req.params.userId);
        await m.inbox[action](ctx(req), appIdOf(req), req.params.userId, req.params.itemId);
        return reply.code(204).send(null);
      },
    );
  }

  api.delete(
    '/v1/users/:userId/inbox/:itemId',
    {
      config: { auth: write, audit: userActivity },
      schema: { tags, summary: 'Delete a message or announcement from this inbox', params: ItemParams, response: { 204: z.null(), ...errors(400, 401, 403, 404) } },
    },
    async (req, reply) => {
      assertActsFor(req, req.params.userId);
      await m.inbox.remove(ctx(req), appIdOf(req), req.params.userId, req.params.itemId);
      return reply.code(204).send(null);
    },
  );

  // ---- preferences ------------------------------------------------------------------------------------
  api.get(
    '/v1/users/:userId/messaging-preferences',
    {
      config: { auth: read },
      schema: { tags: ['Messaging preferences'], summary: "A user's opt-outs and quiet hours", params: UserParams, response: { 200: PrefsOut, ...errors(401, 403) } },
    },
    async (req) => {
      assertActsFor(req, req.params.userId);
      return presentPrefs(await m.admin.getPreferences(ctx(req), appIdOf(req), req.params.userId));
    },
  );

  api.patch(
    '/v1/users/:userId/messaging-preferences',
    {
      config: { auth: write, audit: userActivity },
      schema: {
        tags: ['Messaging preferences'],
        summary: "Change a user's opt-outs (per category and channel) and quiet hours",
        description: 'Fields not sent are kept. Transactional messages ignore opt-outs and quiet hours.',
        params: UserParams,
        body: PreferencesBody,
        response: { 200: PrefsOut, ...errors(400, 401, 403) },
      },
    },
    async (req) => {
      assertActsFor(req, req.params.userId);
      return presentPrefs(await m.admin.setPreferences(ctx(req), appIdOf(req), req.params.userId, req.body));
    },
  );

  // ---- contact budget --------------------------------------------------------------------------------------
  const btags = ['Contact budget'];
  api.get(
    '/v1/users/:userId/contact-budget',
    {
      config: { auth: { secret: true, operator: 'messaging.read' } },
      schema: {
        tags: btags,
        summary: 'May this user be contacted now on this channel? (opt-outs, quiet hours, frequency caps)',
        params: UserParams,
        querystring: z.strictObject({ category: Category, channel: Channel, transactional: z.enum(['true', 'false']).optional() }),
        response: { 200: ContactCheckOut, ...errors(400, 401, 403) },
      },
    },
    async (req) => presentCheck(await m.canContact(ctx(req), appIdOf(req), req.params.userId, { category: req.query.category, channel: req.query.channel, transactional: req.query.transactional === 'true' })),
  );

  api.post(
    '/v1/users/:userId/contact-budget/reservations',
    {
      config: { auth: { secret: true }, audit: { exempt: "Routine: takes one contact from the user's budget before the host messages them" } },
      schema: {
        tags: btags,
        summary: "Take one contact from the user's budget before contacting them outside Canyu messaging",
        description: 'outcome allowed: contact the user (the cap unit is taken). capped / unsubscribed: do not. quiet_hours: try again at retry_at. Idempotent per source+ref: a repeat answers 200 with the first outcome.',
        params: UserParams,
        body: ReserveBody,
        response: { 200: ReservationOut, 201: ReservationOut, ...errors(400, 401, 403) },
      },
    },
    async (req, reply) => {
      const r = await m.reserve(ctx(req), appIdOf(req), req.params.userId, req.body);
      return reply.code(r.created ? 201 : 200).send(presentReservation(r.row));
    },
  );

  api.get(
    '/v1/users/:userId/contact-budget/reservations',
    {
      config: { auth: { secret: true, operator: 'messaging.read' } },
      schema: { tags: btags, summary: "The user's reservations, newest first", params: UserParams, querystring: z.strictObject(pageQuery), response: { 200: pageSchema(ReservationOut), ...errors(400, 401, 403) } },
    },
    async (req) => {
      const cur = decodeCursor(req.query.cursor, z.object({ i: z.number().int() }));
      const rows = await m.listContacts(ctx(req), appIdOf(req), req.params.userId, req.query.limit + 1, cur?.i);
      const p = page(rows, req.query.limit, (r) => ({ i: r.id }));
      return { data: p.data.map(presentReservation), next_cursor: p.next_cursor };
    },
  );
}
