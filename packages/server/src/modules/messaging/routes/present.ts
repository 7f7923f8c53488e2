// Row → JSON shapes of the messaging API, and their zod schemas for the OpenAPI document.
import { z } from 'zod';
import { iso } from '../../../http/route.ts';
import { formatClock } from '../rules/time.ts';
import type { ContactCheck } from '../service/budget.ts';
import { inboxId } from '../service/inbox.ts';
import type { RecipientResult } from '../service/sending.ts';
import type { ContactLogRow } from '../store/budget.ts';
import type { AnnouncementRow, InboxItem, MessageRow } from '../store/inbox.ts';
import type { RuleRow } from '../store/rules.ts';
import type { DeliveryRow, SendRow, SendStats } from '../store/sends.ts';
import type { CapRuleRow, SettingsRow, TemplateRow } from '../store/settings.ts';
import { Category, Channel } from '../types.ts';

const Localized = z.object({ title: z.string(), body: z.string() });
const Content = z.object({ 'zh-CN': Localized, en: Localized });

export const InboxItemOut = z
  .object({
    id: z.string().describe('msg_… for a message to this user, ann_… for an announcement'),
    kind: z.enum(['message', 'announcement']),
    category: Category,
    title: z.string(),
    body: z.string(),
    url: z.string().nullable(),
    data: z.record(z.string(), z.unknown()).nullable(),
    created_at: z.string(),
    read_at: z.string().nullable(),
    clicked_at: z.string().nullable(),
  })
  .meta({ id: 'InboxItem' });

export const presentItem = (i: InboxItem) => ({
  id: inboxId(i),
  kind: i.kind === 'msg' ? ('message' as const) : ('announcement' as const),
  category: i.category as z.infer<typeof Category>,
  title: i.title,
  body: i.body,
  url: i.url,
  data: i.data,
  created_at: i.created_at.toISOString(),
  read_at: iso(i.read_at),
  clicked_at: iso(i.clicked_at),
});

export const TemplateOut = z
  .object({
    key: z.string(),
    category: Category,
    content: Content,
    url: z.string().nullable(),
    variables: z.record(z.string(), z.object({ sample: z.union([z.string(), z.number()]), fallback: z.union([z.string(), z.number()]).optional() })),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'MessageTemplate' });

export const presentTemplate = (t: TemplateRow) => ({
  key: t.key,
  category: t.category as z.infer<typeof Category>,
  content: { 'zh-CN': { title: t.titleZh, body: t.bodyZh }, en: { title: t.titleEn, body: t.bodyEn } },
  url: t.url,
  variables: t.variables,
  created_at: t.createdAt.toISOString(),
  updated_at: t.updatedAt.toISOString(),
});

const ChannelResult = z.object({ status: z.enum(['queued', 'deferred', 'capped', 'suppressed']), deliver_at: z.string() });
export const RecipientOut = z.object({
  user_id: z.string(),
  message_id: z.string(),
  status: z.enum(['sent', 'capped', 'suppressed', 'none']).describe('In-app (inbox) outcome; none when in_app was not requested'),
  channels: z.record(z.string(), ChannelResult).describe('Outcome per channel: queued (being delivered), deferred (quiet hours; deliver_at is when), capped, suppressed (opted out)'),
});

export const presentResult = (r: RecipientResult) => ({
  user_id: r.userId,
  message_id: `msg_${r.messageId}`,
  status: r.status as 'sent',
  channels: Object.fromEntries(Object.entries(r.channels).map(([ch, c]) => [ch, { status: c.status, deliver_at: c.deliverAt.toISOString() }])),
});

export const SendOut = z
  .object({
    id: z.string(),
    kind: z.enum(['direct', 'audience', 'rule', 'digest']),
    status: z.enum(['scheduled', 'queued', 'running', 'done', 'failed', 'canceled']),
    campaign: z.string().nullable(),
    audience: z.record(z.string(), z.unknown()),
    template: z.string().nullable(),
    category: Category,
    channels: z.array(Channel),
    transactional: z.boolean(),
    scheduled_at: z.string().nullable(),
    started_at: z.string().nullable(),
    finished_at: z.string().nullable(),
    counts: z
      .object({ targeted: z.number(), sent: z.number(), deferred: z.number(), capped: z.number(), suppressed: z.number(), held_out: z.number() })
      .describe('Per recipient: sent (some channel went out), else deferred, else capped, else suppressed; held_out: in the experiment’s holdout, not targeted'),
    experiment: z.string().nullable().describe('The experiment the send belongs to (its id)'),
    error: z.string().nullable(),
    created_at: z.string(),
  })
  .meta({ id: 'Send' });

