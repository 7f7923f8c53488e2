// The erasure contract: every module that holds rows of an app or of a user says how to erase them,
// and wireErasure (called once, in app.ts) turns each module's contract into durable consumers of
// `app.deleted` and `user.deleted`. One consumer per module and event, so a module that fails
// retries alone and the others go on; the names (`<module>.erase_app`, `<module>.erase_user`) key
// the checkpoints and must not change.
//
// Both functions run in the consumer's transaction (`db`) and must be idempotent: a crash after
// part of the work, a retry from ev_failures, or two deliveries of the same event erase nothing
// twice and fail nowhere. A module with a table that can hold millions of rows of one app deletes
// it in bounded batches committed on a connection of its own (see events/store.ts `deleteApp`), so
// no consumer transaction holds locks — or the event log's read horizon — for minutes.
import type { Db } from './db/index.ts';
import type { EventBus } from './events.ts';

export type Erasure = {
  /** Deletes every row this module holds for the app (the app itself is already gone). */
  eraseApp?: (db: Db, appId: string) => Promise<void>;
  /** Deletes (or pseudonymises, where others' records depend on it) every row naming the user in the app. */
  eraseUser?: (db: Db, appId: string, userId: string) => Promise<void>;
};

/** Registers the erasure consumers of every module; `modules` maps a module's name to its contract. */
export function wireErasure(bus: EventBus, modules: Record<string, Erasure>): void {
  for (const [name, e] of Object.entries(modules)) {
    const { eraseApp, eraseUser } = e;
    if (eraseApp) bus.on(`${name}.erase_app`, ['app.deleted'], (ctx, { appId }) => eraseApp(ctx.db, appId));
    if (eraseUser) bus.on(`${name}.erase_user`, ['user.deleted'], (ctx, { appId, userId }) => eraseUser(ctx.db, appId, userId));
  }
}
