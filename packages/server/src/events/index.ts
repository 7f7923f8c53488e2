// The durable domain event log: the one way work happens after a change commits.
//   await events.emit(tx, 'comment.created', payload)   — in the transaction that made the change
//   events.consume({ name, wants, handle })             — effects run once per event per consumer
// See schema.ts for how positions and checkpoints make this exactly-once across servers and crashes.
import { randomUUID } from 'node:crypto';
import type { Db } from '../db/index.ts';
import type { DomainEvents, EventName } from '../events.ts';
import { createCatalog, type Catalog, type EventDefinition, type UserField } from './catalog.ts';
import { createRunner, type Consumer, type ConsumerCtx, type RunnerOptions } from './runner.ts';
import * as store from './store.ts';
import type { LogRow } from './store.ts';

export type { Catalog, Consumer, ConsumerCtx, EventDefinition, LogRow, UserField };
export { pgTextArray, shardSql, SHARDS } from './store.ts';

/** What a payload looks like once stored: dates become ISO strings. */
export type Stored<T> = T extends Date ? string : T extends (infer U)[] ? Stored<U>[] : T extends object ? { [K in keyof T]: Stored<T[K]> } : T;

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

  const events = {
    catalog,
    runner,
    /** Appends a domain event in `db`'s transaction (or on its own when `db` is not one). */
    async emit<K extends EventName>(db: Db, name: K, payload: DomainEvents[K]): Promise<void> {
      await store.append(db, [rowOf(name, payload as Record<string, unknown>)]);
      runner.poke();
    },
    /** Several events in one statement. */
    async emitMany(db: Db, items: { name: EventName; payload: DomainEvents[EventName] }[]): Promise<void> {
      if (items.length === 0) return;
      await store.append(db, items.map((i) => rowOf(i.name, i.payload as Record<string, unknown>)));
      runner.poke();
    },
    /** Registers a consumer (before start). */
    consume(c: Consumer): void {
      runner.add(c);
    },
    /** Typed helper: one consumer for some domain event names. */
    on<K extends EventName>(name: string, names: K[], handle: (ctx: ConsumerCtx, payload: Stored<DomainEvents[K]> & { [k: string]: unknown }, row: LogRow) => Promise<void>): void {
      const set = new Set<string>(names);
      runner.add({ name, wants: (r) => r.kind === 'domain' && set.has(r.name), handle: (ctx, row) => handle(ctx, row.payload as never, row) });
    },
    /** Replaces which host event names one rule/endpoint/workflow (`owner`, `ref`) listens to. */
    setInterest: store.setInterest,
    resyncInterest: store.resyncInterest,
    readApp: store.readApp,
    lag: (db: Db) => store.lag(db),
    failures: store.listFailures,
    retry: (appId: string, consumer: string, eventId: number) => runner.retry(appId, consumer, eventId),
    eraseUser: store.eraseUser,
    eraseApp: store.deleteApp,
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
    start: () => runner.start(),
    stop: () => runner.stop(),
    settle: (timeoutMs?: number) => runner.settle(timeoutMs),
    poke: () => runner.poke(),
  };
  return events;
}

export type EventLog = ReturnType<typeof createEventLog>;