export const presentSend = (s: SendRow) => ({
  id: s.id,
  kind: s.kind as 'direct',
  status: s.status as 'done',
  campaign: s.campaign,
  audience: s.audience,
  template: s.templateKey,
  category: s.category as z.infer<typeof Category>,
  channels: s.channels as z.infer<typeof Channel>[],
  transactional: s.transactional,
  scheduled_at: iso(s.scheduledAt),
  started_at: iso(s.startedAt),
  finished_at: iso(s.finishedAt),
  counts: { targeted: s.targeted, sent: s.sent, deferred: s.deferred, capped: s.capped, suppressed: s.suppressed, held_out: s.heldOut },
  experiment: s.experiment?.id ?? null,
  error: s.error,
  created_at: s.createdAt.toISOString(),
});

export const StatsOut = z
  .object({
    messages: z.number(),
    inbox: z.object({ sent: z.number(), capped: z.number(), suppressed: z.number(), read: z.number(), clicked: z.number() }),
    channels: z.record(z.string(), z.record(z.string(), z.number())).describe('Per channel, deliveries by status (queued, deferred, sending, sent, delivered, failed, capped, suppressed)'),
  })
  .meta({ id: 'MessageStats' });

export function presentStats(s: SendStats) {
  const inbox = { sent: 0, capped: 0, suppressed: 0, read: 0, clicked: 0 };
  let messages = 0;
  for (const m of s.messages) {
    messages += m.n;
    if (m.status === 'sent' || m.status === 'capped' || m.status === 'suppressed') inbox[m.status] += m.n;
    inbox.read += m.read;
    inbox.clicked += m.clicked;
  }
  const channels: Record<string, Record<string, number>> = {};
  for (const d of s.deliveries) (channels[d.channel] ??= {})[d.status] = d.n;
  return { messages, inbox, channels };
}

export const DeliveryOut = z.object({
  id: z.string(),
  channel: Channel,
  status: z.string(),
  attempts: z.number(),
  deliver_after: z.string(),
  sent_at: z.string().nullable(),
  delivered_at: z.string().nullable(),
  last_error: z.string().nullable(),
});
export const presentDelivery = (d: DeliveryRow) => ({
  id: `dlv_${d.id}`,
  channel: d.channel as z.infer<typeof Channel>,
  status: d.status,
  attempts: d.attempts,
  deliver_after: d.deliverAfter.toISOString(),
  sent_at: iso(d.sentAt),
  delivered_at: iso(d.deliveredAt),
  last_error: d.lastError,
});

export const MessageOut = z
  .object({
    id: z.string(),
    user_id: z.string(),
    send_id: z.string().nullable(),
    category: Category,
    title: z.string(),
    body: z.string(),
    url: z.string().nullable(),
    status: z.string(),
    created_at: z.string(),
    read_at: z.string().nullable(),
    clicked_at: z.string().nullable(),
    deleted_at: z.string().nullable(),
    deliveries: z.array(DeliveryOut),
  })
  .meta({ id: 'Message' });

export const presentMessage = (m: MessageRow, deliveries: DeliveryRow[]) => ({
  id: `msg_${m.id}`,
  user_id: m.userId,
  send_id: m.sendId,
  category: m.category as z.infer<typeof Category>,
  title: m.title,
  body: m.body,
  url: m.url,
  status: m.status,
  created_at: m.createdAt.toISOString(),
  read_at: iso(m.readAt),
  clicked_at: iso(m.clickedAt),
  deleted_at: iso(m.deletedAt),
  deliveries: deliveries.map(presentDelivery),
});

export const AnnouncementOut = z
  .object({
    id: z.string(),
    category: Category,
    content: Content,
    url: z.string().nullable(),
    data: z.record(z.string(), z.unknown()).nullable(),
    audience: z.record(z.string(), z.unknown()).describe('{ all: true } or { traits: {…} }'),
    campaign: z.string().nullable(),
    realtime: z.boolean(),
    starts_at: z.string(),
    expires_at: z.string().nullable(),
    withdrawn_at: z.string().nullable(),
    pushed_at: z.string().nullable(),
    created_at: z.string(),
    stats: z.object({ read: z.number(), clicked: z.number(), deleted: z.number() }).optional(),
  })
  .meta({ id: 'Announcement' });

export const presentAnnouncement = (a: AnnouncementRow & { stats?: { read: number; clicked: number; deleted: number } }) => ({
  id: `ann_${a.id}`,
  category: a.category as z.infer<typeof Category>,
  content: { 'zh-CN': { title: a.titleZh, body: a.bodyZh }, en: { title: a.titleEn, body: a.bodyEn } },
  url: a.url,
  data: a.data,
  audience: a.audience === null ? { all: true } : { traits: a.audience },
  campaign: a.campaign,
  realtime: a.realtime,
  starts_at: a.startsAt.toISOString(),
  expires_at: iso(a.expiresAt),
  withdrawn_at: iso(a.withdrawnAt),
  pushed_at: iso(a.pushedAt),
  created_at: a.createdAt.toISOString(),
  ...(a.stats ? { stats: a.stats } : {}),
});

