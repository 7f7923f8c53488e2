// Automation workflows: a trigger event enters users into steps (waits, branches, A/B splits with
// a holdout, actions through points, coupons, messaging, gamification, webhooks and users).
export { createAutomation, type Automation, type AutomationDeps } from './service.ts';
export { automationRoutes } from './routes.ts';
