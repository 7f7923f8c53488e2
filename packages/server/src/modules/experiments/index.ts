// Experiments (A/B tests with a holdout): assignment, exposures and the report; and KPI goals
// measured every day against a straight path to their target.
import type { Module } from '../../module.ts';
import { goalsJobs, type Goals } from './goals.ts';
import { goalsRoutes } from './goals-routes.ts';
import type { Experiments } from './service.ts';
import { experimentsRoutes } from './routes.ts';

export { createExperiments, HOLDOUT, type Experiments, type ExperimentsDeps, type Gate } from './service.ts';
export { createGoals, measureWithAnalytics, type Goals } from './goals.ts';

export function experimentsModule(experiments: Experiments, goals: Goals): Module {
  return {
    name: 'experiments',
    routes(api, host) {
      experimentsRoutes(api, { experiments, ctx: host.ctx });
      goalsRoutes(api, { goals, ctx: host.ctx });
    },
    jobs: goalsJobs(goals),
    erasure: {
      eraseUser: experiments.erasure.eraseUser,
      async eraseApp(db, appId) {
        await experiments.erasure.eraseApp(db, appId);
        await goals.erase(db, appId);
      },
    },
  };
}
