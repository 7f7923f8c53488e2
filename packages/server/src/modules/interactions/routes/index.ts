import type { Api, RequestCtx } from '../../../http/route.ts';
import type { Interactions } from '../service/index.ts';
import { commentRoutes } from './comments.ts';
import { discoveryRoutes } from './discovery.ts';
import { moderationRoutes } from './moderation.ts';
import { settingsRoutes } from './settings.ts';
import { subjectRoutes } from './subjects.ts';
import { userRoutes } from './users.ts';

export function interactionsRoutes(api: Api, deps: { interactions: Interactions; ctx: RequestCtx }): void {
  subjectRoutes(api, deps);
  userRoutes(api, deps);
  commentRoutes(api, deps);
  discoveryRoutes(api, deps);
  moderationRoutes(api, deps);
  settingsRoutes(api, deps);
}
