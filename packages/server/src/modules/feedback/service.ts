import type { Ctx, TextScreen } from '../../context.ts';
import type { Db } from '../../db/index.ts';
import type { Erasure } from '../../erasure.ts';
import type { EventBus } from '../../events.ts';
import type { Audit } from '../audit/index.ts';
import { AppError, fieldError } from '../../http/errors.ts';
import type { Clock } from '../../lib/clock.ts';
import { newId } from '../../lib/ids.ts';
import { retryOnDeadlock } from '../../lib/tx.ts';
import './errors.ts';
import { grams, idf, similarity } from './rules/grams.ts';
import { monthRange } from './rules/month.ts';
import { allowedNext, canMove, ROADMAP, type Status } from './rules/status.ts';
import * as store from './store.ts';
import type { BoardRow, CommentRow, PostRow } from './store.ts';
import type { CreateBoardInput, CreatePostInput, UpdateBoardInput, UpdatePostInput } from './types.ts';

declare module '../../events.ts' {
  interface DomainEvents {
    'feedback.post.created': { appId: string; boardId: string; postId: string; userId: string; type: string; title: string };
    /** A new vote (not a repeat). Gamification may reward it. */
    'feedback.post.voted': { appId: string; postId: string; userId: string; weight: number };
    /** Messaging tells `recipients` (voters, followers and the author, each once). */
    'feedback.post.status_changed': { appId: string; boardId: string; postId: string; title: string; from: Status; to: Status; note: string; recipients: string[] };
    /** `voters` had voted on the merged post; their votes now count on the kept one. */
    'feedback.post.merged': { appId: string; postId: string; title: string; intoPostId: string; intoTitle: string; voters: string[] };
    'feedback.post.responded': { appId: string; postId: string; title: string; commentId: string; body: string; recipients: string[] };
    'feedback.comment.created': { appId: string; postId: string; commentId: string; authorType: string; authorId: string; official: boolean };
  }
}

/**
 * The weight of a user's vote. The default is 1; when gamification exists, pass a provider that
 * maps the user's level to a weight (the seam the issue asks for). Stored with each vote, so a
 * later level change does not rewrite history.
 */
export type VoteWeight = (ctx: Ctx, appId: string, userId: string) => Promise<number>;

/** Surveys run and responses per operator in a period (the surveys module answers it). */
export type OperatorSurveyStats = (ctx: Ctx, appId: string, from: Date, to: Date) => Promise<{ operatorId: string; surveysRun: number; responses: number }[]>;
/** Customer-service figures per agent in [from, to) (the service module, wired in app.ts). */
export type OperatorServiceStats = (ctx: Ctx, appId: string, from: Date, to: Date) => Promise<{ operatorId: string; resolved: number; medianFirstResponseS: number | null; csatAverage: number | null; csatRatings: number }[]>;

/** The app's sensitive-word filter (interactions' settings): masks or rejects user text, naming the field. */

/** Whether an operator belongs to the app (tenancy): only members can be assigned posts. */
export type IsMember = (appId: string, operatorId: string) => Promise<boolean>;

export type FeedbackDeps = { db: Db; bus: EventBus; clock: Clock; audit: Audit; voteWeight?: VoteWeight; surveyStats?: OperatorSurveyStats; serviceStats?: OperatorServiceStats; screen?: TextScreen; isMember?: IsMember };

/** Who is looking: operators and secret keys see everything; an end user sees public boards and their own posts. */
export type Viewer = { privileged: boolean; operatorId: string | null; userId: string | null };

/** The author of a comment or response. */
export type Author = { type: 'user' | 'operator' | 'secret_key'; id: string };

export type PostView = { post: PostRow; response: CommentRow | null; myVote: boolean | null; following: boolean | null };

const SIMILAR_MIN_SCORE = 0.34;

const boardNotFound = (boardId: string) => new AppError('feedback.board_not_found', `Board ${boardId} does not exist in this app`, { board_id: boardId });
const postNotFound = (postId: string) => new AppError('feedback.post_not_found', `Post ${postId} does not exist in this app`, { post_id: postId });

