// Campaigns and promotions: the campaign lifecycle and its kinds (flash sale, …).
import type { Module } from '../../module.ts';
import type { Campaigns } from './service.ts';
import { campaignsRoutes } from './routes.ts';

export { createCampaigns, type Campaigns, type CampaignsDeps } from './service.ts';
export { campaignsRoutes } from './routes.ts';
export type { CampaignRow } from './store.ts';
export type { CampaignKind, CampaignStatus } from './schema.ts';

export function campaignsModule(campaigns: Campaigns): Module {
  return {
    name: 'campaigns',
    routes: (api, { ctx }) => campaignsRoutes(api, { campaigns, ctx }),
    jobs: (jobs) => campaigns.registerJobs(jobs),
    erasure: campaigns.erasure,
    start: () => campaigns.start(),
    stop: () => campaigns.stop(),
  };
}
