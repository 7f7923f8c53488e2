// Likes, favourites (with folders), shares, follows of users and subjects, and 一键三连.
// Every mutation is idempotent at the row level (a primary key per user and subject), so a retry
// or a concurrent duplicate changes nothing and publishes nothing.
import type { Ctx } from '../../../context.ts';
import { AppError } from '../../../http/errors.ts';
import { assertOpenKind, folderNotFound, subjectNotFound, userBlocked } from '../errors.ts';
import type { TriplePart } from '../events.ts';
import type { Counts } from '../rules/hot.ts';
import { tripleActions } from '../rules/settings.ts';
import * as coinsStore from '../store/coins.ts';
import * as folders from '../store/folders.ts';
import { isBlocked } from '../store/moderation.ts';
import * as follows from '../store/follows.ts';
import * as store from '../store/reactions.ts';
import type { Change, LikeOp, ReactionType, SubjectKey } from '../store/reactions.ts';
import * as subjectsStore from '../store/subjects.ts';
import type { SubjectRow } from '../store/subjects.ts';
import { inClientTransaction, inTransaction, retryOnDeadlock, type TxCtx } from '../../../lib/tx.ts';
import { createBatcher } from './batcher.ts';
import type { Shared } from './context.ts';
import type { SettingsService } from './settings.ts';
import { refOf, type SubjectsService } from './subjects.ts';

const blocked = userBlocked;

/** `insufficient`: the coin of a triple, when the user has no coin to give (the other parts still happen). */
export type TripleOutcome = 'new' | 'existing' | 'skipped' | 'insufficient';

