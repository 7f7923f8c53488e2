// The outbox helper for modules that announce state changes: domain events are appended to the
// event log in the transaction; webhook dispatch and cache/Redis adjustments happen once it commits. A use case runs `inTx(db, (tx, fx) => …)`, records its effects on `fx`
// while it works (webhooks are enqueued in the same transaction: an outbox), and the effects run
// after the commit, or never if it rolls back.
import type { Ctx } from '../../context.ts';
import type { Db } from '../../db/index.ts';
import { inTransaction } from '../../lib/tx.ts';
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
  const system: Ctx['actor'] = { type: 'system', id: null };
  // Effects ride on the one post-commit mechanism (lib/tx.ts afterCommit): run in order once the
  // transaction commits, dropped if it rolls back; a failing effect is logged, never thrown at a
  // caller whose change has committed.
  const safely = (what: string, f: () => Promise<unknown> | unknown) => async () => {
    try {
      await f();
    } catch (err) {
      deps.log.error({ err }, what);
    }
  };
  return (db, fn) =>
    inTransaction({ db, actor: system }, (tx) => {
      const fx: Effects = {
        event: (name, payload) => deps.bus.emit(tx.db, name, payload),
        // The deliveries are committed with the change; a worker (woken by NOTIFY, or its poll) sends them if dispatch fails.
        webhook: async (appId, e) => {
          const ids = await deps.webhooks.enqueue(tx.db, appId, e);
          if (ids.length > 0) tx.afterCommit(safely('webhook dispatch failed', () => deps.webhooks.dispatch(ids)));
        },
        after: (f) => tx.afterCommit(safely('after-commit effect failed', f)),
      };
      return fn(tx.db, fx);
    });
}
