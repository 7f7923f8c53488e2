export { createFeedback, type Feedback, type FeedbackDeps, type VoteWeight, type OperatorSurveyStats } from './service.ts';
export { feedbackRoutes } from './routes.ts';
