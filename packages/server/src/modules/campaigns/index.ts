// Campaigns and promotions: the campaign lifecycle and its kinds (flash sale, …).
export { createCampaigns, type Campaigns, type CampaignsDeps } from './service.ts';
export { campaignsRoutes } from './routes.ts';
export type { CampaignRow } from './store.ts';
export type { CampaignKind, CampaignStatus } from './schema.ts';
