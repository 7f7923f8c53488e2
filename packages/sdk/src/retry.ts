// When and how long to wait before trying a call again. Pure: no I/O, randomness passed in.

export type RetryOptions = {
  /** Further attempts after the first (0 = never retry). */
  retries: number;
  /** Base of the exponential back-off. */
  baseDelayMs: number;
  /** Longest wait; a Retry-After beyond it is not waited for (the answer is returned). */
  maxDelayMs: number;
};

export const DEFAULT_RETRY: RetryOptions = { retries: 3, baseDelayMs: 300, maxDelayMs: 30_000 };

/** "Full jitter" back-off: uniform in [0, min(max, base·2^attempt)], so clients that failed together spread out. */
export function backoffDelay(attempt: number, o: RetryOptions, random: () => number = Math.random): number {
  return Math.round(random() * Math.min(o.maxDelayMs, o.baseDelayMs * 2 ** attempt));
}

/** Retry-After in milliseconds: delay-seconds or an HTTP date; null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | null {
  if (value === null || value.trim() === '') return null;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/**
 * Whether sending the request twice can do the work twice. Safe: GET/HEAD/OPTIONS, PUT and DELETE
 * (idempotent by HTTP's definition and in Canyu's routes), and any request with an Idempotency-Key
 * (the server answers a repeat with the stored response).
 */
export function isRetrySafe(method: string, headers: Headers): boolean {
  const m = method.toUpperCase();
  return m === 'GET' || m === 'HEAD' || m === 'OPTIONS' || m === 'PUT' || m === 'DELETE' || headers.has('idempotency-key');
}

/**
 * Answers worth waiting out: 429 (rate limit, event buffer full), 503 (unavailable), and 409 with
 * Retry-After (the same Idempotency-Key still being processed).
 */
export function isRetryableStatus(status: number, headers: Headers): boolean {
  return status === 429 || status === 503 || (status === 409 && headers.has('retry-after'));
}
