// Does a user meet a badge's criteria? Pure: the service gathers the facts.
import type { BadgeCriteria } from '../schema.ts';

export type Facts = {
  counters?: Record<string, number>;
  checkinStreak?: number;
  checkinTotal?: number;
  level?: number;
  earned?: Record<string, number>;
};

/** A badge counter: events done by the user, or (with a user path) events naming them there. */
export const counterName = (event: string, user?: string) => (user && user !== 'actor' ? `event:${event}>${user}` : `event:${event}`);

/** Progress toward the badge as [have, need]; manual badges are never earned by criteria. */
export function progressOf(c: BadgeCriteria, f: Facts): [number, number] | null {
  switch (c.kind) {
    case 'event_count':
      return [f.counters?.[counterName(c.event, c.user)] ?? 0, c.count];
    case 'checkin_streak':
      return [f.checkinStreak ?? 0, c.days];
    case 'checkin_total':
      return [f.checkinTotal ?? 0, c.days];
    case 'level':
      return [f.level ?? 0, c.level];
    case 'points_earned':
      return [f.earned?.[c.type] ?? 0, c.amount];
    case 'manual':
      return null;
  }
}

export function meets(c: BadgeCriteria, f: Facts): boolean {
  const p = progressOf(c, f);
  return p !== null && p[0] >= p[1];
}
