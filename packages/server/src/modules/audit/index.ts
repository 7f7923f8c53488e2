export { createAudit, isAdminActor, type Audit, type AuditRecord, type AuditQuery } from './service.ts';
export type { AuditRow } from './store.ts';
export { auditRoutes } from './routes.ts';
export { redact } from './redact.ts';
