// Reports, the moderation queue, decisions and blocks.
import { z } from 'zod';
import { appIdOf } from '../../../http/auth.ts';
import { decodeCursor, page, pageQuery, pageSchema } from '../../../http/pagination.ts';
import { errors, type Api, type RequestCtx } from '../../../http/route.ts';
import type { BlockRow, ReportRow } from '../store/moderation.ts';
import { BlockBody, CommentParams, DecisionBody, REPORT_REASONS, ReportBody, UserParams } from '../types.ts';
import { CommentOut, presentComment } from './comments.ts';
import { actingUser, IdCursor, type Deps } from './common.ts';
import { USER_TEXT_NOTE, userText } from '../../../lib/text.ts';
import { userActivity } from '../../../http/audit.ts';

const tags = ['Moderation'];
const moderate = { secret: true, operator: 'content.moderate' } as const;

const ReportOut = z
  .object({ id: z.string(), comment_id: z.string(), reporter_id: z.string(), reason: z.enum(REPORT_REASONS), note: z.string().nullable().describe(USER_TEXT_NOTE), created_at: z.string(), resolved_at: z.string().nullable(), resolution: z.enum(['approve', 'hide', 'delete']).nullable() })
  .meta({ id: 'CommentReport' });
const presentReport = (r: ReportRow) => ({
  id: String(r.id),
  comment_id: String(r.commentId),
  reporter_id: r.reporterId,
  reason: r.reason as (typeof REPORT_REASONS)[number],
  note: userText(r.note),
  created_at: r.createdAt.toISOString(),
  resolved_at: r.resolvedAt?.toISOString() ?? null,
  resolution: r.resolution,
});

const BlockOut = z.object({ user_id: z.string(), reason: z.string().nullable(), until: z.string().nullable(), created_by: z.string().nullable(), created_at: z.string() }).meta({ id: 'UserBlock' });
const presentBlock = (b: BlockRow) => ({ user_id: b.userId, reason: userText(b.reason), until: b.until?.toISOString() ?? null, created_by: b.createdBy, created_at: b.createdAt.toISOString() });

const ModeratedComment = CommentOut.extend({ open_reports: z.number(), moderation: z.enum(['none', 'pending', 'approved', 'hidden', 'deleted']) });
const QueueCursor = z.object({ r: z.number().int().positive(), id: z.number().int().positive() });
const UserCursor = z.object({ u: z.string().max(255) });

