export { configure } from './core.ts';
export { CanyuSurvey } from './survey.ts';
