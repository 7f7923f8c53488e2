import type { Api } from '../../../http/route.ts';
import type { RouteDeps } from './common.ts';
import { achievementRoutes } from './achievements.ts';
import { coreRoutes } from './core.ts';
import { lotteryRoutes } from './lottery.ts';
import { mallRoutes } from './mall.ts';

export function gamificationRoutes(api: Api, deps: RouteDeps): void {
  coreRoutes(api, deps);
  lotteryRoutes(api, deps);
  mallRoutes(api, deps);
  achievementRoutes(api, deps);
}
