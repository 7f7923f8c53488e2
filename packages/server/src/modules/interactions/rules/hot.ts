// Hot scores that never need recomputing as time passes.
//
// Hacker News' gravity, points / (age + 2)^G, reorders subjects as the clock moves, so keeping a
// list sorted by it means rescoring every candidate periodically. The exponential form used here
// (as reddit's "hot") is time-invariant: score = log10(1 + W) + (created - epoch) / decay,
// i.e. a subject needs 10x the weighted engagement W for every `decayHours` of age to stay level
// with a newer one. Its score changes only when its own counts change, so it is stored in a
// column, refreshed incrementally for subjects that had interactions, and read with an index scan.
// The same formula, written in SQL, lives in store/discovery.ts; a test keeps the two equal.

/** 2024-01-01T00:00:00Z: keeps the time term small so doubles keep their precision. */
export const HOT_EPOCH_S = 1_704_067_200;

export type HotWeights = { like: number; favourite: number; share: number; comment: number; follow: number };
/** A subject's totals; `coins` (投币) are counted apart and do not weigh in hot scores. */
export type Counts = { likes: number; favourites: number; shares: number; comments: number; follows: number; coins: number };

export function weighted(c: Counts, w: HotWeights): number {
  return c.likes * w.like + c.favourites * w.favourite + c.shares * w.share + c.comments * w.comment + c.follows * w.follow;
}

export function hotScore(weightedEngagement: number, createdAt: Date, decayHours: number): number {
  return Math.log10(1 + Math.max(0, weightedEngagement)) + (createdAt.getTime() / 1000 - HOT_EPOCH_S) / (decayHours * 3600);
}

/** Comments rank by likes and replies (a reply counts as two likes), decaying like subjects. */
export function commentHot(likes: number, replies: number, createdAt: Date, decayHours: number): number {
  return hotScore(likes + 2 * replies, createdAt, decayHours);
}