export function createFeedback(deps: FeedbackDeps) {
  const { bus, clock } = deps;
  const weightOf: VoteWeight = deps.voteWeight ?? (async () => 1);
  /** Operator and secret-key changes are audited, in the transaction that makes them. */
  const audit = (ctx: Ctx, tx: Db, appId: string, action: string, targetType: string, targetId: string, after?: unknown, before?: unknown) => deps.audit.record({ ...ctx, db: tx }, { appId, action, targetType, targetId, before, after });
  /** What the audit log keeps of a board and of a post: the fields an update can change. */
  const boardShape = (b: BoardRow) => ({ name: b.name, description: b.description, visibility: b.visibility, default_assignee: b.defaultAssignee });
  const postShape = (p: PostRow) => ({ title: p.title, body: p.body, tags: p.tags, category: p.category, assignee: p.assignee, status: p.status });

  const canSee = (board: BoardRow, post: PostRow, v: Viewer) => v.privileged || board.visibility === 'public' || (v.userId !== null && post.authorUserId === v.userId);

  const mustBoard = async (db: Db, appId: string, boardId: string): Promise<BoardRow> => {
    const b = await store.findBoard(db, appId, boardId);
    if (!b) throw boardNotFound(boardId);
    return b;
  };

  /** The post and its board, or 404 when it does not exist or the viewer may not see it. */
  const visiblePost = async (db: Db, appId: string, postId: string, v: Viewer, forUpdate = false) => {
    const r = await store.findPostWithBoard(db, appId, postId, forUpdate);
    if (!r || !canSee(r.board, r.post, v)) throw postNotFound(postId);
    return r;
  };

  /**
   * Locks the live post a vote or follow lands on: a merged post forwards to the one it was merged
   * into. The lock serialises votes with merges, so a vote arriving mid-merge lands on the kept post.
   */
  const lockLive = async (tx: Db, appId: string, postId: string, v: Viewer) => {
    let id = postId;
    for (let hop = 0; hop < 8; hop++) {
      const { post, board } = await visiblePost(tx, appId, id, v, true);
      if (!post.mergedInto) return { post, board, redirectedFrom: id === postId ? null : postId };
      id = post.mergedInto;
    }
    throw new AppError('unavailable', 'The post is being merged; retry', undefined, { retryAfter: 1 });
  };

  const views = async (db: Db, rows: PostRow[], v: Viewer): Promise<PostView[]> => {
    const ids = rows.map((r) => r.id);
    const responses = new Map((await store.commentsByIds(db, rows.map((r) => r.responseCommentId).filter((x): x is string => !!x))).map((c) => [c.id, c]));
    const voted = v.userId ? await store.votedPostIds(db, ids, v.userId) : null;
    const followed = v.userId ? await store.followedPostIds(db, ids, v.userId) : null;
    return rows.map((post) => ({
      post,
      response: post.responseCommentId ? (responses.get(post.responseCommentId) ?? null) : null,
      myVote: voted ? voted.has(post.id) : null,
      following: followed ? followed.has(post.id) : null,
    }));
  };
  const viewOf = async (db: Db, post: PostRow, v: Viewer) => (await views(db, [post], v))[0]!;

  /** Boards a viewer may search or list across: all of them for operators, public ones for users. */
  const visibleBoardIds = async (db: Db, appId: string, v: Viewer, boardId?: string): Promise<string[]> => {
    if (boardId !== undefined) {
      const b = await mustBoard(db, appId, boardId);
      return v.privileged || b.visibility === 'public' ? [b.id] : [];
    }
    if (v.privileged) return (await store.listBoards(db, appId, { limit: 10_000 })).map((b) => b.id);
    return store.publicBoardIds(db, appId);
  };

  /** An assignee must be an operator of the app (a typo would leave posts with nobody). */
  const assignable = async (appId: string, operatorId: string | null | undefined, field: string) => {
    if (!operatorId || !deps.isMember || (await deps.isMember(appId, operatorId))) return;
    throw fieldError(field, `operator ${operatorId} is not a member of this app`, 'the id of an operator who is a member of the app');
  };

  const comment = async (ctx: Ctx, appId: string, postId: string, author: Author, text: string, asResponse: boolean): Promise<{ comment: CommentRow; post: PostRow }> => {
    // End users' words go through the app's filter; the team's own replies are theirs to word.
    const body = author.type === 'user' && deps.screen ? (await deps.screen(ctx, appId, [{ text, field: 'body.body' }]))[0]! : text;
    const now = clock.now();
    const official = author.type !== 'user';
    const viewer: Viewer = { privileged: official, operatorId: null, userId: author.type === 'user' ? author.id : null };
    const r = await ctx.db.transaction(async (tx) => {
      const { post } = await visiblePost(tx, appId, postId, viewer, true);
      if (post.mergedInto) throw new AppError('feedback.post_merged', `Post ${postId} was merged into ${post.mergedInto}; comment there`, { post_id: postId, merged_into: post.mergedInto });
      const c: CommentRow = { id: newId('fbc'), postId, appId, authorType: author.type, authorId: author.id, body, official, createdAt: now };
      await store.insertComment(tx, c);
      await store.bumpPost(tx, postId, { comments: 1 });
      const patch: Partial<PostRow> = { updatedAt: now };
      if (official && !post.firstResponseAt) {
        patch.firstResponseAt = now;
        patch.firstResponderId = author.type === 'operator' ? author.id : null;
      }
      if (asResponse) patch.responseCommentId = c.id;
      if (official) await audit(ctx, tx, appId, asResponse ? 'feedback.post.respond' : 'feedback.comment.official', 'feedback_post', postId, { comment_id: c.id, body });
      const updated = await store.updatePost(tx, postId, patch);
      const audience = asResponse ? await store.audienceOf(tx, postId) : [];
      await bus.emit(tx, 'feedback.comment.created', { appId, postId, commentId: c.id, authorType: author.type, authorId: author.id, official });
      if (asResponse) await bus.emit(tx, 'feedback.post.responded', { appId, postId, title: updated.title, commentId: c.id, body, recipients: audience });
      return { comment: c, post: updated, audience };
    });
    return { comment: r.comment, post: r.post };
  };

  const eraseUser = async (db: Db, appId: string, userId: string): Promise<void> => {
    const touched = await db.transaction((tx) => store.eraseUser(tx, appId, userId));
    for (const postId of touched) {
      await db.transaction(async (tx) => {
        if (await store.findPost(tx, appId, postId, true)) await store.recountPost(tx, postId);
      });
    }
  };

  return {
    erasure: {
      eraseUser,
      eraseApp: (db: Db, appId: string) => db.transaction((tx) => store.eraseApp(tx, appId)),
    } satisfies Erasure,
    // ---- boards ---------------------------------------------------------------------------------
    async createBoard(ctx: Ctx, appId: string, input: CreateBoardInput): Promise<BoardRow> {
      const now = clock.now();
      await assignable(appId, input.default_assignee, 'body.default_assignee');
      const b: BoardRow = { id: newId('board'), appId, name: input.name, description: input.description ?? null, visibility: input.visibility, defaultAssignee: input.default_assignee ?? null, createdAt: now, updatedAt: now };
      await ctx.db.transaction(async (tx) => {
        await store.insertBoard(tx, b);
        await audit(ctx, tx, appId, 'feedback.board.create', 'feedback_board', b.id, { name: b.name, visibility: b.visibility });
      });
      return b;
    },

    getBoard: (ctx: Ctx, appId: string, boardId: string) => mustBoard(ctx.db, appId, boardId),

    listBoards: (ctx: Ctx, appId: string, q: Parameters<typeof store.listBoards>[2]) => store.listBoards(ctx.db, appId, q),

    async updateBoard(ctx: Ctx, appId: string, boardId: string, input: UpdateBoardInput): Promise<BoardRow> {
      const patch: Partial<BoardRow> = { updatedAt: clock.now() };
      if (input.name !== undefined) patch.name = input.name;
      if (input.description !== undefined) patch.description = input.description;
      if (input.visibility !== undefined) patch.visibility = input.visibility;
      if (input.default_assignee !== undefined) {
        await assignable(appId, input.default_assignee, 'body.default_assignee');
        patch.defaultAssignee = input.default_assignee;
      }
      return ctx.db.transaction(async (tx) => {
        const before = await mustBoard(tx, appId, boardId);
        const b = await store.updateBoard(tx, appId, boardId, patch);
        if (!b) throw boardNotFound(boardId);
        await audit(ctx, tx, appId, 'feedback.board.update', 'feedback_board', boardId, boardShape(b), boardShape(before));
        return b;
      });
    },

    // ---- posts ----------------------------------------------------------------------------------
    /** The author's own vote and follow come with the post. */
    async createPost(ctx: Ctx, appId: string, boardId: string, userId: string, input: CreatePostInput): Promise<PostView> {
      if (input.bug && input.type !== 'bug') throw fieldError('body.bug', 'only bug reports (type "bug") carry bug details', 'omit bug, or set type to "bug"');
      const board = await mustBoard(ctx.db, appId, boardId);
      if (deps.screen) {
        // Everything the author wrote that others see on the board: title, body, tags, category, bug steps.
        const tags = input.tags ?? [];
        const texts = [
          { text: input.title, field: 'body.title' },
          ...(input.body ? [{ text: input.body, field: 'body.body' }] : []),
          ...tags.map((text, i) => ({ text, field: `body.tags.${i}` })),
          ...(input.category ? [{ text: input.category, field: 'body.category' }] : []),
          ...(input.bug?.steps ? [{ text: input.bug.steps, field: 'body.bug.steps' }] : []),
        ];
        const out = new Map((await deps.screen(ctx, appId, texts)).map((s, i) => [texts[i]!.field, s]));
        input = {
          ...input,
          title: out.get('body.title')!,
          ...(input.body ? { body: out.get('body.body')! } : {}),
          ...(input.tags ? { tags: tags.map((_, i) => out.get(`body.tags.${i}`)!) } : {}),
          ...(input.category ? { category: out.get('body.category')! } : {}),
          ...(input.bug?.steps ? { bug: { ...input.bug, steps: out.get('body.bug.steps')! } } : {}),
        };
      }
      const now = clock.now();
      const weight = await weightOf(ctx, appId, userId);
      const gs = grams(input.title);
      const post: PostRow = {
        id: newId('post'),
        appId,
        boardId,
        type: input.type,
        title: input.title,
        body: input.body ?? null,
        tags: [...new Set(input.tags ?? [])],
        category: input.category ?? null,
        bug: input.bug ?? null,
        authorUserId: userId,
        status: 'open',
        statusChangedAt: null,
        voteCount: 1,
        voteWeight: weight,
        followerCount: 1,
        commentCount: 0,
        mergedInto: null,
        mergedAt: null,
        responseCommentId: null,
        firstResponseAt: null,
        firstResponderId: null,
        assignee: board.defaultAssignee,
        assignedAt: board.defaultAssignee ? now : null,
        gramCount: gs.length,
        createdAt: now,
        updatedAt: now,
      };
      await ctx.db.transaction(async (tx) => {
        await store.insertPost(tx, post);
        await store.replaceGrams(tx, post, gs);
        await store.insertVote(tx, { postId: post.id, userId, appId, weight, at: now });
        await store.insertFollower(tx, { postId: post.id, userId, appId, at: now });
        await bus.emit(tx, 'feedback.post.created', { appId, boardId, postId: post.id, userId, type: post.type, title: post.title });
      });
      return { post, response: null, myVote: true, following: true };
    },

    /** An operator opening a post counts as "read" in the workload view. */
    async getPost(ctx: Ctx, appId: string, postId: string, v: Viewer): Promise<PostView> {
      const { post } = await visiblePost(ctx.db, appId, postId, v);
      if (v.operatorId) await store.markRead(ctx.db, { postId, operatorId: v.operatorId, appId, at: clock.now() });
      return viewOf(ctx.db, post, v);
    },

    async listPosts(ctx: Ctx, appId: string, boardId: string, f: Omit<store.PostFilter, 'boardId' | 'boardIds'>, v: Viewer): Promise<PostView[]> {
      const board = await mustBoard(ctx.db, appId, boardId);
      const filter: store.PostFilter = { ...f, boardId };
      if (!v.privileged && board.visibility === 'private') {
        // The ballot box: users see only their own posts on a private board.
        if (v.userId === null || (f.authorId !== undefined && f.authorId !== v.userId)) return [];
        filter.authorId = v.userId;
      }
      return views(ctx.db, await store.listPosts(ctx.db, appId, filter), v);
    },

    async updatePost(ctx: Ctx, appId: string, postId: string, input: UpdatePostInput): Promise<PostView> {
      const now = clock.now();
      const post = await ctx.db.transaction(async (tx) => {
        const p = await store.findPost(tx, appId, postId, true);
        if (!p) throw postNotFound(postId);
        const patch: Partial<PostRow> = { updatedAt: now };
        if (input.title !== undefined) patch.title = input.title;
        if (input.body !== undefined) patch.body = input.body;
        if (input.tags !== undefined) patch.tags = [...new Set(input.tags)];
        if (input.category !== undefined) patch.category = input.category;
        if (input.assignee !== undefined && input.assignee !== p.assignee) {
          await assignable(appId, input.assignee, 'body.assignee');
          patch.assignee = input.assignee;
          patch.assignedAt = input.assignee ? now : null;
        }
        if (input.title !== undefined && !p.mergedInto) {
          const gs = grams(input.title);
          patch.gramCount = gs.length;
          await store.replaceGrams(tx, p, gs);
        }
        const after = await store.updatePost(tx, postId, patch);
        await audit(ctx, tx, appId, 'feedback.post.update', 'feedback_post', postId, postShape(after), postShape(p));
        return after;
      });
      return viewOf(ctx.db, post, { privileged: true, operatorId: null, userId: null });
    },

    /**
     * The author edits their own post's title or body while it is still open (not yet under review,
     * planned, done, declined or merged: voters supported what it said then).
     */
    async editOwn(ctx: Ctx, appId: string, postId: string, userId: string, input: { title?: string | undefined; body?: string | null | undefined }): Promise<PostView> {
      const texts = [...(input.title !== undefined ? [{ text: input.title, field: 'body.title' }] : []), ...(typeof input.body === 'string' ? [{ text: input.body, field: 'body.body' }] : [])];
      const screened = deps.screen && texts.length ? await deps.screen(ctx, appId, texts) : texts.map((x) => x.text);
      const title = input.title !== undefined ? screened[0]! : undefined;
      const body = typeof input.body === 'string' ? screened[texts.length - 1]! : input.body;
      const now = clock.now();
      const post = await ctx.db.transaction(async (tx) => {
        const p = await store.findPost(tx, appId, postId, true);
        if (!p) throw postNotFound(postId);
        if (p.authorUserId !== userId) throw new AppError('feedback.not_author', `Only the author of post ${postId} can edit it`, { post_id: postId });
        if (p.status !== 'open' || p.mergedInto) throw new AppError('feedback.not_editable', `Post ${postId} is ${p.mergedInto ? 'merged' : p.status}; its author can edit it only while it is open`, { post_id: postId, status: p.status });
        const patch: Partial<PostRow> = { updatedAt: now };
        if (title !== undefined) {
          patch.title = title;
          const gs = grams(title);
          patch.gramCount = gs.length;
          await store.replaceGrams(tx, p, gs);
        }
        if (body !== undefined) patch.body = body;
        return store.updatePost(tx, postId, patch);
      });
      return viewOf(ctx.db, post, { privileged: false, operatorId: null, userId });
    },

    async changeStatus(ctx: Ctx, appId: string, postId: string, to: Status, note: string): Promise<PostView> {
      const now = clock.now();
      const r = await ctx.db.transaction(async (tx) => {
        const p = await store.findPost(tx, appId, postId, true);
        if (!p) throw postNotFound(postId);
        if (p.mergedInto) throw new AppError('feedback.post_merged', `Post ${postId} was merged into ${p.mergedInto}; change the status there`, { post_id: postId, merged_into: p.mergedInto });
        const from = p.status as Status;
        if (!canMove(from, to)) throw new AppError('feedback.invalid_transition', `A post cannot move from ${from} to ${to}`, { from, to, allowed: allowedNext(from) });
        const updated = await store.updatePost(tx, postId, { status: to, statusChangedAt: now, updatedAt: now });
        await store.insertStatusChange(tx, { postId, appId, boardId: p.boardId, fromStatus: from, toStatus: to, note, actorType: ctx.actor.type, actorId: ctx.actor.id, createdAt: now });
        await audit(ctx, tx, appId, 'feedback.post.status', 'feedback_post', postId, { from, to, note });
        const recipients = await store.audienceOf(tx, postId);
        await bus.emit(tx, 'feedback.post.status_changed', { appId, boardId: updated.boardId, postId, title: updated.title, from, to, note, recipients });
        return { post: updated, from, recipients };
      });
      return viewOf(ctx.db, r.post, { privileged: true, operatorId: null, userId: null });
    },

    async history(ctx: Ctx, appId: string, postId: string, v: Viewer, q: { limit: number; afterSeq?: number | undefined }) {
      await visiblePost(ctx.db, appId, postId, v);
      return store.statusHistory(ctx.db, postId, q);
    },

    // ---- votes and followers --------------------------------------------------------------------
    /** One vote per user; a vote on a merged post lands on the post it was merged into. */
    async vote(ctx: Ctx, appId: string, postId: string, userId: string, v: Viewer): Promise<{ view: PostView; changed: boolean; redirectedFrom: string | null }> {
      const weight = await weightOf(ctx, appId, userId);
      if (!Number.isInteger(weight) || weight < 1) throw new Error(`vote weight provider returned ${weight}; it must be a positive integer`);
      const now = clock.now();
      const r = await retryOnDeadlock(() =>
        ctx.db.transaction(async (tx) => {
          const { post, redirectedFrom } = await lockLive(tx, appId, postId, v);
          const changed = await store.insertVote(tx, { postId: post.id, userId, appId, weight, at: now });
          if (changed) await bus.emit(tx, 'feedback.post.voted', { appId, postId: post.id, userId, weight });
          return { post: changed ? await store.bumpPost(tx, post.id, { votes: 1, weight }) : post, changed, redirectedFrom };
        }),
      );
      return { view: await viewOf(ctx.db, r.post, { ...v, userId }), changed: r.changed, redirectedFrom: r.redirectedFrom };
    },

    async unvote(ctx: Ctx, appId: string, postId: string, userId: string, v: Viewer): Promise<void> {
      await retryOnDeadlock(() =>
        ctx.db.transaction(async (tx) => {
          const { post } = await lockLive(tx, appId, postId, v);
          const weight = await store.deleteVote(tx, post.id, userId);
          if (weight === null) throw new AppError('feedback.not_voted', `User ${userId} has not voted for post ${postId}`, { post_id: postId, user_id: userId });
          await store.bumpPost(tx, post.id, { votes: -1, weight: -weight });
        }),
      );
    },

    async follow(ctx: Ctx, appId: string, postId: string, userId: string, v: Viewer, on: boolean): Promise<PostView> {
      const now = clock.now();
      const id = await retryOnDeadlock(() =>
        ctx.db.transaction(async (tx) => {
          const { post } = await lockLive(tx, appId, postId, v);
          if (on) {
            if (await store.insertFollower(tx, { postId: post.id, userId, appId, at: now })) await store.bumpPost(tx, post.id, { followers: 1 });
          } else if (await store.deleteFollower(tx, post.id, userId)) await store.bumpPost(tx, post.id, { followers: -1 });
          return post.id;
        }),
      );
      return viewOf(ctx.db, (await store.findPost(ctx.db, appId, id))!, { ...v, userId });
    },

    async voters(ctx: Ctx, appId: string, postId: string, q: { limit: number; afterUserId?: string | undefined }) {
      if (!(await store.findPost(ctx.db, appId, postId))) throw postNotFound(postId);
      return store.votersOf(ctx.db, postId, q);
    },

    // ---- comments and responses -----------------------------------------------------------------
    comment: (ctx: Ctx, appId: string, postId: string, author: Author, body: string) => comment(ctx, appId, postId, author, body, false).then((r) => r.comment),

    /** The official response: an official comment pinned on the post; followers and voters are told. */
    async respond(ctx: Ctx, appId: string, postId: string, author: Author, body: string): Promise<PostView> {
      const r = await comment(ctx, appId, postId, author, body, true);
      return viewOf(ctx.db, r.post, { privileged: true, operatorId: null, userId: null });
    },

    async comments(ctx: Ctx, appId: string, postId: string, v: Viewer, q: Parameters<typeof store.listComments>[2]) {
      await visiblePost(ctx.db, appId, postId, v);
      return store.listComments(ctx.db, postId, q);
    },

    // ---- merge ----------------------------------------------------------------------------------
    /**
     * Merges a duplicate into the post that is kept: votes and followers move (a user on both
     * counts once), the duplicate forwards future votes, its voters are told.
     */
    async merge(ctx: Ctx, appId: string, postId: string, intoPostId: string): Promise<PostView> {
      if (postId === intoPostId) throw fieldError('body.into_post_id', 'a post cannot be merged into itself', 'the id of another post');
      const now = clock.now();
      // Checked before locking too, so a repeated merge fails fast instead of queueing behind votes.
      const pre = await store.findPost(ctx.db, appId, postId);
      if (!pre) throw postNotFound(postId);
      if (pre.mergedInto) throw new AppError('feedback.merge_invalid', `Post ${postId} was already merged into ${pre.mergedInto}`, { post_id: postId, merged_into: pre.mergedInto });
      const r = await retryOnDeadlock(() =>
        ctx.db.transaction(async (tx) => {
          const locked = await store.lockPosts(tx, appId, [postId, intoPostId]);
          const source = locked.find((p) => p.id === postId);
          const target = locked.find((p) => p.id === intoPostId);
          if (!source) throw postNotFound(postId);
          if (!target) throw fieldError('body.into_post_id', `post ${intoPostId} does not exist in this app`, 'the id of a post of this app');
          if (source.mergedInto) throw new AppError('feedback.merge_invalid', `Post ${postId} was already merged into ${source.mergedInto}`, { post_id: postId, merged_into: source.mergedInto });
          if (target.mergedInto) throw new AppError('feedback.merge_invalid', `Post ${intoPostId} was itself merged into ${target.mergedInto}; merge into that one`, { into_post_id: intoPostId, merged_into: target.mergedInto });
          const voters = await store.moveVotesAndFollowers(tx, postId, intoPostId);
          await store.recountPost(tx, postId);
          await store.recountPost(tx, intoPostId);
          await store.updatePost(tx, postId, { mergedInto: intoPostId, mergedAt: now, updatedAt: now });
          await store.repointMerged(tx, postId, intoPostId);
          await store.deleteGrams(tx, postId);
          const kept = await store.updatePost(tx, intoPostId, { updatedAt: now });
          await audit(ctx, tx, appId, 'feedback.post.merge', 'feedback_post', postId, { into_post_id: intoPostId, voters_moved: voters.length });
          await bus.emit(tx, 'feedback.post.merged', { appId, postId, title: source.title, intoPostId, intoTitle: kept.title, voters });
          return { source, kept, voters };
        }),
      );
      return viewOf(ctx.db, r.kept, { privileged: true, operatorId: null, userId: null });
    },

    // ---- similar posts --------------------------------------------------------------------------
    /** Posts whose titles resemble `text` (typed so far), best first; Chinese and English. */
    async similar(ctx: Ctx, appId: string, text: string, v: Viewer, q: { boardId?: string | undefined; limit: number }): Promise<{ view: PostView; score: number }[]> {
      const gs = grams(text);
      if (!gs.length) return [];
      const boardIds = await visibleBoardIds(ctx.db, appId, v, q.boardId);
      if (!boardIds.length) return [];
      const { total, df } = await store.gramStats(ctx.db, appId, boardIds, gs);
      // Only grams some post contains carry weight: words the typist adds that no post has
      // ("能不能加个…") say nothing about which existing post is meant.
      const weights = new Map(gs.filter((g) => df.has(g)).map((g) => [g, idf(Math.max(total, 1), df.get(g)!)]));
      const scored = (await store.gramCandidates(ctx.db, appId, boardIds, gs, 200))
        .map((c) => ({ postId: c.postId, score: similarity(gs, weights, c.matched, c.gramCount) }))
        .filter((c) => c.score >= SIMILAR_MIN_SCORE)
        .sort((a, b) => b.score - a.score)
        .slice(0, q.limit);
      const byId = new Map((await store.postsByIds(ctx.db, scored.map((s) => s.postId))).map((p) => [p.id, p]));
      const vs = await views(ctx.db, scored.map((s) => byId.get(s.postId)).filter((p): p is PostRow => !!p), v);
      return vs.map((view) => ({ view, score: Math.round(scored.find((s) => s.postId === view.post.id)!.score * 1000) / 1000 }));
    },

    // ---- changelog and roadmap ------------------------------------------------------------------
    async changelog(ctx: Ctx, appId: string, v: Viewer, q: { boardId?: string | undefined; statuses: Status[]; limit: number; beforeSeq?: number | undefined }) {
      const boardIds = await visibleBoardIds(ctx.db, appId, v, q.boardId);
      return store.changelog(ctx.db, appId, { boardIds, statuses: q.statuses, limit: q.limit, beforeSeq: q.beforeSeq });
    },

    /** Planned, in progress and done columns, most voted first. */
    async roadmap(ctx: Ctx, appId: string, v: Viewer, q: { boardId?: string | undefined; limit: number }) {
      const boardIds = await visibleBoardIds(ctx.db, appId, v, q.boardId);
      const counts = await store.countByStatus(ctx.db, appId, boardIds);
      const columns = [];
      for (const status of ROADMAP) {
        const rows = await store.listPosts(ctx.db, appId, { boardIds, status, sort: 'top', limit: q.limit });
        columns.push({ status, total: counts.get(status) ?? 0, posts: await views(ctx.db, rows, v) });
      }
      return columns;
    },

    // ---- workload -------------------------------------------------------------------------------
    /** The QQ Mail 1000/100/10 view: per operator, feedback received, read, answered, first-response time, surveys. */
    async workload(ctx: Ctx, appId: string, month: string, tz: string) {
      const { from, to } = monthRange(month, tz);
      const fb = await store.operatorFeedbackStats(ctx.db, appId, from, to);
      const sv = deps.surveyStats ? await deps.surveyStats(ctx, appId, from, to) : [];
      const cs = deps.serviceStats ? await deps.serviceStats(ctx, appId, from, to) : [];
      const ids = [...new Set([...fb.map((r) => r.operatorId), ...sv.map((r) => r.operatorId), ...cs.map((r) => r.operatorId)])].sort();
      const operators = ids.map((operatorId) => {
        const f = fb.find((r) => r.operatorId === operatorId);
        const s = sv.find((r) => r.operatorId === operatorId);
        const c = cs.find((r) => r.operatorId === operatorId);
        return {
          operatorId,
          received: f?.received ?? 0,
          read: f?.read ?? 0,
          answered: f?.answered ?? 0,
          usersAnswered: f?.usersAnswered ?? 0,
          firstResponses: f?.firstResponses ?? 0,
          medianFirstResponseS: f?.medianFirstResponseS ?? null,
          surveysRun: s?.surveysRun ?? 0,
          surveyResponses: s?.responses ?? 0,
          conversationsResolved: c?.resolved ?? 0,
          conversationMedianFirstResponseS: c?.medianFirstResponseS ?? null,
          csatAverage: c?.csatAverage ?? null,
          csatRatings: c?.csatRatings ?? 0,
        };
      });
      return { from, to, totals: await store.feedbackTotals(ctx.db, appId, from, to), operators };
    },
  };
}

export type Feedback = ReturnType<typeof createFeedback>;
