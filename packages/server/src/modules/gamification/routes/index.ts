import type { Api } from '../../../http/route.ts';
import type { RouteDeps } from './common.ts';
import { coreRoutes } from './core.ts';

export function gamificationRoutes(api: Api, deps: RouteDeps): void {
  coreRoutes(api, deps);
}
