// Comments: threads, replies, edits, deletes, likes, pins and featured comments.
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { appIdOf } from '../../../http/auth.ts';
import { AppError } from '../../../http/errors.ts';
import { decodeCursor, page, pageQuery, pageSchema } from '../../../http/pagination.ts';
import { errors, type Api, type RequestCtx } from '../../../http/route.ts';
import { escapeHtml } from '../../../lib/text.ts';
import type { CommentActor } from '../service/comments.ts';
import type { CommentView } from '../store/comments.ts';
import { ActingUser, CommentBody, CommentParams, CommentSort, EditCommentBody, SubjectParams, UserId } from '../types.ts';
import { actingUser, SubjectRefOut, viewerOf, type Deps , IdCursor } from './common.ts';
import { userActivity } from '../../../http/audit.ts';

const tags = ['Comments'];
const read = { secret: true, user: true, publishable: true, operator: 'app.read' } as const;

export const CommentOut = z
  .object({
    id: z.string(),
    subject: SubjectRefOut,
    root_id: z.string().nullable().describe('Null for a root comment'),
    parent_id: z.string().nullable(),
    user_id: z.string(),
    reply_to_user_id: z.string().nullable().describe('Author of the comment replied to'),
    body: z.string().nullable().describe('HTML-escaped text; null when deleted or hidden (the comment stays as a placeholder)'),
    status: z.enum(['visible', 'hidden', 'deleted']),
    mentions: z.array(z.string()).describe('Users mentioned: the `@user_id` handles in the text and the explicit list (at most 20, never the author)'),
    official: z.enum(['author', 'operator']).nullable().describe("Badge: the subject's author (UP主) or the app/operator (官方)"),
    likes: z.number(),
    reply_count: z.number().describe('Visible replies (root comments)'),
    pinned: z.boolean(),
    featured: z.boolean().describe('精彩点评'),
    featured_by: z.enum(['operator', 'rule']).nullable(),
    created_at: z.string(),
    edited_at: z.string().nullable(),
    viewer: z.object({ liked: z.boolean() }).optional(),
  })
  .meta({ id: 'Comment' });

/** `reveal`: moderators see the text of hidden and deleted comments too (still escaped). */
export const presentComment = (c: CommentView, liked?: Set<number>, reveal = false): z.infer<typeof CommentOut> => ({
  id: String(c.id),
  subject: { kind: c.subjectKind, id: c.subjectExternalId },
  root_id: c.rootId === null ? null : String(c.rootId),
  parent_id: c.parentId === null ? null : String(c.parentId),
  user_id: c.userId,
  reply_to_user_id: c.replyToUserId,
  body: c.status === 'visible' || reveal ? escapeHtml(c.body) : null,
  status: c.status,
  mentions: c.mentions,
  official: c.official,
  likes: c.likes,
  reply_count: c.replies,
  pinned: c.pinnedAt !== null,
  featured: c.featuredAt !== null,
  featured_by: c.featuredBy,
  created_at: c.createdAt.toISOString(),
  edited_at: c.editedAt?.toISOString() ?? null,
  ...(liked ? { viewer: { liked: liked.has(c.id) } } : {}),
});

/** A user token acts as its user; a secret key acts as `user_id` when given, else as the app. */
function actorOf(req: FastifyRequest, given: string | undefined, field: string): CommentActor {
  const p = req.principal;
  if (p.kind === 'user') return { kind: 'user', userId: actingUser(req, given, field) };
  if (given !== undefined && p.kind === 'secret') return { kind: 'user', userId: given };
  return { kind: 'app', operatorId: p.kind === 'operator' ? p.operatorId : null };
}

const ListQuery = z.strictObject({
  ...pageQuery,
  sort: CommentSort.default('hot').describe('hot: likes and replies with time decay; new: newest first; top: most liked'),
  pinned: z.enum(['true', 'false']).optional(),
  featured: z.enum(['true', 'false']).optional().describe('true: only 精彩点评'),
  official: z.enum(['true', 'false']).optional(),
  author_id: UserId.optional().describe('Only comments by this user'),
  user_id: UserId.optional().describe('Include this user\'s own state ("viewer.liked"); implied by a user token'),
});
const RootCursor = z.object({ id: z.number().int().positive(), l: z.number().int().optional(), h: z.number().optional() });
const bool = (v: 'true' | 'false' | undefined) => (v === undefined ? undefined : v === 'true');

