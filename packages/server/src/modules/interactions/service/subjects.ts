// Subjects: the host's content (kind + the host's id), upserted by the host or created on first
// interaction when the app allows it.
import type { Ctx } from '../../../context.ts';
import { assertOpenKind, subjectNotFound, unknownKind } from '../errors.ts';
import type { SubjectRef } from '../events.ts';
import type { Counts } from '../rules/hot.ts';
import * as coinsStore from '../store/coins.ts';
import { dayIn } from '../rules/periods.ts';
import type { ReactionType } from '../store/reactions.ts';
import * as reactions from '../store/reactions.ts';
import * as store from '../store/subjects.ts';
import type { SubjectRow } from '../store/subjects.ts';
import type { UpsertSubjectInput } from '../types.ts';
import type { Shared } from './context.ts';
import type { SettingsService } from './settings.ts';

export type SubjectView = { row: SubjectRow; counts: Counts; viewer?: Set<ReactionType> | undefined; viewerCoins?: number | undefined };

export const refOf = (s: { kind: string; externalId: string; authorId: string | null }): SubjectRef => ({ kind: s.kind, id: s.externalId, authorId: s.authorId });

export function createSubjects(d: Shared, settings: SettingsService) {
  /**
   * The subject, created on first interaction when `create` and the app allow it. A kind the app
   * does not use is refused before anything else (a typo must not create subjects).
   */
  async function resolve(ctx: Ctx, appId: string, kind: string, externalId: string, opts: { create: boolean }): Promise<SubjectRow> {
    const found = await store.findSubject(ctx.db, appId, kind, externalId);
    if (found) return found;
    const s = await settings.get(ctx, appId);
    if (!s.kinds.includes(kind)) throw unknownKind(kind, s.kinds);
    if (!opts.create || !s.auto_create_subjects) throw subjectNotFound(kind, externalId, opts.create ? '; this app does not create subjects on first interaction, upsert it first' : '');
    return store.ensureSubject(ctx.db, appId, kind, externalId, d.now());
  }

  async function views(ctx: Ctx, rows: SubjectRow[], viewerId?: string): Promise<SubjectView[]> {
    const ids = rows.map((r) => r.id);
    const [counts, viewer, coins] = await Promise.all([
      store.countsOf(ctx.db, ids),
      viewerId !== undefined ? reactions.viewerState(ctx.db, ids, viewerId) : Promise.resolve(undefined),
      viewerId !== undefined ? coinsStore.viewerCoins(ctx.db, ids, viewerId) : Promise.resolve(undefined),
    ]);
    return rows.map((row) => ({ row, counts: counts.get(row.id)!, ...(viewer ? { viewer: viewer.get(row.id) ?? new Set(), viewerCoins: coins?.get(row.id) ?? 0 } : {}) }));
  }

  /** What the audit log keeps of a subject: the fields the host sets. */
  const subjectShape = (r: { title: string | null; authorId: string | null; tags: string[]; createdAt: Date; metadata: unknown }) => ({ title: r.title, author_id: r.authorId, tags: r.tags, created_at: r.createdAt, metadata: r.metadata });

  return {
    resolve,
    views,

    /** Views of the subjects with these internal ids (missing ones are left out). */
    async byIds(ctx: Ctx, ids: number[], viewerId?: string): Promise<Map<number, SubjectView>> {
      const vs = await views(ctx, await store.subjectsByIds(ctx.db, ids), viewerId);
      return new Map(vs.map((v) => [v.row.id, v]));
    },

    async upsert(ctx: Ctx, appId: string, kind: string, externalId: string, input: UpsertSubjectInput): Promise<{ view: SubjectView; created: boolean }> {
      assertOpenKind(kind);
      const s = await settings.get(ctx, appId);
      if (!s.kinds.includes(kind)) throw unknownKind(kind, s.kinds);
      const now = d.now();
      const r = await ctx.db.transaction(async (tx) => {
        const before = await store.findSubject(tx, appId, kind, externalId, true);
        const res = await store.upsertSubject(
          tx,
          appId,
          kind,
          externalId,
          { title: input.title, authorId: input.author_id, tags: input.tags === undefined ? undefined : [...new Set(input.tags)], createdAt: input.created_at === undefined ? undefined : new Date(input.created_at), metadata: input.metadata },
          now,
        );
        // Its hot score decays from the publication time: a new time means a new score.
        if (before && before.hotScore !== null && before.createdAt.getTime() !== res.row.createdAt.getTime()) await store.markDirty(tx, res.row.id, dayIn(now, s.timezone));
        if (d.audited(ctx)) await d.audit.record({ ...ctx, db: tx }, { appId, action: res.created ? 'subject.create' : 'subject.update', targetType: 'subject', targetId: `${kind}:${externalId}`, before: before ? subjectShape(before) : null, after: subjectShape(res.row) });
        return res;
      });
      const [view] = await views(ctx, [r.row]);
      return { view: view!, created: r.created };
    },

    async get(ctx: Ctx, appId: string, kind: string, externalId: string, viewerId?: string): Promise<SubjectView> {
      assertOpenKind(kind);
      const row = await resolve(ctx, appId, kind, externalId, { create: false });
      return (await views(ctx, [row], viewerId))[0]!;
    },

    /** Subjects of the app's own kinds: a reserved kind is refused, and left out when no kind is given. */
    async list(ctx: Ctx, appId: string, q: Parameters<typeof store.listSubjects>[2], viewerId?: string): Promise<SubjectView[]> {
      assertOpenKind(q.kind, 'query.kind');
      return views(ctx, await store.listSubjects(ctx.db, appId, q), viewerId);
    },

    /** Deletes the subject with every interaction, comment and counter attached to it. */
    async remove(ctx: Ctx, appId: string, kind: string, externalId: string): Promise<boolean> {
      assertOpenKind(kind);
      return ctx.db.transaction(async (tx) => {
        const row = await store.deleteSubject(tx, appId, kind, externalId);
        // Recorded when there was nothing to delete too (before: null): the caller asked.
        await d.audit.record({ ...ctx, db: tx }, { appId, action: 'subject.delete', targetType: 'subject', targetId: `${kind}:${externalId}`, before: row ? subjectShape(row) : null });
        return !!row;
      });
    },
  };
}

export type SubjectsService = ReturnType<typeof createSubjects>;
