// The webhook channel: the host app delivers mobile push or SMS. Each message goes out as a
// signed `messaging.push` event through the webhooks module (its outbox retries and logs the
// HTTP attempts). The event key is the delivery id, so however often this channel is retried for
// one delivery, the host receives one event. The host acknowledges the device delivery with
// POST /v1/messaging/deliveries/{delivery_id}/ack (the payload carries the path), which records it
// as delivered.
import type { Ctx } from '../../../context.ts';
import type { Db } from '../../../db/index.ts';
import type { Webhooks } from '../../webhooks/index.ts';
import { DeliveryFailure, type ChannelSender } from '../service/dispatch.ts';
import type { Links } from '../service/links.ts';

export const PUSH_EVENT = 'messaging.push';

export type WebhookPort = Pick<Webhooks, 'publish' | 'listEndpoints'>;

/** Whether an enabled endpoint of the app subscribes to messaging.push (the patterns webhooks match). */
export async function hasPushEndpoint(webhooks: WebhookPort, ctx: Ctx, appId: string): Promise<boolean> {
  const patterns = new Set([PUSH_EVENT, 'messaging.*', '*']);
  const endpoints = await webhooks.listEndpoints(ctx, appId, { limit: 200, enabled: true });
  return endpoints.some((e) => e.eventTypes.length === 0 || e.eventTypes.some((t) => patterns.has(t)));
}

export function webhookSender(deps: { db: Db; webhooks: WebhookPort; links: Links }): ChannelSender {
  return async ({ delivery, message, recipient }) => {
    const ctx: Ctx = { db: deps.db, actor: { type: 'system', id: null } };
    if (!(await hasPushEndpoint(deps.webhooks, ctx, message.appId))) throw new DeliveryFailure(`no enabled webhook endpoint subscribes to ${PUSH_EVENT}`, false);
    const id = `dlv_${delivery.id}`;
    await deps.webhooks.publish(message.appId, {
      type: PUSH_EVENT,
      key: `messaging.push:${id}`,
      data: {
        delivery_id: id,
        message_id: `msg_${message.id}`,
        user_id: message.userId,
        locale: recipient.locale,
        category: message.category,
        title: message.title,
        body: message.body,
        url: message.url,
        click_url: message.url ? await deps.links.clickUrl(deps.db, { appId: message.appId, messageId: message.id }) : null,
        data: message.data,
        ack: { method: 'POST', path: `/v1/messaging/deliveries/${id}/ack` },
      },
    });
    return 'sent';
  };
}
