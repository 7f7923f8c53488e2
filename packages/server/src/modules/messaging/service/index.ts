// The messaging module's service: inbox and announcements, templates, sends with one contact
// budget (caps, quiet hours, preferences), digests and event rules, delivery on every channel,
// tracking, and the public canContact/reserve API other modules ask before contacting a user.
import { createNetGuard, type NetGuard } from '../../../lib/net-guard.ts';
import type { Ctx } from '../../../context.ts';
import type { Db } from '../../../db/index.ts';
import type { Erasure } from '../../../erasure.ts';
import type { EventBus } from '../../../events.ts';
import { AppError } from '../../../http/errors.ts';
import type { Jobs } from '../../../jobs.ts';
import type { Clock } from '../../../lib/clock.ts';
import type { SecretBox } from '../../../lib/secrets.ts';
import type { Realtime } from '../../../realtime/index.ts';
import type { Audit } from '../../audit/index.ts';
import type { Experiments } from '../../experiments/index.ts';
import type { Users } from '../../users/index.ts';
import { emailSender } from '../channels/email.ts';
import { hasPushEndpoint, PUSH_EVENT, webhookSender, type WebhookPort } from '../channels/webhook.ts';
import '../errors.ts';
import { contains, type Category, type Channel } from '../rules/contact.ts';
import * as budgetStore from '../store/budget.ts';
import type { ContactLogRow } from '../store/budget.ts';
import type { SettingsRow } from '../store/settings.ts';
import * as inboxStore from '../store/inbox.ts';
import * as sendsStore from '../store/sends.ts';
import * as settingsStore from '../store/settings.ts';
import * as rulesStore from '../store/rules.ts';
import type { ReserveInput } from '../types.ts';
import { createAdmin } from './admin.ts';
import { checkContact, planFor, reserveMessages, toCapRules, type ContactCheck } from './budget.ts';
import { createDispatcher } from './dispatch.ts';
import { createInbox, inboxEvent } from './inbox.ts';
import { createLinks } from './links.ts';
import { createRules } from './rules.ts';
import { createSending } from './sending.ts';

export type MessagingDeps = {
  db: Db;
  /** Operator and secret-key changes (templates, settings, caps, rules, sends, announcements) are audited. */
  audit: Audit;
  bus: EventBus;
  clock: Clock;
  users: Users;
  realtime: Realtime | null;
  jobs: Jobs | null;
  log: { error(obj: object, msg: string): void; warn(obj: object, msg: string): void };
  /** Seals the SMTP relay URL (and the password in it) at rest: the server master key, lib/secrets.ts. */
  secrets: SecretBox;
  /** Base URL of this Canyu as users reach it (unsubscribe and click links). */
  publicUrl: string;
  /** The webhooks module: the webhook channel (push/SMS through the host) goes out through it. */
  webhooks?: WebhookPort | null;
  smtpTimeoutMs?: number;
  /** Outbound SMTP: which relays may be reached (SSRF guard) and whether TLS is required (default: true, public relays only). */
  smtp?: { guard: NetGuard; requireTls: boolean };
  batchSize?: number;
  /** Delivery retries: seconds before retry n. */
  backoff?: (attempt: number) => number;
  /** Sends inside an A/B test (messaging → experiments). */
  experiments?: Pick<Experiments, 'gate' | 'describe'> | undefined;
};

export type ReserveOutcome = 'allowed' | 'capped' | 'unsubscribed' | 'quiet_hours';

