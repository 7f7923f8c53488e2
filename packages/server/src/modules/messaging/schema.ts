// Tables of the messaging module (prefix ms_). Per-user rows are sparse wherever they can be:
// an announcement is one row however large its audience, and a user's read/delete state of it is
// stored only once the user acts on it.
import { sql } from 'drizzle-orm';
import { bigserial, bigint, boolean, index, integer, jsonb, pgTable, primaryKey, smallint, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import type { Conditions } from '../../lib/conditions.ts';

const ts = (name: string) => timestamp(name, { withTimezone: true });

/** Per-app messaging settings: defaults for users without a locale/timezone, quiet hours, email. */
export const settings = pgTable('ms_settings', {
  appId: text('app_id').primaryKey(),
  /** HMAC secret of unsubscribe and click links; generated on first use. */
  signingSecret: text('signing_secret').notNull(),
  defaultLocale: text('default_locale').notNull().default('zh-CN'),
  defaultTimezone: text('default_timezone').notNull().default('UTC'),
  /** Minutes from local midnight; null = no quiet hours. */
  quietStart: smallint('quiet_start'),
  quietEnd: smallint('quiet_end'),
  quietChannels: text('quiet_channels').array().notNull().default(sql`'{realtime,email,webhook}'::text[]`),
  /** { smtpUrl, from }: smtpUrl (it may carry user:password) is sealed with the server master key (lib/secrets.ts). */
  email: jsonb('email').$type<{ smtpUrl: string; from: string } | null>(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

export const capRules = pgTable(
  'ms_cap_rules',
  {
    appId: text('app_id').notNull(),
    id: text('id').notNull(),
    channel: text('channel'),
    category: text('category'),
    max: integer('max').notNull(),
    period: text('period').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.appId, t.id] })],
);

/** How much of each cap a user has used in a window (the user's local day, hour or ISO week). */
export const budgetCounters = pgTable(
  'ms_budget_counters',
  {
    appId: text('app_id').notNull(),
    userId: text('user_id').notNull(),
    ruleId: text('rule_id').notNull(),
    window: text('win').notNull(),
    used: integer('used').notNull(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.appId, t.userId, t.ruleId, t.window] })],
);

/** Contacts reserved through the public budget API by other modules or the host app. */
export const contactLog = pgTable(
  'ms_contact_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    appId: text('app_id').notNull(),
    userId: text('user_id').notNull(),
    channel: text('channel').notNull(),
    category: text('category').notNull(),
    source: text('source').notNull(),
    ref: text('ref').notNull(),
    outcome: text('outcome').notNull(),
    retryAt: ts('retry_at'),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('ms_contact_log_ref').on(t.appId, t.source, t.ref), index('ms_contact_log_user').on(t.appId, t.userId, t.id)],
);

export const templates = pgTable(
  'ms_templates',
  {
    appId: text('app_id').notNull(),
    key: text('key').notNull(),
    category: text('category').notNull(),
    titleZh: text('title_zh').notNull(),
    bodyZh: text('body_zh').notNull(),
    titleEn: text('title_en').notNull(),
    bodyEn: text('body_en').notNull(),
    url: text('url'),
    variables: jsonb('variables').$type<Record<string, { sample: string | number; fallback?: string | number | undefined }>>().notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.appId, t.key] })],
);

/** The experiment of a send: its id and, per arm, the content that arm gets instead of the send's. */
export type SendExperiment = { id: string; content: Record<string, Record<string, unknown>> };

/** A send (campaign): to users, a list or an audience; immediate, scheduled, rule- or digest-made. */
export const sends = pgTable(
  'ms_sends',
  {
    appId: text('app_id').notNull(),
    id: text('id').notNull(),
    kind: text('kind').notNull(),
    campaign: text('campaign'),
    audience: jsonb('audience').$type<Record<string, unknown>>().notNull(),
    templateKey: text('template_key'),
    content: jsonb('content').$type<Record<string, unknown> | null>(),
    data: jsonb('data').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    category: text('category').notNull(),
    channels: text('channels').array().notNull(),
    transactional: boolean('transactional').notNull().default(false),
    status: text('status').notNull(),
    scheduledAt: ts('scheduled_at'),
    startedAt: ts('started_at'),
    finishedAt: ts('finished_at'),
    leaseUntil: ts('lease_until'),
    /** Last user id processed, so an interrupted audience send resumes where it stopped. */
    cursor: text('cursor'),
    targeted: integer('targeted').notNull().default(0),
    sent: integer('sent').notNull().default(0),
    capped: integer('capped').notNull().default(0),
    deferred: integer('deferred').notNull().default(0),
    suppressed: integer('suppressed').notNull().default(0),
    /** A send inside an A/B test: the experiment and each arm's own content (others get the send's). */
    experiment: jsonb('experiment').$type<SendExperiment | null>(),
    /** Recipients in the experiment's holdout: sent nothing, recorded as the baseline. */
    heldOut: integer('held_out').notNull().default(0),
    ruleId: text('rule_id'),
    dedupeKey: text('dedupe_key'),
    error: text('error'),
    createdBy: text('created_by'),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.appId, t.id] }),
    uniqueIndex('ms_sends_dedupe').on(t.appId, t.dedupeKey),
    index('ms_sends_due').on(t.status, t.scheduledAt),
    index('ms_sends_campaign').on(t.appId, t.campaign),
  ],
);

/**
 * One message to one user: the rendered content, its in-app (inbox) outcome and read/click state.
 * status: sent (in the inbox) | capped | suppressed | none (in-app not requested: the row only
 * carries the content of its other channels' deliveries).
 */
