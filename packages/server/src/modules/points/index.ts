import type { Module } from '../../module.ts';
import type { Points } from './service.ts';
import { pointsRoutes } from './routes.ts';

export { createPoints, wirePoints, type Points, type PointsDeps, type CreditInput, type DebitInput, type EntryResult, type MultiplierFn, type Source } from './service.ts';
export { pointsRoutes, presentEntry } from './routes.ts';
export type { EntryRow, TypeRow } from './store.ts';
export { EntryOut } from './types.ts';

export function pointsModule(points: Points): Module {
  return {
    name: 'points',
    routes: (api, { ctx }) => pointsRoutes(api, { points, ctx }),
    jobs(jobs, { systemCtx }) {
      jobs.define('canyu.points.expire', async () => {
        await points.expireDue(systemCtx());
      });
      jobs.schedule('canyu.points.expire', '*/5 * * * *');
    },
    erasure: points.erasure,
  };
}
