// The durable domain event log: the one way work happens after a change commits.
//   await events.emit(tx, 'comment.created', payload)   — in the transaction that made the change
//   events.consume({ name, wants, handle })             — effects run once per event per consumer
// See schema.ts for how positions and checkpoints make this exactly-once across servers and crashes.
import { randomUUID } from 'node:crypto';
import type { Db } from '../db/index.ts';
import type { Erasure } from '../erasure.ts';
import type { DomainEvents, EventName } from '../events.ts';
import { createCatalog, type Catalog, type EventDefinition, type UserField } from './catalog.ts';
import { createRunner, type Consumer, type ConsumerCtx, type RunnerOptions } from './runner.ts';
import * as store from './store.ts';
import type { LogRow } from './store.ts';

export type { Catalog, Consumer, ConsumerCtx, EventDefinition, LogRow, UserField };
export { pgTextArray, shardSql, SHARDS } from './store.ts';

/** What a payload looks like once stored: dates become ISO strings. */
export type Stored<T> = T extends Date ? string : T extends (infer U)[] ? Stored<U>[] : T extends object ? { [K in keyof T]: Stored<T[K]> } : T;

/** A host event as consumers receive it (the shape of 'event.ingested'). */
export type HostEvent = { appId: string; eventId: string; userId: string; name: string; properties: Record<string, unknown>; timestamp: string };

/** Host event names (exact, 'prefix.*' or '*') per app that a module's configuration listens to. */
export type InterestLoader = (db: Db) => Promise<{ appId: string; pattern: string }[]>;

/** Rows one erasure statement deletes (and one transaction commits). */
const ERASE_BATCH = 5000;

export type EventLogOptions = RunnerOptions & {
  /** Rows older than this many days are pruned once every consumer has handled them. */
  retentionDays?: number;
};

