// Analytics: active users (DAU/WAU/MAU, stickiness, new vs returning), retention cohorts, funnels
// and engagement per capability, per app in its reporting time zone, computed exactly from the raw
// events (see store.ts for what it reads).
import type { Module } from '../../module.ts';
import type { Analytics } from './service.ts';
import { analyticsRoutes } from './routes.ts';

export { createAnalytics, ENGAGEMENT_CONSUMER, type Analytics, type AnalyticsDeps } from './service.ts';
export { analyticsRoutes } from './routes.ts';
export { FAMILIES as ENGAGEMENT_FAMILIES } from './rules/families.ts';

export function analyticsModule(analytics: Analytics): Module {
  return { name: 'analytics', routes: (api, { ctx }) => analyticsRoutes(api, { analytics, ctx }), erasure: analytics.erasure };
}
