// A user's side of interactions: follows (followers, following, mutual), favourite folders, and
// the subjects they liked, favourited or follow.
import { z } from 'zod';
import { appIdOf, assertActsFor } from '../../../http/auth.ts';
import { decodeCursor, page, pageQuery, pageSchema } from '../../../http/pagination.ts';
import { errors, type Api, type RequestCtx } from '../../../http/route.ts';
import { escapeHtml } from '../../../lib/text.ts';
import type { FolderWithCount } from '../store/folders.ts';
import { FolderBody, FolderParams, FolderPatch, FollowParams, Kind, UserParams } from '../types.ts';
import { presentSubject, SubjectOut, SubjectTimeCursor, UserTimeCursor, type Deps , IdCursor } from './common.ts';
import { userActivity } from '../../../http/audit.ts';

const tags = ['Interactions'];

const FolderOut = z
  .object({ id: z.string(), name: z.string().describe('HTML-escaped'), is_default: z.boolean(), items: z.number(), created_at: z.string(), updated_at: z.string() })
  .meta({ id: 'FavouriteFolder' });
const presentFolder = (f: FolderWithCount) => ({ id: String(f.id), name: escapeHtml(f.name), is_default: f.isDefault, items: f.items, created_at: f.createdAt.toISOString(), updated_at: f.updatedAt.toISOString() });

const FollowOut = z.object({ user_id: z.string(), followed_at: z.string(), mutual: z.boolean().describe('The relation holds both ways (互相关注)') });

