// The inbox as a user sees it: their messages merged with the announcements they are in the
// audience of; unread counts per category; read, click and delete. And announcements themselves.
import type { Ctx } from '../../../context.ts';
import type { EventBus } from '../../../events.ts';
import { AppError } from '../../../http/errors.ts';
import type { Clock } from '../../../lib/clock.ts';
import type { Realtime } from '../../../realtime/index.ts';
import type { Audit } from '../../audit/index.ts';
import type { Users } from '../../users/index.ts';
import { CATEGORIES } from '../rules/contact.ts';
import { languageOf } from '../rules/template.ts';
import * as store from '../store/inbox.ts';
import type { AnnouncementRow, InboxCursor, InboxItem, Reader } from '../store/inbox.ts';
import type { SettingsRow } from '../store/settings.ts';
import type { AnnouncementInput } from '../types.ts';

declare module '../../../events.ts' {
  interface DomainEvents {
    'message.read': { appId: string; userId: string; messageId: string };
    'message.clicked': { appId: string; userId: string; messageId: string };
    'announcement.published': { appId: string; announcementId: string; category: string };
  }
}

export type InboxId = { kind: 'msg' | 'ann'; id: number };

export function parseInboxId(s: string): InboxId {
  const m = /^(msg|ann)_(\d{1,18})$/.exec(s);
  if (!m || !Number.isSafeInteger(Number(m[2]))) throw new AppError('messaging.message_not_found', `No message ${s}`, { message_id: s });
  return { kind: m[1] as 'msg' | 'ann', id: Number(m[2]) };
}

export const inboxId = (i: Pick<InboxItem, 'kind' | 'id'>) => `${i.kind}_${i.id}`;

/** The event clients get over WebSocket/SSE for a new inbox item. */
export function inboxEvent(item: InboxItem): Record<string, unknown> {
  return { id: inboxId(item), category: item.category, title: item.title, body: item.body, url: item.url, data: item.data, created_at: item.created_at.toISOString(), read_at: item.read_at?.toISOString() ?? null };
}

