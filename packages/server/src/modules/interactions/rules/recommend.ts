// "For you": merges candidates from several signals into one ranked list where each item keeps
// the reason that contributed most to its score. Pure; the reads are in store/recommend.ts.

export type Signal =
  | { type: 'co_liked'; seed: number; n: number }
  | { type: 'tag'; tag: string; seed: number; affinity: number }
  | { type: 'followed_author'; authorId: string }
  | { type: 'liked_author'; authorId: string; seed: number }
  | { type: 'curated'; slotKey: string; slotTitle: string; position: number }
  | { type: 'hot'; rank: number };

/** Weight of each signal. Personal signals dominate; curated beats plain hot for a new user. */
export function signalScore(s: Signal): number {
  switch (s.type) {
    case 'co_liked':
      return 3 * Math.log2(1 + s.n);
    case 'tag':
      return 2 * s.affinity;
    case 'followed_author':
      return 4;
    case 'liked_author':
      return 2;
    case 'curated':
      return 1 + 1 / (2 + s.position);
    case 'hot':
      return 0.5 + 0.5 / (1 + s.rank);
  }
}

export type Ranked = { subjectId: number; score: number; reason: Signal };

/**
 * One entry per subject: its score is the sum over its signals (plus a small tie-break on the
 * hot score); its reason is its strongest signal. Ordered by score, then subject id.
 */
export function rank(signals: Map<number, Signal[]>, hot: Map<number, number | null>): Ranked[] {
  const out: Ranked[] = [];
  for (const [subjectId, ss] of signals) {
    if (ss.length === 0) continue;
    let best = ss[0]!;
    let score = 0;
    for (const s of ss) {
      const v = signalScore(s);
      score += v;
      if (v > signalScore(best)) best = s;
    }
    const h = hot.get(subjectId);
    // Hot scores grow ~1 per decay period; squashed to (0, 0.1) so they only break ties.
    if (h !== null && h !== undefined) score += 0.1 / (1 + Math.exp(-h / 10));
    out.push({ subjectId, score, reason: best });
  }
  return out.sort((a, b) => b.score - a.score || b.subjectId - a.subjectId);
}

/** Tag affinity from the user's seeds: share of seeds carrying the tag (most recent first wins ties). */
export function tagAffinity(seeds: { subjectId: number; tags: string[] }[], top: number): { tag: string; affinity: number; seed: number }[] {
  const counts = new Map<string, { n: number; seed: number }>();
  for (const s of seeds) for (const t of new Set(s.tags)) counts.set(t, { n: (counts.get(t)?.n ?? 0) + 1, seed: counts.get(t)?.seed ?? s.subjectId });
  return [...counts.entries()]
    .map(([tag, v]) => ({ tag, affinity: v.n / seeds.length, seed: v.seed }))
    .sort((a, b) => b.affinity - a.affinity || a.tag.localeCompare(b.tag))
    .slice(0, top);
}
