// The life of a feedback post: open → under_review → planned → in_progress → done / declined.
// Moving forward may skip steps; moving back is allowed where teams really do it (a plan is
// dropped back to review, a shipped fix regresses, a declined idea is reconsidered).
export const STATUSES = ['open', 'under_review', 'planned', 'in_progress', 'done', 'declined'] as const;
export type Status = (typeof STATUSES)[number];

const NEXT: Record<Status, readonly Status[]> = {
  open: ['under_review', 'planned', 'in_progress', 'done', 'declined'],
  under_review: ['open', 'planned', 'in_progress', 'done', 'declined'],
  planned: ['under_review', 'in_progress', 'done', 'declined'],
  in_progress: ['planned', 'done', 'declined'],
  done: ['in_progress'],
  declined: ['open', 'under_review'],
};

export function canMove(from: Status, to: Status): boolean {
  return NEXT[from].includes(to);
}

export function allowedNext(from: Status): readonly Status[] {
  return NEXT[from];
}

/** Statuses shown on the public roadmap, in column order. */
export const ROADMAP: readonly Status[] = ['planned', 'in_progress', 'done'];
