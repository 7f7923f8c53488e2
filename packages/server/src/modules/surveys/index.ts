export { createSurveys, type Surveys, type SurveysDeps, type Segments } from './service.ts';
export { surveysRoutes } from './routes.ts';
