// Per-app settings of the module, stored as overrides on top of DEFAULT_SETTINGS, and the
// sensitive-word filter compiled from them (cached per app until the settings change).
import type { Ctx } from '../../../context.ts';
import { AppError } from '../../../http/errors.ts';
import { assertOpenKind } from '../errors.ts';
import { compileFilter, type WordFilter } from '../rules/filter.ts';
import { mergeSettings } from '../rules/settings.ts';
import * as store from '../store/settings.ts';
import { DEFAULT_SETTINGS, SettingsPatch, SettingsSchema, type Settings, type SettingsPatchInput } from '../types.ts';
import type { Shared } from './context.ts';

/** `version`: the stored row's, '' for the defaults (no row). */
export type LoadedSettings = { settings: Settings; version: string };

export function createSettings(d: Shared, hooks: { onHotChanged(ctx: Ctx, appId: string, s: Settings): Promise<void> }) {
  const filters = new Map<string, { version: string; filter: WordFilter }>();
  // Every interaction reads the app's settings row; parsing and merging it (word lists included)
  // happens once per version of the row, like compiling the filter.
  const parsedSettings = new Map<string, LoadedSettings>();

  /**
   * `writing`: read by the transaction that is about to write the row. Its versions all carry that
   * transaction's xmin (the row it may have just inserted, then the one it saves), so nothing read
   * there is kept.
   */
  async function load(ctx: Ctx, appId: string, writing = false): Promise<LoadedSettings> {
    const r = await store.loadSettings(ctx.db, appId);
    if (!r) return { settings: DEFAULT_SETTINGS, version: '' };
    const version = writing ? '' : r.version;
    const hit = parsedSettings.get(appId);
    if (hit && version && hit.version === version) return hit;
    const parsed = SettingsPatch.safeParse(r.settings);
    if (!parsed.success) {
      d.log.warn({ appId, issues: parsed.error.issues.slice(0, 3) }, 'stored interaction settings are invalid; using defaults');
      return { settings: DEFAULT_SETTINGS, version };
    }
    const loaded = { settings: mergeSettings(DEFAULT_SETTINGS, parsed.data), version };
    if (version) parsedSettings.set(appId, loaded);
    return loaded;
  }

  function filterOf(appId: string, l: LoadedSettings): WordFilter {
    const hit = filters.get(appId);
    if (hit && l.version && hit.version === l.version) return hit.filter;
    const filter = compileFilter(l.settings.moderation.words);
    if (l.version) filters.set(appId, { version: l.version, filter });
    return filter;
  }

  return {
    load,
    async get(ctx: Ctx, appId: string): Promise<Settings> {
      return (await load(ctx, appId)).settings;
    },

    async update(ctx: Ctx, appId: string, patch: SettingsPatchInput): Promise<Settings> {
      const now = d.now();
      return ctx.db.transaction(async (tx) => {
        const tctx = { ...ctx, db: tx };
        await store.lockSettings(tx, appId, now);
        const before = (await load(tctx, appId, true)).settings;
        const after = SettingsSchema.parse(mergeSettings(before, patch));
        // Reserved kinds (`canyu.*`) are other modules' subjects, never the app's own.
        for (const [i, k] of (patch.kinds ?? []).entries()) assertOpenKind(k, `body.kinds.${i}`);
        // Coins are points of a type that must exist, or every coin would fail.
        if (patch.coins?.point_type) {
          if (!d.points) throw new AppError('interactions.coins_disabled', 'Coins need the points module, which this server does not run', { field: 'body.coins.point_type' });
          await d.points.getType(tctx, appId, patch.coins.point_type, 'body.coins.point_type');
        }
        await store.saveSettings(tx, appId, after, now);
        await d.audit.record(tctx, { appId, action: 'interactions.settings.update', targetType: 'interaction_settings', targetId: appId, before, after });
        if (JSON.stringify(before.hot) !== JSON.stringify(after.hot)) await hooks.onHotChanged(tctx, appId, after);
        return after;
      });
    },

    /**
     * Applies the sensitive-word filter to user text: returns the text to store (masked when the
     * app masks) or throws when the app rejects.
     */
    /** Screens several texts of one request with the app's filter (loads its settings once); returns what to store. */
    async screenAll(ctx: Ctx, appId: string, items: { text: string; field: string }[]): Promise<string[]> {
      const l = await load(ctx, appId);
      return items.map((i) => this.screen(appId, l, i.text, i.field));
    },

    screen(appId: string, l: LoadedSettings, text: string, field: string): string {
      const mode = l.settings.moderation.filter_mode;
      if (mode === 'off' || l.settings.moderation.words.length === 0) return text;
      const r = filterOf(appId, l).mask(text);
      if (r.words.length === 0) return text;
      if (mode === 'reject') throw new AppError('interactions.sensitive_content', `${field} contains ${r.words.length} sensitive word(s); rephrase and send again`, { field, count: r.words.length });
      return r.text;
    },
  };
}

export type SettingsService = ReturnType<typeof createSettings>;