export function createReactions(d: Shared, settings: SettingsService, subjects: SubjectsService, touch: (subjectIds: number[]) => void) {
  const { bus } = d;

  /**
   * Runs one reaction statement: first by (kind, host id), which is one round trip when the
   * subject exists; when it does not, resolves it (kind check, auto-create) and runs again by id.
   */
  async function apply(ctx: Ctx, appId: string, kind: string, externalId: string, userId: string, create: boolean, op: (key: SubjectKey) => Promise<Change | null>): Promise<Change> {
    let c = await op({ appId, kind, externalId });
    if (!c) {
      const s = await subjects.resolve(ctx, appId, kind, externalId, { create });
      c = await op({ appId, id: s.id });
      if (!c) throw subjectNotFound(kind, externalId);
    }
    if (c.blocked) throw blocked(userId);
    return c;
  }

  async function assertNotBlocked(ctx: Ctx, appId: string, userId: string): Promise<void> {
    if (await isBlocked(ctx.db, appId, userId, d.now())) throw blocked(userId);
  }

  const at = () => d.now();

  /**
   * Gives `n` coins inside the caller's transaction: the per-user cap first (under the row lock),
   * then the points, spent from the giver and (settings.coins.to_author) credited to the author.
   * The idempotency keys name the user's running total, so a replayed step can never pay twice.
   * Throws interactions.coin_limit at the cap and points.insufficient_balance without the coins.
   */
  async function giveCoins(tx: TxCtx, appId: string, subject: SubjectRow, userId: string, n: number, cfg: { point_type: string; max_per_user: number; to_author: boolean }, now: Date): Promise<number> {
    const total = await coinsStore.addCoins(tx.db, appId, subject.id, userId, n, cfg.max_per_user, now);
    if (total === null) throw new AppError('interactions.coin_limit', `A user gives at most ${cfg.max_per_user} coin(s) to one subject`, { field: 'body.coins', max_per_user: cfg.max_per_user });
    const source = { type: 'coin', id: `${subject.kind}:${subject.externalId}` };
    await d.points!.spend(tx, appId, { userId, type: cfg.point_type, amount: n, key: `coin:${subject.id}:${userId}:${total}`, reason: `投币 ${subject.kind} ${subject.externalId}`, source });
    if (cfg.to_author && subject.authorId && subject.authorId !== userId) {
      await d.points!.earn(tx, appId, { userId: subject.authorId, type: cfg.point_type, amount: n, key: `coin-in:${subject.id}:${userId}:${total}`, reason: `投币收入 ${subject.kind} ${subject.externalId}`, source });
    }
    await bus.emit(tx.db, 'interaction.coined', { appId, userId, at: now, subject: refOf(subject), coins: n, total, pointType: cfg.point_type });
    return total;
  }

  /**
   * The coin of 一键三连: one coin, once (a user who already coined the subject has it 'existing').
   * In a savepoint, so a user without a coin still gets the other parts ('insufficient').
   */
  async function tripleCoin(tx: TxCtx, subject: SubjectRow, userId: string, cfg: Awaited<ReturnType<typeof coinSettings>>, now: Date): Promise<TripleOutcome> {
    if (!cfg) return 'skipped';
    if (((await coinsStore.viewerCoins(tx.db, [subject.id], userId)).get(subject.id) ?? 0) > 0) return 'existing';
    try {
      await tx.db.transaction((sp) => giveCoins({ ...tx, db: sp }, subject.appId, subject, userId, 1, cfg, now));
      return 'new';
    } catch (err) {
      if (err instanceof AppError && (err.code === 'points.insufficient_balance' || err.code === 'interactions.coin_limit')) return err.code === 'interactions.coin_limit' ? 'existing' : 'insufficient';
      throw err;
    }
  }

  async function coinSettings(ctx: Ctx, appId: string) {
    const c = (await settings.get(ctx, appId)).coins;
    return d.points && c.point_type ? { ...c, point_type: c.point_type } : null;
  }

  /**
   * Likes outside a caller's transaction are batched: concurrent likes (on one viral subject or
   * many) share one statement and one commit. A repeated (subject, user) within a batch counts once.
   */
  const pool = d.pool;
  const likes = pool
    ? createBatcher<LikeOp, { change: Change; at: Date } | null>({
        maxBatch: 500,
        maxConcurrent: 4,
        async flush(inputs) {
          const index = new Map<string, number>();
          const ops: LikeOp[] = [];
          const slots = inputs.map((o) => {
            const k = `${o.appId}\u0000${o.kind}\u0000${o.externalId}\u0000${o.userId}`;
            const i = index.get(k);
            if (i !== undefined) return { i, first: false };
            index.set(k, ops.length);
            ops.push(o);
            return { i: ops.length - 1, first: true };
          });
          const now = at();
          // The likes and their events commit together: one transaction per batch.
          const res = await retryOnDeadlock(() =>
            inClientTransaction(pool, async (client, db) => {
              const res = await store.addLikes(client, ops, d.slot(), now);
              const events = [...res.entries()].filter(([, c]) => c.changed && !c.blocked).map(([i, c]) => ({ name: 'interaction.liked' as const, payload: { appId: ops[i]!.appId, userId: ops[i]!.userId, at: now, subject: refOf(c) } }));
              await bus.emitMany(db, events);
              return res;
            }),
          );
          return slots.map(({ i, first }) => {
            const c = res.get(i);
            return c ? { change: first ? c : { ...c, changed: false }, at: now } : null;
          });
        },
      })
    : null;

  async function like(ctx: Ctx, appId: string, kind: string, externalId: string, userId: string): Promise<Change> {
    assertOpenKind(kind);
    if (!likes || ctx.db !== d.db) return toggle(ctx, appId, kind, externalId, userId, 'like', true);
    const r = await likes.run({ appId, kind, externalId, userId });
    // The subject does not exist yet: resolve it (kind check, auto-create) and like directly.
    if (!r) return toggle(ctx, appId, kind, externalId, userId, 'like', true);
    if (r.change.blocked) throw blocked(userId);
    if (r.change.changed) touch([r.change.subjectId]);
    return r.change;
  }

  async function toggle(ctx: Ctx, appId: string, kind: string, externalId: string, userId: string, type: ReactionType, on: boolean): Promise<Change> {
    assertOpenKind(kind);
    const now = at();
    const slot = d.slot();
    const change = await ctx.db.transaction(async (tx) => {
      const c = await apply({ ...ctx, db: tx }, appId, kind, externalId, userId, on, (key) => (on ? store.addReaction(tx, key, type, userId, slot, now) : store.removeReaction(tx, key, type, userId, slot, now)));
      if (c.changed) {
        const base = { appId, userId, at: now, subject: refOf(c) };
        if (type === 'like') await bus.emit(tx, on ? 'interaction.liked' : 'interaction.unliked', base);
        else if (type === 'follow') await bus.emit(tx, on ? 'interaction.followed' : 'interaction.unfollowed', { ...base, target: 'subject' });
      }
      return c;
    });
    if (change.changed) touch([change.subjectId]);
    return change;
  }

  /** Checks folder ids belong to the user; names the first bad one. */
  async function checkFolders(ctx: Ctx, appId: string, userId: string, ids: number[]): Promise<void> {
    const owned = await folders.ownedFolders(ctx.db, appId, userId, ids);
    const i = ids.findIndex((id) => !owned.has(id));
    if (i >= 0) throw folderNotFound(ids[i]!, userId, `body.folder_ids.${i}`);
  }

  async function setFollowUser(ctx: Ctx, appId: string, followerId: string, followeeId: string, on: boolean): Promise<follows.FollowChange> {
    if (followerId === followeeId) throw new AppError('interactions.self_follow', 'A user cannot follow themselves', { field: 'params.targetId' });
    const now = at();
    return ctx.db.transaction(async (tx) => {
      const r = await follows.setFollow(tx, appId, followerId, followeeId, on, d.slot(), now);
      if (r.blocked) throw blocked(followerId);
      if (r.changed) await bus.emit(tx, on ? 'interaction.followed' : 'interaction.unfollowed', { appId, userId: followerId, at: now, target: 'user', followeeId });
      return r;
    });
  }

  return {
    like,
    unlike: (ctx: Ctx, appId: string, kind: string, id: string, userId: string) => toggle(ctx, appId, kind, id, userId, 'like', false),
    followSubject: (ctx: Ctx, appId: string, kind: string, id: string, userId: string) => toggle(ctx, appId, kind, id, userId, 'follow', true),
    unfollowSubject: (ctx: Ctx, appId: string, kind: string, id: string, userId: string) => toggle(ctx, appId, kind, id, userId, 'follow', false),

    /** Favourites the subject into the given folders (default: the default folder). */
    async favourite(ctx: Ctx, appId: string, kind: string, externalId: string, userId: string, folderIds?: number[]): Promise<{ change: Change; folderIds: number[] }> {
      assertOpenKind(kind);
      const subject = await subjects.resolve(ctx, appId, kind, externalId, { create: true });
      const now = at();
      const slot = d.slot();
      const r = await ctx.db.transaction(async (tx) => {
        const t = { ...ctx, db: tx };
        if (folderIds) await checkFolders(t, appId, userId, folderIds);
        const c = await store.addReaction(tx, { appId, id: subject.id }, 'favourite', userId, slot, now);
        if (!c) throw subjectNotFound(kind, externalId);
        if (c.blocked) throw blocked(userId);
        const target = folderIds ?? (c.changed ? [await folders.defaultFolder(tx, appId, userId, now)] : undefined);
        if (target) await folders.fileSubject(tx, appId, userId, subject.id, target, now);
        const ids = await folders.foldersOfSubject(tx, appId, userId, subject.id);
        if (c.changed) await bus.emit(tx, 'interaction.favourited', { appId, userId, at: now, subject: refOf(c), folderIds: ids.map(String) });
        return { change: c, folderIds: ids };
      });
      if (r.change.changed) touch([r.change.subjectId]);
      return r;
    },

    async unfavourite(ctx: Ctx, appId: string, kind: string, externalId: string, userId: string): Promise<Change> {
      assertOpenKind(kind);
      const subject = await subjects.resolve(ctx, appId, kind, externalId, { create: false });
      const now = at();
      const slot = d.slot();
      const c = await ctx.db.transaction(async (tx) => {
        const c = await store.removeReaction(tx, { appId, id: subject.id }, 'favourite', userId, slot, now);
        if (!c) throw subjectNotFound(kind, externalId);
        if (c.blocked) throw blocked(userId);
        await folders.unfileSubject(tx, appId, userId, subject.id);
        if (c.changed) await bus.emit(tx, 'interaction.unfavourited', { appId, userId, at: now, subject: refOf(c) });
        return c;
      });
      if (c.changed) touch([c.subjectId]);
      return c;
    },

    async share(ctx: Ctx, appId: string, kind: string, externalId: string, userId: string, channel: string): Promise<{ change: Change; shareId: number; byChannel: Record<string, number> }> {
      assertOpenKind(kind);
      const now = at();
      const slot = d.slot();
      let shareId = 0;
      const c = await ctx.db.transaction(async (tx) => {
        const c = await apply({ ...ctx, db: tx }, appId, kind, externalId, userId, true, async (key) => {
          const r = await store.addShare(tx, key, userId, channel, slot, now);
          if (r?.shareId) shareId = r.shareId;
          return r;
        });
        await bus.emit(tx, 'interaction.shared', { appId, userId, at: now, subject: refOf(c), channel, shareId: String(shareId) });
        return c;
      });
      if (c.changed) touch([c.subjectId]);
      return { change: c, shareId, byChannel: await store.sharesByChannel(ctx.db, c.subjectId) };
    },

    /** 投币: `n` coins (points of settings.coins.point_type) from the user to the subject, at most max_per_user in all. */
    async coin(ctx: Ctx, appId: string, kind: string, externalId: string, userId: string, n: number): Promise<{ subject: SubjectRow; given: number; total: number; counts: Counts }> {
      assertOpenKind(kind);
      const cfg = await coinSettings(ctx, appId);
      if (!cfg) throw new AppError('interactions.coins_disabled', 'Coins are off in this app: set settings.coins.point_type (PATCH /v1/interactions/settings)', { field: 'settings.coins.point_type' });
      const subject = await subjects.resolve(ctx, appId, kind, externalId, { create: true });
      const now = at();
      const total = await inTransaction(ctx, async (tx) => {
        await assertNotBlocked(tx, appId, userId);
        return giveCoins(tx, appId, subject, userId, n, cfg, now);
      });
      touch([subject.id]);
      const counts = (await subjectsStore.countsOf(ctx.db, [subject.id])).get(subject.id)!;
      return { subject, given: n, total, counts };
    },

    followUser: (ctx: Ctx, appId: string, followerId: string, followeeId: string) => setFollowUser(ctx, appId, followerId, followeeId, true),
    unfollowUser: (ctx: Ctx, appId: string, followerId: string, followeeId: string) => setFollowUser(ctx, appId, followerId, followeeId, false),

    /**
     * 一键三连: the app's action set for the subject's kind in one transaction. Each part is
     * idempotent on its own; the result says which parts were new. `interaction.triple` is
     * published once per user and subject, on the first call.
     */
    async triple(ctx: Ctx, appId: string, kind: string, externalId: string, userId: string): Promise<{ subject: SubjectRow; parts: Partial<Record<TriplePart, TripleOutcome>>; first: boolean; counts: Counts }> {
      assertOpenKind(kind);
      const subject = await subjects.resolve(ctx, appId, kind, externalId, { create: true });
      const actions = tripleActions(await settings.get(ctx, appId), subject.kind);
      const coinCfg = actions.includes('coin') ? await coinSettings(ctx, appId) : null;
      const now = at();
      const slot = d.slot();
      const key = { appId, id: subject.id };
      const r = await inTransaction(ctx, async (tctx) => {
        const tx = tctx.db;
        await assertNotBlocked(tctx, appId, userId);
        const parts: Partial<Record<TriplePart, TripleOutcome>> = {};
        const outcome = (c: { changed: boolean } | null): TripleOutcome => (c?.changed ? 'new' : 'existing');
        for (const a of actions) {
          if (a === 'like') parts.like = outcome(await store.addReaction(tx, key, 'like', userId, slot, now));
          else if (a === 'coin') parts.coin = await tripleCoin(tctx, subject, userId, coinCfg, now);
          else if (a === 'follow_subject') parts.follow_subject = outcome(await store.addReaction(tx, key, 'follow', userId, slot, now));
          else if (a === 'favourite') {
            const c = await store.addReaction(tx, key, 'favourite', userId, slot, now);
            if (c?.changed) await folders.fileSubject(tx, appId, userId, subject.id, [await folders.defaultFolder(tx, appId, userId, now)], now);
            parts.favourite = outcome(c);
          } else if (a === 'follow_author') {
            parts.follow_author = !subject.authorId || subject.authorId === userId ? 'skipped' : outcome(await follows.setFollow(tx, appId, userId, subject.authorId, true, slot, now));
          }
        }
        const first = await store.recordTriple(tx, subject.id, userId, now);
        const base = { appId, userId, at: now, subject: refOf(subject) };
        const fresh = (Object.entries(parts) as [TriplePart, TripleOutcome][]).filter(([, o]) => o === 'new').map(([p]) => p);
        for (const p of fresh) {
          if (p === 'coin') continue; // giveCoins published interaction.coined
          if (p === 'like') await bus.emit(tx, 'interaction.liked', base);
          else if (p === 'favourite') await bus.emit(tx, 'interaction.favourited', { ...base, folderIds: (await folders.foldersOfSubject(tx, appId, userId, subject.id)).map(String) });
          else if (p === 'follow_subject') await bus.emit(tx, 'interaction.followed', { ...base, target: 'subject' });
          else await bus.emit(tx, 'interaction.followed', { appId, userId, at: now, target: 'user', followeeId: subject.authorId! });
        }
        if (first) await bus.emit(tx, 'interaction.triple', { ...base, parts: fresh });
        return { parts, first, fresh };
      });
      if (r.fresh.length > 0) touch([subject.id]);
      const counts = (await subjectsStore.countsOf(ctx.db, [subject.id])).get(subject.id)!;
      return { subject, parts: r.parts, first: r.first, counts };
    },

    // ---- folders ----------------------------------------------------------------------------

    async createFolder(ctx: Ctx, appId: string, userId: string, name: string): Promise<folders.FolderWithCount> {
      const clean = settings.screen(appId, await settings.load(ctx, appId), name, 'body.name');
      if (clean === folders.DEFAULT_FOLDER_NAME) throw new AppError('interactions.folder_name_taken', `"${clean}" is the name of the default folder`, { field: 'body.name' });
      const f = await folders.createFolder(ctx.db, appId, userId, clean, at());
      if (!f) throw new AppError('interactions.folder_name_taken', `${userId} already has a folder named "${clean}"`, { field: 'body.name' });
      return { ...f, items: 0 };
    },

    async renameFolder(ctx: Ctx, appId: string, userId: string, folderId: number, name: string): Promise<folders.FolderWithCount> {
      const f = await folders.findFolder(ctx.db, appId, userId, folderId);
      if (!f) throw folderNotFound(folderId, userId);
      if (f.isDefault) throw new AppError('interactions.default_folder', 'The default folder cannot be renamed or deleted');
      const clean = settings.screen(appId, await settings.load(ctx, appId), name, 'body.name');
      const r = clean === folders.DEFAULT_FOLDER_NAME ? null : await folders.renameFolder(ctx.db, folderId, clean, at());
      if (!r) throw new AppError('interactions.folder_name_taken', `${userId} already has a folder named "${clean}"`, { field: 'body.name' });
      return { ...r, items: await folders.folderItemCount(ctx.db, folderId) };
    },

    /** Deletes a folder; subjects that were in no other folder of the user are unfavourited. */
    async deleteFolder(ctx: Ctx, appId: string, userId: string, folderId: number): Promise<{ unfavourited: number }> {
      const now = at();
      const slot = d.slot();
      const gone = await ctx.db.transaction(async (tx) => {
        const f = await folders.findFolder(tx, appId, userId, folderId);
        if (!f) throw folderNotFound(folderId, userId);
        if (f.isDefault) throw new AppError('interactions.default_folder', 'The default folder cannot be renamed or deleted');
        const held = await folders.deleteFolder(tx, folderId);
        const kept = await folders.stillFiled(tx, appId, userId, held);
        const out: Change[] = [];
        for (const id of held.filter((s) => !kept.has(s)).sort((a, b) => a - b)) {
          const c = await store.removeReaction(tx, { appId, id }, 'favourite', userId, slot, now);
          if (c?.changed) out.push(c);
        }
        for (const c of out) await bus.emit(tx, 'interaction.unfavourited', { appId, userId, at: now, subject: refOf(c) });
        return out;
      });
      if (gone.length > 0) touch(gone.map((c) => c.subjectId));
      return { unfavourited: gone.length };
    },

    async folder(ctx: Ctx, appId: string, userId: string, folderId: number): Promise<folders.FolderRow> {
      const f = await folders.findFolder(ctx.db, appId, userId, folderId);
      if (!f) throw folderNotFound(folderId, userId);
      return f;
    },

    listFolders: (ctx: Ctx, appId: string, userId: string, q: { limit: number; afterId?: number | undefined }) => folders.listFolders(ctx.db, appId, userId, q),
    folderItems: (ctx: Ctx, folderId: number, q: Parameters<typeof folders.listFolderItems>[2]) => folders.listFolderItems(ctx.db, folderId, q),

    // ---- reads ------------------------------------------------------------------------------

    userSubjects: (ctx: Ctx, appId: string, userId: string, q: Parameters<typeof store.userReactions>[3]) => store.userReactions(ctx.db, appId, userId, q),

    async reactors(ctx: Ctx, appId: string, kind: string, externalId: string, q: Parameters<typeof store.reactors>[2]) {
      assertOpenKind(kind);
      const s = await subjects.resolve(ctx, appId, kind, externalId, { create: false });
      return store.reactors(ctx.db, s.id, q);
    },

    /** Resolves when no batched like is queued or in flight (shutdown, tests). */
    idle: () => likes?.idle() ?? Promise.resolve(),

    follows: (ctx: Ctx, appId: string, userId: string, q: Parameters<typeof follows.listFollows>[3]) => follows.listFollows(ctx.db, appId, userId, q),
    relationship: (ctx: Ctx, appId: string, a: string, b: string) => follows.relationship(ctx.db, appId, a, b),
    userCounts: (ctx: Ctx, appId: string, userId: string) => follows.userCounts(ctx.db, appId, userId),
  };
}

export type ReactionsService = ReturnType<typeof createReactions>;
