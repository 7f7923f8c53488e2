export { createTenancy, type Tenancy, type TenancyDeps, type KeyPrincipal, type SessionPrincipal, type PublicKey, type PublicOperator } from './service.ts';
export { tenancyRoutes } from './routes.ts';
export { can, canAssignRole, ROLES, PERMISSIONS, type Role, type Permission } from '../../http/permissions.ts';
export type { KeyKind } from './rules/keys.ts';
