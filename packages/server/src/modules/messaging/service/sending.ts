// Sends: to one user, a list or an audience; now or scheduled; from the API, event rules or digests.
//
// Every message goes through one pipeline, in batches: plan each recipient's channels (preferences,
// quiet hours in the user's timezone), take the cap units (rules/contact.ts, service/budget.ts),
// render in the user's language, then write the messages and the deliveries of the other channels
// in the same transaction as the budget. Audience sends walk the users in pages and record their
// cursor with each batch, so a send interrupted by a crash resumes without repeating anyone.
import { sql, TransactionRollbackError } from 'drizzle-orm';
import type { Ctx } from '../../../context.ts';
import type { Db } from '../../../db/index.ts';
import type { EventBus } from '../../../events.ts';
import { AppError, fieldError } from '../../../http/errors.ts';
import type { Jobs } from '../../../jobs.ts';
import type { Clock } from '../../../lib/clock.ts';
import { newId } from '../../../lib/ids.ts';
import { afterCommit } from '../../../lib/tx.ts';
import { isAdminActor, type Audit } from '../../audit/index.ts';
import { HOLDOUT, type Experiments } from '../../experiments/index.ts';
import type { Recipient, Users } from '../../users/index.ts';
import type { CapRule, Category, Channel } from '../rules/contact.ts';
import * as settingsStore from '../store/settings.ts';
import * as store from '../store/sends.ts';
import type { SendRow } from '../store/sends.ts';
import type { SendExperiment } from '../schema.ts';
import type { SettingsRow } from '../store/settings.ts';
import type { AudienceInput, SendInput } from '../types.ts';
import { planFor, reserveMessages, toCapRules, type ChannelOutcome } from './budget.ts';
import { checkData, compileContent, compileTemplate, renderFor, type Compiled } from './content.ts';

declare module '../../../events.ts' {
  interface DomainEvents {
    /** A message reached a user's inbox (published after commit; only when someone subscribes). */
    'message.sent': { appId: string; userId: string; messageId: string; sendId: string | null; category: string };
  }
}

export type RecipientResult = {
  userId: string;
  messageId: number;
  /** The in-app outcome: sent | capped | suppressed | none (in-app not requested). */
  status: string;
  channels: Partial<Record<Channel, { status: ChannelOutcome; deliverAt: Date }>>;
};

/** Resolves a segment to pages of user ids (in user-id order); the segments module plugs in here. */
export type AudienceResolver = {
  exists(ctx: Ctx, appId: string, segment: string): Promise<boolean>;
  page(ctx: Ctx, appId: string, q: { segment: string; afterUserId?: string | undefined; limit: number }): Promise<string[]>;
};

export type SendingDeps = {
  db: Db;
  audit: Audit;
  bus: EventBus;
  clock: Clock;
  users: Users;
  jobs: Jobs | null;
  log: { error(obj: object, msg: string): void };
  /** Checks a channel can be used by this app now (email configured, webhook wired…). */
  channelReady(ctx: Ctx, appId: string, channel: Channel, s: SettingsRow): Promise<void>;
  /** Called after a batch commits with queued deliveries. */
  kickDispatch(): void;
  batchSize?: number;
  /** Sends inside an A/B test ask the experiment for each recipient's arm (messaging → experiments). */
  experiments?: Pick<Experiments, 'gate' | 'describe'> | undefined;
};

/** A page of recipients split by the send's experiment: who gets a message (and in which arm) and who is held out. */
type Split = { recipients: Recipient[]; arms: Map<string, string> | null; heldOut: string[] };

const LEASE_MS = 120_000;
const empty = (userId: string): Recipient => ({ userId, traits: {}, timezone: null, locale: null });