export function moderationRoutes(api: Api, deps: Deps & { ctx: RequestCtx }): void {
  const { interactions: ix, ctx } = deps;
  const md = ix.moderation;

  api.post(
    '/v1/comments/:commentId/reports',
    {
      config: { auth: { secret: true, user: true }, audit: userActivity },
      schema: {
        tags,
        summary: 'Report a comment (once per user)',
        description: "At the app's threshold of distinct reporters (settings.moderation.auto_hide_reports) the comment is hidden until a moderator decides.",
        params: CommentParams,
        body: ReportBody,
        response: { 201: z.object({ report_id: z.string().nullable(), new: z.boolean().describe('False when this user had already reported it'), open_reports: z.number(), hidden: z.boolean() }), ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (req, reply) => {
      const r = await md.report(ctx(req), appIdOf(req), Number(req.params.commentId), actingUser(req, req.body.user_id), req.body.reason, req.body.note);
      return reply.code(201).send({ report_id: r.report ? String(r.report.id) : null, new: r.report !== null, open_reports: r.comment.openReports, hidden: r.comment.status === 'hidden' });
    },
  );

  api.get(
    '/v1/moderation/queue',
    {
      config: { auth: moderate },
      schema: {
        tags,
        summary: 'Comments with open reports, most reported first (moderators see hidden text)',
        querystring: z.strictObject({ ...pageQuery, status: z.enum(['visible', 'hidden']).optional().describe('hidden: auto-hidden, awaiting a decision') }),
        response: { 200: pageSchema(z.object({ comment: ModeratedComment, reasons: z.record(z.string(), z.number()).describe('Open reports by reason') })), ...errors(400, 401, 403) },
      },
    },
    async (req) => {
      const q = req.query;
      const cur = decodeCursor(q.cursor, QueueCursor);
      const items = await md.queue(ctx(req), appIdOf(req), { limit: q.limit + 1, after: cur, status: q.status });
      const p = page(items, q.limit, (i) => ({ r: i.comment.openReports, id: i.comment.id }));
      return { data: p.data.map((i) => ({ comment: { ...presentComment(i.comment, undefined, true), open_reports: i.comment.openReports, moderation: i.comment.moderation }, reasons: i.reasons })), next_cursor: p.next_cursor };
    },
  );

  api.get(
    '/v1/moderation/reports',
    {
      config: { auth: moderate },
      schema: {
        tags,
        summary: 'Reports, newest first',
        querystring: z.strictObject({ ...pageQuery, comment_id: CommentParams.shape.commentId.optional(), open: z.enum(['true', 'false']).optional() }),
        response: { 200: pageSchema(ReportOut), ...errors(400, 401, 403) },
      },
    },
    async (req) => {
      const q = req.query;
      const cur = decodeCursor(q.cursor, IdCursor);
      const rows = await md.reports(ctx(req), appIdOf(req), { limit: q.limit + 1, beforeId: cur?.id, commentId: q.comment_id === undefined ? undefined : Number(q.comment_id), open: q.open === undefined ? undefined : q.open === 'true' });
      const p = page(rows, q.limit, (r) => ({ id: r.id }));
      return { data: p.data.map(presentReport), next_cursor: p.next_cursor };
    },
  );

  api.post(
    '/v1/moderation/comments/:commentId/decision',
    {
      config: { auth: moderate, audit: 'recorded' },
      schema: {
        tags,
        summary: 'Decide on a comment: approve (restores a hidden one), hide, or delete (audited)',
        description: 'Resolves its open reports and publishes comment.moderated.',
        params: CommentParams,
        body: DecisionBody,
        response: { 200: z.object({ comment: ModeratedComment, resolved_reports: z.number() }), ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const r = await md.decide(ctx(req), appIdOf(req), Number(req.params.commentId), req.body.action, req.body.note);
      return { comment: { ...presentComment(r.comment, undefined, true), open_reports: r.comment.openReports, moderation: r.comment.moderation }, resolved_reports: r.resolved };
    },
  );

  api.put(
    '/v1/moderation/blocks/:userId',
    {
      config: { auth: moderate, audit: 'recorded' },
      schema: { tags, summary: 'Block a user from interacting (audited)', description: 'A blocked user cannot like, favourite, share, follow, comment, reply or report until unblocked or until `until`.', params: UserParams, body: BlockBody, response: { 200: BlockOut, ...errors(400, 401, 403) } },
    },
    async (req) => presentBlock(await md.block(ctx(req), appIdOf(req), req.params.userId, req.body)),
  );

  api.delete(
    '/v1/moderation/blocks/:userId',
    { config: { auth: moderate, audit: 'recorded' }, schema: { tags, summary: 'Unblock a user (audited; idempotent)', params: UserParams, response: { 204: z.null(), ...errors(400, 401, 403) } } },
    async (req, reply) => {
      await md.unblock(ctx(req), appIdOf(req), req.params.userId);
      return reply.code(204).send(null);
    },
  );

  api.get(
    '/v1/moderation/blocks',
    { config: { auth: moderate }, schema: { tags, summary: 'Blocked users, by user id', querystring: z.strictObject(pageQuery), response: { 200: pageSchema(BlockOut), ...errors(400, 401, 403) } } },
    async (req) => {
      const cur = decodeCursor(req.query.cursor, UserCursor);
      const rows = await md.blocks(ctx(req), appIdOf(req), { limit: req.query.limit + 1, afterUserId: cur?.u });
      const p = page(rows, req.query.limit, (b) => ({ u: b.userId }));
      return { data: p.data.map(presentBlock), next_cursor: p.next_cursor };
    },
  );
}
