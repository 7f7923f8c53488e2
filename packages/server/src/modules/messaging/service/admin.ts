// What operators configure: templates, app settings (defaults, quiet hours, email), frequency caps;
// and each user's own preferences.
import { BlockedAddressError, createNetGuard, type NetGuard } from '../../../lib/net-guard.ts';
import type { Ctx } from '../../../context.ts';
import { AppError, fieldError } from '../../../http/errors.ts';
import { newId } from '../../../lib/ids.ts';
import type { SecretBox } from '../../../lib/secrets.ts';
import type { Audit } from '../../audit/index.ts';
import type { Recipient } from '../../users/index.ts';
import { BUILTIN_VARIABLES, type Values } from '../rules/template.ts';
import { parseClock } from '../rules/time.ts';
import * as rulesStore from '../store/rules.ts';
import * as store from '../store/settings.ts';
import type { SettingsRow, TemplateRow, UserPrefsRow } from '../store/settings.ts';
import type { CapInput, PreferencesInput, SettingsInput, TemplateInput, TemplatePatchInput } from '../types.ts';
import { checkData, checkTexts, compileTemplate, renderFor } from './content.ts';

function checkTemplate(t: { content: TemplateInput['content']; url?: string | null | undefined; variables: TemplateInput['variables'] }, prefix = 'body') {
  checkTexts(
    [
      { field: `${prefix}.content.zh-CN.title`, text: t.content['zh-CN'].title },
      { field: `${prefix}.content.zh-CN.body`, text: t.content['zh-CN'].body },
      { field: `${prefix}.content.en.title`, text: t.content.en.title },
      { field: `${prefix}.content.en.body`, text: t.content.en.body },
      { field: `${prefix}.url`, text: t.url },
    ],
    t.variables,
  );
}

const notFound = (key: string) => new AppError('messaging.template_not_found', `Template ${key} does not exist`, { template: key });

/** Settings as the audit log keeps them: never the link-signing secret (the relay's password is masked by the log). */
const settingsView = ({ signingSecret: _secret, ...rest }: SettingsRow) => rest;

