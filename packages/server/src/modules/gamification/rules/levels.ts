// Levels from growth value. Pure.

export type LevelDef = { level: number; name: string; threshold: number };

/** The highest level whose threshold the growth value reaches; 0 below the first. */
export function levelFor<L extends LevelDef>(levels: readonly L[], growth: number): L | null {
  let best: L | null = null;
  for (const l of levels) if (growth >= l.threshold && (!best || l.level > best.level)) best = l;
  return best;
}

/** The next level above `current`, with the growth still needed. */
export function nextLevel<L extends LevelDef>(levels: readonly L[], current: number, growth: number): { level: L; remaining: number } | null {
  const next = levels.filter((l) => l.level > current).sort((a, b) => a.level - b.level)[0];
  return next ? { level: next, remaining: Math.max(0, next.threshold - growth) } : null;
}
