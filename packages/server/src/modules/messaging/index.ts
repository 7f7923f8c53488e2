// Messaging: inbox (站内信) and announcements, templates, sends on every channel with one contact
// budget (frequency caps, quiet hours, preferences), digests, event rules and tracking.
//
// Other modules ask the budget before contacting a user:
//   const check = await messaging.canContact(ctx, appId, userId, { category: 'activity', channel: 'webhook' });
//   const { row } = await messaging.reserve(ctx, appId, userId, { category, channel, source: 'surveys', ref: surveyId, transactional: false });
//   if (row.outcome === 'allowed') … contact them …
export { createMessaging, type Messaging, type MessagingDeps, type ReserveOutcome } from './service/index.ts';
export { messagingRoutes } from './routes/index.ts';
export type { ChannelSender, SenderInput } from './service/dispatch.ts';
export { DeliveryFailure } from './service/dispatch.ts';
export type { AudienceResolver } from './service/sending.ts';
export type { ContactCheck } from './service/budget.ts';
export { CHANNELS, CATEGORIES, type Channel, type Category } from './rules/contact.ts';
