import type { Ctx, TextScreen } from '../../context.ts';
import type { Db } from '../../db/index.ts';
import type { Erasure } from '../../erasure.ts';
import type { EventBus } from '../../events.ts';
import type { Audit } from '../audit/index.ts';
import { AppError, fieldError } from '../../http/errors.ts';
import type { Clock } from '../../lib/clock.ts';
import { newId } from '../../lib/ids.ts';
import { ttlCache } from '../../lib/ttl-cache.ts';
import './errors.ts';
import { hashtags, normalizeTag } from './rules/hashtags.ts';
import * as store from './store.ts';
import type { CampaignRow, EntryRow, WinnerRow } from './store.ts';
import type { CreateCampaignInput, UpdateCampaignInput } from './types.ts';

declare module '../../events.ts' {
  interface DomainEvents {
    'story.entry.created': { appId: string; campaignId: string; entryId: string; userId: string; source: 'submission' | 'hashtag'; status: string };
    /** Tell the author; gamification may reward approved stories. */
    'story.entry.moderated': { appId: string; campaignId: string; entryId: string; userId: string; decision: 'approve' | 'reject'; reason: string | null };
    'story.entry.featured': { appId: string; campaignId: string; entryId: string; userId: string };
    /** A prize to deliver (points, coupon, a physical gift): once per campaign and entry. */
    'story.prize_awarded': { appId: string; campaignId: string; entryId: string; userId: string; rank: number; prize: string; pickedBy: 'operator' | 'top_likes' };
  }
}

/** The app's sensitive-word filter (interactions' settings): masks or rejects user text, naming the field. */

export type StoriesDeps = { db: Db; bus: EventBus; clock: Clock; audit: Audit; screen?: TextScreen };

/** Operators and secret keys see every entry; a user sees approved ones and their own. */
export type Viewer = { privileged: boolean; userId: string | null };

export type EntryView = { entry: EntryRow; liked: boolean | null };

const TAG_CACHE_MS = 5_000;
const EVENT_TEXT_KEYS = ['text', 'content', 'body', 'caption'];
const EVENT_IMAGE_KEYS = ['image_urls', 'images'];

const campaignNotFound = (id: string) => new AppError('stories.campaign_not_found', `Campaign ${id} does not exist in this app`, { campaign_id: id });
const entryNotFound = (id: string) => new AppError('stories.entry_not_found', `Entry ${id} does not exist in this app`, { entry_id: id });

const isHttpUrl = (u: unknown): u is string => typeof u === 'string' && u.length <= 2048 && /^https?:\/\/\S+$/i.test(u);

