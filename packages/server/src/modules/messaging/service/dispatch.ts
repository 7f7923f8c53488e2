// Delivers messages on the channels other than the inbox. Deliveries are rows with a state
// machine (queued/deferred → sending → sent/delivered, or back to queued for a retry, or failed):
// a dispatcher claims due rows with SKIP LOCKED and a lease, so any number of dispatchers on any
// number of servers never take the same delivery, and a delivery that was sent is never sent
// again (a completion is accepted only from the attempt that holds the claim). A server that
// crashed mid-send leaves a 'sending' row whose lease expires; it is retried with the same
// delivery id, which email carries as its Message-ID and webhooks as their event id, so the host
// can recognise the repeat.
import type { Ctx } from '../../../context.ts';
import type { Db } from '../../../db/index.ts';
import type { Clock } from '../../../lib/clock.ts';
import type { Realtime } from '../../../realtime/index.ts';
import type { Recipient, Users } from '../../users/index.ts';
import type { Channel } from '../rules/contact.ts';
import * as inboxStore from '../store/inbox.ts';
import type { MessageRow } from '../store/inbox.ts';
import * as store from '../store/sends.ts';
import type { DeliveryRow } from '../store/sends.ts';
import * as settingsStore from '../store/settings.ts';
import type { SettingsRow } from '../store/settings.ts';

export type SenderInput = { delivery: DeliveryRow; message: MessageRow; recipient: Recipient; settings: SettingsRow };
/** Resolves how far the message got; throws DeliveryFailure (or anything: a temporary failure). */
export type ChannelSender = (input: SenderInput) => Promise<'sent' | 'delivered' | { suppressed: string }>;

export class DeliveryFailure extends Error {
  constructor(
    message: string,
    readonly temporary: boolean,
  ) {
    super(message);
  }
}

export type DispatchDeps = {
  db: Db;
  clock: Clock;
  users: Users;
  realtime: Realtime | null;
  log: { error(obj: object, msg: string): void; warn(obj: object, msg: string): void };
  senders: Partial<Record<Exclude<Channel, 'in_app' | 'realtime'>, ChannelSender>>;
  maxAttempts?: number;
  concurrency?: number;
  leaseMs?: number;
  /** Seconds before retry n (1-based). */
  backoff?: (attempt: number) => number;
};

const BATCH = 200;

