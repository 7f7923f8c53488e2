// The per-endpoint circuit breaker. Pure: the store applies these numbers in SQL.
//  closed    attempts flow; each failure adds to the endpoint's streak, a success resets it.
//  open      the streak reached `threshold`: nothing is attempted until the cool-down ends, so a
//            dead endpoint costs no connections, no attempts and no worker slots.
//  half_open the cool-down ended: one probe attempt is let through; success closes the circuit,
//            failure reopens it for twice as long (capped).

export type CircuitPolicy = {
  /** Consecutive failed attempts that open the circuit. */
  threshold: number;
  /** First cool-down; doubles with every further failure. */
  baseSeconds: number;
  maxSeconds: number;
};

export const DEFAULT_CIRCUIT: CircuitPolicy = { threshold: 5, baseSeconds: 10, maxSeconds: 600 };

export type CircuitState = 'closed' | 'open' | 'half_open';

/** The state, from when the circuit reopens for a probe (null = closed). */
export function circuitState(openUntil: Date | null, now: Date): CircuitState {
  if (!openUntil) return 'closed';
  return openUntil > now ? 'open' : 'half_open';
}

/** How long the circuit stays open after a failure that brings the streak to `streak`. */
export function openSeconds(policy: CircuitPolicy, streak: number): number {
  if (streak < policy.threshold) return 0;
  return Math.min(policy.maxSeconds, policy.baseSeconds * 2 ** Math.min(20, streak - policy.threshold));
}

/**
 * What a batch of outcomes (in order) does to an endpoint's streak: `reset` when any succeeded,
 * then `add` the failures after the last success.
 */
export function streakChange(oks: boolean[]): { reset: boolean; add: number } {
  const last = oks.lastIndexOf(true);
  return { reset: last >= 0, add: oks.length - 1 - last };
}