export function createEventLog(opts: EventLogOptions) {
  const catalog = createCatalog();
  const runner = createRunner(opts);
  const keyOf = (p: Record<string, unknown>): string => {
    const k = p.id ?? p.eventId;
    return typeof k === 'string' || typeof k === 'number' ? String(k) : randomUUID();
  };
  const rowOf = (name: string, payload: Record<string, unknown>): store.NewLogRow => {
    const appId = payload.appId;
    if (typeof appId !== 'string') throw new Error(`domain event ${name} has no appId`);
    const { actorId, userIds } = catalog.usersOf(name, payload);
    return { appId, kind: 'domain', name, version: catalog.get(name)?.version ?? 1, actorId, userIds, key: keyOf(payload), payload: JSON.parse(JSON.stringify(payload)) as Record<string, unknown> };
  };

  // Observers (tests, diagnostics): in-process callbacks for the events THIS process appended, called
  // once their transaction has committed, in log order. They ride on a consumer of their own that
  // lives only as long as the process; appends record their transaction id only while one exists.
  const observers = new Map<string, Set<(payload: never) => unknown>>();
  const ownTx = new Set<string>();
  let observerName: string | null = null;
  let observerReady: Promise<void> = Promise.resolve();
  const observeRow = async (row: LogRow) => {
    if (!ownTx.has(row.txid)) return;
    const name = row.kind === 'host' ? 'event.ingested' : row.name;
    for (const h of observers.get(name) ?? []) {
      try {
        await h(row.payload as never);
      } catch (err) {
        opts.log.error({ err, event: name }, 'domain event observer failed');
      }
    }
  };
  let watching = 0;
  const appended = (txid: string | null) => {
    // Only while someone observes: events appended with nobody watching are nobody's to see.
    if (watching > 0 && txid) ownTx.add(txid);
    runner.poke();
  };

  const interestLoaders = new Map<string, InterestLoader>();
  const events = {
    /** The database the consumers read and checkpoint on. */
    db: opts.db,
    catalog,
    runner,
    /** Appends a domain event in `db`'s transaction (or on its own when `db` is not one). */
    async emit<K extends EventName>(db: Db, name: K, payload: DomainEvents[K]): Promise<void> {
      await observerReady;
      appended(await store.append(db, [rowOf(name, payload as Record<string, unknown>)]));
    },
    /** Several events in one statement. */
    async emitMany(db: Db, items: { name: EventName; payload: DomainEvents[EventName] }[]): Promise<void> {
      if (items.length === 0) return;
      await observerReady;
      appended(await store.append(db, items.map((i) => rowOf(i.name, i.payload as Record<string, unknown>))));
    },
    /**
     * Resolves once a just-registered observer has its start position, as `emit` waits for: host
     * events stored before that would be behind it and never observed. Ingestion awaits it before
     * each INSERT (an already-resolved promise when nobody subscribed lately).
     */
    beforeAppend(): Promise<void> {
      return observerReady;
    },
    /** Host events that reached ev_log at ingestion (the caller's transaction id, when known). */
    hostAppended(txid: string | null): void {
      appended(txid);
    },
    /**
     * Calls `handler` with each `name` event this process appends, after it commits (host events
     * under 'event.ingested'). Not for effects: consumers are. Returns the unsubscribe function.
     */
    subscribe<K extends EventName>(name: K, handler: (payload: Stored<DomainEvents[K]>) => unknown): () => void {
      let set = observers.get(name);
      if (!set) observers.set(name, (set = new Set()));
      set.add(handler as (payload: never) => unknown);
      watching++;
      if (!observerName) {
        observerName = `observe:${randomUUID()}`;
        observerReady = runner.add({ name: observerName, from: 'end', wants: (r) => observers.has(r.kind === 'host' ? 'event.ingested' : r.name), handle: (_ctx, row) => observeRow(row) });
      }
      return () => {
        if (!set.delete(handler as (payload: never) => unknown)) return;
        if (--watching === 0) ownTx.clear();
      };
    },
    /** Resolves once every event appended so far has been handled by this process' consumers. */
    async drain(timeoutMs?: number): Promise<void> {
      await observerReady;
      await runner.settle(timeoutMs);
    },
    /** Registers a consumer (before start). */
    consume(c: Consumer): void {
      void runner.add(c);
    },
    /** One consumer of host events (POST /v1/events) whose names some rule registered interest in. */
    onHost(name: string, handle: (ctx: ConsumerCtx, ev: HostEvent, row: LogRow) => Promise<void>): void {
      void runner.add({ name, wants: (r) => r.kind === 'host', handle: (ctx, row) => handle(ctx, row.payload as HostEvent, row) });
    },
    /** Typed helper: one consumer for some domain event names. */
    on<K extends EventName>(name: string, names: K[], handle: (ctx: ConsumerCtx, payload: Stored<DomainEvents[K]> & { [k: string]: unknown }, row: LogRow) => Promise<void>): void {
      const set = new Set<string>(names);
      void runner.add({ name, wants: (r) => r.kind === 'domain' && set.has(r.name), handle: (ctx, row) => handle(ctx, row.payload as never, row) });
    },
    /**
     * Declares which host event names a module listens to (its rules, tasks, triggers…): `load`
     * reads them from the module's own tables. Ingestion copies only those events into the log.
     */
    interestIn(owner: string, load: InterestLoader): void {
      interestLoaders.set(owner, load);
    },
    /** Re-reads one module's interest (after its rules change) — or every module's (at start). */
    async refreshInterest(db: Db, owner?: string): Promise<void> {
      for (const [name, load] of interestLoaders) {
        if (owner && name !== owner) continue;
        await db.transaction(async (tx) => {
          const byApp = new Map<string, string[]>();
          for (const r of await load(tx)) byApp.set(r.appId, [...(byApp.get(r.appId) ?? []), r.pattern]);
          await store.resyncInterest(tx, name, [...byApp].map(([appId, patterns]) => ({ appId, ref: name, patterns })));
        });
      }
    },
    setInterest: store.setInterest,
    readApp: store.readApp,
    lag: (db: Db) => store.lag(db),
    /** Per consumer of this server: this app's events not handled yet. */
    appLag: (appId: string) => store.appLag(opts.db, appId, runner.names().filter((n) => !n.startsWith('observe:'))),
    failures: store.listFailures,
    /** `audit` writes the caller's audit entry in the retry's transaction. */
    retry: (appId: string, consumer: string, eventId: number, audit?: (tx: Db) => Promise<void>) => runner.retry(appId, consumer, eventId, audit),
    /**
     * The log's part of erasure (wired with every module's in app.ts). A big app's rows go in
     * batches, each committed on its own on the log's database, outside the consumer's transaction:
     * a transaction that runs for minutes would hold back the read horizon of every consumer.
     */
    erasure: {
      eraseUser: store.eraseUser,
      async eraseApp(db: Db, appId: string): Promise<void> {
        for (let n = ERASE_BATCH; n === ERASE_BATCH; ) n = await store.deleteAppRows(opts.db, appId, ERASE_BATCH);
        await store.deleteAppRest(db, appId);
      },
    } satisfies Erasure,
    /** Deletes handled rows past the retention; run by a job. */
    async prune(now: Date): Promise<number> {
      const before = new Date(now.getTime() - (opts.retentionDays ?? 30) * 86_400_000);
      let total = 0;
      for (let i = 0; i < 100; i++) {
        const n = await store.prune(opts.db, before, 5000);
        total += n;
        if (n < 5000) break;
      }
      return total;
    },
    async start(): Promise<void> {
      await events.refreshInterest(opts.db);
      await runner.start();
    },
    async stop(): Promise<void> {
      await runner.stop();
      if (observerName) await runner.drop(observerName).catch(() => undefined);
      observerName = null;
    },
    settle: (timeoutMs?: number, what?: 'appended' | 'readable') => runner.settle(timeoutMs, what),
    poke: () => runner.poke(),
  };
  return events;
}

export type EventLog = ReturnType<typeof createEventLog>;
