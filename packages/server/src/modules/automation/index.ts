// Automation workflows: a trigger event enters users into steps (waits, branches, A/B splits with
// a holdout, actions through points, coupons, messaging, gamification, webhooks and users).
import type { Module } from '../../module.ts';
import type { Automation } from './service.ts';
import { automationRoutes } from './routes.ts';

export { createAutomation, type Automation, type AutomationDeps } from './service.ts';
export { automationRoutes } from './routes.ts';

export function automationModule(automation: Automation): Module {
  return {
    name: 'automation',
    routes: (api, { ctx }) => automationRoutes(api, { automation, ctx }),
    erasure: automation.erasure,
    start: () => automation.start(),
    stop: () => automation.stop(),
  };
}
