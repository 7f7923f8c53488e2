import type { Ctx } from '../../context.ts';
import type { Erasure } from '../../erasure.ts';
import { redact } from './redact.ts';
import { eraseApp, eraseUser, insertEntry, listEntries, type AuditRow } from './store.ts';

export type AuditRecord = {
  appId: string | null;
  action: string;
  targetType: string;
  targetId: string | null;
  before?: unknown;
  after?: unknown;
};

export type AuditQuery = { limit: number; beforeId?: number | undefined; action?: string | undefined; targetType?: string | undefined; targetId?: string | undefined; actorId?: string | undefined };

/** Operators and secret keys administer an app; their mutations are what the log is for. */
export const isAdminActor = (ctx: Ctx): boolean => ctx.actor.type === 'operator' || ctx.actor.type === 'secret_key';

export type Audit = {
  /**
   * Writes through ctx.db, so the entry commits or rolls back with the change it describes.
   * `before`/`after` are the resource's public shape; secrets in them are redacted (redact.ts).
   */
  record(ctx: Ctx, rec: AuditRecord): Promise<void>;
  /**
   * The request repeats an earlier one (same idempotency key or order reference) and changed
   * nothing: the earlier request's entry stands, so none is written, and the HTTP check is told so.
   */
  replayed(ctx: Ctx): void;
  list(ctx: Ctx, appId: string, q: AuditQuery): Promise<AuditRow[]>;
  /** See store.ts for what a deleted app and an erased user leave in the log. */
  erasure: Required<Erasure>;
};

export function createAudit(): Audit {
  return {
    async record(ctx, rec) {
      await insertEntry(ctx.db, {
        appId: rec.appId,
        actorType: ctx.actor.type,
        actorId: ctx.actor.id,
        action: rec.action,
        targetType: rec.targetType,
        targetId: rec.targetId,
        before: redact(rec.before ?? null),
        after: redact(rec.after ?? null),
        requestId: ctx.requestId ?? null,
        ip: ctx.ip ?? null,
      });
      if (ctx.trail) ctx.trail.recorded++;
    },
    replayed(ctx) {
      if (ctx.trail) ctx.trail.replayed = true;
    },
    list(ctx, appId, q) {
      return listEntries(ctx.db, appId, q);
    },
    erasure: { eraseApp, eraseUser },
  };
}
