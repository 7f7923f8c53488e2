// Reports, the moderation queue and its decisions (audited), automatic hiding at the app's report
// threshold, and operator blocks (a blocked user cannot interact).
import type { Ctx } from '../../../context.ts';
import { AppError } from '../../../http/errors.ts';
import { assertOpenComment, userBlocked } from '../errors.ts';
import type { CommentView } from '../store/comments.ts';
import * as store from '../store/moderation.ts';
import type { BlockRow, ReportRow } from '../store/moderation.ts';
import type { CommentsService } from './comments.ts';
import type { Shared } from './context.ts';
import type { SettingsService } from './settings.ts';
import { refOf } from './subjects.ts';

export type Decision = 'approve' | 'hide' | 'delete';

/** A user's block as the audit log keeps it: whether it is in force, why and until when. */
const blockState = (b: { reason: string | null; until: Date | null } | undefined, now: Date) => (b ? { blocked: b.until === null || b.until > now, reason: b.reason, until: b.until } : { blocked: false });

export function createModeration(d: Shared, settings: SettingsService, comments: CommentsService) {
  const { bus } = d;
  const base = (c: CommentView, appId: string, at: Date) => ({ appId, userId: c.userId, at, commentId: String(c.id), subject: refOf({ kind: c.subjectKind, externalId: c.subjectExternalId, authorId: c.subjectAuthorId }) });

  return {
    /**
     * Files a user's report (once per user and comment). At the app's threshold of distinct
     * reporters the comment is hidden until a moderator decides, unless a moderator already
     * approved it (then it is only queued again).
     */
    async report(ctx: Ctx, appId: string, commentId: number, reporterId: string, reason: string, note: string | undefined, opts: { owned?: boolean } = {}): Promise<{ report: ReportRow | null; comment: CommentView; autoHidden: boolean }> {
      const s = await settings.get(ctx, appId);
      const now = d.now();
      const r = await ctx.db.transaction(async (tx) => {
        const t = { ...ctx, db: tx };
        if (await store.isBlocked(tx, appId, reporterId, now)) throw userBlocked(reporterId);
        const c = await comments.find(t, appId, commentId, true);
        // A reserved subject's comment is reported through the module that owns it (owned: true).
        if (!opts.owned) assertOpenComment(c);
        if (c.status === 'deleted') throw new AppError('interactions.comment_deleted', `Comment ${commentId} is deleted`, { comment_id: String(commentId), status: c.status });
        const report = await store.insertReport(tx, { appId, commentId, reporterId, reason, note: note ?? null, createdAt: now });
        if (!report) return { report, comment: c, autoHidden: false };
        const open = c.openReports + 1;
        const threshold = s.moderation.auto_hide_reports;
        const hide = threshold !== null && open >= threshold && c.status === 'visible' && c.moderation !== 'approved';
        const moderation = c.moderation === 'approved' && !hide ? 'approved' : 'pending';
        const row = hide ? await comments.transition(t, c, 'hidden', { openReports: open, moderation }, s.hot.decay_hours) : await comments.updateRow(t, c.id, { openReports: open, moderation });
        if (hide) await d.audit.record(t, { appId, action: 'comment.auto_hide', targetType: 'comment', targetId: String(commentId), before: { status: c.status }, after: { status: 'hidden', open_reports: open, threshold } });
        const comment = { ...c, ...row };
        await bus.emit(tx, 'comment.reported', { ...base(comment, appId, now), userId: reporterId, reason, openReports: comment.openReports });
        if (hide) await bus.emit(tx, 'comment.moderated', { ...base(comment, appId, now), action: 'hide', auto: true });
        return { report, comment, autoHidden: hide };
      });
      return r;
    },

    /** A moderator's decision on a comment: approve (restores a hidden one), hide, or delete. Resolves its open reports. */
    async decide(ctx: Ctx, appId: string, commentId: number, action: Decision, note: string | undefined): Promise<{ comment: CommentView; resolved: number }> {
      const s = await settings.get(ctx, appId);
      const now = d.now();
      const r = await ctx.db.transaction(async (tx) => {
        const t = { ...ctx, db: tx };
        const c = await comments.find(t, appId, commentId, true);
        const patch = { openReports: 0, moderation: action === 'approve' ? ('approved' as const) : action === 'hide' ? ('hidden' as const) : ('deleted' as const) };
        const to = action === 'approve' ? (c.status === 'hidden' ? 'visible' : c.status) : action === 'hide' ? (c.status === 'deleted' ? 'deleted' : 'hidden') : 'deleted';
        const row = await comments.transition(t, c, to, { ...patch, ...(to === 'deleted' && c.status !== 'deleted' ? { deletedAt: now } : {}) }, s.hot.decay_hours);
        const resolved = await store.resolveReports(tx, commentId, action, now);
        await d.audit.record(t, { appId, action: `comment.moderate.${action}`, targetType: 'comment', targetId: String(commentId), before: { status: c.status, moderation: c.moderation, open_reports: c.openReports }, after: { status: row.status, moderation: row.moderation, note: note ?? null, resolved_reports: resolved } });
        const comment = { ...c, ...row };
        await bus.emit(tx, 'comment.moderated', { ...base(comment, appId, now), action, auto: false });
        return { comment, resolved };
      });
      return r;
    },

    async queue(ctx: Ctx, appId: string, q: Parameters<typeof store.queue>[2]): Promise<{ comment: CommentView; reasons: Record<string, number> }[]> {
      const ids = await store.queue(ctx.db, appId, q);
      const [views, reasons] = await Promise.all([comments.byIds(ctx, ids), store.openReasons(ctx.db, ids)]);
      return ids.flatMap((id) => (views.has(id) ? [{ comment: views.get(id)!, reasons: reasons.get(id) ?? {} }] : []));
    },

    reports: (ctx: Ctx, appId: string, q: Parameters<typeof store.listReports>[2]) => store.listReports(ctx.db, appId, q),

    async block(ctx: Ctx, appId: string, userId: string, v: { reason?: string | undefined; until?: string | undefined }): Promise<BlockRow> {
      return ctx.db.transaction(async (tx) => {
        const before = await store.findBlock(tx, appId, userId);
        const row = await store.upsertBlock(tx, { appId, userId, reason: v.reason ?? null, until: v.until ? new Date(v.until) : null, createdBy: ctx.actor.id, createdAt: d.now() });
        await d.audit.record({ ...ctx, db: tx }, { appId, action: 'user.block', targetType: 'user', targetId: userId, before: blockState(before, d.now()), after: blockState(row, d.now()) });
        return row;
      });
    },

    async unblock(ctx: Ctx, appId: string, userId: string): Promise<boolean> {
      return ctx.db.transaction(async (tx) => {
        const row = await store.deleteBlock(tx, appId, userId);
        // Recorded when the user was not blocked too: the caller asked, and the entry says so.
        await d.audit.record({ ...ctx, db: tx }, { appId, action: 'user.unblock', targetType: 'user', targetId: userId, before: blockState(row, d.now()), after: { blocked: false } });
        return !!row;
      });
    },

    blocks: (ctx: Ctx, appId: string, q: Parameters<typeof store.listBlocks>[2]) => store.listBlocks(ctx.db, appId, q),
  };
}

export type ModerationService = ReturnType<typeof createModeration>;
