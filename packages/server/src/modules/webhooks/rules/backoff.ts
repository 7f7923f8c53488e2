// When a failed delivery is tried again: exponential backoff with jitter, capped. Pure.

export type RetryPolicy = {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** Delay after the first failure; it doubles after each further failure. */
  baseSeconds: number;
  /** No delay grows beyond this. */
  maxSeconds: number;
};

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 10, baseSeconds: 30, maxSeconds: 6 * 3600 };

/**
 * Seconds to wait after failed attempt number `attempt` (1-based). `random` in [0, 1) spreads
 * retries by up to ±10% so that many deliveries failing together do not retry together.
 */
export function retryDelaySeconds(policy: RetryPolicy, attempt: number, random: number): number {
  const exp = Math.min(policy.maxSeconds, policy.baseSeconds * 2 ** Math.max(0, attempt - 1));
  const jitter = 1 + (random * 2 - 1) * 0.1;
  return Math.max(1, Math.round(Math.min(policy.maxSeconds, exp * jitter)));
}

/** The subscription patterns that match an event type: itself, each `prefix.*`, and `*`. */
export function matchingPatterns(eventType: string): string[] {
  const parts = eventType.split('.');
  const out = [eventType, '*'];
  for (let i = 1; i < parts.length; i++) out.push(`${parts.slice(0, i).join('.')}.*`);
  return out;
}