export function createInbox(deps: { audit: Audit; users: Users; clock: Clock; bus: EventBus; realtime: Realtime | null; settingsOf: (ctx: Ctx, appId: string) => Promise<SettingsRow> }) {
  async function reader(ctx: Ctx, appId: string, userId: string): Promise<Reader> {
    const [profile] = await deps.users.recipients(ctx, appId, [userId]);
    const s = await deps.settingsOf(ctx, appId);
    return { appId, userId, traits: profile?.traits ?? {}, lang: languageOf(profile?.locale, s.defaultLocale), now: deps.clock.now() };
  }

  async function touch(ctx: Ctx, appId: string, userId: string, id: string, what: 'read' | 'click' | 'delete'): Promise<void> {
    const ref = parseInboxId(id);
    const notFound = () => new AppError('messaging.message_not_found', `No message ${id} in the inbox of ${userId}`, { message_id: id });
    const r = ref.kind === 'msg' ? null : await reader(ctx, appId, userId);
    await ctx.db.transaction(async (tx) => {
      if (ref.kind === 'msg') {
        const row = await store.touchMessage(tx, appId, userId, ref.id, what, deps.clock.now());
        if (!row) throw notFound();
      } else {
        if (!(await store.announcementVisible(tx, r!, ref.id))) throw notFound();
        await store.touchAnnouncement(tx, r!, ref.id, what);
      }
      if (what === 'read') await deps.bus.emit(tx, 'message.read', { appId, userId, messageId: id });
      if (what === 'click') await deps.bus.emit(tx, 'message.clicked', { appId, userId, messageId: id });
    });
  }

  return {
    async list(ctx: Ctx, appId: string, userId: string, q: { limit: number; category?: string | undefined; unread?: boolean | undefined; cursor?: InboxCursor | undefined }): Promise<InboxItem[]> {
      return store.listInbox(ctx.db, await reader(ctx, appId, userId), q);
    },

    async unread(ctx: Ctx, appId: string, userId: string): Promise<{ total: number; byCategory: Record<string, number> }> {
      const counts = await store.unreadCounts(ctx.db, await reader(ctx, appId, userId));
      const byCategory = Object.fromEntries(CATEGORIES.map((c) => [c, counts.get(c) ?? 0]));
      return { total: Object.values(byCategory).reduce((a, b) => a + b, 0), byCategory };
    },

    read: (ctx: Ctx, appId: string, userId: string, id: string) => touch(ctx, appId, userId, id, 'read'),
    click: (ctx: Ctx, appId: string, userId: string, id: string) => touch(ctx, appId, userId, id, 'click'),
    remove: (ctx: Ctx, appId: string, userId: string, id: string) => touch(ctx, appId, userId, id, 'delete'),

    async readAll(ctx: Ctx, appId: string, userId: string, category?: string): Promise<number> {
      return store.readAll(ctx.db, await reader(ctx, appId, userId), category);
    },

    // ---- announcements -------------------------------------------------------------------------------
    async announce(ctx: Ctx, appId: string, input: AnnouncementInput): Promise<AnnouncementRow> {
      const now = deps.clock.now();
      if (input.audience.segment !== undefined) throw new AppError('messaging.audience_unavailable', 'Announcements go to all users or a traits filter (they are matched when each user reads the inbox); send to a segment with POST /v1/messaging/sends', { field: 'body.audience.segment' });
      const startsAt = input.starts_at ? new Date(input.starts_at) : now;
      const expiresAt = input.expires_at ? new Date(input.expires_at) : null;
      if (expiresAt && expiresAt <= startsAt) throw new AppError('validation_failed', 'expires_at must be after starts_at', { issues: [{ field: 'body.expires_at', code: 'invalid_value', message: 'must be after starts_at (or now)' }] });
      const zh = input.content['zh-CN'] ?? input.content.en!;
      const en = input.content.en ?? input.content['zh-CN']!;
      const row = await ctx.db.transaction(async (tx) => {
        const r = await store.insertAnnouncement(tx, {
          appId,
          category: input.category,
          titleZh: zh.title,
          bodyZh: zh.body,
          titleEn: en.title,
          bodyEn: en.body,
          url: input.url ?? null,
          data: input.data ?? null,
          audience: input.audience.traits ?? null,
          campaign: input.campaign ?? null,
          startsAt,
          expiresAt,
          realtime: input.realtime,
          createdBy: ctx.actor.id ? `${ctx.actor.type}:${ctx.actor.id}` : ctx.actor.type,
        });
        await deps.audit.record({ ...ctx, db: tx }, { appId, action: 'messaging.announcement.create', targetType: 'messaging_announcement', targetId: `ann_${r.id}`, after: r });
        return r;
      });
      if (startsAt <= now) await this.pushStarted(ctx, row);
      return row;
    },

    /** Tells connected clients about an announcement that has started (once, whichever server asks). */
    async pushStarted(ctx: Ctx, row?: AnnouncementRow): Promise<number> {
      const rows = await ctx.db.transaction(async (tx) => {
        const rows = await store.claimAnnouncementPushes(tx, deps.clock.now(), row?.id);
        await deps.bus.emitMany(tx, rows.map((a) => ({ name: 'announcement.published' as const, payload: { appId: a.appId, announcementId: `ann_${a.id}`, category: a.category } })));
        return rows;
      });
      for (const a of rows) {
        // One small hub message for the whole app; each server reads the row and tells its own
        // clients whose traits match the audience.
        if (a.realtime && deps.realtime) deps.realtime.hub.publish('ms.ann', { a: a.appId, id: a.id });
      }
      return rows.length;
    },

    async getAnnouncement(ctx: Ctx, appId: string, id: string): Promise<AnnouncementRow & { stats: { read: number; clicked: number; deleted: number } }> {
      const ref = parseInboxId(id);
      const row = ref.kind === 'ann' ? await store.findAnnouncement(ctx.db, appId, ref.id) : undefined;
      if (!row) throw new AppError('messaging.announcement_not_found', `Announcement ${id} does not exist`, { announcement_id: id });
      return { ...row, stats: await store.announcementStats(ctx.db, appId, row.id) };
    },

    listAnnouncements(ctx: Ctx, appId: string, q: { limit: number; beforeId?: number | undefined; campaign?: string | undefined }) {
      return store.listAnnouncements(ctx.db, appId, q);
    },

    async withdraw(ctx: Ctx, appId: string, id: string): Promise<AnnouncementRow> {
      const ref = parseInboxId(id);
      const row = await ctx.db.transaction(async (tx) => {
        const before = ref.kind === 'ann' ? await store.findAnnouncement(tx, appId, ref.id) : undefined;
        const after = before ? await store.withdrawAnnouncement(tx, appId, ref.id, deps.clock.now()) : undefined;
        if (after) await deps.audit.record({ ...ctx, db: tx }, { appId, action: 'messaging.announcement.withdraw', targetType: 'messaging_announcement', targetId: id, before, after });
        return after;
      });
      if (!row) throw new AppError('messaging.announcement_not_found', `Announcement ${id} does not exist`, { announcement_id: id });
      return row;
    },
  };
}

export type Inbox = ReturnType<typeof createInbox>;
