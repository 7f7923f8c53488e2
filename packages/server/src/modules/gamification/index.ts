import type { Module } from '../../module.ts';
import type { Gamification } from './service/index.ts';
import { gamificationRoutes } from './routes/index.ts';

export { createGamification, type Gamification, type GamificationDeps } from './service/index.ts';
export { wireGamification } from './wire.ts';
export { gamificationRoutes } from './routes/index.ts';

export function gamificationModule(gamification: Gamification): Module {
  return {
    name: 'gamification',
    routes: (api, { ctx }) => gamificationRoutes(api, { gamification, ctx }),
    jobs(jobs, { systemCtx }) {
      jobs.define('canyu.gamification.levels.review', async () => {
        await gamification.levels.review(systemCtx());
      });
      jobs.schedule('canyu.gamification.levels.review', '41 4 * * *');
      jobs.define('canyu.gamification.purge', async () => {
        await gamification.purge(systemCtx());
      });
      jobs.schedule('canyu.gamification.purge', '53 4 * * *');
    },
    erasure: gamification.erasure,
  };
}
