import type { Module } from '../../module.ts';
import type { Surveys } from './service.ts';
import { surveysRoutes } from './routes.ts';

export { createSurveys, type Surveys, type SurveysDeps, type Segments } from './service.ts';
export { surveysRoutes } from './routes.ts';

export function surveysModule(surveys: Surveys): Module {
  return { name: 'surveys', routes: (api, { ctx }) => surveysRoutes(api, { surveys, ctx }), erasure: surveys.erasure };
}