export function commentRoutes(api: Api, deps: Deps & { ctx: RequestCtx }): void {
  const { interactions: ix, ctx } = deps;
  const cm = ix.comments;

  const withViewer = async (req: FastifyRequest, views: CommentView[], given: string | undefined) => {
    const viewer = viewerOf(req, given);
    const liked = viewer === undefined ? undefined : await cm.likedBy(ctx(req), views.map((v) => v.id), viewer);
    return views.map((v) => presentComment(v, liked));
  };

  api.post(
    '/v1/subjects/:kind/:subjectId/comments',
    {
      config: { auth: { secret: true, user: true, operator: 'content.curate' }, audit: { exempt: 'A comment is content in the thread, attributed to its author' } },
      schema: {
        tags,
        summary: 'Post a root comment',
        description:
          'The body is checked against the app\'s length limit and sensitive-word filter (masked or refused per settings), and the posting rate limit. ' +
          'A comment by the subject\'s author carries the "author" badge; one by an operator (or a secret key with official: true) the "operator" badge. An operator posts as `user_id`, the app\'s official account.',
        params: SubjectParams,
        body: CommentBody,
        response: { 201: CommentOut, ...errors(400, 401, 403, 404, 429) },
      },
    },
    async (req, reply) => {
      const userId = actingUser(req, req.body.user_id);
      const actor = actorOf(req, undefined, 'body.user_id');
      const c = await cm.create(ctx(req), appIdOf(req), req.params.kind, req.params.subjectId, actor, { userId, body: req.body.body, mentions: req.body.mentions, official: req.body.official });
      return reply.code(201).send(presentComment(c));
    },
  );

  api.post(
    '/v1/comments/:commentId/replies',
    {
      config: { auth: { secret: true, user: true, operator: 'content.curate' }, audit: { exempt: 'A comment is content in the thread, attributed to its author' } },
      schema: {
        tags,
        summary: 'Reply to a comment (or to a reply: the thread keeps one root)',
        description: 'Publishes comment.replied to the author of the comment replied to. Replying to a deleted or hidden comment is refused (409).',
        params: CommentParams,
        body: CommentBody,
        response: { 201: CommentOut, ...errors(400, 401, 403, 404, 409, 429) },
      },
    },
    async (req, reply) => {
      const userId = actingUser(req, req.body.user_id);
      const actor = actorOf(req, undefined, 'body.user_id');
      const c = await cm.reply(ctx(req), appIdOf(req), Number(req.params.commentId), actor, { userId, body: req.body.body, mentions: req.body.mentions, official: req.body.official });
      return reply.code(201).send(presentComment(c));
    },
  );

  api.get(
    '/v1/subjects/:kind/:subjectId/comments',
    {
      config: { auth: read },
      schema: {
        tags,
        summary: 'Root comments of a subject (hot, new or top), with filters',
        description: 'Deleted or hidden roots that still have visible replies stay as placeholders (body null). Pinned comments come first on the first page (newest first, in addition to `limit`) and are not repeated on later pages; pinned=true lists only them, pinned=false only the others.',
        params: SubjectParams,
        querystring: ListQuery,
        response: { 200: pageSchema(CommentOut), ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const q = req.query;
      const cur = decodeCursor(q.cursor, RootCursor);
      if (cur && ((q.sort === 'top' && cur.l === undefined) || (q.sort === 'hot' && cur.h === undefined))) throw new AppError('invalid_cursor', 'The cursor does not belong to this sort order; start again without it', { field: 'query.cursor' });
      const filters = { featured: bool(q.featured), official: bool(q.official), userId: q.author_id };
      // Without a pinned filter, pinned comments lead the first page (besides `limit`) and the
      // sorted pages hold the others, so none appears twice.
      const pinnedFirst = q.pinned === undefined;
      const views = await cm.list(ctx(req), appIdOf(req), req.params.kind, req.params.subjectId, { sort: q.sort, limit: q.limit + 1, after: cur, pinned: pinnedFirst ? false : bool(q.pinned), ...filters });
      const p = page(views, q.limit, (c) => ({ id: c.id, ...(q.sort === 'top' ? { l: c.likes } : q.sort === 'hot' ? { h: c.hot } : {}) }));
      const pinned = pinnedFirst && !cur ? await cm.list(ctx(req), appIdOf(req), req.params.kind, req.params.subjectId, { sort: 'new', limit: 100, pinned: true, ...filters }) : [];
      return { data: await withViewer(req, [...pinned, ...p.data], q.user_id), next_cursor: p.next_cursor };
    },
  );

  api.get(
    '/v1/comments/:commentId',
    {
      config: { auth: read },
      schema: { tags, summary: 'A comment', params: CommentParams, querystring: z.strictObject({ user_id: UserId.optional() }), response: { 200: CommentOut, ...errors(400, 401, 403, 404) } },
    },
    async (req) => (await withViewer(req, [await cm.get(ctx(req), appIdOf(req), Number(req.params.commentId))], req.query.user_id))[0]!,
  );

  api.get(
    '/v1/comments/:commentId/replies',
    {
      config: { auth: read },
      schema: {
        tags,
        summary: "Replies in a comment's thread, oldest first",
        description: 'For a reply, lists the replies of its root. Deleted or hidden replies stay as placeholders.',
        params: CommentParams,
        querystring: z.strictObject({ ...pageQuery, user_id: UserId.optional() }),
        response: { 200: pageSchema(CommentOut), ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const cur = decodeCursor(req.query.cursor, IdCursor);
      const views = await cm.replies(ctx(req), appIdOf(req), Number(req.params.commentId), { limit: req.query.limit + 1, afterId: cur?.id });
      const p = page(views, req.query.limit, (c) => ({ id: c.id }));
      return { data: await withViewer(req, p.data, req.query.user_id), next_cursor: p.next_cursor };
    },
  );

  api.patch(
    '/v1/comments/:commentId',
    {
      config: { auth: { secret: true, user: true }, audit: userActivity },
      schema: { tags, summary: 'Edit a comment (its author)', params: CommentParams, querystring: ActingUser, body: EditCommentBody, response: { 200: CommentOut, ...errors(400, 401, 403, 404, 409) } },
    },
    async (req) => presentComment(await cm.edit(ctx(req), appIdOf(req), Number(req.params.commentId), actorOf(req, req.query.user_id, 'query.user_id'), req.body)),
  );

  api.delete(
    '/v1/comments/:commentId',
    {
      config: { auth: { secret: true, user: true, operator: 'content.moderate' }, audit: 'recorded' },
      schema: {
        tags,
        summary: "Delete a comment (its author, the subject's author, or the app); idempotent",
        description: 'A soft delete: the comment stays in its thread as a placeholder (body null). Deletions by the app are audited.',
        params: CommentParams,
        querystring: ActingUser,
        response: { 200: CommentOut, ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => presentComment(await cm.remove(ctx(req), appIdOf(req), Number(req.params.commentId), actorOf(req, req.query.user_id, 'query.user_id'))),
  );

  const Liked = z.object({ comment_id: z.string(), liked: z.boolean(), changed: z.boolean(), likes: z.number(), featured: z.boolean() });
  api.put(
    '/v1/comments/:commentId/like',
    { config: { auth: { secret: true, user: true }, audit: userActivity }, schema: { tags, summary: 'Like a comment (idempotent)', params: CommentParams, body: ActingUser, response: { 200: Liked, ...errors(400, 401, 403, 404, 409) } } },
    async (req) => {
      const r = await cm.like(ctx(req), appIdOf(req), Number(req.params.commentId), actingUser(req, req.body.user_id), true);
      return { comment_id: req.params.commentId, liked: true, changed: r.changed, likes: r.likes, featured: r.view.featuredAt !== null };
    },
  );
  api.delete(
    '/v1/comments/:commentId/like',
    { config: { auth: { secret: true, user: true }, audit: userActivity }, schema: { tags, summary: 'Unlike a comment (idempotent)', params: CommentParams, querystring: ActingUser, response: { 200: Liked, ...errors(400, 401, 403, 404, 409) } } },
    async (req) => {
      const r = await cm.like(ctx(req), appIdOf(req), Number(req.params.commentId), actingUser(req, req.query.user_id, 'query.user_id'), false);
      return { comment_id: req.params.commentId, liked: false, changed: r.changed, likes: r.likes, featured: r.view.featuredAt !== null };
    },
  );

  for (const on of [true, false]) {
    api.route({
      method: on ? 'PUT' : 'DELETE',
      url: '/v1/comments/:commentId/pin',
      config: { auth: { secret: true, user: true, operator: 'content.curate' }, audit: 'recorded' },
      schema: {
        tags,
        summary: on ? "Pin a root comment (the subject's author or the app; settings.comments.pin_limit per subject)" : 'Unpin a comment',
        params: CommentParams,
        querystring: ActingUser,
        response: { 200: CommentOut, ...errors(400, 401, 403, 404, 409) },
      },
      handler: async (req) => presentComment(await cm.pin(ctx(req), appIdOf(req), Number(req.params.commentId), actorOf(req, req.query.user_id, 'query.user_id'), on)),
    });
    api.route({
      method: on ? 'PUT' : 'DELETE',
      url: '/v1/comments/:commentId/feature',
      config: { auth: { secret: true, operator: 'content.curate' }, audit: 'recorded' },
      schema: { tags, summary: on ? 'Feature a comment (精彩点评)' : 'Unfeature a comment', params: CommentParams, response: { 200: CommentOut, ...errors(400, 401, 403, 404, 409) } },
      handler: async (req) => presentComment(await cm.feature(ctx(req), appIdOf(req), Number(req.params.commentId), on)),
    });
  }
}
