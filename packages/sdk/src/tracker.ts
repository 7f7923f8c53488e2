// track(): events queue up and leave in batches (when `batchSize` are waiting, or `flushIntervalMs`
// after the first), each with a UUID v7 event id so a batch sent twice is stored once. The queue
// is kept in storage (localStorage in browsers) until the server acknowledges it, so a reload or a
// crash loses nothing; a failed batch waits with back-off and jitter, and is dropped only when the
// server refuses it for good (a 4xx that retrying cannot fix).
import { CanyuError } from './errors.ts';
import { backoffDelay } from './retry.ts';
import { uuidv7 } from './uuid.ts';

export type TrackedEvent = {
  event_id: string;
  name: string;
  properties?: Record<string, unknown>;
  /** ISO 8601: when it happened, not when it was sent. */
  timestamp: string;
  /** With a secret key; with a user token the server takes the token's user. */
  user_id?: string;
};

/** The part of the Web Storage API the tracker uses (localStorage fits). */
export type StorageLike = { getItem(key: string): string | null; setItem(key: string, value: string): void; removeItem(key: string): void };

export type TrackerOptions = {
  /** Sends one batch; resolves when the server stored it, rejects (CanyuError) otherwise. */
  send: (events: TrackedEvent[], opts: { keepalive: boolean }) => Promise<unknown>;
  batchSize?: number;
  flushIntervalMs?: number;
  /** Oldest events are dropped past this many waiting. */
  maxQueue?: number;
  storage?: StorageLike | null;
  storageKey?: string;
  /** Back-off between failed flushes. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** Events the server refused for good, or dropped from a full queue. */
  onDrop?: (events: TrackedEvent[], reason: CanyuError | 'queue_full') => void;
  now?: () => number;
  random?: () => number;
  setTimeout?: (fn: () => void, ms: number) => unknown;
  clearTimeout?: (handle: unknown) => void;
};

export type Tracker = ReturnType<typeof createTracker>;

/** Bytes a keepalive request may carry in total (the Fetch standard's limit), with room for headers. */
const KEEPALIVE_BYTES = 60 * 1024;

/** Refusals that retrying later can fix: credentials, rate limits, timeouts, server trouble. */
const transient = (e: unknown) => !(e instanceof CanyuError) || e.status === 0 || e.status === 401 || e.status === 403 || e.status === 408 || e.status === 409 || e.status === 429 || e.status >= 500;