export function createSending(deps: SendingDeps) {
  const batchSize = deps.batchSize ?? 5000;
  const running = new Set<Promise<unknown>>();
  let audienceResolver: AudienceResolver | null = null;

  async function compile(ctx: Ctx, appId: string, send: Pick<SendRow, 'templateKey' | 'content' | 'data' | 'category'>): Promise<Compiled> {
    if (send.templateKey) {
      const t = await settingsStore.findTemplate(ctx.db, appId, send.templateKey);
      if (!t) throw new AppError('messaging.template_not_found', `Template ${send.templateKey} does not exist`, { template: send.templateKey });
      return compileTemplate(t, send.data);
    }
    const c = send.content as { content: SendInput['content']; url?: string | null };
    return compileContent(c.content!, c.url ?? null, send.category as Category);
  }

  /** Each arm's own content of a send inside an experiment, compiled (arms without one get the send's). */
  function armContents(send: Pick<SendRow, 'experiment' | 'category'>): Map<string, Compiled> {
    const x = send.experiment as SendExperiment | null;
    return new Map(Object.entries(x?.content ?? {}).map(([arm, c]) => [arm, compileContent(c as NonNullable<SendInput['content']>, null, send.category as Category)]));
  }

  /** Splits a page by the send's experiment (arms computed, recorded later with the batch). */
  async function split(ctx: Ctx, send: Pick<SendRow, 'appId' | 'experiment'>, recipients: Recipient[]): Promise<Split> {
    const x = send.experiment as SendExperiment | null;
    if (!x) return { recipients, arms: null, heldOut: [] };
    const g = deps.experiments ? await deps.experiments.gate(ctx, send.appId, x.id, recipients.map((r) => r.userId), { record: false }) : null;
    if (!g) throw new AppError('messaging.send_not_found', `The experiment ${x.id} of this send no longer exists`, { experiment: x.id });
    return { recipients: recipients.filter((r) => g.arms.get(r.userId) !== HOLDOUT), arms: g.arms, heldOut: recipients.filter((r) => g.arms.get(r.userId) === HOLDOUT).map((r) => r.userId) };
  }

  /**
   * The part of a batch that needs no transaction: each recipient's contact plan (preferences,
   * quiet hours, which caps apply) and the message rendered in their language. Audience sends
   * prepare the next batch while the previous one is being written.
   */
  async function prepare(db: Db, s: SettingsRow, send: Pick<SendRow, 'appId' | 'category' | 'channels' | 'transactional'>, compiled: Compiled, rules: CapRule[], page: Split & { arm?: Map<string, Compiled> }, now: Date) {
    const recipients = page.recipients;
    const prefs = new Map((await settingsStore.findPrefs(db, send.appId, recipients.map((r) => r.userId))).map((p) => [p.userId, p]));
    const m = { category: send.category as Category, channels: send.channels as Channel[], transactional: send.transactional, now };
    const plans = recipients.map((r) => ({ userId: r.userId, plan: planFor(r, m, s, rules, prefs.get(r.userId)) }));
    const rendered = recipients.map((r) => renderFor(page.arm?.get(page.arms?.get(r.userId) ?? '') ?? compiled, r, s.defaultLocale));
    return { recipients, arms: page.arms, heldOut: page.heldOut, plans, rendered, now, data: Object.keys(compiled.data).length ? compiled.data : null };
  }
  type Prepared = Awaited<ReturnType<typeof prepare>>;

  /**
   * The rest, inside the caller's transaction: take the cap units, write the messages and the
   * deliveries of the other channels. Returns the outcome per recipient and what to do after commit.
   */
  async function write(tx: Db, send: Pick<SendRow, 'appId' | 'id' | 'category' | 'channels' | 'experiment'>, p: Prepared, _opts: { results: boolean }) {
    const appId = send.appId;
    // Exposures (holdout included, as the baseline) commit with the batch's messages.
    const x = send.experiment as SendExperiment | null;
    if (x && deps.experiments) await deps.experiments.gate({ db: tx, actor: { type: 'system', id: null } }, appId, x.id, [...p.recipients.map((r) => r.userId), ...p.heldOut]);
    const channels = send.channels as Channel[];
    const outcomes = await reserveMessages(tx, appId, p.plans, p.now);
    const inApp = channels.includes('in_app');
    const rows = p.recipients.map((r, i) => {
      const o = outcomes[i]!.channels.get('in_app');
      const status = !inApp ? 'none' : o!.status === 'queued' || o!.status === 'deferred' ? 'sent' : o!.status;
      const x = p.rendered[i]!;
      return { userId: r.userId, title: x.title, body: x.body, url: x.url, status };
    });
    // Every sent message is a domain event (message.sent), so the ids always come back.
    const returnIds = true;
    const ids = await store.insertMessages(tx, { appId, sendId: send.id, category: send.category, data: p.data, createdAt: p.now, returnIds }, rows);
    const deliveries: store.NewDelivery[] = [];
    for (const o of outcomes) {
      for (const [channel, c] of o.channels) {
        if (channel === 'in_app') continue;
        deliveries.push({ messageId: ids.get(o.userId)!, userId: o.userId, channel, status: c.status, deliverAfter: c.deliverAt });
      }
    }
    await store.insertDeliveries(tx, { appId, sendId: send.id, createdAt: p.now }, deliveries);
    const counts = { targeted: p.recipients.length, sent: 0, capped: 0, deferred: 0, suppressed: 0, heldOut: p.heldOut.length };
    const results: RecipientResult[] = [];
    outcomes.forEach((o, i) => {
      let queued = false;
      let deferred = false;
      let capped = false;
      for (const c of o.channels.values()) {
        if (c.status === 'queued') queued = true;
        else if (c.status === 'deferred') deferred = true;
        else if (c.status === 'capped') capped = true;
      }
      if (queued) counts.sent++;
      else if (deferred) counts.deferred++;
      else if (capped) counts.capped++;
      else counts.suppressed++;
      results.push({ userId: o.userId, messageId: ids.get(o.userId)!, status: rows[i]!.status, channels: Object.fromEntries(o.channels) });
    });
    await deps.bus.emitMany(tx, results.filter((r) => r.status === 'sent').map((r) => ({ name: 'message.sent' as const, payload: { appId, userId: r.userId, messageId: `msg_${r.messageId}`, sendId: send.id, category: send.category } })));
    const anyQueued = deliveries.some((d) => d.status === 'queued');
    const after = () => {
      if (anyQueued) deps.kickDispatch();
    };
    return { results, counts, after };
  }

  async function recipientsOf(ctx: Ctx, appId: string, userIds: string[]): Promise<Recipient[]> {
    const found = new Map((await deps.users.recipients(ctx, appId, userIds)).map((r) => [r.userId, r]));
    return userIds.map((u) => found.get(u) ?? empty(u));
  }

  /** The next page of an audience, after `cursor` (a user id), in user-id order. */
  async function page(ctx: Ctx, send: SendRow, cursor: string | null): Promise<Recipient[]> {
    const a = send.audience as { users?: string[]; all?: true; traits?: Record<string, unknown>; segment?: string };
    if (a.users) {
      const ids = a.users.filter((u) => cursor === null || u > cursor).slice(0, batchSize);
      return recipientsOf(ctx, send.appId, ids);
    }
    if (a.segment !== undefined) {
      if (!audienceResolver) throw new AppError('messaging.audience_unavailable', 'Segments are not available: no segments module is installed', { audience: 'segment' });
      const ids = await audienceResolver.page(ctx, send.appId, { segment: a.segment, afterUserId: cursor ?? undefined, limit: batchSize });
      return recipientsOf(ctx, send.appId, [...new Set(ids)].sort());
    }
    return deps.users.scanRecipients(ctx, send.appId, { traits: a.traits, afterUserId: cursor ?? undefined, limit: batchSize });
  }

  /**
   * Runs a claimed send to the end, batch by batch; stops if another runner took it over. The next
   * page is read and prepared while the current batch is written.
   */
  async function execute(ctx: Ctx, send: SendRow): Promise<SendRow | undefined> {
    const appId = send.appId;
    type Batch = Prepared & { last: string; full: boolean };
    let pending: Promise<Batch | null> | null = null;
    try {
      const s = await settingsStore.getSettings(ctx.db, appId);
      const compiled = await compile(ctx, appId, send);
      const arm = armContents(send);
      const rules = toCapRules(await settingsStore.listCapRules(ctx.db, appId));
      const fetch = async (after: string | null): Promise<Batch | null> => {
        const recipients = await page(ctx, send, after);
        if (!recipients.length) return null;
        const p = await prepare(ctx.db, s, send, compiled, rules, { ...(await split(ctx, send, recipients)), arm }, deps.clock.now());
        return { ...p, last: recipients[recipients.length - 1]!.userId, full: recipients.length >= batchSize };
      };
      let cursor = send.cursor;
      pending = fetch(cursor);
      for (;;) {
        const p: Batch | null = await pending;
        if (!p) break;
        const next: string = p.last;
        pending = p.full ? fetch(next) : Promise.resolve(null);
        const prev = cursor;
        const r = await ctx.db.transaction(async (tx) => {
          // The batch and the cursor commit together, so an asynchronous commit is safe: a crash can
          // only lose whole batches, which the resumed send writes again. It spares a WAL flush per batch.
          await tx.execute(sql`set local synchronous_commit = off`);
          const b = await write(tx, send, p, { results: false });
          // Another runner moved the send on (this one lost its lease): undo this batch and stop.
          if (!(await store.progressSend(tx, appId, send.id, { ...b.counts, prevCursor: prev, cursor: next, leaseUntil: new Date(deps.clock.now().getTime() + LEASE_MS) }))) tx.rollback();
          return b;
        });
        r.after();
        cursor = next;
      }
      return await store.finishSend(ctx.db, appId, send.id, 'done', deps.clock.now());
    } catch (err) {
      pending?.catch(() => {});
      if (err instanceof TransactionRollbackError) return undefined; // another runner owns it now
      deps.log.error({ err, sendId: send.id }, 'send failed');
      return store.finishSend(ctx.db, appId, send.id, 'failed', deps.clock.now(), err instanceof AppError ? err.message : 'internal error; see the server log');
    }
  }

  function track<T>(p: Promise<T>): Promise<T> {
    running.add(p);
    void p.finally(() => running.delete(p)).catch(() => {});
    return p;
  }

  /** Claims and runs a send if it is due (or abandoned); safe to call from several servers. */
  async function run(ctx: Ctx, appId: string, sendId: string): Promise<SendRow | undefined> {
    const claimed = await store.claimSend(ctx.db, appId, sendId, deps.clock.now(), LEASE_MS);
    if (!claimed) return undefined;
    return execute(ctx, claimed);
  }

  /** A send's experiment runs now and its content names only its arms; stored by id. */
  async function checkExperiment(ctx: Ctx, appId: string, x: SendInput['experiment']): Promise<SendExperiment | null> {
    if (!x) return null;
    const e = deps.experiments ? await deps.experiments.describe(ctx, appId, x.id) : null;
    if (!e) throw fieldError('body.experiment.id', `no experiment ${x.id} in this app`, 'the id or key of a running experiment (GET /v1/experiments)');
    if (e.status !== 'running') throw fieldError('body.experiment.id', `experiment ${e.key} is ${e.status}: start it before sending`, 'a running experiment');
    const unknown = Object.keys(x.content).filter((k) => !e.variants.includes(k));
    if (unknown.length) throw fieldError(`body.experiment.content.${unknown[0]}`, `${unknown[0]} is not an arm of experiment ${e.key} (arms: ${e.variants.join(', ')}; the holdout gets nothing)`, 'an arm key');
    return { id: e.id, content: x.content as Record<string, Record<string, unknown>> };
  }

  function toAudience(to: SendInput['to']): Record<string, unknown> {
    if (to.user_id !== undefined) return { users: [to.user_id] };
    if (to.user_ids !== undefined) return { users: [...new Set(to.user_ids)].sort() };
    const a = to.audience as AudienceInput;
    if (a.all) return { all: true };
    if (a.traits) return { traits: a.traits };
    return { segment: a.segment };
  }

  return {
    /** The segments module (or anything else) resolves `{ audience: { segment } }` through this seam. */
    setAudienceResolver(r: AudienceResolver | null) {
      audienceResolver = r;
    },

    compile,

    async create(ctx: Ctx, appId: string, input: SendInput, opts: { kind?: 'rule' | 'digest'; dedupeKey?: string; ruleId?: string } = {}): Promise<{ send: SendRow; created: boolean; results: RecipientResult[] | null }> {
      const now = deps.clock.now();
      let category = input.category as Category | undefined;
      if (input.template !== undefined) {
        const t = await settingsStore.findTemplate(ctx.db, appId, input.template);
        if (!t) throw new AppError('messaging.template_not_found', `Template ${input.template} does not exist`, { template: input.template, field: 'body.template' });
        checkData(t, input.data, 'body.data');
        category ??= t.category as Category;
      }
      const scheduledAt = input.scheduled_at ? new Date(input.scheduled_at) : null;
      if (scheduledAt && scheduledAt.getTime() <= now.getTime()) throw fieldError('body.scheduled_at', `must be in the future (now is ${now.toISOString()})`, 'a future ISO 8601 date-time');
      const segment = input.to.audience?.segment;
      if (segment !== undefined) {
        if (!audienceResolver) throw new AppError('messaging.audience_unavailable', 'Segments are not available: no segments module is installed; send to all users or a traits filter', { field: 'body.to.audience.segment' });
        if (!(await audienceResolver.exists(ctx, appId, segment))) throw fieldError('body.to.audience.segment', `no segment ${segment} in this app`, 'the id of a segment (GET /v1/segments)');
      }
      const s = await settingsStore.getSettings(ctx.db, appId);
      for (const ch of input.channels) await deps.channelReady(ctx, appId, ch, s);
      const audience = toAudience(input.to);
      const direct = Array.isArray(audience.users);
      const row = {
        appId,
        id: newId('snd'),
        kind: opts.kind ?? (direct ? 'direct' : 'audience'),
        campaign: input.campaign ?? null,
        audience,
        templateKey: input.template ?? null,
        content: input.content ? { content: input.content, url: input.url ?? null } : null,
        data: input.data ?? {},
        category: category!,
        channels: input.channels,
        transactional: input.transactional,
        status: scheduledAt ? 'scheduled' : direct ? 'running' : 'queued',
        scheduledAt,
        startedAt: direct && !scheduledAt ? now : null,
        ruleId: opts.ruleId ?? null,
        dedupeKey: opts.dedupeKey ?? null,
        createdBy: ctx.actor.id ? `${ctx.actor.type}:${ctx.actor.id}` : ctx.actor.type,
        experiment: await checkExperiment(ctx, appId, input.experiment),
      };
      // Sends an operator or the host asks for are audited; those rules make are not (the rule is).
      const recorded = async (c: Ctx, r: { send: SendRow; created: boolean }) => {
        if (!isAdminActor(c)) return;
        if (r.created) await deps.audit.record(c, { appId, action: 'messaging.send.create', targetType: 'messaging_send', targetId: r.send.id, after: r.send });
        else deps.audit.replayed(c);
      };
      const insert = (c: Ctx) => c.db.transaction(async (tx) => {
        const r = await store.insertSend(tx, row);
        await recorded({ ...c, db: tx }, r);
        return r;
      });
      if (scheduledAt) {
        const r = await insert(ctx);
        if (r.created && deps.jobs?.started) {
          await deps.jobs.send('messaging.send', { appId, sendId: row.id }, { singletonKey: row.id, startAfterSeconds: Math.ceil((scheduledAt.getTime() - now.getTime()) / 1000) }).catch((err: unknown) => deps.log.error({ err }, 'could not schedule the send job; the minute tick will run it'));
        }
        return { ...r, results: null };
      }
      if (!direct) {
        const r = await insert(ctx);
        if (r.created) track(run(ctx, appId, row.id)).catch(() => {});
        return { ...r, results: null };
      }
      // To named users (≤ 1000): the send, its messages and its budget commit together, and the
      // answer carries each recipient's outcome.
      const compiled = await compile(ctx, appId, row);
      const recipients = await recipientsOf(ctx, appId, audience.users as string[]);
      const rules = toCapRules(await settingsStore.listCapRules(ctx.db, appId));
      const prepared = await prepare(ctx.db, s, row, compiled, rules, { ...(await split(ctx, row, recipients)), arm: armContents(row) }, now);
      const out = await ctx.db.transaction(async (tx) => {
        const r = await store.insertSend(tx, row);
        await recorded({ ...ctx, db: tx }, r);
        if (!r.created) return { send: r.send, created: false, results: null, after: () => {} };
        const b = await write(tx, r.send, prepared, { results: true });
        await store.progressSend(tx, appId, r.send.id, { ...b.counts, prevCursor: null, cursor: null, leaseUntil: now });
        const done = await store.finishSend(tx, appId, r.send.id, 'done', now);
        return { send: done!, created: true, results: b.results, after: b.after };
      });
      // After the caller's transaction, when there is one (an event rule's consumer): the
      // dispatcher must see the committed deliveries, or they wait for the minute tick.
      afterCommit(ctx, out.after);
      return { send: out.send, created: out.created, results: out.results };
    },

    run: (ctx: Ctx, appId: string, sendId: string) => track(run(ctx, appId, sendId)),

    /** Runs every due scheduled send and every abandoned one (the minute tick). */
    async runDue(ctx: Ctx): Promise<number> {
      const due = await store.dueSends(ctx.db, deps.clock.now(), 20);
      for (const d of due) await track(run(ctx, d.appId, d.id));
      return due.length;
    },

    async cancel(ctx: Ctx, appId: string, sendId: string): Promise<SendRow> {
      const r = await ctx.db.transaction(async (tx) => {
        const before = await store.findSend(tx, appId, sendId);
        const after = await store.cancelSend(tx, appId, sendId, deps.clock.now());
        if (after) await deps.audit.record({ ...ctx, db: tx }, { appId, action: 'messaging.send.cancel', targetType: 'messaging_send', targetId: sendId, before, after });
        return after;
      });
      if (r) return r;
      const found = await store.findSend(ctx.db, appId, sendId);
      if (!found) throw new AppError('messaging.send_not_found', `Send ${sendId} does not exist`, { send_id: sendId });
      throw new AppError('messaging.send_not_cancelable', `Send ${sendId} is ${found.status}; only scheduled sends can be canceled`, { status: found.status });
    },

    list: (ctx: Ctx, appId: string, q: { limit: number; before?: { t: string; id: string } | undefined; status?: string | undefined; campaign?: string | undefined }) => store.listSends(ctx.db, appId, q),

    async get(ctx: Ctx, appId: string, sendId: string): Promise<SendRow> {
      const r = await store.findSend(ctx.db, appId, sendId);
      if (!r) throw new AppError('messaging.send_not_found', `Send ${sendId} does not exist`, { send_id: sendId });
      return r;
    },

    /** Resolves when every send started on this server so far has finished (tests, shutdown). */
    async idle(): Promise<void> {
      while (running.size > 0) await Promise.allSettled([...running]);
    },
  };
}

export type Sending = ReturnType<typeof createSending>;
