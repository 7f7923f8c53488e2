// Group health figures from raw counts: shares as percentages with one decimal, null when there is
// nothing to divide by (no members, no questions) rather than a misleading 0 %.
import type { Health } from '../store.ts';

const pct = (part: number, whole: number): number | null => (whole === 0 ? null : Math.round((part / whole) * 1000) / 10);

export function healthFigures(h: Health, days: number) {
  return {
    activeMembersPct: pct(h.activeMembers, h.members),
    questionsAnsweredPct: pct(h.answered, h.questions),
    postsPerDay: Math.round((h.posts / days) * 100) / 100,
  };
}
