// Threaded comments: roots and replies (reply-to user), @mentions, edits, soft deletes that keep
// threads intact, comment likes, official replies, pinned and featured (精彩点评) comments.
import type { Ctx } from '../../../context.ts';
import { AppError } from '../../../http/errors.ts';
import { afterCommit, type TxCtx } from '../../../lib/tx.ts';
import { assertOpenComment, assertOpenKind, commentNotFound, subjectNotFound, userBlocked } from '../errors.ts';
import { commentHot } from '../rules/hot.ts';
import { mentionsOf, parseMentions } from '../rules/mentions.ts';
import * as store from '../store/comments.ts';
import type { CommentRow, CommentSort, CommentStatus, CommentView, RootCursor } from '../store/comments.ts';
import { isBlocked } from '../store/moderation.ts';
import * as subjectsStore from '../store/subjects.ts';
import type { SubjectRow } from '../store/subjects.ts';
import type { Shared } from './context.ts';
import type { LoadedSettings, SettingsService } from './settings.ts';
import { refOf, type SubjectsService } from './subjects.ts';

/** Who is acting on a comment: an end user (user token or secret key naming one), or the app. */
export type CommentActor = { kind: 'user'; userId: string } | { kind: 'app'; operatorId: string | null };

export type NewCommentInput = { userId: string; body: string; mentions?: string[] | undefined; official?: boolean | undefined };

const length = (s: string) => [...s].length;