export function createAdmin(opts: { audit: Audit; secrets: SecretBox; settingsChanged?: (appId: string) => void; smtpGuard?: NetGuard }) {
  const smtpGuard = opts.smtpGuard ?? createNetGuard();
  const { audit } = opts;
  const tx = <T>(ctx: Ctx, fn: (c: Ctx) => Promise<T>): Promise<T> => ctx.db.transaction((db) => fn({ ...ctx, db }));
  // The relay URL (it may carry user:password) is stored sealed; operators get it opened, and
  // routes show it with the password masked.
  const opened = (s: SettingsRow): SettingsRow => (s.email ? { ...s, email: { ...s.email, smtpUrl: opts.secrets.open(s.email.smtpUrl) } } : s);
  return {
    // ---- templates ------------------------------------------------------------------------------------
    async createTemplate(ctx: Ctx, appId: string, input: TemplateInput): Promise<TemplateRow> {
      checkTemplate(input);
      return tx(ctx, async (c) => {
        const row = await store.insertTemplate(c.db, {
          appId,
          key: input.key,
          category: input.category,
          titleZh: input.content['zh-CN'].title,
          bodyZh: input.content['zh-CN'].body,
          titleEn: input.content.en.title,
          bodyEn: input.content.en.body,
          url: input.url ?? null,
          variables: input.variables,
        });
        if (!row) throw new AppError('messaging.template_exists', `Template ${input.key} already exists; PATCH it instead`, { template: input.key });
        await audit.record(c, { appId, action: 'messaging.template.create', targetType: 'messaging_template', targetId: row.key, after: row });
        return row;
      });
    },

    async updateTemplate(ctx: Ctx, appId: string, key: string, patch: TemplatePatchInput): Promise<TemplateRow> {
      return tx(ctx, async (c) => {
        const cur = await store.findTemplate(c.db, appId, key);
        if (!cur) throw notFound(key);
        const next = {
          content: patch.content ?? { 'zh-CN': { title: cur.titleZh, body: cur.bodyZh }, en: { title: cur.titleEn, body: cur.bodyEn } },
          url: patch.url === undefined ? cur.url : patch.url,
          variables: patch.variables ?? cur.variables,
        };
        checkTemplate(next);
        const row = await store.updateTemplate(c.db, appId, key, {
          ...(patch.category ? { category: patch.category } : {}),
          titleZh: next.content['zh-CN'].title,
          bodyZh: next.content['zh-CN'].body,
          titleEn: next.content.en.title,
          bodyEn: next.content.en.body,
          url: next.url,
          variables: next.variables,
        });
        await audit.record(c, { appId, action: 'messaging.template.update', targetType: 'messaging_template', targetId: key, before: cur, after: row });
        return row!;
      });
    },

    async deleteTemplate(ctx: Ctx, appId: string, key: string): Promise<void> {
      await tx(ctx, async (c) => {
        const rule = await rulesStore.templateInUse(c.db, appId, key);
        if (rule) throw new AppError('messaging.template_in_use', `Template ${key} is used by rule ${rule}; delete or change the rule first`, { rule_id: rule });
        const before = await store.findTemplate(c.db, appId, key);
        if (!before || !(await store.deleteTemplate(c.db, appId, key))) throw notFound(key);
        await audit.record(c, { appId, action: 'messaging.template.delete', targetType: 'messaging_template', targetId: key, before });
      });
    },

    async getTemplate(ctx: Ctx, appId: string, key: string): Promise<TemplateRow> {
      const t = await store.findTemplate(ctx.db, appId, key);
      if (!t) throw notFound(key);
      return t;
    },

    listTemplates: (ctx: Ctx, appId: string, q: { limit: number; afterKey?: string | undefined; category?: string | undefined }) => store.listTemplates(ctx.db, appId, q),

    /** Renders a template with its sample values, overridden by `data`, in both languages (or one). */
    async preview(ctx: Ctx, appId: string, key: string, q: { data?: Values | undefined; locale?: string | undefined }) {
      const t = await this.getTemplate(ctx, appId, key);
      checkData(t, q.data, 'body.data');
      const samples: Values = Object.fromEntries(Object.entries(t.variables).map(([k, v]) => [k, v.sample]));
      const compiled = compileTemplate(t, { ...samples, ...q.data });
      const sampleUser = (locale: string): Recipient => ({ userId: 'user_123', traits: { nickname: locale.startsWith('zh') ? '小明' : 'Alex' }, timezone: null, locale });
      const locales = q.locale ? [q.locale] : ['zh-CN', 'en'];
      return {
        template: t.key,
        variables: [...Object.keys(t.variables), ...BUILTIN_VARIABLES],
        rendered: Object.fromEntries(locales.map((l) => [l, renderFor(compiled, sampleUser(l), 'zh-CN')])),
      };
    },

    // ---- settings and caps ---------------------------------------------------------------------------------
    getSettings: async (ctx: Ctx, appId: string) => opened(await store.getSettings(ctx.db, appId)),

    async updateSettings(ctx: Ctx, appId: string, input: SettingsInput): Promise<SettingsRow> {
      const patch: Parameters<typeof store.updateSettings>[2] = {};
      if (input.default_locale !== undefined) patch.defaultLocale = Intl.getCanonicalLocales(input.default_locale)[0]!;
      if (input.default_timezone !== undefined) patch.defaultTimezone = input.default_timezone;
      if (input.quiet_hours !== undefined) {
        if (input.quiet_hours === null) {
          patch.quietStart = null;
          patch.quietEnd = null;
        } else {
          const start = parseClock(input.quiet_hours.start)!;
          const end = parseClock(input.quiet_hours.end)!;
          if (start === end) throw fieldError('body.quiet_hours.end', 'must differ from start', 'HH:MM other than start');
          if (input.quiet_hours.channels?.includes('in_app')) throw fieldError('body.quiet_hours.channels', 'in_app cannot be quiet: the inbox never interrupts; quiet hours hold back realtime, email and webhook', 'realtime, email, webhook');
          patch.quietStart = start;
          patch.quietEnd = end;
          if (input.quiet_hours.channels) patch.quietChannels = input.quiet_hours.channels;
        }
      }
      if (input.email) {
        // The relay is checked as written here and again on its resolved address when mail goes out.
        let host: string;
        try {
          host = new URL(input.email.smtp_url).hostname.replace(/^\[|\]$/g, '');
        } catch {
          throw fieldError('body.email.smtp_url', 'is not a valid URL', 'smtp://user:pass@host:port or smtps://…');
        }
        const refusal = smtpGuard.refusal(host);
        if (refusal) throw fieldError('body.email.smtp_url', new BlockedAddressError(refusal).message, 'a public SMTP relay (or one allowed by CANYU_WEBHOOK_ALLOW_PRIVATE)');
      }
      if (input.email) {
        // Settings are shown with the password as ***: sending that back keeps the stored password.
        const u = new URL(input.email.smtp_url);
        if (u.password === '***' || decodeURIComponent(u.password) === '***') {
          const cur = opened(await store.getSettings(ctx.db, appId)).email;
          if (!cur) throw fieldError('body.email.smtp_url', 'the password *** stands for the stored one, but no relay is stored yet: send the real password', 'smtp://user:password@host:port');
          u.password = new URL(cur.smtpUrl).password;
          patch.email = { smtpUrl: opts.secrets.seal(u.toString()), from: input.email.from };
        } else patch.email = { smtpUrl: opts.secrets.seal(input.email.smtp_url), from: input.email.from };
      } else if (input.email === null) patch.email = null;
      const row = await tx(ctx, async (c) => {
        const before = await store.getSettings(c.db, appId);
        const after = await store.updateSettings(c.db, appId, patch);
        await audit.record(c, { appId, action: 'messaging.settings.update', targetType: 'messaging_settings', targetId: appId, before: settingsView(opened(before)), after: settingsView(opened(after)) });
        return after;
      });
      opts.settingsChanged?.(appId);
      return opened(row);
    },

    listCaps: (ctx: Ctx, appId: string) => store.listCapRules(ctx.db, appId),

    createCap: (ctx: Ctx, appId: string, input: CapInput) =>
      tx(ctx, async (c) => {
        const row = await store.insertCapRule(c.db, { appId, id: newId('cap'), channel: input.channel, category: input.category, max: input.max, period: input.period });
        await audit.record(c, { appId, action: 'messaging.cap.create', targetType: 'messaging_cap', targetId: row.id, after: row });
        return row;
      }),

    async deleteCap(ctx: Ctx, appId: string, id: string): Promise<void> {
      await tx(ctx, async (c) => {
        const before = (await store.listCapRules(c.db, appId)).find((r) => r.id === id);
        if (!before || !(await store.deleteCapRule(c.db, appId, id))) throw new AppError('messaging.cap_not_found', `Cap rule ${id} does not exist`, { cap_id: id });
        await audit.record(c, { appId, action: 'messaging.cap.delete', targetType: 'messaging_cap', targetId: id, before });
      });
    },

    // ---- preferences ------------------------------------------------------------------------------------------
    async getPreferences(ctx: Ctx, appId: string, userId: string): Promise<Pick<UserPrefsRow, 'disabled' | 'quietStart' | 'quietEnd'>> {
      const [p] = await store.findPrefs(ctx.db, appId, [userId]);
      return p ?? { disabled: [], quietStart: null, quietEnd: null };
    },

    async setPreferences(ctx: Ctx, appId: string, userId: string, input: PreferencesInput): Promise<UserPrefsRow> {
      const q = input.quiet_hours;
      if (q && q.start === q.end) throw fieldError('body.quiet_hours.end', 'must differ from start', 'HH:MM other than start');
      return store.upsertPrefs(ctx.db, appId, userId, {
        disabled: input.disabled ? [...new Set(input.disabled.map((d) => `${d.category}:${d.channel}`))] : undefined,
        quietStart: q === undefined ? undefined : q === null ? null : parseClock(q.start),
        quietEnd: q === undefined ? undefined : q === null ? null : parseClock(q.end),
      });
    },

    optOut: (ctx: Ctx, appId: string, userId: string, category: string, channel: string) => store.addOptOut(ctx.db, appId, userId, `${category}:${channel}`),
  };
}

export type Admin = ReturnType<typeof createAdmin>;
