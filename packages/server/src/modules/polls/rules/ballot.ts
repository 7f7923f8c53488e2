// Pure poll rules: is it open, may this caller see the counts, is this choice valid, and what a
// vote change does to each option's count.
import type { Visibility } from '../types.ts';

export function isClosed(p: { closedAt: Date | null; closesAt: Date | null }, now: Date): boolean {
  return p.closedAt !== null || (p.closesAt !== null && p.closesAt.getTime() <= now.getTime());
}

/** Secret keys and operators ("privileged") always see counts; end users per the poll's setting. */
export function resultsVisible(visibility: Visibility, s: { closed: boolean; hasVoted: boolean; privileged: boolean }): boolean {
  if (s.privileged) return true;
  switch (visibility) {
    case 'always':
      return true;
    case 'after_vote':
      return s.hasVoted || s.closed;
    case 'after_close':
      return s.closed;
  }
}

export type ChoiceProblem = { field: string; message: string; expected: string };

/** Checks a ballot's option ids against the poll; returns the first problem, naming the field. */
export function checkChoice(
  poll: { id: string; kind: string; maxChoices: number },
  optionIds: readonly string[],
  pollOptionIds: ReadonlySet<string>,
): ChoiceProblem | null {
  const seen = new Set<string>();
  for (const [i, id] of optionIds.entries()) {
    if (!pollOptionIds.has(id)) return { field: `body.option_ids.${i}`, message: `${id} is not an option of poll ${poll.id}`, expected: 'an option id of this poll' };
    if (seen.has(id)) return { field: `body.option_ids.${i}`, message: `${id} is listed twice`, expected: 'distinct option ids' };
    seen.add(id);
  }
  if (poll.kind === 'single' && optionIds.length !== 1) return { field: 'body.option_ids', message: 'a single-choice poll takes exactly one option', expected: 'one option id' };
  if (optionIds.length > poll.maxChoices) return { field: 'body.option_ids', message: `choose at most ${poll.maxChoices} options`, expected: `at most ${poll.maxChoices} option ids` };
  return null;
}

/** Per-option count changes when a ballot goes from `before` to `after`, sorted by option id. */
export function countDeltas(before: readonly string[], after: readonly string[]): { optionId: string; delta: number }[] {
  const d = new Map<string, number>();
  for (const id of before) d.set(id, (d.get(id) ?? 0) - 1);
  for (const id of after) d.set(id, (d.get(id) ?? 0) + 1);
  return [...d.entries()]
    .filter(([, v]) => v !== 0)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([optionId, delta]) => ({ optionId, delta }));
}
