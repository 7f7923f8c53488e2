// Erasure of a user's interaction data, on `user.deleted`: likes, favourites, follows, shares,
// folders, comment likes and reports are removed with their counters corrected; the user's
// comments are blanked, soft-deleted and name a pseudonym, so other people's replies keep their thread.
import type { Ctx } from '../../../context.ts';
import { randomBase62 } from '../../../lib/ids.ts';
import * as store from '../store/erase.ts';
import type { CommentsService } from './comments.ts';
import type { Shared } from './context.ts';
import type { SettingsService } from './settings.ts';

export function createErasure(d: Shared, settings: SettingsService, comments: CommentsService, touch: () => void) {
  return async function erase(ctx: Ctx, appId: string, userId: string): Promise<void> {
    const s = await settings.get(ctx, appId);
    const now = d.now();
    await ctx.db.transaction(async (tx) => {
      const t = { ...ctx, db: tx };
      const slot = d.slot();
      await store.eraseReactions(tx, appId, userId, slot);
      await store.eraseShares(tx, appId, userId, slot);
      await store.eraseFollows(tx, appId, userId, slot);
      await store.eraseCommentLikes(tx, appId, userId, s.hot.decay_hours);
      await store.eraseReports(tx, appId, userId);
      for (const id of await store.visibleCommentIds(tx, appId, userId)) {
        const c = await comments.find(t, appId, id, true);
        await comments.transition(t, c, 'deleted', { deletedAt: now }, s.hot.decay_hours);
      }
      await store.blankComments(tx, appId, userId, now);
      await store.pseudonymise(tx, appId, userId, `erased_${randomBase62(16)}`);
      await store.eraseRest(tx, appId, userId);
    });
    touch();
  };
}