export function createTracker(o: TrackerOptions) {
  const batchSize = Math.min(Math.max(o.batchSize ?? 50, 1), 1000);
  const interval = o.flushIntervalMs ?? 5000;
  const maxQueue = o.maxQueue ?? 1000;
  const key = o.storageKey ?? 'canyu:events';
  const now = o.now ?? Date.now;
  const random = o.random ?? Math.random;
  const setT = o.setTimeout ?? ((fn: () => void, ms: number) => setTimeout(fn, ms));
  const clearT = o.clearTimeout ?? ((h: unknown) => clearTimeout(h as ReturnType<typeof setTimeout>));
  const retry = { retries: 0, baseDelayMs: o.retryBaseMs ?? 1000, maxDelayMs: o.retryMaxMs ?? 60_000 };

  const forgotten = new Set<string>();
  let queue: TrackedEvent[] = load();
  let timer: unknown = null;
  let timerAt = Infinity;
  let failures = 0;
  let flushing: Promise<void> | null = null;
  let closed = false;

  function load(): TrackedEvent[] {
    try {
      const raw = o.storage?.getItem(key);
      const v = raw ? (JSON.parse(raw) as unknown) : [];
      return Array.isArray(v) ? v.filter((e): e is TrackedEvent => !!e && typeof e === 'object' && typeof (e as TrackedEvent).event_id === 'string' && typeof (e as TrackedEvent).name === 'string') : [];
    } catch {
      return [];
    }
  }

  /**
   * Writes the queue, merged with what other tabs of the same site stored under the same key
   * (they share localStorage): their events stay until they acknowledge them, ours replace
   * our own. Sending an event another tab also sends is harmless: the server stores an id once.
   */
  function persist(): void {
    if (!o.storage) return;
    try {
      const mine = new Set(queue.map((e) => e.event_id));
      const others = load().filter((e) => !mine.has(e.event_id) && !forgotten.has(e.event_id));
      const all = [...others, ...queue].slice(-maxQueue);
      if (all.length) o.storage.setItem(key, JSON.stringify(all));
      else o.storage.removeItem(key);
    } catch {
      // Storage full or refused (private mode): the events stay in memory.
    }
  }

  /** Events this tab is done with (acknowledged or dropped): they leave storage for every tab. */
  function forget(events: TrackedEvent[]): void {
    for (const e of events) forgotten.add(e.event_id);
    // Bounded: ids old enough to be gone from every tab's storage need no remembering.
    if (forgotten.size > 4 * maxQueue) for (const id of [...forgotten].slice(0, forgotten.size - 2 * maxQueue)) forgotten.delete(id);
  }

  function schedule(ms: number): void {
    if (closed) return;
    const at = now() + ms;
    if (timer !== null && timerAt <= at) return;
    if (timer !== null) clearT(timer);
    timerAt = at;
    timer = setT(() => {
      timer = null;
      timerAt = Infinity;
      void flush();
    }, ms);
  }

  function remove(sent: TrackedEvent[]): void {
    forget(sent);
    const ids = new Set(sent.map((e) => e.event_id));
    queue = queue.filter((e) => !ids.has(e.event_id));
    persist();
  }

  async function drain(): Promise<void> {
    while (queue.length) {
      const batch = queue.slice(0, batchSize);
      try {
        await o.send(batch, { keepalive: false });
        failures = 0;
        remove(batch);
      } catch (err) {
        if (transient(err)) {
          schedule(backoffDelay(failures++, retry, random) + 100);
          return;
        }
        remove(batch);
        o.onDrop?.(batch, err as CanyuError);
      }
    }
  }

  /** Sends everything waiting now; resolves when done (or when a failure put it off). */
  function flush(): Promise<void> {
    if (timer !== null) {
      clearT(timer);
      timer = null;
      timerAt = Infinity;
    }
    if (!flushing) {
      flushing = drain().finally(() => {
        flushing = null;
      });
    }
    return flushing;
  }

  return {
    /** Queues an event; returns its event id. */
    track(name: string, properties?: Record<string, unknown>, opts: { timestamp?: Date | string; userId?: string; eventId?: string } = {}): string {
      const t = opts.timestamp === undefined ? new Date(now()).toISOString() : typeof opts.timestamp === 'string' ? opts.timestamp : opts.timestamp.toISOString();
      const e: TrackedEvent = { event_id: opts.eventId ?? uuidv7(now()), name, timestamp: t };
      if (properties !== undefined) e.properties = properties;
      if (opts.userId !== undefined) e.user_id = opts.userId;
      queue.push(e);
      if (queue.length > maxQueue) {
        const dropped = queue.splice(0, queue.length - maxQueue);
        forget(dropped);
        o.onDrop?.(dropped, 'queue_full');
      }
      persist();
      // After a failure the back-off timer decides when to try again.
      if (failures === 0) {
        if (queue.length >= batchSize) void flush();
        else schedule(interval);
      }
      return e.event_id;
    },
    flush,
    /**
     * The page is going away: send what is waiting with keepalive requests that outlive it. The
     * events stay stored until acknowledged, so if the page survives after all (or the request is
     * lost) they go again; the server stores each event id once.
     */
    flushOnExit(): void {
      let batch: TrackedEvent[] = [];
      let bytes = 0;
      const go = (b: TrackedEvent[]) => {
        o.send(b, { keepalive: true }).then(
          () => remove(b),
          () => {},
        );
      };
      for (const e of queue) {
        const size = JSON.stringify(e).length + 1;
        if (batch.length && (bytes + size > KEEPALIVE_BYTES || batch.length >= batchSize)) {
          go(batch);
          batch = [];
          bytes = 0;
        }
        batch.push(e);
        bytes += size;
      }
      if (batch.length) go(batch);
    },
    /** Events waiting to be sent. */
    pending(): readonly TrackedEvent[] {
      return queue;
    },
    close(): void {
      closed = true;
      if (timer !== null) clearT(timer);
      timer = null;
    },
  };
}
