import type { Db } from '../../db/index.ts';
import type { RateLimiter } from '../../http/rate-limit.ts';
import type { Module } from '../../module.ts';
import type { Tenancy } from './service.ts';
import { tenancyRoutes } from './routes.ts';

export { createTenancy, type Tenancy, type TenancyDeps, type KeyPrincipal, type SessionPrincipal, type PublicKey, type PublicOperator } from './service.ts';
export { tenancyRoutes } from './routes.ts';
export { can, canAssignRole, ROLES, PERMISSIONS, type Role, type Permission } from '../../http/permissions.ts';
export type { KeyKind } from './rules/keys.ts';

export function tenancyModule(tenancy: Tenancy, deps: { limiter: RateLimiter; db: Db }): Module {
  return {
    name: 'tenancy',
    routes: (api, { ctx }) => tenancyRoutes(api, { tenancy, ctx, ...deps }),
    jobs(jobs, { systemCtx }) {
      jobs.define('canyu.sessions.purge', async () => {
        await tenancy.purgeExpiredSessions(systemCtx());
      });
      jobs.schedule('canyu.sessions.purge', '23 3 * * *');
    },
    start: () => tenancy.start(),
    stop: () => tenancy.stop(),
  };
}