export function createComments(d: Shared, settings: SettingsService, subjects: SubjectsService, touch: (subjectIds: number[]) => void) {
  const { bus } = d;

  const base = (c: { id: number; subjectKind: string; subjectExternalId: string; subjectAuthorId: string | null }, appId: string, userId: string, at: Date) => ({
    appId,
    userId,
    at,
    commentId: String(c.id),
    subject: refOf({ kind: c.subjectKind, externalId: c.subjectExternalId, authorId: c.subjectAuthorId }),
  });

  /** The text to store: within the app's length limit and through its sensitive-word filter. */
  function screenBody(appId: string, l: LoadedSettings, body: string): string {
    const max = l.settings.comments.max_length;
    const n = length(body);
    if (n > max) throw new AppError('interactions.comment_too_long', `body is ${n} characters; this app allows at most ${max}`, { field: 'body.body', max_length: max, length: n });
    return settings.screen(appId, l, body, 'body.body');
  }

  async function find(ctx: Ctx, appId: string, id: number, forUpdate = false): Promise<CommentView> {
    const c = await store.findComment(ctx.db, appId, id, forUpdate);
    if (!c) throw commentNotFound(id);
    return c;
  }

  /**
   * Moves a comment between visible / hidden / deleted, keeping the subject's comment counter and
   * the root's reply count equal to what is visible. Runs inside the caller's transaction.
   */
  async function transition(ctx: Ctx, c: CommentRow, to: CommentStatus, patch: Parameters<typeof store.updateComment>[2], decayHours: number): Promise<CommentRow> {
    const row = await store.updateComment(ctx.db, c.id, { ...patch, status: to });
    const delta = (to === 'visible' ? 1 : 0) - (c.status === 'visible' ? 1 : 0);
    if (delta !== 0) {
      if (c.rootId !== null) await store.adjustReplies(ctx.db, c.rootId, delta, decayHours);
      await store.bumpComments(ctx.db, c.subjectId, c.day, delta, d.slot());
      touch([c.subjectId]);
    }
    return row;
  }

  /**
   * Posts a comment. Atomic with the caller's work when `ctx.db` is the caller's transaction (its
   * writes then run in a savepoint of it); the refresh of counters and hot scores waits for the
   * outermost commit when the caller queues post-commit work (`inTransaction`).
   */
  async function post(ctx: TxCtx, appId: string, subject: SubjectRow, actor: CommentActor, input: NewCommentInput, parent: CommentView | null): Promise<CommentView> {
    const l = await settings.load(ctx, appId);
    const body = screenBody(appId, l, input.body);
    if (input.official && actor.kind === 'user') throw new AppError('auth.forbidden', 'Only the app (secret key or operator) can post official replies', { field: 'body.official' });
    const official = actor.kind === 'app' && (input.official || actor.operatorId !== null) ? 'operator' : subject.authorId === input.userId ? 'author' : null;
    // The explicit list and the @handles written in the text (as written, before any masking).
    const mentions = mentionsOf(input.userId, input.body, input.mentions);
    const now = d.now();
    const limit = l.settings.moderation.posting_limit;
    const decay = l.settings.hot.decay_hours;
    const row = await ctx.db.transaction(async (tx) => {
      if (await isBlocked(tx, appId, input.userId, now)) throw userBlocked(input.userId);
      if (limit && !official) {
        await store.lockPoster(tx, appId, input.userId);
        const recent = await store.recentPosts(tx, appId, input.userId, new Date(now.getTime() - limit.window_seconds * 1000));
        if (recent.n >= limit.max) {
          const retry = Math.max(1, Math.ceil(((recent.oldest?.getTime() ?? now.getTime()) + limit.window_seconds * 1000 - now.getTime()) / 1000));
          throw new AppError('interactions.posting_too_fast', `${input.userId} posted ${recent.n} comments in the last ${limit.window_seconds}s (limit ${limit.max}); retry in ${retry}s`, { limit: limit.max, window_seconds: limit.window_seconds }, { retryAfter: retry });
        }
      }
      const rootId = parent ? (parent.rootId ?? parent.id) : null;
      // The root's row before the subject's counters: the module's lock order.
      if (rootId !== null) await store.adjustReplies(tx, rootId, 1, decay);
      const row = await store.insertComment(tx, {
        appId,
        subjectId: subject.id,
        rootId,
        parentId: parent?.id ?? null,
        userId: input.userId,
        replyToUserId: parent?.userId ?? null,
        body,
        mentions,
        official,
        operatorId: actor.kind === 'app' ? actor.operatorId : null,
        hot: commentHot(0, 0, now, decay),
        createdAt: now,
      });
      await store.bumpComments(tx, subject.id, row.day, 1, d.slot());
      const view: CommentView = { ...row, subjectKind: subject.kind, subjectExternalId: subject.externalId, subjectAuthorId: subject.authorId };
      const b = base(view, appId, input.userId, now);
      await bus.emit(tx, 'comment.created', { ...b, rootId: row.rootId === null ? null : String(row.rootId), parentId: row.parentId === null ? null : String(row.parentId), official, body });
      if (parent && parent.userId !== input.userId) await bus.emit(tx, 'comment.replied', { ...b, rootId: String(row.rootId), parentId: String(parent.id), replyToUserId: parent.userId, body });
      for (const m of mentions) await bus.emit(tx, 'comment.mentioned', { ...b, mentionedUserId: m });
      return view;
    });
    afterCommit(ctx, () => touch([subject.id]));
    return row;
  }

  /** May this actor manage (delete, pin) a comment on this subject? The app always; a user if author. */
  function assertOwner(actor: CommentActor, c: CommentView): 'author' | 'subject_author' | 'operator' {
    if (actor.kind === 'app') return 'operator';
    if (actor.userId === c.userId) return 'author';
    if (actor.userId === c.subjectAuthorId) return 'subject_author';
    throw new AppError('interactions.not_author', `Only the comment's author, the subject's author (${c.subjectAuthorId ?? 'none'}) or the app can do this`, { user_id: actor.userId });
  }

  return {
    find,
    transition,
    updateRow: (ctx: Ctx, id: number, patch: Parameters<typeof store.updateComment>[2]) => store.updateComment(ctx.db, id, patch),

    async byIds(ctx: Ctx, ids: number[]): Promise<Map<number, CommentView>> {
      return new Map((await store.commentsByIds(ctx.db, ids)).map((c) => [c.id, c]));
    },

    /** A comment, on the generic routes (a reserved subject's comment is refused). */
    async get(ctx: Ctx, appId: string, id: number): Promise<CommentView> {
      const c = await find(ctx, appId, id);
      assertOpenComment(c);
      return c;
    },

    /** A root comment on a subject already resolved (reserved subjects: service/owned.ts). */
    createOn: (ctx: TxCtx, appId: string, subject: SubjectRow, actor: CommentActor, input: NewCommentInput) => post(ctx, appId, subject, actor, input, null),

    async create(ctx: Ctx, appId: string, kind: string, externalId: string, actor: CommentActor, input: NewCommentInput): Promise<CommentView> {
      assertOpenKind(kind);
      const subject = await subjects.resolve(ctx, appId, kind, externalId, { create: true });
      return post(ctx, appId, subject, actor, input, null);
    },

    async reply(ctx: Ctx, appId: string, parentId: number, actor: CommentActor, input: NewCommentInput): Promise<CommentView> {
      const parent = await find(ctx, appId, parentId);
      assertOpenComment(parent);
      if (parent.status !== 'visible') throw new AppError('interactions.comment_deleted', `Comment ${parentId} is ${parent.status}; it cannot be replied to`, { comment_id: String(parentId), status: parent.status });
      const [subject] = await subjectsStore.subjectsByIds(ctx.db, [parent.subjectId]);
      if (!subject) throw subjectNotFound(parent.subjectKind, parent.subjectExternalId);
      return post(ctx, appId, subject, actor, input, parent);
    },

    async edit(ctx: Ctx, appId: string, id: number, actor: CommentActor, input: { body: string; mentions?: string[] | undefined }): Promise<CommentView> {
      const l = await settings.load(ctx, appId);
      const body = screenBody(appId, l, input.body);
      const now = d.now();
      const r = await ctx.db.transaction(async (tx) => {
        const c = await find({ ...ctx, db: tx }, appId, id, true);
        assertOpenComment(c);
        if (actor.kind === 'user' && actor.userId !== c.userId) throw new AppError('interactions.not_author', "Only the comment's author can edit it", { user_id: actor.userId });
        if (actor.kind === 'user' && (await isBlocked(tx, appId, actor.userId, now))) throw userBlocked(actor.userId);
        if (c.status !== 'visible') throw new AppError('interactions.comment_deleted', `Comment ${id} is ${c.status}; it cannot be edited`, { comment_id: String(id), status: c.status });
        // Without a new explicit list, the old one stays (what was mentioned beyond the old text's
        // @handles); the text's handles are read again. Only newly added users hear of it.
        const explicit = input.mentions ?? c.mentions.filter((u) => !parseMentions(c.body).includes(u));
        const mentions = mentionsOf(c.userId, input.body, explicit);
        const row = { ...c, ...(await store.updateComment(tx, id, { body, mentions, editedAt: now })) };
        const b = base(row, appId, row.userId, now);
        await bus.emit(tx, 'comment.edited', b);
        for (const m of row.mentions.filter((u) => !c.mentions.includes(u))) await bus.emit(tx, 'comment.mentioned', { ...b, mentionedUserId: m });
        return { before: c, row };
      });
      return r.row;
    },

    /** Soft delete: the row stays (a placeholder in its thread); idempotent. */
    async remove(ctx: Ctx, appId: string, id: number, actor: CommentActor): Promise<CommentView> {
      const now = d.now();
      const decay = (await settings.get(ctx, appId)).hot.decay_hours;
      const r = await ctx.db.transaction(async (tx) => {
        const c = await find({ ...ctx, db: tx }, appId, id, true);
        assertOpenComment(c);
        const by = assertOwner(actor, c);
        if (c.status === 'deleted') {
          if (d.audited(ctx)) await d.audit.record({ ...ctx, db: tx }, { appId, action: 'comment.delete', targetType: 'comment', targetId: String(id), before: { status: c.status }, after: { status: 'deleted' } });
          return { view: c, by: null };
        }
        const row = await transition({ ...ctx, db: tx }, c, 'deleted', { deletedAt: now }, decay);
        // The app, or the host deleting for a user (secret key): recorded; a user's own delete is not.
        if (d.audited(ctx)) await d.audit.record({ ...ctx, db: tx }, { appId, action: 'comment.delete', targetType: 'comment', targetId: String(id), before: { status: c.status, body: c.body }, after: { status: 'deleted' } });
        const view = { ...c, ...row };
        await bus.emit(tx, 'comment.deleted', { ...base(view, appId, view.userId, now), by });
        return { view, by };
      });
      return r.view;
    },

    async like(ctx: Ctx, appId: string, id: number, userId: string, on: boolean): Promise<{ view: CommentView; changed: boolean; likes: number }> {
      const c = await find(ctx, appId, id);
      assertOpenComment(c);
      if (c.status !== 'visible') throw new AppError('interactions.comment_deleted', `Comment ${id} is ${c.status}`, { comment_id: String(id), status: c.status });
      const now = d.now();
      if (await isBlocked(ctx.db, appId, userId, now)) throw userBlocked(userId);
      const s = await settings.get(ctx, appId);
      const rule = s.comments.featured_rule ? { minLikes: s.comments.featured_rule.min_likes, withinHours: s.comments.featured_rule.within_hours } : null;
      const r = await ctx.db.transaction(async (tx) => {
        const r = await store.setCommentLike(tx, appId, id, userId, on, now, s.hot.decay_hours, rule);
        if (r?.changed) {
          await bus.emit(tx, on ? 'comment.liked' : 'comment.unliked', { ...base(c, appId, userId, now), commentAuthorId: c.userId });
          if (r.newlyFeatured) await bus.emit(tx, 'comment.featured', { ...base(c, appId, c.userId, now), by: 'rule' });
        }
        return r;
      });
      if (!r) throw commentNotFound(id);
      return { view: { ...c, likes: r.likes, ...(r.newlyFeatured ? { featuredAt: now, featuredBy: 'rule' as const } : {}) }, changed: r.changed, likes: r.likes };
    },

    /** Pins a root comment (the app, or the subject's author); at most settings.comments.pin_limit per subject. */
    async pin(ctx: Ctx, appId: string, id: number, actor: CommentActor, on: boolean): Promise<CommentView> {
      const now = d.now();
      const limit = (await settings.get(ctx, appId)).comments.pin_limit;
      const r = await ctx.db.transaction(async (tx) => {
        const c = await find({ ...ctx, db: tx }, appId, id);
        assertOpenComment(c);
        if (actor.kind === 'user' && actor.userId !== c.subjectAuthorId) throw new AppError('interactions.not_author', `Only the subject's author (${c.subjectAuthorId ?? 'none'}) or the app can pin comments`, { user_id: actor.userId });
        if (c.rootId !== null) throw new AppError('interactions.not_root', 'Only root comments can be pinned, not replies', { comment_id: String(id) });
        if (on && c.status !== 'visible') throw new AppError('interactions.comment_deleted', `Comment ${id} is ${c.status}`, { comment_id: String(id), status: c.status });
        if (on === (c.pinnedAt !== null)) {
          if (d.audited(ctx)) await d.audit.record({ ...ctx, db: tx }, { appId, action: on ? 'comment.pin' : 'comment.unpin', targetType: 'comment', targetId: String(id), before: { pinned_at: c.pinnedAt }, after: { pinned_at: c.pinnedAt } });
          return { view: c, changed: false };
        }
        // The subject's row serialises pins, so concurrent pins cannot exceed the limit.
        await subjectsStore.findSubject(tx, appId, c.subjectKind, c.subjectExternalId, true);
        if (on) {
          const n = await store.pinnedCount(tx, c.subjectId);
          if (n >= limit) throw new AppError('interactions.pin_limit', `This subject already has ${n} pinned comment(s); the limit is ${limit}. Unpin one first.`, { limit, pinned: n });
        }
        const row = await store.updateComment(tx, id, { pinnedAt: on ? now : null });
        if (d.audited(ctx)) await d.audit.record({ ...ctx, db: tx }, { appId, action: on ? 'comment.pin' : 'comment.unpin', targetType: 'comment', targetId: String(id), before: { pinned_at: c.pinnedAt }, after: { pinned_at: row.pinnedAt } });
        const view = { ...c, ...row };
        await bus.emit(tx, 'comment.pinned', { ...base(view, appId, view.userId, now), pinned: on });
        return { view, changed: true };
      });
      return r.view;
    },

    /** Features (精彩点评) or unfeatures a comment by hand (the app only). */
    async feature(ctx: Ctx, appId: string, id: number, on: boolean): Promise<CommentView> {
      const now = d.now();
      const r = await ctx.db.transaction(async (tx) => {
        const c = await find({ ...ctx, db: tx }, appId, id, true);
        assertOpenComment(c);
        if (on && c.status !== 'visible') throw new AppError('interactions.comment_deleted', `Comment ${id} is ${c.status}`, { comment_id: String(id), status: c.status });
        const before = { featured_at: c.featuredAt, featured_by: c.featuredBy };
        if (on === (c.featuredAt !== null)) {
          await d.audit.record({ ...ctx, db: tx }, { appId, action: on ? 'comment.feature' : 'comment.unfeature', targetType: 'comment', targetId: String(id), before, after: before });
          return { view: c, changed: false };
        }
        const row = await store.updateComment(tx, id, on ? { featuredAt: now, featuredBy: 'operator' } : { featuredAt: null, featuredBy: null });
        await d.audit.record({ ...ctx, db: tx }, { appId, action: on ? 'comment.feature' : 'comment.unfeature', targetType: 'comment', targetId: String(id), before, after: { featured_at: row.featuredAt, featured_by: row.featuredBy } });
        const view = { ...c, ...row };
        if (on) await bus.emit(tx, 'comment.featured', { ...base(view, appId, view.userId, now), by: 'operator' });
        return { view, changed: true };
      });
      return r.view;
    },

    async list(
      ctx: Ctx,
      appId: string,
      kind: string,
      externalId: string,
      q: { sort: CommentSort; limit: number; after?: RootCursor | undefined; pinned?: boolean | undefined; featured?: boolean | undefined; official?: boolean | undefined; userId?: string | undefined },
    ): Promise<CommentView[]> {
      assertOpenKind(kind);
      const s = await subjects.resolve(ctx, appId, kind, externalId, { create: false });
      return store.listRoots(ctx.db, s.id, q);
    },

    async replies(ctx: Ctx, appId: string, id: number, q: { limit: number; afterId?: number | undefined }): Promise<CommentView[]> {
      const c = await find(ctx, appId, id);
      assertOpenComment(c);
      return store.listReplies(ctx.db, c.rootId ?? c.id, q);
    },

    likedBy: (ctx: Ctx, ids: number[], userId: string) => store.likedBy(ctx.db, ids, userId),
  };
}

export type CommentsService = ReturnType<typeof createComments>;