export function userRoutes(api: Api, deps: Deps & { ctx: RequestCtx }): void {
  const { interactions: ix, ctx } = deps;

  // ---- follows ------------------------------------------------------------------------------

  const Followed = z.object({ user_id: z.string(), target_id: z.string(), following: z.boolean(), changed: z.boolean(), target_followers: z.number() });
  api.put(
    '/v1/users/:userId/following/:targetId',
    {
      config: { auth: { secret: true, user: true }, audit: userActivity },
      schema: { tags, summary: 'Follow a user (idempotent)', params: FollowParams, response: { 200: Followed, ...errors(400, 401, 403) } },
    },
    async (req) => {
      assertActsFor(req, req.params.userId);
      const r = await ix.reactions.followUser(ctx(req), appIdOf(req), req.params.userId, req.params.targetId);
      return { user_id: req.params.userId, target_id: req.params.targetId, following: true, changed: r.changed, target_followers: r.followers };
    },
  );
  api.delete(
    '/v1/users/:userId/following/:targetId',
    { config: { auth: { secret: true, user: true }, audit: userActivity }, schema: { tags, summary: 'Unfollow a user (idempotent)', params: FollowParams, response: { 200: Followed, ...errors(400, 401, 403) } } },
    async (req) => {
      assertActsFor(req, req.params.userId);
      const r = await ix.reactions.unfollowUser(ctx(req), appIdOf(req), req.params.userId, req.params.targetId);
      return { user_id: req.params.userId, target_id: req.params.targetId, following: false, changed: r.changed, target_followers: r.followers };
    },
  );

  for (const direction of ['followers', 'following'] as const) {
    api.get(
      `/v1/users/:userId/${direction}`,
      {
        config: { auth: { secret: true, user: true, publishable: true, operator: 'app.read' } },
        schema: {
          tags,
          summary: direction === 'followers' ? 'Who follows the user, newest first' : 'Whom the user follows, newest first',
          params: UserParams,
          querystring: z.strictObject({ ...pageQuery, mutual: z.enum(['true', 'false']).optional().describe('true: only mutual follows (互关)') }),
          response: { 200: pageSchema(FollowOut), ...errors(400, 401, 403) },
        },
      },
      async (req) => {
        const cur = decodeCursor(req.query.cursor, UserTimeCursor);
        const rs = await ix.reactions.follows(ctx(req), appIdOf(req), req.params.userId, { direction, mutualOnly: req.query.mutual === 'true', limit: req.query.limit + 1, before: cur });
        const p = page(rs, req.query.limit, (r) => ({ t: r.createdAt.toISOString(), u: r.userId }));
        return { data: p.data.map((r) => ({ user_id: r.userId, followed_at: r.createdAt.toISOString(), mutual: r.mutual })), next_cursor: p.next_cursor };
      },
    );
  }

  api.get(
    '/v1/users/:userId/relationships/:targetId',
    {
      config: { auth: { secret: true, user: true, publishable: true, operator: 'app.read' } },
      schema: { tags, summary: 'Whether the user follows the target, is followed back, or both', params: FollowParams, response: { 200: z.object({ following: z.boolean(), followed_by: z.boolean(), mutual: z.boolean() }), ...errors(400, 401, 403) } },
    },
    async (req) => {
      const r = await ix.reactions.relationship(ctx(req), appIdOf(req), req.params.userId, req.params.targetId);
      return { following: r.following, followed_by: r.followedBy, mutual: r.following && r.followedBy };
    },
  );

  api.get(
    '/v1/users/:userId/follow-counts',
    {
      config: { auth: { secret: true, user: true, publishable: true, operator: 'app.read' } },
      schema: { tags, summary: "The user's exact follower and following counts", params: UserParams, response: { 200: z.object({ user_id: z.string(), followers: z.number(), following: z.number() }), ...errors(400, 401, 403) } },
    },
    async (req) => ({ user_id: req.params.userId, ...(await ix.reactions.userCounts(ctx(req), appIdOf(req), req.params.userId)) }),
  );

  // ---- the user's subjects --------------------------------------------------------------------

  api.get(
    '/v1/users/:userId/subjects',
    {
      config: { auth: { secret: true, user: true, operator: 'app.read' } },
      schema: {
        tags,
        summary: 'Subjects the user liked, favourited or follows, newest first',
        params: UserParams,
        querystring: z.strictObject({ ...pageQuery, relation: z.enum(['liked', 'favourited', 'following']), kind: Kind.optional() }),
        response: { 200: pageSchema(SubjectOut.extend({ since: z.string() })), ...errors(400, 401, 403) },
      },
    },
    async (req) => {
      assertActsFor(req, req.params.userId);
      const q = req.query;
      const type = q.relation === 'liked' ? 'like' : q.relation === 'favourited' ? 'favourite' : 'follow';
      const cur = decodeCursor(q.cursor, SubjectTimeCursor);
      const c = ctx(req);
      const rs = await ix.reactions.userSubjects(c, appIdOf(req), req.params.userId, { type, kind: q.kind, limit: q.limit + 1, before: cur });
      const p = page(rs, q.limit, (r) => ({ t: r.createdAt.toISOString(), s: r.subjectId }));
      const views = await ix.subjects.byIds(c, p.data.map((r) => r.subjectId), req.params.userId);
      return { data: p.data.flatMap((r) => (views.has(r.subjectId) ? [{ ...presentSubject(views.get(r.subjectId)!), since: r.createdAt.toISOString() }] : [])), next_cursor: p.next_cursor };
    },
  );

  // ---- folders --------------------------------------------------------------------------------

  api.get(
    '/v1/users/:userId/folders',
    {
      config: { auth: { secret: true, user: true, operator: 'app.read' } },
      schema: { tags, summary: "The user's favourite folders (收藏夹)", params: UserParams, querystring: z.strictObject(pageQuery), response: { 200: pageSchema(FolderOut), ...errors(400, 401, 403) } },
    },
    async (req) => {
      assertActsFor(req, req.params.userId);
      const cur = decodeCursor(req.query.cursor, IdCursor);
      const rs = await ix.reactions.listFolders(ctx(req), appIdOf(req), req.params.userId, { limit: req.query.limit + 1, afterId: cur?.id });
      const p = page(rs, req.query.limit, (f) => ({ id: f.id }));
      return { data: p.data.map(presentFolder), next_cursor: p.next_cursor };
    },
  );

  api.post(
    '/v1/users/:userId/folders',
    {
      config: { auth: { secret: true, user: true }, audit: userActivity },
      schema: { tags, summary: 'Create a favourite folder', params: UserParams, body: FolderBody.omit({ user_id: true }), response: { 201: FolderOut, ...errors(400, 401, 403, 409) } },
    },
    async (req, reply) => {
      assertActsFor(req, req.params.userId);
      return reply.code(201).send(presentFolder(await ix.reactions.createFolder(ctx(req), appIdOf(req), req.params.userId, req.body.name)));
    },
  );

  api.patch(
    '/v1/users/:userId/folders/:folderId',
    {
      config: { auth: { secret: true, user: true }, audit: userActivity },
      schema: { tags, summary: 'Rename a favourite folder', params: FolderParams, body: FolderPatch, response: { 200: FolderOut, ...errors(400, 401, 403, 404, 409) } },
    },
    async (req) => {
      assertActsFor(req, req.params.userId);
      return presentFolder(await ix.reactions.renameFolder(ctx(req), appIdOf(req), req.params.userId, Number(req.params.folderId), req.body.name));
    },
  );

  api.delete(
    '/v1/users/:userId/folders/:folderId',
    {
      config: { auth: { secret: true, user: true }, audit: userActivity },
      schema: {
        tags,
        summary: 'Delete a favourite folder',
        description: 'Subjects that were in no other folder of the user are unfavourited. The default folder cannot be deleted.',
        params: FolderParams,
        response: { 200: z.object({ unfavourited: z.number() }), ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (req) => {
      assertActsFor(req, req.params.userId);
      return ix.reactions.deleteFolder(ctx(req), appIdOf(req), req.params.userId, Number(req.params.folderId));
    },
  );

  api.get(
    '/v1/users/:userId/folders/:folderId/items',
    {
      config: { auth: { secret: true, user: true, operator: 'app.read' } },
      schema: { tags, summary: 'Subjects in a favourite folder, newest first', params: FolderParams, querystring: z.strictObject(pageQuery), response: { 200: pageSchema(SubjectOut.extend({ since: z.string() })), ...errors(400, 401, 403, 404) } },
    },
    async (req) => {
      assertActsFor(req, req.params.userId);
      const c = ctx(req);
      const f = await ix.reactions.folder(c, appIdOf(req), req.params.userId, Number(req.params.folderId));
      const cur = decodeCursor(req.query.cursor, SubjectTimeCursor);
      const rs = await ix.reactions.folderItems(c, f.id, { limit: req.query.limit + 1, before: cur });
      const p = page(rs, req.query.limit, (r) => ({ t: r.createdAt.toISOString(), s: r.subjectId }));
      const views = await ix.subjects.byIds(c, p.data.map((r) => r.subjectId), req.params.userId);
      return { data: p.data.flatMap((r) => (views.has(r.subjectId) ? [{ ...presentSubject(views.get(r.subjectId)!), since: r.createdAt.toISOString() }] : [])), next_cursor: p.next_cursor };
    },
  );
}
