// "For you" recommendations from the user's own interactions: subjects sharing tags with what
// they liked, by authors they follow or liked, and liked by people who liked the same things;
// curated slots and the hot list fill in (and are all a new user gets). Each item keeps its reason.
import type { Ctx } from '../../../context.ts';
import { assertOpenKind } from '../errors.ts';
import { rank, tagAffinity, type Signal } from '../rules/recommend.ts';
import * as discoveryStore from '../store/discovery.ts';
import * as store from '../store/recommend.ts';
import type { Seed } from '../store/recommend.ts';
import * as slotsStore from '../store/slots.ts';
import * as subjectsStore from '../store/subjects.ts';
import type { Shared } from './context.ts';
import type { SettingsService } from './settings.ts';
import type { SubjectsService, SubjectView } from './subjects.ts';

export const MAX_RECOMMENDATIONS = 200;

/** `seed`: the user's own subject the reason refers to ("because you liked …"). */
export type Recommendation = { view: SubjectView; score: number; reason: Signal; seed: Seed | null };

export function createRecommendations(d: Shared, settings: SettingsService, subjects: SubjectsService) {
  return {
    async forYou(ctx: Ctx, appId: string, userId: string, q: { kind?: string | undefined; offset: number; limit: number }): Promise<{ items: Recommendation[]; total: number }> {
      assertOpenKind(q.kind, 'query.kind');
      const db = ctx.db;
      const [seeds, seen, followed, s] = await Promise.all([store.seeds(db, appId, userId, 50), store.seen(db, appId, userId, 2000), store.followedUsers(db, appId, userId, 200), settings.get(ctx, appId)]);
      const exclude = seen;
      const signals = new Map<number, Signal[]>();
      const add = (id: number, sig: Signal) => signals.set(id, [...(signals.get(id) ?? []), sig]);

      if (seeds.length > 0) {
        const tags = tagAffinity(seeds, 5);
        const likedAuthors = new Map<string, number>();
        for (const sd of seeds) if (sd.authorId && sd.authorId !== userId && !likedAuthors.has(sd.authorId)) likedAuthors.set(sd.authorId, sd.subjectId);
        const [byTag, byAuthor, co] = await Promise.all([
          store.byTags(db, appId, q.kind, tags.map((t) => t.tag), exclude, 100),
          store.byAuthors(db, appId, q.kind, [...new Set([...followed, ...likedAuthors.keys()])], exclude, 100),
          store.coLiked(db, appId, userId, seeds.slice(0, 20).map((x) => x.subjectId), q.kind, exclude, 100),
        ]);
        for (const c of byTag) for (const t of tags) if (c.tags.includes(t.tag)) add(c.subjectId, { type: 'tag', tag: t.tag, seed: t.seed, affinity: t.affinity });
        for (const c of byAuthor) {
          if (!c.authorId) continue;
          if (followed.includes(c.authorId)) add(c.subjectId, { type: 'followed_author', authorId: c.authorId });
          else add(c.subjectId, { type: 'liked_author', authorId: c.authorId, seed: likedAuthors.get(c.authorId)! });
        }
        for (const c of co) add(c.subjectId, { type: 'co_liked', seed: c.seed, n: c.n });
      }

      // Curated slots and the hot list of each kind (read from the hot index, kind by kind).
      const [curated, ...hotLists] = await Promise.all([slotsStore.activeItemsOfApp(db, appId, d.now(), 100), ...(q.kind ? [q.kind] : s.kinds).map((k) => discoveryStore.hotList(db, appId, k, { limit: 30 }))]);
      curated.forEach((c, position) => add(c.subjectId, { type: 'curated', slotKey: c.slotKey, slotTitle: c.slotTitle, position }));
      for (const list of hotLists) list.forEach((row, r) => add(row.id, { type: 'hot', rank: r }));

      const rows = new Map((await subjectsStore.subjectsByIds(db, [...signals.keys()])).map((r) => [r.id, r]));
      const skip = new Set(exclude);
      for (const id of signals.keys()) {
        const r = rows.get(id);
        if (!r || skip.has(id) || r.authorId === userId || (q.kind !== undefined && r.kind !== q.kind)) signals.delete(id);
      }
      const ranked = rank(signals, new Map([...rows].map(([id, r]) => [id, r.hotScore]))).slice(0, MAX_RECOMMENDATIONS);
      const pageItems = ranked.slice(q.offset, q.offset + q.limit);
      const views = await subjects.byIds(ctx, pageItems.map((p) => p.subjectId));
      const seedRows = new Map(seeds.map((sd) => [sd.subjectId, sd]));
      const seedOf = (sig: Signal): Seed | null => (sig.type === 'co_liked' || sig.type === 'tag' || sig.type === 'liked_author' ? (seedRows.get(sig.seed) ?? null) : null);
      const items = pageItems.flatMap((p) => {
        const view = views.get(p.subjectId);
        return view ? [{ view, score: p.score, reason: p.reason, seed: seedOf(p.reason) }] : [];
      });
      return { items, total: ranked.length };
    },
  };
}

export type RecommendationsService = ReturnType<typeof createRecommendations>;
