// Signed webhooks to the host app: endpoints, an outbox of deliveries, retries, a delivery log.
// Other modules: `webhooks.enqueue(tx, appId, { type, key, data })` inside their transaction,
// then `webhooks.dispatch(ids)` after it commits (or `webhooks.publish` when there is no
// transaction to join).
import type { Module } from '../../module.ts';
import type { Webhooks } from './service.ts';
import { webhooksRoutes } from './routes.ts';

export { createWebhooks, eventIdOf, type Webhooks, type WebhooksDeps, type WebhookEvent, type AttemptOutcome } from './service.ts';
export { webhooksRoutes } from './routes.ts';
export { verify as verifyWebhookSignature, signatureHeader as webhookSignatureHeader } from './rules/signature.ts';
export { DEFAULT_RETRY, type RetryPolicy } from './rules/backoff.ts';
export { createOutbox, type Effects, type InTx } from './outbox.ts';
export { wireWebhooks } from './events.ts';

export function webhooksModule(webhooks: Webhooks): Module {
  return {
    name: 'webhooks',
    routes: (api, { ctx }) => webhooksRoutes(api, { webhooks, ctx }),
    jobs: (jobs) => webhooks.registerJobs(jobs),
    erasure: webhooks.erasure,
    start: () => webhooks.start(),
    stop: () => webhooks.stop(),
  };
}
