// Event ingestion through a bounded in-memory buffer.
//
// The promise: a request is answered 200 only after every event in it is committed to PostgreSQL
// (durably stored, not merely queued). Requests from many clients are coalesced into one
// multi-row INSERT per flush (up to `flushSize` events, or whatever arrived within `flushMs`),
// with at most `maxConcurrentFlushes` INSERTs in flight. When queued + in-flight events would
// exceed `bufferMax`, the request is refused with 429 and Retry-After before anything is queued:
// events are never dropped silently. On shutdown `close()` refuses new events and flushes every
// queued one before resolving.
import { randomUUID } from 'node:crypto';
import type { Ctx } from '../../context.ts';
import type { Db } from '../../db/index.ts';
import type { Erasure } from '../../erasure.ts';
import type { EventBus } from '../../events.ts';
import { AppError } from '../../http/errors.ts';
import * as store from './store.ts';
import type { EventRow, NewEvent, Queryable } from './store.ts';
import type { EventInput } from './types.ts';

declare module '../../events.ts' {
  interface DomainEvents {
    /** Published once per newly stored event (never for duplicates), after it is committed. */
    'event.ingested': { appId: string; eventId: string; userId: string; name: string; properties: Record<string, unknown>; timestamp: Date };
  }
}

/** Rows one erasure statement deletes (and one transaction commits). */
const ERASE_BATCH = 5000;

export type IngestResult = { accepted: number; duplicates: number };

export type EventsDeps = {
  pool: Queryable;
  db: Db;
  bus: EventBus;
  log: { error(obj: object, msg: string): void };
  bufferMax: number;
  flushMs: number;
  flushSize: number;
  maxConcurrentFlushes?: number;
};

type Pending = {
  rows: NewEvent[];
  props: Record<string, unknown>[];
  resolve: (r: IngestResult) => void;
  reject: (e: Error) => void;
};