export const messages = pgTable(
  'ms_messages',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    appId: text('app_id').notNull(),
    userId: text('user_id').notNull(),
    sendId: text('send_id'),
    category: text('category').notNull(),
    title: text('title').notNull(),
    body: text('body').notNull(),
    url: text('url'),
    data: jsonb('data').$type<Record<string, unknown>>(),
    status: text('status').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
    readAt: ts('read_at'),
    clickedAt: ts('clicked_at'),
    deletedAt: ts('deleted_at'),
  },
  (t) => [index('ms_messages_inbox').on(t.appId, t.userId, t.createdAt, t.id), index('ms_messages_send').on(t.sendId).where(sql`${t.sendId} is not null`)],
);

/** A message on a channel other than the inbox (realtime, email, webhook): the delivery state machine. */
export const deliveries = pgTable(
  'ms_deliveries',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    appId: text('app_id').notNull(),
    messageId: bigint('message_id', { mode: 'number' }).notNull(),
    userId: text('user_id').notNull(),
    sendId: text('send_id'),
    channel: text('channel').notNull(),
    /** queued | deferred | sending | sent | delivered | failed | capped | suppressed */
    status: text('status').notNull(),
    deliverAfter: ts('deliver_after').notNull(),
    leaseUntil: ts('lease_until'),
    attempts: smallint('attempts').notNull().default(0),
    lastError: text('last_error'),
    sentAt: ts('sent_at'),
    deliveredAt: ts('delivered_at'),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [
    index('ms_deliveries_due').on(t.deliverAfter).where(sql`${t.status} in ('queued', 'deferred', 'sending')`),
    index('ms_deliveries_message').on(t.messageId),
    index('ms_deliveries_send').on(t.sendId).where(sql`${t.sendId} is not null`),
  ],
);

export const announcements = pgTable(
  'ms_announcements',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    appId: text('app_id').notNull(),
    category: text('category').notNull(),
    titleZh: text('title_zh').notNull(),
    bodyZh: text('body_zh').notNull(),
    titleEn: text('title_en').notNull(),
    bodyEn: text('body_en').notNull(),
    url: text('url'),
    data: jsonb('data').$type<Record<string, unknown>>(),
    /** Trait filter (jsonb containment); null = every user of the app. */
    audience: jsonb('audience').$type<Record<string, unknown> | null>(),
    campaign: text('campaign'),
    /** Push to connected clients when it starts; pushed_at records that it was. */
    realtime: boolean('realtime').notNull().default(true),
    pushedAt: ts('pushed_at'),
    startsAt: ts('starts_at').notNull(),
    expiresAt: ts('expires_at'),
    withdrawnAt: ts('withdrawn_at'),
    createdBy: text('created_by'),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [index('ms_announcements_app').on(t.appId, t.startsAt), index('ms_announcements_push').on(t.startsAt).where(sql`${t.pushedAt} is null`)],
);

/** A user's read/click/delete state of an announcement: a row only once the user acted. */
export const announcementStates = pgTable(
  'ms_announcement_states',
  {
    appId: text('app_id').notNull(),
    announcementId: bigint('announcement_id', { mode: 'number' }).notNull(),
    userId: text('user_id').notNull(),
    readAt: ts('read_at'),
    clickedAt: ts('clicked_at'),
    deletedAt: ts('deleted_at'),
  },
  (t) => [primaryKey({ columns: [t.appId, t.userId, t.announcementId] }), index('ms_announcement_states_ann').on(t.announcementId)],
);

/** A user's opt-outs ("category:channel", '*' wildcards) and own quiet hours; absent = defaults. */
export const userPrefs = pgTable(
  'ms_user_prefs',
  {
    appId: text('app_id').notNull(),
    userId: text('user_id').notNull(),
    disabled: text('disabled').array().notNull().default(sql`'{}'::text[]`),
    quietStart: smallint('quiet_start'),
    quietEnd: smallint('quiet_end'),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.appId, t.userId] })],
);

/** Rules: when a domain event (or an ingested host event) of this name happens, message someone. */
export const eventRules = pgTable(
  'ms_rules',
  {
    appId: text('app_id').notNull(),
    id: text('id').notNull(),
    event: text('event').notNull(),
    recipient: text('recipient').notNull(),
    /** Conditions on the payload (the rule condition language; same paths as recipient and data). */
    conditions: jsonb('conditions').$type<Conditions>().notNull().default(sql`'{}'::jsonb`),
    templateKey: text('template_key').notNull(),
    channels: text('channels').array().notNull(),
    transactional: boolean('transactional').notNull().default(false),
    /** template variable → payload path */
    dataMap: jsonb('data_map').$type<Record<string, string>>().notNull().default(sql`'{}'::jsonb`),
    /** { key, window_seconds, actor, template_key } */
    digest: jsonb('digest').$type<{ key: string; windowSeconds: number; actor: string; templateKey: string } | null>(),
    enabled: boolean('enabled').notNull().default(true),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.appId, t.id] }), index('ms_rules_event').on(t.event)],
);

/** Open digests: interaction notifications gathered until the window closes, then sent as one. */
export const digests = pgTable(
  'ms_digests',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    appId: text('app_id').notNull(),
    userId: text('user_id').notNull(),
    key: text('key').notNull(),
    ruleId: text('rule_id').notNull(),
    count: integer('count').notNull(),
    /** First few distinct actors, in arrival order. */
    actors: text('actors').array().notNull(),
    data: jsonb('data').$type<Record<string, unknown>>().notNull(),
    flushAt: ts('flush_at').notNull(),
    status: text('status').notNull(),
    sendId: text('send_id'),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('ms_digests_open').on(t.appId, t.userId, t.key).where(sql`${t.status} = 'open'`), index('ms_digests_due').on(t.flushAt).where(sql`${t.status} in ('open', 'flushing')`)],
);
