// The outbox helper for modules that announce state changes: domain events are appended to the
// event log in the transaction; webhook dispatch and cache/Redis adjustments happen once it commits. A use case runs `inTx(db, (tx, fx) => …)`, records its effects on `fx`
// while it works (webhooks are enqueued in the same transaction: an outbox), and the effects run
// after the commit, or never if it rolls back.
import type { Db } from '../../db/index.ts';
import type { DomainEvents, EventBus, EventName } from '../../events.ts';
import type { WebhookEvent, Webhooks } from './service.ts';

export type Effects = {
  /** Appends a domain event in the transaction (the event log). */
  event<K extends EventName>(name: K, payload: DomainEvents[K]): Promise<void>;
  /** Enqueues in the transaction; dispatched after the commit. */
  webhook(appId: string, e: WebhookEvent): Promise<void>;
  after(fn: () => Promise<unknown> | unknown): void;
};

export type InTx = <T>(db: Db, fn: (tx: Db, fx: Effects) => Promise<T>) => Promise<T>;

export function createOutbox(deps: { bus: EventBus; webhooks: Webhooks; log: { error(obj: object, msg: string): void } }): InTx {
  return async (db, fn) => {
    const deliveries: string[] = [];
    const afters: (() => Promise<unknown> | unknown)[] = [];
    const result = await db.transaction(async (tx) => {
      const fx: Effects = {
        event: (name, payload) => deps.bus.emit(tx, name, payload),
        webhook: async (appId, e) => void deliveries.push(...(await deps.webhooks.enqueue(tx, appId, e))),
        after: (f) => void afters.push(f),
      };
      return fn(tx, fx);
    });
    try {
      await deps.webhooks.dispatch(deliveries);
    } catch (err) {
      // The deliveries are committed; a delivery worker (woken by NOTIFY, or its poll) sends them.
      deps.log.error({ err }, 'webhook dispatch failed');
    }
    for (const f of afters) {
      try {
        await f();
      } catch (err) {
        deps.log.error({ err }, 'after-commit effect failed');
      }
    }
    return result;
  };
}
