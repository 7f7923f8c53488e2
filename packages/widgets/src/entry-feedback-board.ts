export { configure } from './core.ts';
export { CanyuFeedbackBoard } from './feedback.ts';
