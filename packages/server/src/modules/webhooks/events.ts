// Every domain event reaches the host's backend: one consumer of the event log enqueues a webhook
// delivery for each endpoint subscribed to the event's type, in the consumer's transaction (so a
// delivery is enqueued once per event and endpoint, also after a crash). Payload keys are
// snake_case like the rest of the API.
import type { EventBus } from '../../events.ts';
import type { ConsumerCtx, LogRow } from '../../events/index.ts';
import { DIRECT_TYPES, domainWebhook } from './rules/domain.ts';
import type { Webhooks } from './service.ts';

export function wireWebhooks(webhooks: Webhooks, bus: EventBus): void {
  webhooks.useLog((appId, q) => bus.readApp(bus.db, appId, q));
  const enqueue = async (ctx: ConsumerCtx, rows: LogRow[]) => {
    const ids = await webhooks.enqueueMany(ctx.db, rows.map((r) => ({ appId: r.appId, event: { ...domainWebhook(r), occurredAt: r.createdAt } })));
    if (ids.length) ctx.afterCommit(() => void webhooks.dispatch(ids).catch(() => undefined));
  };
  bus.consume({
    name: 'webhooks.domain',
    wants: (r) => r.kind === 'domain' && !DIRECT_TYPES.has(r.name),
    handle: (ctx, r) => enqueue(ctx, [r]),
    handleBatch: enqueue,
  });
}
