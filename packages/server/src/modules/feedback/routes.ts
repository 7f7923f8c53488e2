import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { actingUserId, appIdOf } from '../../http/auth.ts';
import { AppError, fieldError } from '../../http/errors.ts';
import { month } from '../../http/fields.ts';
import { cursorTime, decodeCursor, page, pageQuery, pageSchema } from '../../http/pagination.ts';
import { errors, externalId, iso, optionalBody, type Api, type RequestCtx } from '../../http/route.ts';
import { isTimeZone } from '../users/index.ts';
import { STATUSES, type Status } from './rules/status.ts';
import type { Author, Feedback, PostView, Viewer } from './service.ts';
import type { BoardRow, ChangeWithTitle, CommentRow } from './store.ts';
import {
  BoardIdParams,
  BoardOut,
  CommentBody,
  CommentOut,
  CreateBoardBody,
  CreatePostBody,
  ListPostsQuery,
  MergeBody,
  PostIdParams,
  PostOut,
  ResponseBody,
  StatusBody,
  StatusChangeOut,
  UpdateBoardBody,
  UpdatePostBody,
  UserBody,
  type PostType,
} from './types.ts';
import { escapeHtml, userText } from '../../lib/text.ts';
import { userActivity } from '../../http/audit.ts';

const tags = ['Feedback'];

const presentBoard = (b: BoardRow): z.infer<typeof BoardOut> => ({
  id: b.id,
  name: b.name,
  description: b.description,
  visibility: b.visibility as 'public' | 'private',
  default_assignee: b.defaultAssignee,
  created_at: b.createdAt.toISOString(),
  updated_at: b.updatedAt.toISOString(),
});

const presentComment = (c: CommentRow): z.infer<typeof CommentOut> => ({
  id: c.id,
  post_id: c.postId,
  author_type: c.authorType,
  author_id: c.authorId,
  official: c.official,
  body: userText(c.body),
  created_at: c.createdAt.toISOString(),
});

const presentPost = (v: PostView): z.infer<typeof PostOut> => {
  const p = v.post;
  return {
    id: p.id,
    board_id: p.boardId,
    type: p.type as PostType,
    title: userText(p.title),
    body: userText(p.body),
    tags: p.tags.map(escapeHtml),
    category: userText(p.category),
    bug: p.bug ? { ...p.bug, ...(p.bug.steps !== undefined ? { steps: escapeHtml(p.bug.steps) } : {}) } : null,
    author_id: p.authorUserId,
    status: p.status as Status,
    status_changed_at: iso(p.statusChangedAt),
    votes: p.voteCount,
    vote_weight: p.voteWeight,
    followers: p.followerCount,
    comments: p.commentCount,
    merged_into: p.mergedInto,
    response: v.response ? presentComment(v.response) : null,
    assignee: p.assignee,
    first_response_at: iso(p.firstResponseAt),
    my_vote: v.myVote,
    following: v.following,
    created_at: p.createdAt.toISOString(),
    updated_at: p.updatedAt.toISOString(),
  };
};

const presentChange = (c: ChangeWithTitle): z.infer<typeof StatusChangeOut> => ({
  post_id: c.postId,
  board_id: c.boardId,
  title: userText(c.title),
  from: c.fromStatus as Status,
  to: c.toStatus as Status,
  note: userText(c.note),
  created_at: c.createdAt.toISOString(),
});

/** Operators and secret keys see every board; a user token sees public boards and its own posts. */
function viewerOf(req: FastifyRequest, userId?: string): Viewer {
  const p = req.principal;
  if (p.kind === 'user') return { privileged: false, operatorId: null, userId: actingUserId(req, userId, 'query.user_id') };
  if (p.kind === 'publishable') {
    if (userId !== undefined) throw new AppError('auth.forbidden', 'A publishable key alone reads as a visitor; send the user token to read as a user', { field: 'query.user_id' });
    return { privileged: false, operatorId: null, userId: null };
  }
  return { privileged: true, operatorId: p.kind === 'operator' ? p.operatorId : null, userId: userId ?? null };
}

