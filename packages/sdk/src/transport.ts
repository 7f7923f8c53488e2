// The fetch every client call goes through: credentials on each attempt, one user-token refresh
// when the server refuses the token, and retries with back-off and jitter on 429/503 (honouring
// Retry-After) and network errors, only for calls that are safe to repeat (see retry.ts).
import { backoffDelay, DEFAULT_RETRY, isRetrySafe, isRetryableStatus, parseRetryAfter, type RetryOptions } from './retry.ts';

export type FetchLike = (req: Request) => Promise<Response>;

export type TransportOptions = {
  /** Defaults to the global fetch. */
  fetch?: FetchLike;
  /** false turns retries off. */
  retry?: Partial<RetryOptions> | false;
  /** Sets the credentials on each attempt (a refreshed token applies to the retry). */
  authorize?: (headers: Headers) => void | Promise<void>;
  /**
   * Called once per call when the server refuses the user token (expired, invalid, missing):
   * resolve true after getting a new one and the call is sent again.
   */
  onUserTokenRefused?: (code: string) => Promise<boolean>;
  /** Test seams. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
};

const TOKEN_CODES = new Set(['auth.expired_token', 'auth.invalid_token', 'auth.user_token_required']);

export const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

async function errorCode(res: Response): Promise<string | null> {
  try {
    const body = (await res.clone().json()) as { error?: { code?: unknown } };
    return typeof body.error?.code === 'string' ? body.error.code : null;
  } catch {
    return null;
  }
}

export function createTransport(o: TransportOptions = {}): FetchLike {
  const base: FetchLike = o.fetch ?? ((req) => globalThis.fetch(req));
  const retry: RetryOptions = o.retry === false ? { ...DEFAULT_RETRY, retries: 0 } : { ...DEFAULT_RETRY, ...o.retry };
  const wait = o.sleep ?? sleep;
  const random = o.random ?? Math.random;
  return async (req: Request): Promise<Response> => {
    const safe = isRetrySafe(req.method, req.headers);
    let refreshed = false;
    for (let attempt = 0; ; attempt++) {
      // Each attempt sends a copy: a body can be read only once.
      const r = req.clone();
      await o.authorize?.(r.headers);
      let res: Response;
      try {
        res = await base(r);
      } catch (err) {
        if (!safe || attempt >= retry.retries || req.signal.aborted) throw err;
        await wait(backoffDelay(attempt, retry, random), req.signal);
        continue;
      }
      // A refused token was checked before the route ran: sending again is safe for any call.
      if (res.status === 401 && !refreshed && o.onUserTokenRefused) {
        const code = await errorCode(res);
        if (code && TOKEN_CODES.has(code) && (await o.onUserTokenRefused(code))) {
          refreshed = true;
          attempt--;
          continue;
        }
      }
      if (safe && attempt < retry.retries && isRetryableStatus(res.status, res.headers)) {
        const after = parseRetryAfter(res.headers.get('retry-after'));
        // Honour Retry-After (plus a little jitter so waiting clients do not return together).
        const delay = after === null ? backoffDelay(attempt, retry, random) : after + Math.round(random() * Math.min(1000, after * 0.1));
        if (delay <= retry.maxDelayMs) {
          // Not awaited: cancelling one branch of a teed body settles only when the other is cancelled too.
          res.body?.cancel().catch(() => {});
          await wait(delay, req.signal);
          continue;
        }
      }
      return res;
    }
  };
}
