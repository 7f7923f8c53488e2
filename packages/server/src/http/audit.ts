// Every mutation an operator or a secret key makes leaves an entry in the audit log, and this is
// the one place that makes sure of it. Each mutating route declares its policy in its config:
//
//   config: { auth: …, audit: 'recorded' }                 its service records an entry (before/after)
//   config: { auth: …, audit: { exempt: 'why' } }          end-user activity, not administration
//
// The services write the entry in the change's own transaction (modules/audit); this hook only
// checks, per request, that they did. A 2xx answer to an operator or secret-key call on a
// 'recorded' route (or on one that declares nothing) with no entry is a bug: with `strict` (tests)
// the request fails with a 500 naming the route; otherwise a fallback entry is written (action
// `unrecorded:<METHOD> <route>`) and the error logged, so nothing goes unaudited.
// http/audit.test.ts walks /openapi.json (where each operation shows its policy as x-canyu-audit)
// and fails on any mutating operation without one.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuditTrail, AuditWriter, Ctx } from '../context.ts';

export type AuditPolicy = 'recorded' | { exempt: string };

declare module 'fastify' {
  interface FastifyContextConfig {
    audit?: AuditPolicy;
  }
  interface FastifyRequest {
    auditTrail: AuditTrail | null;
  }
}

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export const isMutating = (method: string): boolean => MUTATING.has(method.toUpperCase());

export type AuditCheckOptions = {
  audit: AuditWriter;
  /** The request's use-case context (its actor, request id and ip), for the fallback entry. */
  ctx: (req: FastifyRequest) => Ctx;
  /** Tests: fail the request instead of writing a fallback entry. */
  strict: boolean;
};

function appIdOf(req: FastifyRequest): string | null {
  const p = req.principal;
  return p && p.kind !== 'anonymous' ? p.appId : null;
}

export function registerAuditCheck(app: FastifyInstance, opts: AuditCheckOptions): void {
  app.decorateRequest('auditTrail', null);

  app.addHook('onRequest', (req, _reply, done) => {
    if (isMutating(req.method)) req.auditTrail = { recorded: 0, replayed: false };
    done();
  });

  // Reads (no trail) pass on without a promise; only mutations are checked.
  app.addHook('onSend', (req: FastifyRequest, reply: FastifyReply, payload: unknown, done: (err: Error | null, payload?: unknown) => void) => {
    if (!req.auditTrail) return done(null, payload);
    check(req, reply, payload).then((p) => done(null, p), done);
  });

  const check = async (req: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    const trail = req.auditTrail;
    if (!trail) return payload;
    // Checked once: the error answer below goes through onSend again.
    req.auditTrail = null;
    if (reply.statusCode < 200 || reply.statusCode >= 300) return payload;
    if (reply.getHeader('idempotent-replayed') === 'true') return payload;
    const kind = req.principal?.kind;
    if (kind !== 'operator' && kind !== 'secret') return payload;
    // A mutating route that declares no policy is held to 'recorded'.
    const policy = req.routeOptions.config.audit;
    if (policy !== undefined && policy !== 'recorded') return payload;
    if (trail.recorded > 0 || trail.replayed) return payload;

    const route = `${req.method} ${req.routeOptions.url ?? req.url}`;
    if (opts.strict) throw new Error(`audit: ${route} answered ${reply.statusCode} to ${kind === 'secret' ? 'a secret key' : 'an operator'} without recording an audit entry (policy ${policy ?? 'undeclared'})`);
    req.log.error({ route, status: reply.statusCode }, 'mutation left no audit entry; writing a fallback entry');
    const params = (req.params ?? {}) as Record<string, unknown>;
    const ids = Object.entries(params).filter(([k]) => k !== 'appId').map(([, v]) => String(v));
    await opts.audit.record(opts.ctx(req), { appId: appIdOf(req), action: `unrecorded:${route}`, targetType: 'route', targetId: ids.length ? ids.join('/') : null, after: { status: reply.statusCode, params } });
    return payload;
  };
}

/** The policy of routes through which end users act on their own data (likes, votes, check-ins…). */
export const userActivity: AuditPolicy = { exempt: 'End-user activity: the user acts on their own data; a secret key calling it acts for that user' };
