import { z } from 'zod';
import { decodeCursor, page, pageQuery, pageSchema } from '../../http/pagination.ts';
import { errors, type Api, type RequestCtx } from '../../http/route.ts';
import type { Audit } from './service.ts';

const AuditOut = z
  .object({
    id: z.number(),
    actor_type: z.string(),
    actor_id: z.string().nullable(),
    action: z.string(),
    target_type: z.string(),
    target_id: z.string().nullable(),
    before: z.unknown(),
    after: z.unknown(),
    request_id: z.string().nullable(),
    ip: z.string().nullable(),
    created_at: z.string(),
  })
  .meta({ id: 'AuditEntry' });

export function auditRoutes(api: Api, deps: { audit: Audit; ctx: RequestCtx }): void {
  api.get(
    '/v1/apps/:appId/audit-log',
    {
      config: { auth: { operator: 'audit.read' } },
      schema: {
        tags: ['Audit log'],
        summary: 'Operator and secret-key mutations, newest first',
        params: z.strictObject({ appId: z.string().min(1).max(64) }),
        querystring: z.strictObject({
          ...pageQuery,
          action: z.string().max(100).optional().describe('e.g. key.revoke'),
          target_type: z.string().max(100).optional(),
          target_id: z.string().max(255).optional(),
          actor_id: z.string().max(255).optional(),
        }),
        response: { 200: pageSchema(AuditOut), ...errors(400, 401, 403) },
      },
    },
    async (req) => {
      const q = req.query;
      const cur = decodeCursor(q.cursor, z.object({ id: z.number().int() }));
      const rows = await deps.audit.list(deps.ctx(req), req.params.appId, {
        limit: q.limit + 1,
        beforeId: cur?.id,
        action: q.action,
        targetType: q.target_type,
        targetId: q.target_id,
        actorId: q.actor_id,
      });
      const p = page(rows, q.limit, (r) => ({ id: r.id }));
      return {
        next_cursor: p.next_cursor,
        data: p.data.map((r) => ({
          id: r.id,
          actor_type: r.actorType,
          actor_id: r.actorId,
          action: r.action,
          target_type: r.targetType,
          target_id: r.targetId,
          before: r.before,
          after: r.after,
          request_id: r.requestId,
          ip: r.ip,
          created_at: r.createdAt.toISOString(),
        })),
      };
    },
  );
}
