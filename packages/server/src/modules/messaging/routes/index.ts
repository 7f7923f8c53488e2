import type { Api, RequestCtx } from '../../../http/route.ts';
import type { Messaging } from '../service/index.ts';
import { adminRoutes } from './admin.ts';
import { inboxRoutes } from './inbox.ts';
import { publicRoutes } from './public.ts';
import { sendRoutes } from './sends.ts';

export function messagingRoutes(api: Api, deps: { messaging: Messaging; ctx: RequestCtx }): void {
  inboxRoutes(api, deps);
  adminRoutes(api, deps);
  sendRoutes(api, deps);
  publicRoutes(api, deps);
}
