import type { Ctx } from '../../context.ts';
import type { Erasure } from '../../erasure.ts';
import type { EventBus } from '../../events.ts';
import { AppError } from '../../http/errors.ts';
import type { Audit } from '../audit/index.ts';
import * as store from './store.ts';
import type { Recipient, UserRow } from './store.ts';
import type { IdentifyInput } from './types.ts';

declare module '../../events.ts' {
  interface DomainEvents {
    'user.identified': { appId: string; userId: string; created: boolean; traits: Record<string, unknown>; timezone: string | null; locale: string | null };
    /** Modules that keep per-user data erase it on this event. */
    'user.deleted': { appId: string; userId: string };
  }
}

export type UsersDeps = { audit: Audit; bus: EventBus };

function canonicalLocale(l: string | undefined): string | undefined {
  return l === undefined ? undefined : Intl.getCanonicalLocales(l)[0];
}

export function createUsers(deps: UsersDeps) {
  // Operator and secret-key changes are audited; a user updating their own profile is not.
  const audited = (ctx: Ctx) => ctx.actor.type === 'operator' || ctx.actor.type === 'secret_key';

  return {
    /** The profile goes in the request that erases the user (remove); a deleted app's profiles go here. */
    erasure: { eraseApp: store.eraseApp } satisfies Erasure,

    async identify(ctx: Ctx, appId: string, userId: string, input: IdentifyInput): Promise<{ user: UserRow; created: boolean }> {
      const set: Record<string, unknown> = {};
      const remove: string[] = [];
      for (const [k, v] of Object.entries(input.traits ?? {})) {
        if (v === null) remove.push(k);
        else set[k] = v;
      }
      const patch = { set, remove, timezone: input.timezone, locale: canonicalLocale(input.locale) };
      const result = await ctx.db.transaction(async (tx) => {
        const before = audited(ctx) ? await store.findUser(tx, appId, userId, true) : undefined;
        const r = await store.upsertUser(tx, appId, userId, patch);
        if (audited(ctx)) {
          await deps.audit.record(
            { ...ctx, db: tx },
            {
              appId,
              action: r.created ? 'user.create' : 'user.update',
              targetType: 'user',
              targetId: userId,
              before: before ? { traits: before.traits, timezone: before.timezone, locale: before.locale } : null,
              after: { traits: r.row.traits, timezone: r.row.timezone, locale: r.row.locale },
            },
          );
        }
        await deps.bus.emit(tx, 'user.identified', { appId, userId, created: r.created, traits: r.row.traits, timezone: r.row.timezone, locale: r.row.locale });
        return r;
      });
      return { user: result.row, created: result.created };
    },

    async get(ctx: Ctx, appId: string, userId: string): Promise<UserRow> {
      const row = await store.findUser(ctx.db, appId, userId);
      if (!row) throw new AppError('users.not_found', `User ${userId} has not been identified in this app`, { user_id: userId });
      return row;
    },

    /** The user's timezone, or null if unknown: other modules use it for "today" in the user's day. */
    async timezoneOf(ctx: Ctx, appId: string, userId: string): Promise<string | null> {
      return (await store.findUser(ctx.db, appId, userId))?.timezone ?? null;
    },

    list(ctx: Ctx, appId: string, q: { limit: number; afterUserId?: string | undefined }): Promise<UserRow[]> {
      return store.listUsers(ctx.db, appId, q);
    },

    /** Id, traits, timezone and locale of these users (those never identified are absent). */
    recipients(ctx: Ctx, appId: string, userIds: string[]): Promise<Recipient[]> {
      return store.findRecipients(ctx.db, appId, userIds);
    },

    /** A page of the users whose traits contain `traits`, by user id: walks audiences of any size. */
    scanRecipients(ctx: Ctx, appId: string, q: { traits?: Record<string, unknown> | undefined; afterUserId?: string | undefined; limit: number }): Promise<Recipient[]> {
      return store.scanRecipients(ctx.db, appId, q);
    },

    countRecipients(ctx: Ctx, appId: string, traits?: Record<string, unknown>): Promise<number> {
      return store.countRecipients(ctx.db, appId, traits);
    },

    /**
     * Erases the profile and tells every module to erase the user's data (events, …). Idempotent:
     * erasing a user with no profile still erases whatever other modules hold.
     */
    async remove(ctx: Ctx, appId: string, userId: string): Promise<{ hadProfile: boolean }> {
      const before = await ctx.db.transaction(async (tx) => {
        const row = await store.deleteUser(tx, appId, userId);
        await deps.audit.record({ ...ctx, db: tx }, { appId, action: 'user.delete', targetType: 'user', targetId: userId, before: row ? { traits: row.traits, timezone: row.timezone, locale: row.locale } : null });
        await deps.bus.emit(tx, 'user.deleted', { appId, userId });
        return row;
      });
      return { hadProfile: !!before };
    },
  };
}

export type Users = ReturnType<typeof createUsers>;
