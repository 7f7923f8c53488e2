// zod schemas of the messaging API and their inferred types.
import { z } from 'zod';
import { ConditionsSchema } from '../../lib/conditions.ts';
import { cleanText, jsonObject } from '../../http/json.ts';
import { externalId } from '../../http/route.ts';
import { isLocale, isTimeZone } from '../users/index.ts';
import { CATEGORIES, CHANNELS } from './rules/contact.ts';
import { parseClock } from './rules/time.ts';
import { dateTime } from '../../http/fields.ts';

export const Channel = z.enum(CHANNELS).describe('in_app (inbox), realtime (WebSocket/SSE), email (SMTP), webhook (the host delivers push/SMS)');
export const Category = z.enum(CATEGORIES).describe('system, interaction, activity (campaigns/marketing) or service');
export const Period = z.enum(['hour', 'day', 'week']);

const Localized = z.strictObject({ title: cleanText(1, 200), body: cleanText(1, 5000) });
/** Both languages: templates, which are written once and sent to every user. */
export const FullContent = z.strictObject({ 'zh-CN': Localized, en: Localized }).describe('The message in Chinese (zh-CN) and English; each user gets the one of their locale');
/** At least one language; a user whose language is missing gets the other. */
export const Content = z
  .strictObject({ 'zh-CN': Localized.optional(), en: Localized.optional() })
  .refine((c) => c['zh-CN'] || c.en, { message: 'give the message in zh-CN, en or both' })
  .describe('The message in zh-CN and/or English; each user gets the one of their locale, else the other');
export type ContentInput = z.infer<typeof Content>;

export const url = z
  .string()
  .max(2000)
  .refine((s) => /^(https?:\/\/|\/)[^\s\u0000]*$/.test(s) || /^[a-z][a-z0-9+.-]*:\/\/[^\s\u0000]*$/i.test(s), 'must be an http(s) URL, an app deep link (scheme://…) or a path starting with /')
  .describe('Where a click on the message leads (may use {{variables}} in templates)');

const VarValue = z.union([z.string().max(500), z.number()]);
export const Variables = z
  .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'variable names are letters, digits and _'), z.strictObject({ sample: VarValue.describe('Used by previews'), fallback: VarValue.optional().describe('Used when neither the send data nor the user traits have a value') }))
  .refine((v) => Object.keys(v).length <= 50, 'at most 50 variables')
  .describe('Declared variables: {{name}} in the texts must be declared here. Values come from the send data, then the user traits (and built-ins user_id, nickname), then the fallback.');

export const TemplateKey = z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,63}$/, 'keys are 1-64 lowercase letters, digits, _ . -');

export const TemplateBody = z.strictObject({
  key: TemplateKey,
  category: Category,
  content: FullContent,
  url: url.optional(),
  variables: Variables.default({}),
});
export type TemplateInput = z.infer<typeof TemplateBody>;
export const TemplatePatch = z.strictObject({ category: Category.optional(), content: FullContent.optional(), url: url.nullable().optional(), variables: Variables.optional() });
export type TemplatePatchInput = z.infer<typeof TemplatePatch>;

export const SendData = jsonObject({ maxBytes: 8 * 1024, what: 'data' }).describe('Template variable values for this send (unknown variables are refused)');

export const PreviewBody = z.strictObject({ data: SendData.optional(), locale: z.string().max(35).refine(isLocale, 'must be a BCP 47 language tag such as zh-CN').optional() });

export const Audience = z
  .strictObject({
    all: z.literal(true).optional(),
    traits: jsonObject({ maxBytes: 4096, what: 'traits' }).optional().describe('Users whose traits contain these key/values'),
    segment: z.string().min(1).max(128).optional().describe('A segment id, resolved by the segments module when it is installed'),
  })
  .refine((a) => [a.all, a.traits, a.segment].filter((x) => x !== undefined).length === 1, { message: 'give exactly one of all, traits or segment' });
export type AudienceInput = z.infer<typeof Audience>;

const iso = dateTime().describe('ISO 8601 date-time');

export const SendBody = z
  .strictObject({
    to: z
      .strictObject({
        user_id: externalId('user_id').optional(),
        user_ids: z.array(externalId('user_ids')).min(1).max(1000).optional(),
        audience: Audience.optional(),
      })
      .refine((t) => [t.user_id, t.user_ids, t.audience].filter((x) => x !== undefined).length === 1, { message: 'give exactly one of user_id, user_ids or audience' }),
    template: TemplateKey.optional(),
    data: SendData.optional(),
    content: Content.optional(),
    url: url.optional(),
    category: Category.optional(),
    channels: z.array(Channel).min(1).max(4).default(['in_app']),
    transactional: z.boolean().default(false).describe('Transactional messages (receipts, security) bypass caps, quiet hours and opt-outs'),
    scheduled_at: iso.optional().describe('Send later; must be in the future'),
    campaign: z.string().min(1).max(128).optional().describe('A label grouping sends for statistics'),
    experiment: z
      .strictObject({
        id: z.string().min(1).max(128).describe('A running experiment (id or key)'),
        content: z.record(z.string().min(1).max(64).regex(/^[a-z0-9][a-z0-9_.-]*$/, 'an arm key of the experiment'), Content).default({}).describe('Per arm, the message that arm gets instead of the send’s own'),
      })
      .optional()
      .describe('Sends as an A/B test: users in the holdout get nothing (counted as held_out and recorded as the baseline), every other recipient is recorded in their arm and gets its content'),
  })
  .superRefine((b, ctx) => {
    if ((b.template === undefined) === (b.content === undefined)) ctx.addIssue({ code: 'custom', path: ['template'], message: 'give either template (with data) or content' });
    if (b.content !== undefined && b.category === undefined) ctx.addIssue({ code: 'custom', path: ['category'], message: 'required with content' });
    if (b.content !== undefined && b.data !== undefined) ctx.addIssue({ code: 'custom', path: ['data'], message: 'data fills template variables; it cannot be used with content' });
    if (new Set(b.channels).size !== b.channels.length) ctx.addIssue({ code: 'custom', path: ['channels'], message: 'channels must not repeat' });
  });
