// How much one friend cuts off a bargain. Pure.
//
// Each cut is random within [min_cut, max_cut] (a new user's upper bound is multiplied), and never
// leaves more than max_cut × (cuts left after this one): so the price can always reach the floor
// within the remaining cuts, and the last allowed cut takes it there exactly.

export type CutRule = { minCut: number; maxCut: number; newUserMultiplier: number };

export function nextCut(rule: CutRule, remaining: number, cutsLeft: number, newUser: boolean, random: number): number {
  if (remaining <= 0 || cutsLeft <= 0) return 0;
  if (cutsLeft === 1) return remaining;
  const hi = Math.min(remaining, Math.floor(rule.maxCut * (newUser ? rule.newUserMultiplier : 1)));
  const lo = Math.min(hi, Math.max(rule.minCut, remaining - rule.maxCut * (cutsLeft - 1)));
  return lo + Math.floor(random * (hi - lo + 1));
}