export function createEvents(deps: EventsDeps) {
  const maxConcurrent = deps.maxConcurrentFlushes ?? 2;
  const queue: Pending[] = [];
  let queued = 0;
  let inFlight = 0;
  let flushing = 0;
  let timer: NodeJS.Timeout | null = null;
  let closing = false;
  let idleWaiters: (() => void)[] = [];

  const erasure = {
    async eraseUser(db: Db, appId: string, userId: string): Promise<void> {
      await store.deleteUserEvents(db, appId, userId);
    },
    /**
     * An app can have sent millions of events: they go in batches, each committed on its own (on
     * deps.db, outside the consumer's transaction), so no transaction runs for minutes. A crash
     * halfway leaves the rest to the consumer's retry.
     */
    async eraseApp(_db: Db, appId: string): Promise<void> {
      for (let n = ERASE_BATCH; n === ERASE_BATCH; ) n = await store.deleteAppEvents(deps.db, appId, ERASE_BATCH);
      for (let n = ERASE_BATCH; n === ERASE_BATCH; ) n = await store.deleteAppSlots(deps.db, appId, ERASE_BATCH);
    },
  } satisfies Erasure;

  const notifyIdle = () => {
    if (queued === 0 && flushing === 0) {
      const w = idleWaiters;
      idleWaiters = [];
      for (const fn of w) fn();
    }
  };

  function startFlush(): void {
    const batch: Pending[] = [];
    let count = 0;
    while (queue.length > 0 && (count === 0 || count + queue[0]!.rows.length <= deps.flushSize)) {
      const p = queue.shift()!;
      batch.push(p);
      count += p.rows.length;
    }
    queued -= count;
    inFlight += count;
    flushing++;
    const rows = batch.length === 1 ? batch[0]!.rows : batch.flatMap((p) => p.rows);
    deps.bus
      .beforeAppend()
      .then(() => store.insertBatch(deps.pool, rows))
      .then((inserted) => {
        const fresh = new Set<string>();
        for (const r of inserted) fresh.add(`${r.app_id}\u0000${r.event_id}`);
        if (inserted[0] && inserted[0].logged > 0) deps.bus.hostAppended(inserted[0].txid);
        for (const p of batch) {
          let accepted = 0;
          for (let i = 0; i < p.rows.length; i++) {
            const row = p.rows[i]!;
            const k = `${row.appId}\u0000${row.eventId}`;
            // Delete on first sight: a second copy of the id in the same flush is a duplicate.
            if (fresh.delete(k)) {
              accepted++;
            }
          }
          p.resolve({ accepted, duplicates: p.rows.length - accepted });
        }
      })
      .catch((err: unknown) => {
        deps.log.error({ err, events: count }, 'event batch insert failed');
        const e = new AppError('unavailable', 'Events could not be stored right now; retry the request (event_id makes retries safe)', undefined, { retryAfter: 1 });
        for (const p of batch) p.reject(e);
      })
      .finally(() => {
        inFlight -= count;
        flushing--;
        kick();
        notifyIdle();
      });
  }

  function kick(): void {
    while (flushing < maxConcurrent && queued >= deps.flushSize) startFlush();
    if (queued > 0 && flushing < maxConcurrent) {
      if (closing) {
        startFlush();
      } else if (!timer) {
        timer = setTimeout(() => {
          timer = null;
          if (queued > 0 && flushing < maxConcurrent) startFlush();
        }, deps.flushMs);
      }
    }
  }

  return {
    erasure,
    /** Rebuilds an app's roll-up (ev_slots) from its stored events, after a bulk load that bypassed ingestion. */
    rebuildRollup: (db: Db, appId: string) => store.rebuildSlots(db, appId),
    /** Resolves once the events are committed; see the file comment for the full promise. */
    ingest(appId: string, events: { input: EventInput; userId: string }[], receivedAt = new Date()): Promise<IngestResult> {
      if (closing) return Promise.reject(new AppError('events.shutting_down', 'This server is shutting down; send the events to another server or retry', undefined, { retryAfter: 1 }));
      const n = events.length;
      if (queued + inFlight + n > deps.bufferMax) {
        return Promise.reject(new AppError('events.buffer_full', 'Too many events are waiting to be stored; retry after a moment', { buffer_max: deps.bufferMax }, { retryAfter: 1 }));
      }
      const now = receivedAt.toISOString();
      const rows = new Array<NewEvent>(n);
      const props = new Array<Record<string, unknown>>(n);
      for (let i = 0; i < n; i++) {
        const { input, userId } = events[i]!;
        const p = input.properties ?? {};
        props[i] = p;
        rows[i] = { appId, eventId: input.event_id ?? randomUUID(), userId, name: input.name, propertiesJson: JSON.stringify(p), ts: input.timestamp ?? now };
      }
      return new Promise<IngestResult>((resolve, reject) => {
        queue.push({ rows, props, resolve, reject });
        queued += n;
        kick();
      });
    },

    stats() {
      return { queued, inFlight, flushing, bufferMax: deps.bufferMax };
    },

    /** Refuses new events, then flushes everything already acknowledged-to-be-stored. */
    async close(): Promise<void> {
      closing = true;
      if (timer) {
        clearTimeout(timer);
        timer = null;
      }
      kick();
      if (queued === 0 && flushing === 0) return;
      await new Promise<void>((resolve) => idleWaiters.push(resolve));
    },

    hostNames(ctx: Ctx, appId: string, limit = 500) {
      return store.hostNames(ctx.db, appId, limit);
    },

    list(ctx: Ctx, appId: string, q: { limit: number; beforeSeq?: number | undefined; userId?: string | undefined; name?: string | undefined }): Promise<EventRow[]> {
      return store.listEvents(ctx.db, appId, q);
    },

    /** These users' events of these names that happened since `since` (by the event's own time). */
    ofUsers(ctx: Ctx, appId: string, userIds: string[], names: string[], since: Date) {
      return store.eventsOfUsers(ctx.db, appId, userIds, names, since);
    },
  };
}

export type Events = ReturnType<typeof createEvents>;