export function createDispatcher(deps: DispatchDeps) {
  const maxAttempts = deps.maxAttempts ?? 5;
  const concurrency = deps.concurrency ?? 8;
  const leaseMs = deps.leaseMs ?? 60_000;
  const backoff = deps.backoff ?? ((n: number) => Math.min(3600, 30 * 2 ** (n - 1)));
  let current: Promise<void> | null = null;
  let again = false;

  const channels = (): Channel[] => [...(deps.realtime ? (['realtime'] as Channel[]) : []), ...(Object.keys(deps.senders) as Channel[])];

  async function realtimeBatch(rows: DeliveryRow[], now: Date): Promise<void> {
    const byApp = new Map<string, DeliveryRow[]>();
    for (const d of rows) {
      let l = byApp.get(d.appId);
      if (!l) byApp.set(d.appId, (l = []));
      l.push(d);
    }
    for (const [appId, list] of byApp) {
      for (let i = 0; i < list.length; i += 100) {
        deps.realtime!.hub.publish('ms.rt', { a: appId, items: list.slice(i, i + 100).map((d) => [d.id, d.messageId, d.userId]) });
      }
    }
    await deps.realtime!.hub.flush();
    await store.markSentMany(deps.db, rows.map((d) => d.id), now);
  }

  async function one(d: DeliveryRow, input: Omit<SenderInput, 'delivery'> | null, sender: ChannelSender | undefined): Promise<void> {
    const now = () => deps.clock.now();
    if (!input || !sender) {
      await store.completeDelivery(deps.db, d.id, d.attempts, { status: 'failed', error: !sender ? `no sender for channel ${d.channel}` : 'the message no longer exists', now: now() });
      return;
    }
    if (d.attempts > maxAttempts) {
      await store.completeDelivery(deps.db, d.id, d.attempts, { status: 'failed', error: `gave up after ${maxAttempts} attempts`, now: now() });
      return;
    }
    try {
      const r = await sender({ ...input, delivery: d });
      if (typeof r === 'object') await store.completeDelivery(deps.db, d.id, d.attempts, { status: 'suppressed', error: r.suppressed, now: now() });
      else await store.completeDelivery(deps.db, d.id, d.attempts, { status: r, now: now() });
    } catch (err) {
      const temporary = !(err instanceof DeliveryFailure) || err.temporary;
      const message = (err as Error).message.slice(0, 500);
      if (temporary && d.attempts < maxAttempts) {
        await store.completeDelivery(deps.db, d.id, d.attempts, { status: 'queued', error: message, retryAt: new Date(now().getTime() + backoff(d.attempts) * 1000), now: now() });
      } else {
        await store.completeDelivery(deps.db, d.id, d.attempts, { status: 'failed', error: message, now: now() });
      }
    }
  }

  async function pass(): Promise<number> {
    const now = deps.clock.now();
    const claimed = await store.claimDeliveries(deps.db, now, BATCH, leaseMs, channels());
    if (claimed.length === 0) return 0;
    const rt = claimed.filter((d) => d.channel === 'realtime');
    if (rt.length) await realtimeBatch(rt, now);
    const rest = claimed.filter((d) => d.channel !== 'realtime');
    if (rest.length) {
      // What the senders need, fetched once per app for the whole batch.
      const inputs = new Map<number, Omit<SenderInput, 'delivery'> | null>();
      const byApp = new Map<string, DeliveryRow[]>();
      for (const d of rest) {
        let l = byApp.get(d.appId);
        if (!l) byApp.set(d.appId, (l = []));
        l.push(d);
      }
      const ctx: Ctx = { db: deps.db, actor: { type: 'system', id: null } };
      for (const [appId, list] of byApp) {
        const settings = await settingsStore.getSettings(deps.db, appId);
        const msgs = new Map((await inboxStore.findMessagesByIds(deps.db, appId, [...new Set(list.map((d) => d.messageId))])).map((m) => [m.id, m]));
        const users = new Map((await deps.users.recipients(ctx, appId, [...new Set(list.map((d) => d.userId))])).map((u) => [u.userId, u]));
        for (const d of list) {
          const message = msgs.get(d.messageId);
          inputs.set(d.id, message ? { message, settings, recipient: users.get(d.userId) ?? { userId: d.userId, traits: {}, timezone: null, locale: null } } : null);
        }
      }
      let i = 0;
      await Promise.all(
        Array.from({ length: Math.min(concurrency, rest.length) }, async () => {
          while (i < rest.length) {
            const d = rest[i++]!;
            await one(d, inputs.get(d.id) ?? null, deps.senders[d.channel as keyof DispatchDeps['senders']]).catch((err: unknown) => deps.log.error({ err, deliveryId: d.id }, 'delivery bookkeeping failed'));
          }
        }),
      );
    }
    return claimed.length;
  }

  async function loop(): Promise<void> {
    do {
      again = false;
      try {
        let n = BATCH;
        while (n === BATCH) n = await pass();
      } catch (err) {
        deps.log.error({ err }, 'delivery dispatch failed; the minute tick will retry');
      }
    } while (again);
  }

  return {
    /** Resolves when the pass in progress (if any) ends. */
    idle: (): Promise<void> => current ?? Promise.resolve(),
    /** Delivers everything due; resolves after a full pass that started after this call. */
    dispatch(): Promise<void> {
      if (current) {
        again = true;
        return current;
      }
      current = loop().finally(() => {
        current = null;
      });
      return current;
    },
  };
}

export type Dispatcher = ReturnType<typeof createDispatcher>;
