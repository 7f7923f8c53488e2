// KPI goals, pure: where a goal should be on the straight path from its baseline (on the day it
// was set) to its target (on its due day), and whether a recorded value is on track. Days are
// calendar days `YYYY-MM-DD` in the app's reporting time zone; a goal may go down (target below
// baseline, e.g. fewer churned users), so "ahead" is measured in the goal's direction.

export type GoalPath = { baseline: number; target: number; startDay: string; dueDay: string };
export type GoalStatus = 'achieved' | 'on_track' | 'off_track' | 'missed';

const DAY_MS = 86_400_000;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** Whole days from `a` to `b` (negative when b is before a). */
export function daysBetween(a: string, b: string): number {
  if (!DAY.test(a) || !DAY.test(b)) throw new RangeError(`not a day: ${DAY.test(a) ? b : a}`);
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / DAY_MS);
}

/** The value the linear path expects on `day`: the baseline up to the start, the target from the due day on. */
export function expectedOn(g: GoalPath, day: string): number {
  const span = daysBetween(g.startDay, g.dueDay);
  const elapsed = daysBetween(g.startDay, day);
  if (span <= 0 || elapsed >= span) return g.target;
  if (elapsed <= 0) return g.baseline;
  return g.baseline + ((g.target - g.baseline) * elapsed) / span;
}

/** Share of the way from baseline to target the value has gone (1 = reached; may be negative or above 1). */
export function progress(g: GoalPath, value: number): number {
  if (g.target === g.baseline) return value >= g.target ? 1 : 0; // a goal to hold a level
  return (value - g.baseline) / (g.target - g.baseline);
}

/**
 * On/off track on `day`: achieved once the value reaches the target (in the goal's direction);
 * missed when the due day has passed without that; otherwise on track when the value is at least
 * where the path expects it.
 */
export function statusOn(g: GoalPath, day: string, value: number): { status: GoalStatus; expected: number; progress: number } {
  const expected = expectedOn(g, day);
  const up = g.target >= g.baseline;
  const reached = up ? value >= g.target : value <= g.target;
  const ahead = up ? value >= expected : value <= expected;
  const late = daysBetween(g.dueDay, day) > 0;
  const status: GoalStatus = reached ? 'achieved' : late ? 'missed' : ahead ? 'on_track' : 'off_track';
  return { status, expected, progress: progress(g, value) };
}