export const CapOut = z.object({ id: z.string(), channel: Channel.nullable(), category: Category.nullable(), max: z.number(), period: z.enum(['hour', 'day', 'week']), created_at: z.string() }).meta({ id: 'CapRule' });
export const presentCap = (c: CapRuleRow) => ({ id: c.id, channel: c.channel as z.infer<typeof Channel> | null, category: c.category as z.infer<typeof Category> | null, max: c.max, period: c.period as 'day', created_at: c.createdAt.toISOString() });

export const SettingsOut = z
  .object({
    default_locale: z.string(),
    default_timezone: z.string(),
    quiet_hours: z.object({ start: z.string(), end: z.string(), channels: z.array(Channel) }).nullable(),
    email: z.object({ smtp_url: z.string().describe('The password is never shown'), from: z.string() }).nullable(),
    updated_at: z.string(),
  })
  .meta({ id: 'MessagingSettings' });

function maskUrl(u: string): string {
  try {
    const url = new URL(u);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return '***';
  }
}

export const presentSettings = (s: SettingsRow) => ({
  default_locale: s.defaultLocale,
  default_timezone: s.defaultTimezone,
  quiet_hours: s.quietStart !== null && s.quietEnd !== null ? { start: formatClock(s.quietStart), end: formatClock(s.quietEnd), channels: s.quietChannels as z.infer<typeof Channel>[] } : null,
  email: s.email ? { smtp_url: maskUrl(s.email.smtpUrl), from: s.email.from } : null,
  updated_at: s.updatedAt.toISOString(),
});

export const PrefsOut = z
  .object({
    disabled: z.array(z.object({ category: z.string(), channel: z.string() })),
    quiet_hours: z.object({ start: z.string(), end: z.string() }).nullable(),
  })
  .meta({ id: 'MessagingPreferences' });

export const presentPrefs = (p: { disabled: string[]; quietStart: number | null; quietEnd: number | null }) => ({
  disabled: p.disabled.map((d) => {
    const [category, channel] = d.split(':');
    return { category: category!, channel: channel! };
  }),
  quiet_hours: p.quietStart !== null && p.quietEnd !== null ? { start: formatClock(p.quietStart), end: formatClock(p.quietEnd) } : null,
});

export const RuleOut = z
  .object({
    id: z.string(),
    event: z.string(),
    recipient: z.string(),
    conditions: z.record(z.string(), z.unknown()),
    template: z.string(),
    channels: z.array(Channel),
    transactional: z.boolean(),
    data: z.record(z.string(), z.string()),
    digest: z.object({ key: z.string(), window_seconds: z.number(), actor: z.string(), template: z.string() }).nullable(),
    enabled: z.boolean(),
    created_at: z.string(),
  })
  .meta({ id: 'MessageRule' });

export const presentRule = (r: RuleRow) => ({
  id: r.id,
  event: r.event,
  recipient: r.recipient,
  conditions: r.conditions,
  template: r.templateKey,
  channels: r.channels as z.infer<typeof Channel>[],
  transactional: r.transactional,
  data: r.dataMap,
  digest: r.digest ? { key: r.digest.key, window_seconds: r.digest.windowSeconds, actor: r.digest.actor, template: r.digest.templateKey } : null,
  enabled: r.enabled,
  created_at: r.createdAt.toISOString(),
});

export const ContactCheckOut = z
  .object({
    allowed: z.boolean(),
    reason: z.enum(['unsubscribed', 'quiet_hours', 'capped']).nullable(),
    retry_at: z.string().nullable().describe('With quiet_hours: when the window ends'),
    caps: z.array(z.object({ cap_id: z.string(), window: z.string(), used: z.number(), max: z.number() })),
  })
  .meta({ id: 'ContactCheck' });

export const presentCheck = (c: ContactCheck) => ({ allowed: c.allowed, reason: c.reason, retry_at: iso(c.retryAt), caps: c.caps.map((x) => ({ cap_id: x.ruleId, window: x.window, used: x.used, max: x.max })) });

export const ReservationOut = z
  .object({
    id: z.string(),
    user_id: z.string(),
    outcome: z.enum(['allowed', 'capped', 'unsubscribed', 'quiet_hours']),
    retry_at: z.string().nullable(),
    category: Category,
    channel: Channel,
    source: z.string(),
    ref: z.string(),
    created_at: z.string(),
  })
  .meta({ id: 'ContactReservation' });

export const presentReservation = (r: ContactLogRow) => ({
  id: `rsv_${r.id}`,
  user_id: r.userId,
  outcome: r.outcome as 'allowed',
  retry_at: iso(r.retryAt),
  category: r.category as z.infer<typeof Category>,
  channel: r.channel as z.infer<typeof Channel>,
  source: r.source,
  ref: r.ref,
  created_at: r.createdAt.toISOString(),
});
