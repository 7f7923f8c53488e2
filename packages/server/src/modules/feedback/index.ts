import type { Module } from '../../module.ts';
import type { Feedback } from './service.ts';
import { feedbackRoutes } from './routes.ts';

export { createFeedback, type Feedback, type FeedbackDeps, type VoteWeight, type OperatorSurveyStats, type OperatorServiceStats } from './service.ts';
export { feedbackRoutes } from './routes.ts';

export function feedbackModule(feedback: Feedback): Module {
  return { name: 'feedback', routes: (api, { ctx }) => feedbackRoutes(api, { feedback, ctx }), erasure: feedback.erasure };
}
