// Subjects and the interactions on them: like, favourite, share, follow, 一键三连.
import { z } from 'zod';
import { appIdOf } from '../../../http/auth.ts';
import { fieldError } from '../../../http/errors.ts';
import { subjectNotFound } from '../errors.ts';
import { decodeCursor, page, pageQuery, pageSchema } from '../../../http/pagination.ts';
import { errors, type Api, type RequestCtx } from '../../../http/route.ts';
import { ActingUser, FavouriteBody, Kind, ShareBody, SubjectParams, UpsertSubjectBody, UserId } from '../types.ts';
import { actingUser, CountsOut, presentSubject, SubjectOut, SubjectRefOut, UserTimeCursor, viewerOf, type Deps , IdCursor } from './common.ts';
import { userActivity } from '../../../http/audit.ts';

const tags = ['Interactions'];
const subjectTags = ['Subjects'];
const ViewerQuery = z.strictObject({ user_id: UserId.optional().describe('Include this user\'s own state ("viewer"); implied by a user token') });

export function subjectRoutes(api: Api, deps: Deps & { ctx: RequestCtx }): void {
  const { interactions: ix, ctx } = deps;
  const ref = (p: { kind: string; subjectId: string }) => ({ kind: p.kind, id: p.subjectId });

  // ---- subjects ----------------------------------------------------------------------------

  api.put(
    '/v1/subjects/:kind/:subjectId',
    {
      config: { auth: { secret: true, operator: 'content.curate' }, audit: 'recorded' },
      schema: {
        tags: subjectTags,
        summary: 'Create or update a subject (the host\'s video, post, product…)',
        description: 'Only the fields sent change. Subjects are also created on their first interaction when the app allows it (settings.auto_create_subjects).',
        params: SubjectParams,
        body: UpsertSubjectBody,
        response: { 200: SubjectOut.extend({ created: z.boolean() }), ...errors(400, 401, 403) },
      },
    },
    async (req) => {
      const r = await ix.subjects.upsert(ctx(req), appIdOf(req), req.params.kind, req.params.subjectId, req.body);
      return { ...presentSubject(r.view), created: r.created };
    },
  );

  api.get(
    '/v1/subjects/:kind/:subjectId',
    {
      config: { auth: { secret: true, user: true, publishable: true, operator: 'app.read' } },
      schema: { tags: subjectTags, summary: 'A subject with its exact counters', params: SubjectParams, querystring: ViewerQuery, response: { 200: SubjectOut, ...errors(400, 401, 403, 404) } },
    },
    async (req) => presentSubject(await ix.subjects.get(ctx(req), appIdOf(req), req.params.kind, req.params.subjectId, viewerOf(req, req.query.user_id))),
  );

  api.get(
    '/v1/subjects',
    {
      config: { auth: { secret: true, user: true, publishable: true, operator: 'app.read' } },
      schema: {
        tags: subjectTags,
        summary: 'Subjects, newest first, with their counters',
        description: 'Filter by kind, author, tag, or a list of host ids (to render a feed\'s counters in one call).',
        querystring: z.strictObject({
          ...pageQuery,
          kind: Kind.optional(),
          author_id: UserId.optional(),
          tag: z.string().min(1).max(50).optional(),
          ids: z
            .string()
            .max(100 * 256)
            .optional()
            .describe('Comma-separated host ids (at most 100); use with kind'),
          user_id: UserId.optional().describe('Include this user\'s own state ("viewer")'),
        }),
        response: { 200: pageSchema(SubjectOut), ...errors(400, 401, 403) },
      },
    },
    async (req) => {
      const q = req.query;
      const ids = q.ids === undefined ? undefined : q.ids.split(',').filter((s) => s.length > 0);
      if (ids && (ids.length > 100 || ids.some((s) => s.length > 255))) throw fieldError('query.ids', 'must list at most 100 ids of at most 255 characters', 'comma-separated ids');
      const cur = decodeCursor(q.cursor, IdCursor);
      const views = await ix.subjects.list(ctx(req), appIdOf(req), { limit: q.limit + 1, beforeId: cur?.id, kind: q.kind, authorId: q.author_id, tag: q.tag, externalIds: ids }, viewerOf(req, q.user_id));
      const p = page(views, q.limit, (v) => ({ id: v.row.id }));
      return { data: p.data.map(presentSubject), next_cursor: p.next_cursor };
    },
  );

  api.delete(
    '/v1/subjects/:kind/:subjectId',
    {
      config: { auth: { secret: true, operator: 'content.curate' }, audit: 'recorded' },
      schema: { tags: subjectTags, summary: 'Delete a subject and everything attached to it (interactions, comments, counters)', params: SubjectParams, response: { 204: z.null(), ...errors(400, 401, 403, 404) } },
    },
    async (req, reply) => {
      const gone = await ix.subjects.remove(ctx(req), appIdOf(req), req.params.kind, req.params.subjectId);
      if (!gone) throw subjectNotFound(req.params.kind, req.params.subjectId);
      return reply.code(204).send(null);
    },
  );

  api.get(
    '/v1/subjects/:kind/:subjectId/likers',
    {
      config: { auth: { secret: true, user: true, publishable: true, operator: 'app.read' } },
      schema: {
        tags,
        summary: 'Users who liked a subject, newest first',
        params: SubjectParams,
        querystring: z.strictObject(pageQuery),
        response: { 200: pageSchema(z.object({ user_id: z.string(), liked_at: z.string() })), ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const cur = decodeCursor(req.query.cursor, UserTimeCursor);
      const rs = await ix.reactions.reactors(ctx(req), appIdOf(req), req.params.kind, req.params.subjectId, { type: 'like', limit: req.query.limit + 1, before: cur });
      const p = page(rs, req.query.limit, (r) => ({ t: r.createdAt.toISOString(), u: r.userId }));
      return { data: p.data.map((r) => ({ user_id: r.userId, liked_at: r.createdAt.toISOString() })), next_cursor: p.next_cursor };
    },
  );

  // ---- like / follow subject --------------------------------------------------------------

  const Toggled = (name: string, count: string) => z.object({ subject: SubjectRefOut, [name]: z.boolean(), changed: z.boolean().describe('False when it was already so (a repeat changes nothing)'), [count]: z.number() });

  for (const [path, state, count, on, off, what] of [
    ['like', 'liked', 'likes', ix.reactions.like, ix.reactions.unlike, 'Like'],
    ['follow', 'following', 'follows', ix.reactions.followSubject, ix.reactions.unfollowSubject, 'Follow'],
  ] as const) {
    api.put(
      `/v1/subjects/:kind/:subjectId/${path}`,
      {
        config: { auth: { secret: true, user: true }, audit: userActivity },
        schema: {
          tags,
          summary: `${what} a subject (idempotent)`,
          description: 'Creates the subject on first interaction when the app allows it. Counted once per user however often it is sent.',
          params: SubjectParams,
          body: ActingUser,
          response: { 200: Toggled(state, count), ...errors(400, 401, 403, 404) },
        },
      },
      async (req) => {
        const c = await on(ctx(req), appIdOf(req), req.params.kind, req.params.subjectId, actingUser(req, req.body.user_id));
        return { subject: ref(req.params), [state]: true, changed: c.changed, [count]: c.total } as never;
      },
    );
    api.delete(
      `/v1/subjects/:kind/:subjectId/${path}`,
      {
        config: { auth: { secret: true, user: true }, audit: userActivity },
        schema: { tags, summary: `Undo a ${what.toLowerCase()} (idempotent)`, params: SubjectParams, querystring: ActingUser, response: { 200: Toggled(state, count), ...errors(400, 401, 403, 404) } },
      },
      async (req) => {
        const c = await off(ctx(req), appIdOf(req), req.params.kind, req.params.subjectId, actingUser(req, req.query.user_id, 'query.user_id'));
        return { subject: ref(req.params), [state]: false, changed: c.changed, [count]: c.total } as never;
      },
    );
  }

  // ---- favourite --------------------------------------------------------------------------

  const Favourited = z.object({ subject: SubjectRefOut, favourited: z.boolean(), changed: z.boolean(), favourites: z.number(), folder_ids: z.array(z.string()) });

  api.put(
    '/v1/subjects/:kind/:subjectId/favourite',
    {
      config: { auth: { secret: true, user: true }, audit: userActivity },
      schema: {
        tags,
        summary: 'Favourite a subject into folders (idempotent)',
        description: 'Without folder_ids a new favourite goes to the default folder and an existing one stays where it is; with folder_ids the subject is kept in exactly those folders.',
        params: SubjectParams,
        body: FavouriteBody,
        response: { 200: Favourited, ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const r = await ix.reactions.favourite(ctx(req), appIdOf(req), req.params.kind, req.params.subjectId, actingUser(req, req.body.user_id), req.body.folder_ids?.map(Number));
      return { subject: ref(req.params), favourited: true, changed: r.change.changed, favourites: r.change.total, folder_ids: r.folderIds.map(String) };
    },
  );

  api.delete(
    '/v1/subjects/:kind/:subjectId/favourite',
    {
      config: { auth: { secret: true, user: true }, audit: userActivity },
      schema: { tags, summary: 'Unfavourite a subject (removes it from every folder; idempotent)', params: SubjectParams, querystring: ActingUser, response: { 200: Favourited, ...errors(400, 401, 403, 404) } },
    },
    async (req) => {
      const c = await ix.reactions.unfavourite(ctx(req), appIdOf(req), req.params.kind, req.params.subjectId, actingUser(req, req.query.user_id, 'query.user_id'));
      return { subject: ref(req.params), favourited: false, changed: c.changed, favourites: c.total, folder_ids: [] };
    },
  );

  // ---- share ------------------------------------------------------------------------------

  api.post(
    '/v1/subjects/:kind/:subjectId/shares',
    {
      config: { auth: { secret: true, user: true }, audit: userActivity },
      schema: {
        tags,
        summary: 'Record a share (转发) to a channel',
        description: 'Every share counts; send Idempotency-Key to make a retry safe.',
        params: SubjectParams,
        body: ShareBody,
        response: { 201: z.object({ subject: SubjectRefOut, share_id: z.string(), channel: z.string(), shares: z.number(), by_channel: z.record(z.string(), z.number()) }), ...errors(400, 401, 403, 404) },
      },
    },
    async (req, reply) => {
      const r = await ix.reactions.share(ctx(req), appIdOf(req), req.params.kind, req.params.subjectId, actingUser(req, req.body.user_id), req.body.channel);
      return reply.code(201).send({ subject: ref(req.params), share_id: String(r.shareId), channel: req.body.channel, shares: r.change.total, by_channel: r.byChannel });
    },
  );

  // ---- 投币 ---------------------------------------------------------------------------------

  api.post(
    '/v1/subjects/:kind/:subjectId/coins',
    {
      config: { auth: { secret: true, user: true }, audit: userActivity },
      schema: {
        tags,
        summary: '投币: give a subject coins, paid in points of settings.coins.point_type',
        description:
          'Spends `coins` points of the coin type from the user and, with settings.coins.to_author, credits them to the subject\'s author (not for one\'s own subject), in one transaction. ' +
          'A user gives one subject at most settings.coins.max_per_user coins in all (409 interactions.coin_limit); without enough coins it is 409 points.insufficient_balance and nothing changes; while coins are off, 409 interactions.coins_disabled. ' +
          'Each call gives coins again: send Idempotency-Key to make a retry safe. Publishes `interaction.coined`.',
        params: SubjectParams,
        body: ActingUser.extend({ coins: z.number().int().min(1).max(100).default(1).describe('Coins to give now (Bilibili: 1 or 2)') }),
        response: {
          201: z.object({
            subject: SubjectRefOut,
            coins: z.number().int().describe('Coins given by this call'),
            total: z.number().int().describe("The user's coins on this subject, with these"),
            counts: CountsOut,
          }),
          ...errors(400, 401, 403, 404, 409),
        },
      },
    },
    async (req, reply) => {
      const r = await ix.reactions.coin(ctx(req), appIdOf(req), req.params.kind, req.params.subjectId, actingUser(req, req.body.user_id), req.body.coins);
      return reply.code(201).send({ subject: ref(req.params), coins: r.given, total: r.total, counts: r.counts });
    },
  );

  // ---- 一键三连 ------------------------------------------------------------------------------

  const Outcome = z.enum(['new', 'existing', 'skipped', 'insufficient']);
  api.post(
    '/v1/subjects/:kind/:subjectId/triple',
    {
      config: { auth: { secret: true, user: true }, audit: userActivity },
      schema: {
        tags,
        summary: '一键三连: like + favourite + follow the author (the app\'s set for this kind) in one idempotent call',
        description:
          'Performs every action of settings.triple for the subject\'s kind in one transaction. `parts` says for each action whether it was new, already done, or skipped (following the author of a subject without one, or of one\'s own; a coin while coins are off). ' +
          'With `coin` in the set (Bilibili\'s 点赞 + 投币 + 收藏), one coin is given if the user has not coined the subject yet; without a coin to give it is `insufficient` and the rest still happens. ' +
          'Besides the individual events, `interaction.triple` is published once per user and subject (`first`).',
        params: SubjectParams,
        body: ActingUser,
        response: {
          200: z.object({
            subject: SubjectRefOut,
            parts: z.object({ like: Outcome.optional(), coin: Outcome.optional().describe('One coin, once (insufficient: the user had no coin; the other parts still happen)'), favourite: Outcome.optional(), follow_author: Outcome.optional(), follow_subject: Outcome.optional() }),
            first: z.boolean().describe('True on the first 一键三连 of this user on this subject'),
            counts: CountsOut,
          }),
          ...errors(400, 401, 403, 404),
        },
      },
    },
    async (req) => {
      const r = await ix.reactions.triple(ctx(req), appIdOf(req), req.params.kind, req.params.subjectId, actingUser(req, req.body.user_id));
      return { subject: ref(req.params), parts: r.parts, first: r.first, counts: r.counts };
    },
  );

}
