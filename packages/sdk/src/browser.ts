// The browser client: a publishable key plus the user token the host's backend signed
// (signUserToken), refreshed through the host's callback before it expires or when the server
// refuses it; the typed API; and track() with batching, storage across reloads and a last flush
// when the page is hidden. No Node built-ins.
import { createClient, type CanyuApi, type ClientOptions } from './client.ts';
import { CanyuError } from './errors.ts';
import { createRealtime, type RealtimeOptions } from './realtime.ts';
import { createTracker, type StorageLike, type TrackedEvent } from './tracker.ts';

export { CanyuError, isCanyuError } from './errors.ts';
export { uuidv7 } from './uuid.ts';
export type { CanyuApi } from './client.ts';
export type { TrackedEvent, StorageLike } from './tracker.ts';
export type { Realtime, RealtimeEvent, RealtimeState } from './realtime.ts';
export type { components, operations, paths } from './generated/openapi.ts';
export type { OperationId, RequestBody, RequestParameters, ResponseBody } from './operations.ts';

export type BrowserClientOptions = Pick<ClientOptions, 'baseUrl' | 'headers' | 'retry' | 'fetch'> & {
  /** `pk_…`: safe to ship in a web page. */
  publishableKey: string;
  /** The current user's token, if the page has one already. */
  userToken?: string | null;
  /** Asks the host's backend for a new user token (called before expiry and when the server refuses one). */
  refreshUserToken?: () => Promise<string>;
  /** track() batching: send when this many wait (default 20) or this long after the first (default 5 s). */
  batchSize?: number;
  flushIntervalMs?: number;
  /** Where unsent events survive a reload; default localStorage, null for memory only. */
  storage?: StorageLike | null;
  onDrop?: (events: TrackedEvent[], reason: CanyuError | 'queue_full') => void;
};

type PageGlobals = {
  localStorage?: StorageLike;
  addEventListener?: (type: string, fn: () => void) => void;
  removeEventListener?: (type: string, fn: () => void) => void;
  document?: { visibilityState?: string; addEventListener(type: string, fn: () => void): void; removeEventListener(type: string, fn: () => void): void };
  atob?: (s: string) => string;
};
const page = globalThis as unknown as PageGlobals;

function defaultStorage(): StorageLike | null {
  try {
    return page.localStorage ?? null;
  } catch {
    return null; // access refused (sandboxed frame, disabled storage)
  }
}

/** Seconds since epoch when the token expires, or null if it cannot be read. */
export function tokenExpiry(token: string): number | null {
  try {
    const part = token.split('.')[1];
    if (!part || !page.atob) return null;
    const json = page.atob(part.replace(/-/g, '+').replace(/_/g, '/'));
    const exp = (JSON.parse(json) as { exp?: unknown }).exp;
    return typeof exp === 'number' ? exp : null;
  } catch {
    return null;
  }
}

/** Refresh this long before expiry, so a call in flight never carries a just-expired token. */
const REFRESH_EARLY_S = 30;

export function createBrowserClient(o: BrowserClientOptions) {
  let token = o.userToken ?? null;
  let refreshing: Promise<string> | null = null;
  const refresh = (): Promise<string> => {
    if (!o.refreshUserToken) return Promise.reject(new CanyuError({ code: 'auth.token_refresh_failed', message: 'No refreshUserToken callback', status: 0 }));
    refreshing ??= o.refreshUserToken().then(
      (t) => {
        token = t;
        refreshing = null;
        return t;
      },
      (err: unknown) => {
        refreshing = null;
        // Not a network error of the call: the host's callback failed.
        throw new CanyuError({ code: 'auth.token_refresh_failed', message: `refreshUserToken failed: ${err instanceof Error ? err.message : String(err)}`, status: 0, cause: err });
      },
    );
    return refreshing;
  };
  const currentToken = async (): Promise<string | null> => {
    if (refreshing) return refreshing;
    if (o.refreshUserToken && (token === null || (tokenExpiry(token) ?? Infinity) - REFRESH_EARLY_S < Date.now() / 1000)) return refresh();
    return token;
  };

  const common = {
    baseUrl: o.baseUrl,
    ...(o.headers ? { headers: o.headers } : {}),
    ...(o.fetch ? { fetch: o.fetch } : {}),
    async authorize(h: Headers) {
      h.set('authorization', `Bearer ${o.publishableKey}`);
      const t = await currentToken();
      if (t) h.set('x-user-token', t);
    },
    onUserTokenRefused: async () => {
      if (!o.refreshUserToken) return false;
      await refresh();
      return true;
    },
  };
  const api: CanyuApi = createClient({ ...common, ...(o.retry !== undefined ? { retry: o.retry } : {}) });
  // Event batches need no Idempotency-Key (the server stores each event id once) and retry on
  // the tracker's own schedule, which survives reloads.
  const events: CanyuApi = createClient({ ...common, idempotencyKeys: false, retry: false });

  const tracker = createTracker({
    send: (batch, { keepalive }) => events.POST('/v1/events', { body: { events: batch }, keepalive }),
    batchSize: o.batchSize ?? 20,
    flushIntervalMs: o.flushIntervalMs ?? 5000,
    storage: o.storage === undefined ? defaultStorage() : o.storage,
    storageKey: `canyu:events:${o.publishableKey.slice(0, 16)}`,
    ...(o.onDrop ? { onDrop: o.onDrop } : {}),
  });

  // The last chance to send: the page is hidden (tab switch, app switch on mobile, closing).
  const onHidden = () => {
    if (page.document?.visibilityState === undefined || page.document.visibilityState === 'hidden') tracker.flushOnExit();
  };
  page.document?.addEventListener('visibilitychange', onHidden);
  page.addEventListener?.('pagehide', onHidden);

  return {
    /** The typed API: `api.PUT('/v1/subjects/{kind}/{subjectId}/like', { params: { path: { kind, subjectId } } })`. */
    api,
    /** Queues an event for the signed-in user; returns its event id. */
    track: (name: string, properties?: Record<string, unknown>, opts?: { timestamp?: Date | string }) => tracker.track(name, properties, opts),
    /**
     * Opens the realtime connection for the signed-in user (WebSocket, SSE fallback, reconnects
     * and resubscribes on its own): `const rt = canyu.realtime({ topics: ['live:room_1'] }); rt.on('live.chat', …)`.
     */
    realtime: (opts: Omit<RealtimeOptions, 'baseUrl' | 'publishableKey' | 'userToken'> = {}) =>
      createRealtime({ ...opts, baseUrl: o.baseUrl, publishableKey: o.publishableKey, userToken: currentToken }),
    /** Sends the queued events now. */
    flush: () => tracker.flush(),
    /** Another user signed in (or out): events queued so far are sent as the previous user first. */
    async setUserToken(next: string | null): Promise<void> {
      await tracker.flush();
      token = next;
    },
    close(): void {
      tracker.close();
      page.document?.removeEventListener('visibilitychange', onHidden);
      page.removeEventListener?.('pagehide', onHidden);
    },
  };
}

export type BrowserClient = ReturnType<typeof createBrowserClient>;