export function createStories(deps: StoriesDeps) {
  const { bus, clock } = deps;

  /** Operator and secret-key changes are audited, in the transaction that makes them. */
  const audit = (ctx: Ctx, tx: Db, appId: string, action: string, targetType: string, targetId: string, after?: unknown) => deps.audit.record({ ...ctx, db: tx }, { appId, action, targetType, targetId, after });
  const isOpen = (c: CampaignRow, now: Date) => c.status === 'open' && (!c.endsAt || c.endsAt > now);
  const mustCampaign = async (db: Db, appId: string, id: string, forUpdate = false) => {
    const c = await store.findCampaign(db, appId, id, forUpdate);
    if (!c) throw campaignNotFound(id);
    return c;
  };
  const canSee = (e: EntryRow, v: Viewer) => v.privileged || e.status === 'approved' || (v.userId !== null && e.userId === v.userId);
  const visibleEntry = async (db: Db, appId: string, id: string, v: Viewer) => {
    const e = await store.findEntry(db, appId, id);
    if (!e || !canSee(e, v)) throw entryNotFound(id);
    return e;
  };
  const views = async (db: Db, rows: EntryRow[], v: Viewer): Promise<EntryView[]> => {
    const liked = v.userId ? await store.likedEntryIds(db, rows.map((r) => r.id), v.userId) : null;
    return rows.map((entry) => ({ entry, liked: liked ? liked.has(entry.id) : null }));
  };

  const addEntry = (db: Db, c: CampaignRow, e: { userId: string; text: string; imageUrls: string[]; source: 'submission' | 'hashtag'; sourceRef: string | null }) => db.transaction(async (tx) => {
    const r = await store.insertEntry(tx, {
      id: newId('entry'),
      campaignId: c.id,
      appId: c.appId,
      userId: e.userId,
      text: e.text,
      imageUrls: e.imageUrls,
      source: e.source,
      sourceRef: e.sourceRef,
      status: c.moderation === 'pre' ? 'pending' : 'approved',
      featured: false,
      likeCount: 0,
      moderatedAt: null,
      moderatedBy: null,
      rejectReason: null,
      createdAt: clock.now(),
    });
    if (r.created) await bus.emit(tx, 'story.entry.created', { appId: c.appId, campaignId: c.id, entryId: r.entry.id, userId: e.userId, source: e.source, status: r.entry.status });
    return r.entry;
  });

  // Hashtag campaigns collect host posts from ingested events (properties.text with the hashtag).
  const tagCampaigns = ttlCache(TAG_CACHE_MS, (appId) => store.openHashtagCampaigns(deps.db, appId));
  bus.interestIn('stories', store.hostInterest);
  bus.onHost('stories.hashtags', async (ctx, ev) => {
    const open = (await tagCampaigns.get(ev.appId)).filter((c) => c.sourceEvent === ev.name);
    if (!open.length) return;
    const p = ev.properties;
    const text = EVENT_TEXT_KEYS.map((k) => p[k]).find((x): x is string => typeof x === 'string' && x.length > 0 && x.length <= 10_000 && !x.includes('\u0000'));
    if (!text) return;
    const listed = Array.isArray(p.hashtags) ? p.hashtags.filter((x): x is string => typeof x === 'string').map(normalizeTag) : [];
    const tags = new Set([...hashtags(text), ...listed]);
    const images = EVENT_IMAGE_KEYS.map((k) => p[k]).find(Array.isArray)?.filter(isHttpUrl).slice(0, 20) ?? [];
    const ref = typeof p.post_id === 'string' && p.post_id.length <= 255 ? p.post_id : `event:${ev.eventId}`;
    for (const meta of open.filter((c) => tags.has(c.hashtag))) {
      const c = await store.findCampaign(deps.db, ev.appId, meta.id);
      if (c && isOpen(c, clock.now())) await addEntry(ctx.db, c, { userId: ev.userId, text, imageUrls: images, source: 'hashtag', sourceRef: ref });
    }
  });

  return {
    erasure: {
      eraseUser: (db: Db, appId: string, userId: string) => db.transaction((tx) => store.eraseUser(tx, appId, userId)),
      eraseApp: (db: Db, appId: string) => db.transaction((tx) => store.eraseApp(tx, appId)),
    } satisfies Erasure,
    async createCampaign(ctx: Ctx, appId: string, input: CreateCampaignInput): Promise<CampaignRow> {
      const now = clock.now();
      const endsAt = input.ends_at ? new Date(input.ends_at) : null;
      if (endsAt && endsAt <= now) throw fieldError('body.ends_at', 'must be in the future', 'a future ISO 8601 date-time');
      let hashtag: string | null = null;
      if (input.kind === 'hashtag') {
        hashtag = normalizeTag(input.hashtag!);
        if (!hashtag || /[\s#]/.test(hashtag)) throw fieldError('body.hashtag', 'must be one tag without spaces', 'e.g. #星巴克猫爪杯#');
      } else if (input.hashtag !== undefined) throw fieldError('body.hashtag', 'only hashtag campaigns have a hashtag', 'omit hashtag, or set kind to "hashtag"');
      const c: CampaignRow = {
        id: newId('camp'),
        appId,
        kind: input.kind,
        title: input.title,
        description: input.description ?? null,
        hashtag,
        sourceEvent: input.kind === 'hashtag' ? input.source_event : null,
        moderation: input.moderation,
        status: 'open',
        endsAt,
        createdAt: now,
        updatedAt: now,
      };
      await ctx.db.transaction(async (tx) => {
        await store.insertCampaign(tx, c);
        await audit(ctx, tx, appId, 'story.campaign.create', 'story_campaign', c.id, { kind: c.kind, title: c.title, hashtag: c.hashtag });
      });
      tagCampaigns.invalidate(appId);
      await bus.refreshInterest(ctx.db, 'stories');
      return c;
    },

    getCampaign: (ctx: Ctx, appId: string, id: string) => mustCampaign(ctx.db, appId, id),
    listCampaigns: (ctx: Ctx, appId: string, q: Parameters<typeof store.listCampaigns>[2]) => store.listCampaigns(ctx.db, appId, q),

    async updateCampaign(ctx: Ctx, appId: string, id: string, input: UpdateCampaignInput): Promise<CampaignRow> {
      await mustCampaign(ctx.db, appId, id);
      const patch: Partial<CampaignRow> = { updatedAt: clock.now() };
      if (input.title !== undefined) patch.title = input.title;
      if (input.description !== undefined) patch.description = input.description;
      if (input.status !== undefined) patch.status = input.status;
      if (input.moderation !== undefined) patch.moderation = input.moderation;
      if (input.ends_at !== undefined) patch.endsAt = input.ends_at ? new Date(input.ends_at) : null;
      const c = await ctx.db.transaction(async (tx) => {
        await audit(ctx, tx, appId, 'story.campaign.update', 'story_campaign', id, input);
        return store.updateCampaign(tx, id, patch);
      });
      tagCampaigns.invalidate(appId);
      await bus.refreshInterest(ctx.db, 'stories');
      return c;
    },

    /** A story (or a host post for a hashtag campaign, which must carry the hashtag). */
    async submit(ctx: Ctx, appId: string, campaignId: string, userId: string, input: { text: string; imageUrls: string[]; sourceRef?: string | undefined }): Promise<EntryView> {
      const c = await mustCampaign(ctx.db, appId, campaignId);
      if (!isOpen(c, clock.now())) throw new AppError('stories.campaign_closed', `Campaign ${campaignId} is closed`, { campaign_id: campaignId });
      if (c.kind === 'hashtag' && !hashtags(input.text).includes(c.hashtag!)) throw fieldError('body.text', `must carry the campaign hashtag #${c.hashtag}#`, `text containing #${c.hashtag}`);
      const text = deps.screen ? (await deps.screen(ctx, appId, [{ text: input.text, field: 'body.text' }]))[0]! : input.text;
      const entry = await addEntry(ctx.db, c, { userId, text, imageUrls: input.imageUrls, source: c.kind === 'hashtag' ? 'hashtag' : 'submission', sourceRef: input.sourceRef ?? null });
      return { entry, liked: false };
    },

    async getEntry(ctx: Ctx, appId: string, id: string, v: Viewer): Promise<EntryView> {
      return (await views(ctx.db, [await visibleEntry(ctx.db, appId, id, v)], v))[0]!;
    },

    /** The gallery (approved entries; users also see their own pending ones through `mine`). */
    async entries(ctx: Ctx, appId: string, campaignId: string, f: store.EntryFilter & { mine?: boolean | undefined }, v: Viewer): Promise<EntryView[]> {
      await mustCampaign(ctx.db, appId, campaignId);
      const filter: store.EntryFilter = { ...f };
      if (!v.privileged) {
        if (f.mine && v.userId) filter.userId = v.userId;
        else if (f.status !== undefined && f.status !== 'approved') return [];
        else filter.status = 'approved';
      }
      return views(ctx.db, await store.listEntries(ctx.db, campaignId, filter), v);
    },

    async moderate(ctx: Ctx, appId: string, id: string, decision: 'approve' | 'reject', reason: string | undefined): Promise<EntryView> {
      const e = await visibleEntry(ctx.db, appId, id, { privileged: true, userId: null });
      const updated = await ctx.db.transaction(async (tx) => {
        await audit(ctx, tx, appId, `story.entry.${decision}`, 'story_entry', id, { reason: reason ?? null });
        await bus.emit(tx, 'story.entry.moderated', { appId, campaignId: e.campaignId, entryId: id, userId: e.userId, decision, reason: reason ?? null });
        return store.updateEntry(tx, id, {
          status: decision === 'approve' ? 'approved' : 'rejected',
          featured: decision === 'approve' ? e.featured : false,
          rejectReason: decision === 'reject' ? (reason ?? null) : null,
          moderatedAt: clock.now(),
          moderatedBy: ctx.actor.id,
        });
      });
      return { entry: updated, liked: null };
    },

    async feature(ctx: Ctx, appId: string, id: string, featured: boolean): Promise<EntryView> {
      const e = await visibleEntry(ctx.db, appId, id, { privileged: true, userId: null });
      if (featured && e.status !== 'approved') throw new AppError('stories.not_approved', `Entry ${id} is ${e.status}; only approved entries can be featured`, { entry_id: id, status: e.status });
      const updated = await ctx.db.transaction(async (tx) => {
        await audit(ctx, tx, appId, featured ? 'story.entry.feature' : 'story.entry.unfeature', 'story_entry', id);
        if (featured && !e.featured) await bus.emit(tx, 'story.entry.featured', { appId, campaignId: e.campaignId, entryId: id, userId: e.userId });
        return store.updateEntry(tx, id, { featured });
      });
      return { entry: updated, liked: null };
    },

    async like(ctx: Ctx, appId: string, id: string, userId: string, v: Viewer, on: boolean): Promise<{ view: EntryView; changed: boolean }> {
      const e = await visibleEntry(ctx.db, appId, id, v);
      if (e.status !== 'approved') throw new AppError('stories.not_approved', `Entry ${id} is ${e.status}; only approved entries can be liked`, { entry_id: id, status: e.status });
      const changed = await ctx.db.transaction((tx) => (on ? store.like(tx, { entryId: id, userId, appId, at: clock.now() }) : store.unlike(tx, id, userId)));
      if (!on && !changed) throw new AppError('stories.not_liked', `User ${userId} has not liked entry ${id}`, { entry_id: id, user_id: userId });
      const fresh = (await store.findEntry(ctx.db, appId, id))!;
      return { view: (await views(ctx.db, [fresh], { ...v, userId }))[0]!, changed };
    },

    winners: async (ctx: Ctx, appId: string, campaignId: string) => store.winnersOf(ctx.db, (await mustCampaign(ctx.db, appId, campaignId)).id),

    /**
     * Picks winners, by operator (entry ids in rank order) or by rule (the N most liked approved
     * entries). Ranks continue after earlier picks; an entry wins at most once. One
     * story.prize_awarded event per new winner.
     */
    async pickWinners(ctx: Ctx, appId: string, campaignId: string, input: { prize: string; entryIds?: string[] | undefined; topLikes?: number | undefined }): Promise<WinnerRow[]> {
      const now = clock.now();
      const added = await ctx.db.transaction(async (tx) => {
        await mustCampaign(tx, appId, campaignId, true);
        const existing = await store.winnersOf(tx, campaignId);
        const already = new Set(existing.map((w) => w.entryId));
        let picked: store.EntryRow[];
        const pickedBy = input.entryIds ? 'operator' : 'top_likes';
        if (input.entryIds) {
          const found = new Map((await store.entriesByIds(tx, campaignId, input.entryIds)).map((e) => [e.id, e]));
          picked = [];
          for (const [i, id] of input.entryIds.entries()) {
            const e = found.get(id);
            if (!e) throw fieldError(`body.entry_ids.${i}`, `entry ${id} is not in campaign ${campaignId}`, 'an entry id of this campaign');
            if (e.status !== 'approved') throw fieldError(`body.entry_ids.${i}`, `entry ${id} is ${e.status}; only approved entries can win`, 'an approved entry');
            if (input.entryIds.indexOf(id) !== i) throw fieldError(`body.entry_ids.${i}`, `entry ${id} is listed twice`, 'distinct entry ids');
            if (!already.has(id)) picked.push(e);
          }
        } else picked = await store.topLiked(tx, campaignId, input.topLikes!, [...already]);
        const rows: WinnerRow[] = picked.map((e, i) => ({ campaignId, entryId: e.id, userId: e.userId, rank: existing.length + i + 1, prize: input.prize, pickedBy, awardedAt: now }));
        await store.insertWinners(tx, rows);
        await audit(ctx, tx, appId, 'story.winners', 'story_campaign', campaignId, { prize: input.prize, picked_by: pickedBy, entries: rows.map((r) => r.entryId) });
        for (const w of rows) await bus.emit(tx, 'story.prize_awarded', { appId, campaignId, entryId: w.entryId, userId: w.userId, rank: w.rank, prize: w.prize, pickedBy: w.pickedBy as 'operator' | 'top_likes' });
        return rows;
      });
      return added;
    },
  };
}

export type Stories = ReturnType<typeof createStories>;
