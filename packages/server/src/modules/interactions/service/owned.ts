// Subjects of reserved kinds (`canyu.*`, rules/reserved.ts), for the Canyu module that owns them.
// That module decides who may write and read (the communities module: active, unmuted members of
// the group); interactions stores the comments and applies the app's comment rules to them (length
// limit, sensitive-word filter, posting limit, operator blocks), counts them, and puts them before
// the moderators (/v1/moderation), who hide, approve or delete them like any other comment.
// The generic subject and comment routes refuse these subjects (interactions.subject_reserved).
import type { Ctx } from '../../../context.ts';
import type { TxCtx } from '../../../lib/tx.ts';
import { isReservedKind } from '../rules/reserved.ts';
import * as store from '../store/comments.ts';
import type { CommentView } from '../store/comments.ts';
import * as subjectsStore from '../store/subjects.ts';
import type { CommentsService } from './comments.ts';
import type { Shared } from './context.ts';
import type { ModerationService } from './moderation.ts';

/** A reserved subject: its kind (`canyu.…`) and the owning module's id for it. */
export type OwnedSubject = { kind: string; id: string };

export function createOwned(d: Shared, comments: CommentsService, moderation: ModerationService) {
  // A programming error, not a request's: the owning module passes its own kind.
  const reserved = (kind: string) => {
    if (!isReservedKind(kind)) throw new Error(`interactions.owned: "${kind}" is not a reserved kind (canyu.*)`);
  };

  return {
    /**
     * Posts a root comment by `userId` on the subject (created bare on first use: no title, no
     * author, whatever the app's kinds and auto-create setting). Runs in `ctx.db`'s transaction
     * when it is one, so the owning module's own writes commit with it or not at all.
     */
    async comment(ctx: TxCtx, appId: string, subject: OwnedSubject, input: { userId: string; body: string }): Promise<CommentView> {
      reserved(subject.kind);
      const row = await subjectsStore.ensureSubject(ctx.db, appId, subject.kind, subject.id, d.now());
      return comments.createOn(ctx, appId, row, { kind: 'user', userId: input.userId }, { userId: input.userId, body: input.body });
    },

    /** The subject's visible comments, oldest first (hidden and deleted ones are left out). */
    async thread(ctx: Ctx, appId: string, subject: OwnedSubject, q: { limit: number; afterId?: number | undefined }): Promise<CommentView[]> {
      reserved(subject.kind);
      const s = await subjectsStore.findSubject(ctx.db, appId, subject.kind, subject.id);
      return s ? store.listVisibleRootsOldest(ctx.db, s.id, q) : [];
    },

    /** The app's comments with these ids, whatever their status (missing ones are left out). */
    async byIds(ctx: Ctx, appId: string, ids: number[]): Promise<Map<number, CommentView>> {
      const views = await comments.byIds(ctx, ids);
      for (const [id, v] of views) if (v.appId !== appId) views.delete(id);
      return views;
    },

    /** A report of a reserved subject's comment by a user the owning module allowed (see moderation.report). */
    report: (ctx: Ctx, appId: string, commentId: number, reporterId: string, reason: string, note: string | undefined) => moderation.report(ctx, appId, commentId, reporterId, reason, note, { owned: true }),

    /** Deletes these subjects with their comments, counters and everything else attached to them. */
    async dropSubjects(ctx: Ctx, appId: string, kind: string, ids: string[]): Promise<number> {
      reserved(kind);
      return subjectsStore.deleteSubjects(ctx.db, appId, kind, ids);
    },
  };
}

export type OwnedService = ReturnType<typeof createOwned>;