export type SendInput = z.infer<typeof SendBody>;

export const AnnouncementBody = z.strictObject({
  category: Category.default('system'),
  content: Content,
  url: url.optional(),
  data: jsonObject({ maxBytes: 4096, what: 'data' }).optional(),
  audience: Audience.default({ all: true }),
  starts_at: iso.optional().describe('Visible from (default now)'),
  expires_at: iso.optional(),
  campaign: z.string().min(1).max(128).optional(),
  realtime: z.boolean().default(true).describe('Also push it to connected clients (WebSocket/SSE) when it starts'),
});
export type AnnouncementInput = z.infer<typeof AnnouncementBody>;

export const CapBody = z.strictObject({
  channel: Channel.nullable().default(null).describe('null: the rule counts messages on any channel (once per message)'),
  category: Category.nullable().default(null).describe('null: any category'),
  max: z.number().int().min(0).max(10_000),
  period: Period,
});
export type CapInput = z.infer<typeof CapBody>;

const clock = z.string().refine((s) => parseClock(s) !== null, 'must be HH:MM (24-hour)');
export const QuietHoursBody = z.strictObject({ start: clock, end: clock });

export const SettingsBody = z.strictObject({
  default_locale: z.string().max(35).refine(isLocale, 'must be a BCP 47 language tag such as zh-CN').optional(),
  default_timezone: z.string().max(64).refine(isTimeZone, 'must be an IANA time zone such as Asia/Shanghai').optional(),
  quiet_hours: QuietHoursBody.extend({ channels: z.array(Channel).max(4).optional() }).nullable().optional().describe('In each user’s own timezone; messages on these channels wait for the end of the window'),
  email: z
    .strictObject({
      smtp_url: z
        .string()
        .max(500)
        .refine((s) => /^smtps?:\/\/[^\s]+$/.test(s), 'must be smtp://user:pass@host:port or smtps://…'),
      from: z.string().max(200).regex(/^(?:[^<>\r\n]*<)?[^\s@<>]+@[^\s@<>]+>?$/, 'must be an address such as "Canyu <noreply@example.com>"'),
    })
    .nullable()
    .optional(),
});
export type SettingsInput = z.infer<typeof SettingsBody>;

const PrefTarget = z.strictObject({ category: z.union([Category, z.literal('*')]), channel: z.union([Channel, z.literal('*')]) });
export const PreferencesBody = z.strictObject({
  disabled: z.array(PrefTarget).max(64).optional().describe('Replaces the opt-outs: messages of this category on this channel are not sent ("*" = any)'),
  quiet_hours: QuietHoursBody.nullable().optional().describe("The user's own quiet hours (replacing the app's), or null to use the app's"),
});
export type PreferencesInput = z.infer<typeof PreferencesBody>;

const path = z.string().max(200).regex(/^[A-Za-z_$][\w$]*(\.[\w$]+)*$/, 'a dotted path into the event payload, e.g. comment.authorId');
export const RuleBody = z.strictObject({
  event: z.string().min(1).max(128).describe('Domain event name (comment.replied, level.up …) or an ingested host event name'),
  recipient: path.describe('Path of the user id to message in the event payload'),
  conditions: ConditionsSchema.default({}).describe('Only events whose payload meets these conditions (paths as for recipient: host events under properties.…)'),
  template: TemplateKey,
  channels: z.array(Channel).min(1).max(4).default(['in_app']),
  transactional: z.boolean().default(false),
  data: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/), path).optional().describe('Template variable → payload path'),
  digest: z
    .strictObject({
      key: z.string().min(1).max(200).describe('Groups notifications, may use {{variables}} from data, e.g. like:{{post}}'),
      window_seconds: z.number().int().min(10).max(7 * 86400),
      actor: path.describe('Payload path of who acted (their display name)'),
      template: TemplateKey.describe('Template for 2+ notifications; variables actor, others, count'),
    })
    .optional(),
  enabled: z.boolean().default(true),
});
export type RuleInput = z.infer<typeof RuleBody>;

export const ReserveBody = z.strictObject({
  category: Category,
  channel: Channel,
  source: z.string().min(1).max(64).describe('Who is asking, e.g. surveys'),
  ref: z.string().min(1).max(255).describe('Idempotency: the same source+ref always gets the first answer'),
  transactional: z.boolean().default(false),
});
export type ReserveInput = z.infer<typeof ReserveBody>;

export const InboxId = z.string().regex(/^(msg|ann)_\d{1,18}$/, 'an inbox id such as msg_123 or ann_45');
export const UserParams = z.strictObject({ userId: externalId('userId') });
