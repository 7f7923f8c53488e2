// Operator-curated slots (官方推荐, 入站必刷): ordered lists of subjects, each with a time window.
import type { Ctx } from '../../../context.ts';
import { AppError, fieldError } from '../../../http/errors.ts';
import { assertOpenKind, subjectNotFound } from '../errors.ts';
import * as store from '../store/slots.ts';
import type { SlotItemRow, SlotRow } from '../store/slots.ts';
import * as subjectsStore from '../store/subjects.ts';
import type { SlotItemsInput } from '../types.ts';
import type { Shared } from './context.ts';
import type { SubjectsService, SubjectView } from './subjects.ts';

export type SlotView = { slot: SlotRow; items: { item: SlotItemRow; view: SubjectView }[] };

const notFound = (key: string) => new AppError('interactions.slot_not_found', `No slot "${key}" in this app`, { key });

export function createSlots(d: Shared, subjects: SubjectsService) {
  async function find(ctx: Ctx, appId: string, key: string, forUpdate = false): Promise<SlotRow> {
    const s = await store.findSlot(ctx.db, appId, key, forUpdate);
    if (!s) throw notFound(key);
    return s;
  }

  async function view(ctx: Ctx, slot: SlotRow, all: boolean): Promise<SlotView> {
    const items = await store.items(ctx.db, slot.id, all ? undefined : d.now());
    const views = await subjects.byIds(ctx, items.map((i) => i.subjectId));
    return { slot, items: items.filter((i) => views.has(i.subjectId)).map((item) => ({ item, view: views.get(item.subjectId)! })) };
  }

  return {
    async create(ctx: Ctx, appId: string, v: { key: string; title: string; description?: string | null | undefined }): Promise<SlotView> {
      const slot = await ctx.db.transaction(async (tx) => {
        const s = await store.createSlot(tx, appId, { key: v.key, title: v.title, description: v.description ?? null }, d.now());
        if (!s) throw new AppError('interactions.slot_key_taken', `A slot "${v.key}" already exists`, { field: 'body.key', key: v.key });
        await d.audit.record({ ...ctx, db: tx }, { appId, action: 'slot.create', targetType: 'slot', targetId: v.key, after: { title: s.title, description: s.description } });
        return s;
      });
      return { slot, items: [] };
    },

    async update(ctx: Ctx, appId: string, key: string, patch: { title?: string | undefined; description?: string | null | undefined }): Promise<SlotView> {
      const slot = await ctx.db.transaction(async (tx) => {
        const before = await find({ ...ctx, db: tx }, appId, key, true);
        const after = await store.updateSlot(tx, before.id, patch, d.now());
        await d.audit.record({ ...ctx, db: tx }, { appId, action: 'slot.update', targetType: 'slot', targetId: key, before: { title: before.title, description: before.description }, after: { title: after.title, description: after.description } });
        return after;
      });
      return view(ctx, slot, true);
    },

    async remove(ctx: Ctx, appId: string, key: string): Promise<void> {
      await ctx.db.transaction(async (tx) => {
        const s = await find({ ...ctx, db: tx }, appId, key, true);
        await store.deleteSlot(tx, s.id);
        await d.audit.record({ ...ctx, db: tx }, { appId, action: 'slot.delete', targetType: 'slot', targetId: key, before: { title: s.title } });
      });
    },

    list: (ctx: Ctx, appId: string, q: { limit: number; afterId?: number | undefined }) => store.listSlots(ctx.db, appId, q),

    /** The slot with its items: those active now, or with `all` every scheduled one. */
    async get(ctx: Ctx, appId: string, key: string, all: boolean): Promise<SlotView> {
      return view(ctx, await find(ctx, appId, key), all);
    },

    /** Replaces the slot's ordered list. Every subject must exist; windows must be start < end. */
    async setItems(ctx: Ctx, appId: string, key: string, input: SlotItemsInput): Promise<SlotView> {
      const seen = new Set<string>();
      const items: store.NewSlotItem[] = [];
      for (const [i, it] of input.entries()) {
        assertOpenKind(it.kind, `body.items.${i}.kind`);
        const k = `${it.kind}\u0000${it.subject_id}`;
        if (seen.has(k)) throw fieldError(`body.items.${i}`, `${it.kind} "${it.subject_id}" is already in the list`, 'each subject once');
        seen.add(k);
        const startsAt = it.starts_at ? new Date(it.starts_at) : null;
        const endsAt = it.ends_at ? new Date(it.ends_at) : null;
        if (startsAt && endsAt && startsAt >= endsAt) throw fieldError(`body.items.${i}.ends_at`, 'must be after starts_at', 'ends_at > starts_at');
        const s = await subjectsStore.findSubject(ctx.db, appId, it.kind, it.subject_id);
        if (!s) throw subjectNotFound(it.kind, it.subject_id, `; upsert it first (body.items.${i})`);
        items.push({ subjectId: s.id, startsAt, endsAt, note: it.note ?? null });
      }
      const slot = await ctx.db.transaction(async (tx) => {
        const s = await find({ ...ctx, db: tx }, appId, key, true);
        await store.replaceItems(tx, s.id, items);
        await d.audit.record({ ...ctx, db: tx }, { appId, action: 'slot.items', targetType: 'slot', targetId: key, after: input });
        return s;
      });
      return view(ctx, slot, true);
    },
  };
}

export type SlotsService = ReturnType<typeof createSlots>;
