import type { Module } from '../../module.ts';
import type { Audit } from './service.ts';
import { auditRoutes } from './routes.ts';

export { createAudit, isAdminActor, type Audit, type AuditRecord, type AuditQuery } from './service.ts';
export type { AuditRow } from './store.ts';
export { auditRoutes } from './routes.ts';
export { redact } from './redact.ts';

export function auditModule(audit: Audit): Module {
  return { name: 'audit', routes: (api, { ctx }) => auditRoutes(api, { audit, ctx }), erasure: audit.erasure };
}