export function createMessaging(deps: MessagingDeps) {
  const { db, clock, realtime } = deps;
  const system: Ctx = { db, actor: { type: 'system', id: null } };
  const links = createLinks({ db, publicUrl: deps.publicUrl });
  const webhooks = deps.webhooks ?? null;
  const smtp = { guard: deps.smtp?.guard ?? createNetGuard(), requireTls: deps.smtp?.requireTls ?? true, timeoutMs: deps.smtpTimeoutMs ?? 15_000 };
  const senders = { email: emailSender({ db, links, smtp, secrets: deps.secrets }), ...(webhooks ? { webhook: webhookSender({ db, webhooks, links }) } : {}) };
  const dispatcher = createDispatcher({ db, clock, users: deps.users, realtime, log: deps.log, senders, ...(deps.backoff ? { backoff: deps.backoff } : {}) });
  // Inbox reads need the app's default locale on every request: kept for a few seconds.
  const settingsCache = new Map<string, { row: Promise<SettingsRow>; at: number }>();
  const settingsOf = (ctx: Ctx, appId: string): Promise<SettingsRow> => {
    const hit = settingsCache.get(appId);
    if (hit && Date.now() - hit.at < 5000) return hit.row;
    if (settingsCache.size > 10_000) settingsCache.clear();
    const row = settingsStore.getSettings(ctx.db, appId);
    settingsCache.set(appId, { row, at: Date.now() });
    row.catch(() => settingsCache.delete(appId));
    return row;
  };
  const admin = createAdmin({ audit: deps.audit, secrets: deps.secrets, settingsChanged: (appId) => settingsCache.delete(appId), smtpGuard: smtp.guard });
  const inbox = createInbox({ audit: deps.audit, users: deps.users, clock, bus: deps.bus, realtime, settingsOf });
  const sending = createSending({
    db,
    audit: deps.audit,
    bus: deps.bus,
    clock,
    users: deps.users,
    jobs: deps.jobs,
    log: deps.log,
    batchSize: deps.batchSize,
    experiments: deps.experiments,
    kickDispatch: () => void dispatcher.dispatch(),
    async channelReady(ctx, appId, channel, s) {
      const unavailable = (why: string) => new AppError('messaging.channel_unavailable', why, { channel });
      if (channel === 'email' && !s.email) throw unavailable('Email is not configured for this app: set email.smtp_url and email.from with PATCH /v1/messaging/settings');
      if (channel === 'webhook' && !webhooks) throw unavailable('The webhook channel is not available on this server (no webhooks module is installed)');
      if (channel === 'webhook' && !(await hasPushEndpoint(webhooks!, ctx, appId))) throw unavailable(`No enabled webhook endpoint subscribes to ${PUSH_EVENT}: add one with POST /v1/webhooks/endpoints (event_types ["${PUSH_EVENT}"])`);
      if (channel === 'realtime' && !realtime) throw unavailable('Realtime delivery is not running on this server');
    },
  });
  const rules = createRules({ db, audit: deps.audit, bus: deps.bus, clock, log: deps.log, sending, hub: realtime?.hub ?? null });

  // ---- realtime fan-out: each server resolves hub references for its own connections ---------------
  if (realtime) {
    realtime.hub.on('ms.rt', async (p) => {
      const { a, items } = p as { a: string; items: [number, number, string][] };
      const local = realtime.localUsers(a);
      if (!local) return;
      const mine = items.filter(([, , u]) => local.has(u));
      if (mine.length === 0) return;
      const msgs = new Map((await inboxStore.findMessagesByIds(db, a, mine.map(([, m]) => m))).map((m) => [m.id, m]));
      for (const [d, m, u] of mine) {
        const row = msgs.get(m);
        if (!row) continue;
        realtime.sendLocal(a, u, { type: 'message', delivery_id: `dlv_${d}`, item: inboxEvent({ kind: 'msg', ...row, created_at: row.createdAt, read_at: row.readAt, clicked_at: row.clickedAt }) });
      }
    });
    realtime.hub.on('ms.ann', async (p) => {
      const { a, id } = p as { a: string; id: number };
      const local = realtime.localUsers(a);
      if (!local) return;
      const row = await inboxStore.findAnnouncement(db, a, id);
      if (!row || row.withdrawnAt) return;
      const event = {
        type: 'announcement',
        item: { id: `ann_${row.id}`, category: row.category, title: { 'zh-CN': row.titleZh, en: row.titleEn }, body: { 'zh-CN': row.bodyZh, en: row.bodyEn }, url: row.url, data: row.data, created_at: row.startsAt.toISOString() },
      };
      if (row.audience === null) {
        realtime.sendLocalApp(a, event);
        return;
      }
      const profiles = await deps.users.recipients(system, a, [...local.keys()]);
      for (const u of profiles) if (contains(u.traits, row.audience)) realtime.sendLocal(a, u.userId, event);
    });
    realtime.onClientMessage('ack', async (conn, msg) => {
      const id = typeof msg.delivery_id === 'string' ? msg.delivery_id : '';
      await ackDelivery({ ...system, actor: { type: 'user', id: conn.userId } }, conn.appId, id, conn.userId);
      return { type: 'acked', delivery_id: id };
    });
  }

  // ---- erasure ---------------------------------------------------------------------------------------
  const erasure = {
    eraseUser: (db: Db, appId: string, userId: string) =>
      db.transaction(async (tx) => {
        await inboxStore.deleteUserInbox(tx, appId, userId);
        await settingsStore.deleteUserPrefs(tx, appId, userId);
        await budgetStore.deleteUserBudget(tx, appId, userId);
        await rulesStore.deleteUserDigests(tx, appId, userId);
      }),
    eraseApp: (db: Db, appId: string) => db.transaction((tx) => settingsStore.deleteAppData(tx, appId)),
  } satisfies Erasure;

  async function ackDelivery(ctx: Ctx, appId: string, deliveryId: string, asUser?: string) {
    const m = /^dlv_(\d{1,18})$/.exec(deliveryId);
    const notFound = () => new AppError('messaging.delivery_not_found', `Delivery ${deliveryId} does not exist`, { delivery_id: deliveryId });
    if (!m) throw notFound();
    const id = Number(m[1]);
    const found = await sendsStore.findDelivery(ctx.db, appId, id);
    if (!found || (asUser !== undefined && found.userId !== asUser)) throw notFound();
    const r = await sendsStore.markDelivered(ctx.db, appId, id, clock.now());
    return { delivery: r.row!, changed: r.changed };
  }

  /**
   * Seals SMTP relay URLs stored in the clear (settings from before sealing existed) and re-seals
   * those sealed under a previous master key (rotation). Run at every start; each value is
   * replaced only if it still holds what was read, so servers starting together do not clash.
   */
  async function sealSecrets(): Promise<number> {
    const box = deps.secrets;
    let n = 0;
    for (const r of await settingsStore.unsealedRelayUrls(db, box.prefix)) {
      if (await settingsStore.replaceRelayUrl(db, r.appId, r.smtpUrl, box.seal(box.open(r.smtpUrl)))) n++;
    }
    return n;
  }

  async function contactContext(ctx: Ctx, appId: string, userId: string) {
    const [profile] = await deps.users.recipients(ctx, appId, [userId]);
    const s = await settingsStore.getSettings(ctx.db, appId);
    const caps = toCapRules(await settingsStore.listCapRules(ctx.db, appId));
    const [prefs] = await settingsStore.findPrefs(ctx.db, appId, [userId]);
    return { r: { userId, timezone: profile?.timezone ?? null }, s, caps, prefs };
  }

  return {
    erasure,
    admin,
    inbox,
    sending,
    rules,
    links,
    dispatch: () => dispatcher.dispatch(),
    ackDelivery,

    /** Plug a segments resolver in: `{ audience: { segment } }` sends become available. */
    setAudienceResolver: sending.setAudienceResolver,

    // ---- the public contact budget --------------------------------------------------------------------
    /** Read-only: may this user be contacted now on this channel? (Preferences, quiet hours, caps.) */
    async canContact(ctx: Ctx, appId: string, userId: string, q: { category: Category; channel: Channel; transactional?: boolean }): Promise<ContactCheck> {
      const c = await contactContext(ctx, appId, userId);
      return checkContact(ctx, appId, c.r, { category: q.category, channel: q.channel, transactional: q.transactional ?? false, now: clock.now() }, c.s, c.caps, c.prefs);
    },

    /**
     * Takes one contact from the user's budget for a contact made outside messaging (a survey
     * prompt, a lottery invitation…). Idempotent per (source, ref): a retry gets the first answer.
     * 'quiet_hours' comes with retryAt, the end of the user's quiet window.
     */
    async reserve(ctx: Ctx, appId: string, userId: string, input: ReserveInput): Promise<{ row: ContactLogRow; created: boolean }> {
      const prior = await budgetStore.findContact(ctx.db, appId, input.source, input.ref);
      if (prior) return { row: prior, created: false };
      const c = await contactContext(ctx, appId, userId);
      const now = clock.now();
      const plan = planFor(c.r, { category: input.category, channels: [input.channel], transactional: input.transactional, now }, c.s, c.caps, c.prefs);
      return ctx.db.transaction(async (tx) => {
        const { row, created } = await budgetStore.recordContact(tx, { appId, userId, channel: input.channel, category: input.category, source: input.source, ref: input.ref, outcome: 'pending', createdAt: now });
        if (!created) return { row, created: false };
        const ch = plan.channels[0]!;
        let outcome: ReserveOutcome;
        let retryAt: Date | null = null;
        if (ch.status === 'suppressed') outcome = 'unsubscribed';
        else if (ch.deferred) {
          outcome = 'quiet_hours';
          retryAt = ch.deliverAt;
        } else {
          const [o] = await reserveMessages(tx, appId, [{ userId, plan }], now);
          outcome = o!.channels.get(input.channel)!.status === 'capped' ? 'capped' : 'allowed';
        }
        return { row: await budgetStore.setContactOutcome(tx, row.id, outcome, retryAt), created: true };
      });
    },

    listContacts: (ctx: Ctx, appId: string, userId: string, limit: number, beforeId?: number) => budgetStore.listContacts(ctx.db, appId, userId, limit, beforeId),

    // ---- tracking ----------------------------------------------------------------------------------------
    async message(ctx: Ctx, appId: string, id: string) {
      const m = /^msg_(\d{1,18})$/.exec(id);
      const row = m ? await inboxStore.findMessage(ctx.db, appId, Number(m[1])) : undefined;
      if (!row) throw new AppError('messaging.message_not_found', `Message ${id} does not exist`, { message_id: id });
      return { message: row, deliveries: await sendsStore.deliveriesOfMessage(ctx.db, appId, row.id) };
    },
    sendStats: (ctx: Ctx, appId: string, by: { sendId: string } | { campaign: string }) => sendsStore.sendStats(ctx.db, appId, by),

    /** A click on a tracked link: records it, returns where to go. */
    async click(token: string): Promise<string> {
      const c = await links.readClick(token);
      const row = await inboxStore.findMessage(db, c.appId, c.messageId);
      if (!row?.url) throw new AppError('messaging.invalid_link', 'This link leads nowhere any more');
      await db.transaction(async (tx) => {
        await inboxStore.markClicked(tx, c.appId, c.messageId, clock.now());
        await deps.bus.emit(tx, 'message.clicked', { appId: c.appId, userId: row.userId, messageId: `msg_${row.id}` });
      });
      return row.url;
    },

    async unsubscribe(token: string): Promise<{ appId: string; userId: string; category: string; channel: string }> {
      const c = await links.readUnsubscribe(token);
      await admin.optOut(system, c.appId, c.userId, c.category, c.channel);
      return c;
    },

    // ---- time-driven work (a cron job every minute; tests call it with their clock) -----------------------
    async tick(): Promise<void> {
      await sending.runDue(system);
      await rules.flushDigests();
      await inbox.pushStarted(system);
      await dispatcher.dispatch();
    },
    async purge(): Promise<void> {
      await budgetStore.purgeCounters(db, new Date(clock.now().getTime() - 9 * 86_400_000));
    },

    sealSecrets,

    async start(): Promise<void> {
      await sealSecrets();
      await rules.start();
    },
    async stop(): Promise<void> {
      rules.stop();
      await sending.idle();
      await dispatcher.idle();
    },
    /** Waits for background sends and deliveries started on this server (tests). */
    async idle(): Promise<void> {
      await sending.idle();
      await dispatcher.dispatch();
    },
  };
}

export type Messaging = ReturnType<typeof createMessaging>;
