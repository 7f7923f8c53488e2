// Messaging: inbox (站内信) and announcements, templates, sends on every channel with one contact
// budget (frequency caps, quiet hours, preferences), digests, event rules and tracking.
//
// Other modules ask the budget before contacting a user:
//   const check = await messaging.canContact(ctx, appId, userId, { category: 'activity', channel: 'webhook' });
//   const { row } = await messaging.reserve(ctx, appId, userId, { category, channel, source: 'surveys', ref: surveyId, transactional: false });
//   if (row.outcome === 'allowed') … contact them …
import type { Module } from '../../module.ts';
import type { Messaging } from './service/index.ts';
import { messagingRoutes } from './routes/index.ts';

export { createMessaging, type Messaging, type MessagingDeps, type ReserveOutcome } from './service/index.ts';
export { messagingRoutes } from './routes/index.ts';
export type { ChannelSender, SenderInput } from './service/dispatch.ts';
export { DeliveryFailure } from './service/dispatch.ts';
export type { AudienceResolver } from './service/sending.ts';
export type { ContactCheck } from './service/budget.ts';
export { CHANNELS, CATEGORIES, type Channel, type Category } from './rules/contact.ts';

export function messagingModule(messaging: Messaging): Module {
  return {
    name: 'messaging',
    routes: (api, { ctx }) => messagingRoutes(api, { messaging, ctx }),
    jobs(jobs, { systemCtx }) {
      // Scheduled sends, quiet-hour deferrals, digests, announcements starting, delivery retries.
      jobs.define('messaging.tick', async () => {
        await messaging.tick();
      });
      jobs.schedule('messaging.tick', '* * * * *');
      jobs.define<{ appId: string; sendId: string }>('messaging.send', async ({ appId, sendId }) => {
        await messaging.sending.run(systemCtx(), appId, sendId);
      });
      jobs.define('messaging.purge', async () => {
        await messaging.purge();
      });
      jobs.schedule('messaging.purge', '41 4 * * *');
    },
    erasure: messaging.erasure,
    start: () => messaging.start(),
    stop: () => messaging.stop(),
  };
}
