import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { actingUserId, appIdOf } from '../../http/auth.ts';
import { cursorTime, decodeCursor, page, pageQuery, pageSchema } from '../../http/pagination.ts';
import { errors, externalId, iso, type Api, type RequestCtx } from '../../http/route.ts';
import type { PollView, Polls, Viewer } from './service.ts';
import { CreatePollBody, PollIdParams, PollOut, VoteBody } from './types.ts';
import { userActivity } from '../../http/audit.ts';

const tags = ['Polls'];

const presentPoll = (v: PollView): z.infer<typeof PollOut> => {
  const p = v.poll;
  return {
    id: p.id,
    question: p.question,
    description: p.description,
    kind: p.kind as 'single' | 'multiple',
    max_choices: p.maxChoices,
    anonymous: p.anonymous,
    results_visibility: p.resultsVisibility as z.infer<typeof PollOut>['results_visibility'],
    allow_change: p.allowChange,
    subject: p.subjectKind && p.subjectId ? { kind: p.subjectKind, id: p.subjectId } : null,
    closes_at: iso(p.closesAt),
    closed_at: iso(p.closedAt),
    status: v.closed ? 'closed' : 'open',
    results_visible: v.resultsVisible,
    voters: v.resultsVisible ? p.voterCount : null,
    options: v.options.map((o) => ({ id: o.id, text: o.text, image_url: o.imageUrl, votes: v.resultsVisible ? o.voteCount : null })),
    my_vote: v.myVote,
    created_at: p.createdAt.toISOString(),
  };
};

/** Secret keys and operators see counts; a user token (or a named user_id) adds "my vote". */
function viewerOf(req: FastifyRequest, userId: string | undefined): Viewer {
  const p = req.principal;
  if (p.kind === 'user') return { privileged: false, userId: actingUserId(req, userId, 'query.user_id') };
  return { privileged: true, userId: userId ?? null };
}

const ViewerQuery = { user_id: externalId('user_id').optional().describe('With a secret key: include this user’s vote (`my_vote`)') };

export function pollsRoutes(api: Api, deps: { polls: Polls; ctx: RequestCtx }): void {
  const { polls, ctx } = deps;

  api.post(
    '/v1/polls',
    {
      config: { auth: { secret: true, operator: 'campaigns.manage' }, audit: 'recorded' },
      schema: {
        tags,
        summary: 'Create a poll (single or multiple choice), standalone or attached to a subject',
        body: CreatePollBody,
        response: { 201: PollOut, ...errors(400, 401, 403) },
      },
    },
    async (req, reply) => reply.code(201).send(presentPoll(await polls.create(ctx(req), appIdOf(req), req.body))),
  );

  api.get(
    '/v1/polls',
    {
      config: { auth: { secret: true, user: true, operator: 'app.read' } },
      schema: {
        tags,
        summary: 'List polls, newest first; filter by subject or status',
        querystring: z.strictObject({
          ...pageQuery,
          ...ViewerQuery,
          subject_kind: z.string().min(1).max(100).optional(),
          subject_id: externalId('subject_id').optional(),
          status: z.enum(['open', 'closed']).optional(),
        }),
        response: { 200: pageSchema(PollOut), ...errors(400, 401, 403) },
      },
    },
    async (req) => {
      const q = req.query;
      const cur = decodeCursor(q.cursor, z.object({ t: cursorTime(), id: z.string() }));
      const rows = await polls.list(
        ctx(req),
        appIdOf(req),
        { limit: q.limit + 1, before: cur ? { at: new Date(cur.t), id: cur.id } : undefined, subjectKind: q.subject_kind, subjectId: q.subject_id, status: q.status },
        viewerOf(req, q.user_id),
      );
      const p = page(rows, q.limit, (v) => ({ t: v.poll.createdAt.toISOString(), id: v.poll.id }));
      return { data: p.data.map(presentPoll), next_cursor: p.next_cursor };
    },
  );

  api.get(
    '/v1/polls/:pollId',
    {
      config: { auth: { secret: true, user: true, operator: 'app.read' } },
      schema: {
        tags,
        summary: 'Get a poll with its counts (as far as its result visibility allows) and the user’s vote',
        params: PollIdParams,
        querystring: z.strictObject(ViewerQuery),
        response: { 200: PollOut, ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => presentPoll(await polls.get(ctx(req), appIdOf(req), req.params.pollId, viewerOf(req, req.query.user_id))),
  );

  api.post(
    '/v1/polls/:pollId/close',
    {
      config: { auth: { secret: true, operator: 'campaigns.manage' }, audit: 'recorded' },
      schema: { tags, summary: 'Close a poll now (idempotent)', params: PollIdParams, response: { 200: PollOut, ...errors(400, 401, 403, 404) } },
    },
    async (req) => presentPoll(await polls.close(ctx(req), appIdOf(req), req.params.pollId)),
  );

  api.delete(
    '/v1/polls/:pollId',
    {
      config: { auth: { secret: true, operator: 'campaigns.manage' }, audit: 'recorded' },
      schema: { tags, summary: 'Delete a poll and its votes', params: PollIdParams, response: { 204: z.null(), ...errors(400, 401, 403, 404) } },
    },
    async (req, reply) => {
      await polls.remove(ctx(req), appIdOf(req), req.params.pollId);
      return reply.code(204).send(null);
    },
  );

  api.post(
    '/v1/polls/:pollId/votes',
    {
      config: { auth: { secret: true, user: true }, audit: userActivity },
      schema: {
        tags,
        summary: 'Vote (one ballot per user); repeating the same choice is a no-op, a different one needs allow_change',
        description: 'Counts change in the same transaction as the ballot, so they stay exact under any number of concurrent voters. After the deadline: 409 polls.closed.',
        params: PollIdParams,
        body: VoteBody,
        response: { 200: PollOut.extend({ changed: z.boolean() }), ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (req) => {
      const userId = actingUserId(req, req.body.user_id);
      const r = await polls.vote(ctx(req), appIdOf(req), req.params.pollId, userId, req.body.option_ids);
      return { ...presentPoll(r.view), changed: r.changed };
    },
  );

  api.delete(
    '/v1/polls/:pollId/votes/:userId',
    {
      config: { auth: { secret: true, user: true }, audit: userActivity },
      schema: {
        tags,
        summary: 'Withdraw a vote (polls that allow changing a vote, before the deadline)',
        params: PollIdParams.extend({ userId: externalId('userId') }),
        response: { 204: z.null(), ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (req, reply) => {
      const userId = actingUserId(req, req.params.userId, 'params.userId');
      await polls.withdraw(ctx(req), appIdOf(req), req.params.pollId, userId);
      return reply.code(204).send(null);
    },
  );

  api.get(
    '/v1/polls/:pollId/voters',
    {
      config: { auth: { secret: true, user: true, operator: 'app.read' } },
      schema: {
        tags,
        summary: 'Who chose an option (named polls only), by user id',
        params: PollIdParams,
        querystring: z.strictObject({ ...pageQuery, option_id: z.string().min(1).max(64) }),
        response: { 200: pageSchema(z.object({ user_id: z.string(), voted_at: z.string() })), ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const q = req.query;
      const cur = decodeCursor(q.cursor, z.object({ u: z.string() }));
      const rows = await polls.voters(ctx(req), appIdOf(req), req.params.pollId, q.option_id, { limit: q.limit + 1, afterUserId: cur?.u });
      const p = page(rows, q.limit, (r) => ({ u: r.userId }));
      return { data: p.data.map((r) => ({ user_id: r.userId, voted_at: r.createdAt.toISOString() })), next_cursor: p.next_cursor };
    },
  );
}
