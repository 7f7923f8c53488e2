// Experiments (A/B tests with a holdout): assignment, exposures and the report.
import type { Module } from '../../module.ts';
import type { Experiments } from './service.ts';
import { experimentsRoutes } from './routes.ts';

export { createExperiments, type Experiments, type ExperimentsDeps } from './service.ts';

export function experimentsModule(experiments: Experiments): Module {
  return { name: 'experiments', routes: (api, { ctx }) => experimentsRoutes(api, { experiments, ctx }), erasure: experiments.erasure };
}
