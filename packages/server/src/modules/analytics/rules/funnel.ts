// Funnel matching, pure. Per user, over their events in (ts, seq) order:
// - the user enters at their FIRST event that matches step 1 and happened in the entry range;
// - each next step is the earliest later event (strictly after the previous step's event in
//   (ts, seq) order) that matches it, no later than `windowMs` after the entry;
// - one event counts for one step only; an event matching step 1 again later starts nothing new.
// Times between steps are medians over the users who made that step (the mean of the two middle
// values for an even count, like PostgreSQL's percentile_cont(0.5)).
import { matchesConditions, type Conditions } from '../../../lib/conditions.ts';

export type FunnelEvent = { userId: string; name: string; properties: Record<string, unknown>; ts: number; seq: number };
export type Step = { event: string; where?: Conditions | undefined };

/** For one user: the time (ms) of each step reached, in order (empty when they never entered). */
export function matchUser(events: readonly FunnelEvent[], steps: readonly Step[], entry: { from: number; to: number }, windowMs: number): FunnelEvent[] {
  const matches = (e: FunnelEvent, s: Step) => e.name === s.event && (s.where === undefined || matchesConditions(s.where, e.properties));
  const sorted = [...events].sort((a, b) => a.ts - b.ts || a.seq - b.seq);
  const start = sorted.findIndex((e) => e.ts >= entry.from && e.ts < entry.to && matches(e, steps[0]!));
  if (start < 0) return [];
  const reached = [sorted[start]!];
  const deadline = sorted[start]!.ts + windowMs;
  let i = start + 1;
  for (let k = 1; k < steps.length; k++) {
    while (i < sorted.length && sorted[i]!.ts <= deadline && !matches(sorted[i]!, steps[k]!)) i++;
    if (i >= sorted.length || sorted[i]!.ts > deadline) break;
    reached.push(sorted[i]!);
    i++;
  }
  return reached;
}

export function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export type FunnelResult = {
  steps: { users: number; conversion_from_previous: number | null; conversion_from_start: number | null; median_seconds_from_previous: number | null }[];
  /** Each user who entered, with the times of the steps they reached. */
  reached: Map<string, number[]>;
};

/** Runs the funnel over every user's events (grouped by user). */
export function computeFunnel(byUser: Map<string, FunnelEvent[]>, steps: readonly Step[], entry: { from: number; to: number }, windowMs: number): FunnelResult {
  const reached = new Map<string, number[]>();
  for (const [userId, events] of byUser) {
    const r = matchUser(events, steps, entry, windowMs);
    if (r.length > 0) reached.set(userId, r.map((e) => e.ts));
  }
  const counts = steps.map((_, k) => [...reached.values()].filter((r) => r.length > k).length);
  return {
    reached,
    steps: steps.map((_, k) => {
      const n = counts[k]!;
      const prev = k === 0 ? null : counts[k - 1]!;
      const gaps = k === 0 ? [] : [...reached.values()].filter((r) => r.length > k).map((r) => (r[k]! - r[k - 1]!) / 1000);
      return {
        users: n,
        conversion_from_previous: prev === null ? null : prev === 0 ? null : n / prev,
        conversion_from_start: k === 0 ? null : counts[0] === 0 ? null : n / counts[0]!,
        median_seconds_from_previous: k === 0 ? null : median(gaps),
      };
    }),
  };
}
