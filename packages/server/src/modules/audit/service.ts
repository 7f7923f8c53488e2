import type { Ctx } from '../../context.ts';
import type { Erasure } from '../../erasure.ts';
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

export type Audit = {
  /** Writes through ctx.db, so the entry commits or rolls back with the change it describes. */
  record(ctx: Ctx, rec: AuditRecord): Promise<void>;
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
        before: rec.before ?? null,
        after: rec.after ?? null,
        requestId: ctx.requestId ?? null,
        ip: ctx.ip ?? null,
      });
    },
    list(ctx, appId, q) {
      return listEntries(ctx.db, appId, q);
    },
    erasure: { eraseApp, eraseUser },
  };
}
