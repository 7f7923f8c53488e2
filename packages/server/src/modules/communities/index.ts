// Communities (社群): groups of users per app with membership (join, apply, invite, leave, remove,
// mute, ban), a welcome by name per join and a leave follow-up, both sent through messaging's inbox.
import type { Module } from '../../module.ts';
import type { Communities } from './service.ts';
import { communitiesRoutes } from './routes.ts';

export { createCommunities, type Communities, type CommunitiesDeps } from './service.ts';
export { communitiesRoutes } from './routes.ts';

export function communitiesModule(communities: Communities): Module {
  return {
    name: 'communities',
    routes: (api, { ctx }) => communitiesRoutes(api, { communities, ctx }),
    jobs(jobs) {
      // Due leave follow-ups (armed durably by the community.left consumer).
      jobs.define('communities.tick', async () => {
        await communities.tick();
      });
      jobs.schedule('communities.tick', '* * * * *');
    },
    erasure: communities.erasure,
  };
}