/** Operators and secret keys speak for the app (official); end users for themselves. */
function authorOf(req: FastifyRequest, userId: string | undefined): Author {
  const p = req.principal;
  if (p.kind === 'operator') {
    if (userId !== undefined) throw fieldError('body.user_id', 'operators comment as themselves (officially); omit user_id', 'no user_id');
    return { type: 'operator', id: p.operatorId };
  }
  return { type: 'user', id: actingUserId(req, userId) };
}

const ViewerQuery = { user_id: externalId('user_id').optional().describe('With a secret key: include this user’s vote and follow (`my_vote`, `following`)') };
const UserPathParams = PostIdParams.extend({ userId: externalId('userId') });
const read = { secret: true, user: true, operator: 'app.read' } as const;
/** Also a visitor's page (publishable key, nobody signed in): a board and its posts, never a private board's. */
const visitorRead = { ...read, publishable: true } as const;
const manage = { secret: true, operator: 'feedback.manage' } as const;
const asUser = { secret: true, user: true } as const;

export function feedbackRoutes(api: Api, deps: { feedback: Feedback; ctx: RequestCtx }): void {
  const { feedback, ctx } = deps;

  // ---- boards -----------------------------------------------------------------------------------
  api.post(
    '/v1/feedback/boards',
    { config: { auth: manage, audit: 'recorded' }, schema: { tags, summary: 'Create a feedback board (public, or private: only operators see the posts)', body: CreateBoardBody, response: { 201: BoardOut, ...errors(400, 401, 403) } } },
    async (req, reply) => reply.code(201).send(presentBoard(await feedback.createBoard(ctx(req), appIdOf(req), req.body))),
  );

  api.get(
    '/v1/feedback/boards',
    {
      config: { auth: read },
      schema: { tags, summary: 'List boards, oldest first', querystring: z.strictObject({ ...pageQuery, visibility: z.enum(['public', 'private']).optional() }), response: { 200: pageSchema(BoardOut), ...errors(400, 401, 403) } },
    },
    async (req) => {
      const q = req.query;
      const cur = decodeCursor(q.cursor, z.object({ t: cursorTime(), id: z.string() }));
      const rows = await feedback.listBoards(ctx(req), appIdOf(req), { limit: q.limit + 1, after: cur ? { at: new Date(cur.t), id: cur.id } : undefined, visibility: q.visibility });
      const p = page(rows, q.limit, (b) => ({ t: b.createdAt.toISOString(), id: b.id }));
      return { data: p.data.map(presentBoard), next_cursor: p.next_cursor };
    },
  );

  api.get(
    '/v1/feedback/boards/:boardId',
    { config: { auth: visitorRead }, schema: { tags, summary: 'Get a board', params: BoardIdParams, response: { 200: BoardOut, ...errors(400, 401, 403, 404) } } },
    async (req) => presentBoard(await feedback.getBoard(ctx(req), appIdOf(req), req.params.boardId)),
  );

  api.patch(
    '/v1/feedback/boards/:boardId',
    { config: { auth: manage, audit: 'recorded' }, schema: { tags, summary: 'Rename a board, change its visibility or default assignee', params: BoardIdParams, body: UpdateBoardBody, response: { 200: BoardOut, ...errors(400, 401, 403, 404) } } },
    async (req) => presentBoard(await feedback.updateBoard(ctx(req), appIdOf(req), req.params.boardId, req.body)),
  );

  // ---- posts ------------------------------------------------------------------------------------
  api.post(
    '/v1/feedback/boards/:boardId/posts',
    {
      config: { auth: asUser, audit: userActivity },
      schema: {
        tags,
        summary: 'Post an idea, bug report or question (the author votes for and follows it)',
        description: 'Bug reports (type "bug") may carry `bug`: steps, app version, device info and attachment URLs. Call GET /v1/feedback/similar while the user types the title to suggest existing posts. The title, body, tags, category and bug steps go through the app’s sensitive-word filter (PATCH /v1/interactions/settings, moderation): masked, or refused with 400 interactions.sensitive_content naming the field.',
        params: BoardIdParams,
        body: CreatePostBody,
        response: { 201: PostOut, ...errors(400, 401, 403, 404) },
      },
    },
    async (req, reply) => {
      const { user_id, ...input } = req.body;
      const v = await feedback.createPost(ctx(req), appIdOf(req), req.params.boardId, actingUserId(req, user_id), input);
      return reply.code(201).send(presentPost(v));
    },
  );

  api.get(
    '/v1/feedback/boards/:boardId/posts',
    {
      config: { auth: visitorRead },
      schema: {
        tags,
        summary: 'List the posts of a board: most voted or newest first, filtered by status, type, tag, category, author or assignee',
        description: 'Merged posts are left out. On a private board a user token sees only its own posts, and a visitor (publishable key alone) none.',
        params: BoardIdParams,
        querystring: z.strictObject({ ...pageQuery, ...ViewerQuery, ...ListPostsQuery }),
        response: { 200: pageSchema(PostOut), ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const q = req.query;
      const after =
        q.sort === 'top'
          ? decodeCursor(q.cursor, z.object({ v: z.number().int(), id: z.string() }))
          : decodeCursor(q.cursor, z.object({ t: cursorTime(), id: z.string() }));
      const rows = await feedback.listPosts(
        ctx(req),
        appIdOf(req),
        req.params.boardId,
        { limit: q.limit + 1, sort: q.sort, after, status: q.status, type: q.type, tag: q.tag, category: q.category, authorId: q.author_id, assignee: q.assignee },
        viewerOf(req, q.user_id),
      );
      const p = page(rows, q.limit, (v) => (q.sort === 'top' ? { v: v.post.voteCount, id: v.post.id } : { t: v.post.createdAt.toISOString(), id: v.post.id }));
      return { data: p.data.map(presentPost), next_cursor: p.next_cursor };
    },
  );

  api.get(
    '/v1/feedback/posts/:postId',
    {
      config: { auth: read },
      schema: { tags, summary: 'Get a post (an operator opening it counts as read in the workload view)', params: PostIdParams, querystring: z.strictObject(ViewerQuery), response: { 200: PostOut, ...errors(400, 401, 403, 404) } },
    },
    async (req) => presentPost(await feedback.getPost(ctx(req), appIdOf(req), req.params.postId, viewerOf(req, req.query.user_id))),
  );

  api.patch(
    '/v1/feedback/posts/:postId',
    {
      config: { auth: { ...manage, user: true }, audit: 'recorded' },
      schema: {
        tags,
        summary: 'Edit a post: title, body, tags, category, assignee',
        description: "With a user token, the post's author edits its title and body while the post is open (403 feedback.not_author for others, 409 feedback.not_editable once it moved on); everything else is the team's.",
        params: PostIdParams,
        body: UpdatePostBody,
        response: { 200: PostOut, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (req) => {
      const p = req.principal;
      if (p.kind === 'user') {
        const other = Object.keys(req.body).find((k) => k !== 'title' && k !== 'body');
        if (other) throw new AppError('auth.forbidden', `An author edits the title and body of their post; ${other} is the team's`, { field: `body.${other}` });
        return presentPost(await feedback.editOwn(ctx(req), appIdOf(req), req.params.postId, p.userId, req.body));
      }
      return presentPost(await feedback.updatePost(ctx(req), appIdOf(req), req.params.postId, req.body));
    },
  );

  api.post(
    '/v1/feedback/posts/:postId/status',
    {
      config: { auth: manage, audit: 'recorded' },
      schema: {
        tags,
        summary: 'Change the status with a note; voters and followers are notified',
        description: `Statuses: ${STATUSES.join(' → ')}. Moving back is allowed where it makes sense (a regression, a reconsidered idea); other moves answer 409 feedback.invalid_transition listing the allowed ones.`,
        params: PostIdParams,
        body: StatusBody,
        response: { 200: PostOut, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (req) => presentPost(await feedback.changeStatus(ctx(req), appIdOf(req), req.params.postId, req.body.status, req.body.note)),
  );

  api.get(
    '/v1/feedback/posts/:postId/history',
    {
      config: { auth: read },
      schema: { tags, summary: 'Status changes of a post with their notes, oldest first', params: PostIdParams, querystring: z.strictObject(pageQuery), response: { 200: pageSchema(StatusChangeOut), ...errors(400, 401, 403, 404) } },
    },
    async (req) => {
      const q = req.query;
      const cur = decodeCursor(q.cursor, z.object({ s: z.number().int() }));
      const rows = await feedback.history(ctx(req), appIdOf(req), req.params.postId, viewerOf(req), { limit: q.limit + 1, afterSeq: cur?.s });
      const p = page(rows, q.limit, (c) => ({ s: c.seq }));
      return { data: p.data.map(presentChange), next_cursor: p.next_cursor };
    },
  );

  // ---- votes and followers ----------------------------------------------------------------------
  api.post(
    '/v1/feedback/posts/:postId/votes',
    {
      config: { auth: asUser, audit: userActivity },
      schema: {
        tags,
        summary: 'Vote for a post (one vote per user; repeating is a no-op)',
        description: 'A vote on a merged post lands on the post it was merged into (`redirected_from` names the original).',
        params: PostIdParams,
        body: optionalBody(UserBody),
        response: { 200: PostOut.extend({ changed: z.boolean(), redirected_from: z.string().nullable() }), ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const userId = actingUserId(req, req.body?.user_id);
      const r = await feedback.vote(ctx(req), appIdOf(req), req.params.postId, userId, viewerOf(req, userId));
      return { ...presentPost(r.view), changed: r.changed, redirected_from: r.redirectedFrom };
    },
  );

  api.delete(
    '/v1/feedback/posts/:postId/votes/:userId',
    { config: { auth: asUser, audit: userActivity }, schema: { tags, summary: 'Take a vote back', params: UserPathParams, response: { 204: z.null(), ...errors(400, 401, 403, 404) } } },
    async (req, reply) => {
      const userId = actingUserId(req, req.params.userId, 'params.userId');
      await feedback.unvote(ctx(req), appIdOf(req), req.params.postId, userId, viewerOf(req, userId));
      return reply.code(204).send(null);
    },
  );

  api.get(
    '/v1/feedback/posts/:postId/voters',
    {
      config: { auth: { secret: true, operator: 'app.read' } },
      schema: {
        tags,
        summary: 'Who voted for a post, by user id',
        params: PostIdParams,
        querystring: z.strictObject(pageQuery),
        response: { 200: pageSchema(z.object({ user_id: z.string(), weight: z.number(), voted_at: z.string() })), ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const q = req.query;
      const cur = decodeCursor(q.cursor, z.object({ u: z.string() }));
      const rows = await feedback.voters(ctx(req), appIdOf(req), req.params.postId, { limit: q.limit + 1, afterUserId: cur?.u });
      const p = page(rows, q.limit, (r) => ({ u: r.userId }));
      return { data: p.data.map((r) => ({ user_id: r.userId, weight: r.weight, voted_at: r.createdAt.toISOString() })), next_cursor: p.next_cursor };
    },
  );

  api.post(
    '/v1/feedback/posts/:postId/followers',
    { config: { auth: asUser, audit: userActivity }, schema: { tags, summary: 'Follow a post (status changes and responses are sent to followers)', params: PostIdParams, body: optionalBody(UserBody), response: { 200: PostOut, ...errors(400, 401, 403, 404) } } },
    async (req) => {
      const userId = actingUserId(req, req.body?.user_id);
      return presentPost(await feedback.follow(ctx(req), appIdOf(req), req.params.postId, userId, viewerOf(req, userId), true));
    },
  );

  api.delete(
    '/v1/feedback/posts/:postId/followers/:userId',
    { config: { auth: asUser, audit: userActivity }, schema: { tags, summary: 'Stop following a post', params: UserPathParams, response: { 200: PostOut, ...errors(400, 401, 403, 404) } } },
    async (req) => {
      const userId = actingUserId(req, req.params.userId, 'params.userId');
      return presentPost(await feedback.follow(ctx(req), appIdOf(req), req.params.postId, userId, viewerOf(req, userId), false));
    },
  );

  // ---- comments and responses -------------------------------------------------------------------
  api.post(
    '/v1/feedback/posts/:postId/comments',
    {
      config: { auth: { secret: true, user: true, operator: 'feedback.manage' }, audit: { exempt: 'A comment is content in the thread, attributed to its author (official comments are recorded)' } },
      schema: { tags, summary: 'Comment on a post (operator comments are official)', params: PostIdParams, body: CommentBody, response: { 201: CommentOut, ...errors(400, 401, 403, 404, 409) } },
    },
    async (req, reply) => {
      const c = await feedback.comment(ctx(req), appIdOf(req), req.params.postId, authorOf(req, req.body.user_id), req.body.body);
      return reply.code(201).send(presentComment(c));
    },
  );

  api.get(
    '/v1/feedback/posts/:postId/comments',
    { config: { auth: read }, schema: { tags, summary: 'Comments of a post, oldest first', params: PostIdParams, querystring: z.strictObject(pageQuery), response: { 200: pageSchema(CommentOut), ...errors(400, 401, 403, 404) } } },
    async (req) => {
      const q = req.query;
      const cur = decodeCursor(q.cursor, z.object({ t: cursorTime(), id: z.string() }));
      const rows = await feedback.comments(ctx(req), appIdOf(req), req.params.postId, viewerOf(req), { limit: q.limit + 1, after: cur });
      const p = page(rows, q.limit, (c) => ({ t: c.createdAt.toISOString(), id: c.id }));
      return { data: p.data.map(presentComment), next_cursor: p.next_cursor };
    },
  );

  api.post(
    '/v1/feedback/posts/:postId/response',
    {
      config: { auth: manage, audit: 'recorded' },
      schema: { tags, summary: 'Post the official response (pinned on the post; voters and followers are told)', params: PostIdParams, body: ResponseBody, response: { 200: PostOut, ...errors(400, 401, 403, 404, 409) } },
    },
    async (req) => {
      const p = req.principal;
      const author: Author = p.kind === 'operator' ? { type: 'operator', id: p.operatorId } : { type: 'secret_key', id: p.kind === 'secret' ? p.keyId : 'unknown' };
      return presentPost(await feedback.respond(ctx(req), appIdOf(req), req.params.postId, author, req.body.body));
    },
  );

  api.post(
    '/v1/feedback/posts/:postId/merge',
    {
      config: { auth: manage, audit: 'recorded' },
      schema: {
        tags,
        summary: 'Merge a duplicate into another post: votes and followers move (nobody counts twice), voters are told',
        params: PostIdParams,
        body: MergeBody,
        response: { 200: PostOut.describe('The kept post'), ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (req) => presentPost(await feedback.merge(ctx(req), appIdOf(req), req.params.postId, req.body.into_post_id)),
  );

  // ---- discovery --------------------------------------------------------------------------------
  api.get(
    '/v1/feedback/similar',
    {
      config: { auth: read },
      schema: {
        tags,
        summary: 'Existing posts similar to a title being typed (Chinese and English)',
        description: 'Titles are indexed as Chinese character bigrams and English words and ranked by IDF-weighted overlap. A user token searches public boards only.',
        querystring: z.strictObject({ q: z.string().min(1).max(300), board_id: z.string().min(1).max(64).optional(), limit: z.coerce.number().int().min(1).max(20).default(5), ...ViewerQuery }),
        response: { 200: z.object({ data: z.array(PostOut.extend({ score: z.number().describe('0-1') })) }), ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const q = req.query;
      const rows = await feedback.similar(ctx(req), appIdOf(req), q.q, viewerOf(req, q.user_id), { boardId: q.board_id, limit: q.limit });
      return { data: rows.map((r) => ({ ...presentPost(r.view), score: r.score })) };
    },
  );

  api.get(
    '/v1/feedback/changelog',
    {
      config: { auth: read },
      schema: {
        tags,
        summary: 'The public changelog: status changes (default: to done), newest first',
        querystring: z.strictObject({
          ...pageQuery,
          board_id: z.string().min(1).max(64).optional(),
          status: z
            .string()
            .max(100)
            .default('done')
            .transform((s, c) => {
              const list = s.split(',').map((x) => x.trim());
              for (const x of list) if (!(STATUSES as readonly string[]).includes(x)) c.addIssue({ code: 'custom', message: `unknown status ${x}; use ${STATUSES.join(', ')}` });
              return list as Status[];
            })
            .describe('Comma-separated target statuses'),
        }),
        response: { 200: pageSchema(StatusChangeOut), ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const q = req.query;
      const cur = decodeCursor(q.cursor, z.object({ s: z.number().int() }));
      const rows = await feedback.changelog(ctx(req), appIdOf(req), viewerOf(req), { boardId: q.board_id, statuses: q.status, limit: q.limit + 1, beforeSeq: cur?.s });
      const p = page(rows, q.limit, (c) => ({ s: c.seq }));
      return { data: p.data.map(presentChange), next_cursor: p.next_cursor };
    },
  );

  api.get(
    '/v1/feedback/roadmap',
    {
      config: { auth: read },
      schema: {
        tags,
        summary: 'The roadmap: planned, in progress and done columns, most voted first',
        querystring: z.strictObject({ board_id: z.string().min(1).max(64).optional(), limit: z.coerce.number().int().min(1).max(100).default(20).describe('Posts per column'), ...ViewerQuery }),
        response: { 200: z.object({ columns: z.array(z.object({ status: z.enum(STATUSES), total: z.number(), posts: z.array(PostOut) })) }), ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const q = req.query;
      const cols = await feedback.roadmap(ctx(req), appIdOf(req), viewerOf(req, q.user_id), { boardId: q.board_id, limit: q.limit });
      return { columns: cols.map((c) => ({ status: c.status, total: c.total, posts: c.posts.map(presentPost) })) };
    },
  );

  api.get(
    '/v1/feedback/workload',
    {
      config: { auth: { secret: true, operator: 'analytics.read' } },
      schema: {
        tags,
        summary: 'Operator workload per month: feedback received, read, answered, median first response, surveys run, customer-service conversations and CSAT (QQ Mail 1000/100/10)',
        description:
          'received: posts assigned to the operator that month; read: posts the operator opened for the first time; answered: posts the operator commented on or responded to; users_answered: distinct authors of those posts; ' +
          'median_first_response_s: median time from post to first official response, over the posts this operator answered first; surveys_run: surveys the operator created that were live that month; survey_responses: responses completed that month to those surveys.',
        querystring: z.strictObject({
          month: month(),
          tz: z.string().max(64).refine(isTimeZone, 'must be an IANA time zone such as Asia/Shanghai').default('UTC'),
        }),
        response: {
          200: z.object({
            month: z.string(),
            tz: z.string(),
            from: z.string(),
            to: z.string(),
            targets: z.object({ read: z.number(), users_answered: z.number(), surveys_run: z.number() }).describe('The QQ Mail monthly goals: read 1000, answer 100 users, run 10 surveys'),
            totals: z.object({ received: z.number(), answered: z.number() }).describe('All feedback posted that month, and posts first answered that month'),
            operators: z.array(
              z.object({
                operator_id: z.string(),
                received: z.number(),
                read: z.number(),
                answered: z.number(),
                users_answered: z.number(),
                first_responses: z.number(),
                median_first_response_s: z.number().nullable(),
                surveys_run: z.number(),
                survey_responses: z.number(),
                conversations_resolved: z.number().describe('Customer-service conversations the agent resolved that month'),
                conversation_median_first_response_s: z.number().nullable().describe('Median seconds from waiting to the agent’s first reply, over first replies that month'),
                csat_average: z.number().nullable().describe('Average satisfaction rating (1–5) given that month to the agent’s conversations'),
                csat_ratings: z.number(),
              }),
            ),
          }),
          ...errors(400, 401, 403),
        },
      },
    },
    async (req) => {
      const q = req.query;
      const w = await feedback.workload(ctx(req), appIdOf(req), q.month, q.tz);
      return {
        month: q.month,
        tz: q.tz,
        from: w.from.toISOString(),
        to: w.to.toISOString(),
        targets: { read: 1000, users_answered: 100, surveys_run: 10 },
        totals: w.totals,
        operators: w.operators.map((o) => ({
          operator_id: o.operatorId,
          received: o.received,
          read: o.read,
          answered: o.answered,
          users_answered: o.usersAnswered,
          first_responses: o.firstResponses,
          median_first_response_s: o.medianFirstResponseS === null ? null : Math.round(o.medianFirstResponseS),
          surveys_run: o.surveysRun,
          survey_responses: o.surveyResponses,
          conversations_resolved: o.conversationsResolved,
          conversation_median_first_response_s: o.conversationMedianFirstResponseS === null ? null : Math.round(o.conversationMedianFirstResponseS),
          csat_average: o.csatAverage,
          csat_ratings: o.csatRatings,
        })),
      };
    },
  );
}
