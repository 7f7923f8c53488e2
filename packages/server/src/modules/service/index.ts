// Customer service (客服): conversations answered first by the FAQ bot, then by agents, with a
// queue, routing by skill and load, SLA breaches and CSAT. Its public face: the service, its routes
// and the minute tick that flags SLA breaches.
import type { Module } from '../../module.ts';
import type { Service } from './service.ts';
import { serviceRoutes } from './routes.ts';

export { createService, type Service, type ServiceDeps, type FaqAnswers } from './service.ts';
export { serviceRoutes } from './routes.ts';

export function serviceModule(service: Service, deps: { now: () => Date }): Module {
  return {
    name: 'service',
    routes: (api, { ctx }) => serviceRoutes(api, { service, ctx, now: deps.now }),
    jobs(jobs) {
      jobs.define('service.tick', async () => {
        await service.tick();
      });
      jobs.schedule('service.tick', '* * * * *');
    },
    erasure: service.erasure,
  };
}
