// Customer service (客服): conversations between a user and the app, answered first by the FAQ bot
// and handed over to a person on request, on a hand-over word, or after two unsure answers in a
// row; agents (operators with the agent role or above) with a status, skills and seats, routing by
// skill and load, a queue, claims decided by one conditional UPDATE, transfers, internal notes,
// canned replies, an SLA for the first response and the resolution (breaches flagged once by the
// minute tick), and a satisfaction rating after resolution (CSAT) that the feedback module's
// workload view shows per agent. New messages reach the user over the realtime hub after commit.
import type { Ctx, TextScreen } from '../../context.ts';
import type { Db } from '../../db/index.ts';
import type { Erasure } from '../../erasure.ts';
import type { EventBus } from '../../events.ts';
import type { z } from 'zod';
import { AppError } from '../../http/errors.ts';
import type { RateLimiter } from '../../http/rate-limit.ts';
import { iso } from '../../http/route.ts';
import type { Clock } from '../../lib/clock.ts';
import { newId } from '../../lib/ids.ts';
import { userText } from '../../lib/text.ts';
import { inTransaction, type TxCtx } from '../../lib/tx.ts';
import type { Realtime } from '../../realtime/index.ts';
import type { Audit } from '../audit/index.ts';
import './errors.ts';
import { BOT_TEXT, decide, mentions, type BotHit } from './rules/bot.ts';
import * as store from './store.ts';
import type { CannedRow, ConversationRow, MessageRow, SettingsRow } from './store.ts';
import { DEFAULT_KEYWORDS, type ConversationOut, type Locale, type SettingsInput, type Status } from './types.ts';

declare module '../../events.ts' {
  interface DomainEvents {
    'service.conversation_opened': { appId: string; conversationId: string; userId: string; channel: string };
    /** The bot handed the user to a person: asked for one, a hand-over word, or two unsure answers. */
    'service.handed_over': { appId: string; conversationId: string; userId: string; reason: 'request' | 'keyword' | 'low_confidence' | 'bot_off' };
    'service.assigned': { appId: string; conversationId: string; userId: string; agentId: string; by: 'routing' | 'claim' | 'transfer' | 'reply' };
    'service.resolved': { appId: string; conversationId: string; userId: string; agentId: string | null };
    'service.rated': { appId: string; conversationId: string; userId: string; agentId: string | null; score: number };
    /** The first response or the resolution took longer than the app's SLA (once per conversation and kind). */
    'service.sla_breached': { appId: string; conversationId: string; userId: string; agentId: string | null; kind: 'first_response' | 'resolution'; minutes: number };
  }
}

/** The FAQ as the bot uses it (the faq module, wired in app.ts). */
export type FaqAnswers<H extends BotHit = BotHit> = {
  search(ctx: Ctx, appId: string, text: string, opts: { locale?: Locale; limit?: number }): Promise<H[]>;
  compose(ctx: Ctx, appId: string, text: string, hits: readonly H[]): Promise<{ answer: string; sources: string[]; generated: boolean }>;
};

export type ServiceDeps<H extends BotHit = BotHit> = {
  db: Db;
  bus: EventBus;
  clock: Clock;
  audit: Audit;
  faq?: FaqAnswers<H> | undefined;
  /** Users hear of their conversation's messages; agents (console streams) of every conversation's changes. */
  realtime?: Pick<Realtime, 'toUsers' | 'toOperators'> | null | undefined;
  /** The app's sensitive-word filter (interactions' settings), applied to every message. */
  screen?: TextScreen | undefined;
  limiter?: RateLimiter | undefined;
  /** Messages a user may send per minute (default 30). */
  perUserPerMinute?: number;
};

/** How a conversation changed, as told to agents. */
type Change = 'opened' | 'waiting' | 'assigned' | 'reopened' | 'resolved' | 'rated' | 'sla_breached';

export type Author = { kind: 'user'; id: string } | { kind: 'agent'; id: string } | { kind: 'bot'; id: null } | { kind: 'system'; id: null };

const notFound = (id: string) => new AppError('service.conversation_not_found', `Conversation ${id} does not exist in this app`, { conversation_id: id });
const DEFAULTS = (appId: string, now: Date): SettingsRow => ({ appId, botEnabled: true, threshold: 0.6, handoverKeywords: DEFAULT_KEYWORDS, firstResponseMinutes: null, resolutionMinutes: null, updatedAt: now });

export function createService<H extends BotHit>(deps: ServiceDeps<H>) {
  const { bus, clock } = deps;

  const settingsOf = async (db: Db, appId: string) => (await store.getSettings(db, appId)) ?? DEFAULTS(appId, clock.now());

  /** The conversation, locked; a user sees only their own (404 for anyone else's). */
  async function mustFind(db: Db, appId: string, id: string, userId?: string): Promise<ConversationRow> {
    const c = await store.findConversation(db, appId, id, true);
    if (!c || (userId !== undefined && c.userId !== userId)) throw notFound(id);
    return c;
  }

  const push = (tx: TxCtx & { afterCommit: (f: () => unknown) => void }, c: ConversationRow, event: Record<string, unknown> & { type: string }) =>
    tx.afterCommit(() => deps.realtime?.toUsers(c.appId, [c.userId], event));
  /** Tells the app's agents (GET /v1/realtime/operator) how a conversation changed, once committed. */
  const toAgents = (tx: { afterCommit: (f: () => unknown) => void }, c: ConversationRow, change: Change) =>
    tx.afterCommit(() => deps.realtime?.toOperators(c.appId, 'service.read', { type: 'service.conversation', change, conversation: presentConversation(c, clock.now()) }));

  async function add(tx: TxCtx & { afterCommit: (f: () => unknown) => void }, c: ConversationRow, author: Author, m: { text: string; attachments?: string[] | undefined; internal?: boolean; sources?: MessageRow['sources']; externalId?: string | null }): Promise<MessageRow | null> {
    const now = clock.now();
    const row = await store.insertMessage(tx.db, {
      id: newId('svm'),
      appId: c.appId,
      conversationId: c.id,
      authorKind: author.kind,
      authorId: author.id,
      body: m.text,
      attachments: m.attachments ?? [],
      internal: m.internal ?? false,
      sources: m.sources ?? null,
      externalId: m.externalId ?? null,
      createdAt: now,
    });
    if (!row) return null;
    tx.afterCommit(() => deps.realtime?.toOperators(c.appId, 'service.read', { type: 'service.message', conversation_id: c.id, message: presentMessage(row) }));
    if (!row.internal) {
      await store.updateConversation(tx.db, c.id, { lastMessageAt: now });
      push(tx, c, { type: 'service.message', conversation_id: c.id, message: presentMessage(row) });
    }
    return row;
  }

  /** Routes a waiting conversation to the least-loaded online agent with its skill, if any has a seat. */
  async function route(tx: TxCtx & { afterCommit: (f: () => unknown) => void }, c: ConversationRow): Promise<ConversationRow> {
    const agent = await store.pickAgent(tx.db, c.appId, c.skill);
    if (!agent) {
      toAgents(tx, c, 'waiting');
      return c;
    }
    const next = await store.updateConversation(tx.db, c.id, { status: 'assigned', agentId: agent.operatorId });
    await bus.emit(tx.db, 'service.assigned', { appId: c.appId, conversationId: c.id, userId: c.userId, agentId: agent.operatorId, by: 'routing' });
    push(tx, next, { type: 'service.assigned', conversation_id: c.id, agent_id: agent.operatorId });
    toAgents(tx, next, 'assigned');
    return next;
  }

  async function toPerson(tx: TxCtx & { afterCommit: (f: () => unknown) => void }, c: ConversationRow, reason: 'request' | 'keyword' | 'low_confidence' | 'bot_off'): Promise<ConversationRow> {
    const waiting = await store.updateConversation(tx.db, c.id, { status: 'waiting', waitingSince: clock.now(), lowConfidence: 0 });
    await bus.emit(tx.db, 'service.handed_over', { appId: c.appId, conversationId: c.id, userId: c.userId, reason });
    const routed = await route(tx, waiting);
    if (reason !== 'bot_off') await add(tx, routed, { kind: 'system', id: null }, { text: routed.status === 'assigned' ? BOT_TEXT.handover[c.locale as Locale] : BOT_TEXT.queued[c.locale as Locale] });
    return routed;
  }

  /** What the bot will need, found before the conversation is locked (the FAQ and a generative answer may take a while). */
  async function prepareBot(ctx: Ctx, c: ConversationRow, s: SettingsRow, text: string): Promise<{ hits: H[]; composed: { answer: string; sources: string[] } | null }> {
    if (!deps.faq || !s.botEnabled || c.status !== 'bot' || s.handoverKeywords.some((k) => mentions(text, k))) return { hits: [], composed: null };
    const hits = await deps.faq.search(ctx, c.appId, text, { locale: c.locale as Locale, limit: 3 });
    const composed = hits[0] && hits[0].score >= s.threshold ? await deps.faq.compose(ctx, c.appId, text, hits.slice(0, 3)) : null;
    return { hits, composed };
  }

  async function botReply(tx: TxCtx & { afterCommit: (f: () => unknown) => void }, c: ConversationRow, s: SettingsRow, text: string, prepared: { hits: readonly BotHit[]; composed: { answer: string; sources: string[] } | null }): Promise<ConversationRow> {
    const d = decide(text, prepared.hits, { threshold: s.threshold, keywords: s.handoverKeywords, lowConfidenceSoFar: c.lowConfidence });
    if (d.kind === 'handover') return toPerson(tx, c, d.reason);
    if (d.kind === 'answer') {
      const used = prepared.composed?.sources.length ? prepared.hits.filter((h) => prepared.composed!.sources.includes(h.entry_id)) : [d.hit];
      await add(tx, c, { kind: 'bot', id: null }, { text: prepared.composed?.answer ?? d.hit.answer, sources: used.map((h) => ({ entry_id: h.entry_id, question: h.question, score: h.score })) });
      return store.updateConversation(tx.db, c.id, { lowConfidence: 0 });
    }
    const locale = c.locale as Locale;
    const body = d.hits.length ? `${BOT_TEXT.suggest[locale]}\n${d.hits.map((h, i) => `${i + 1}. ${h.question}`).join('\n')}` : BOT_TEXT.rephrase[locale];
    await add(tx, c, { kind: 'bot', id: null }, { text: body, sources: d.hits.map((h) => ({ entry_id: h.entry_id, question: h.question, score: h.score })) });
    return store.updateConversation(tx.db, c.id, { lowConfidence: c.lowConfidence + 1 });
  }

  async function limited(appId: string, userId: string): Promise<void> {
    if (!deps.limiter) return;
    const max = deps.perUserPerMinute ?? 30;
    const hit = await deps.limiter.hit(`sv:${appId}:${userId}`, max, 60_000);
    if (!hit.ok) throw new AppError('rate_limited', `At most ${max} customer-service messages a minute per user`, { limit: max, window_seconds: 60 }, { retryAfter: hit.retryAfterS });
  }

  async function screened(ctx: Ctx, appId: string, text: string, field: string): Promise<string> {
    return deps.screen ? ((await deps.screen(ctx, appId, [{ text, field }]))[0] ?? text) : text;
  }

  /** A user's message (in-app, or relayed by a host bridge): stored, then the bot's turn if it has the conversation. */
  async function userSays(ctx: Ctx, c0: ConversationRow, m: { text: string; attachments?: string[] | undefined; externalId?: string | undefined }): Promise<{ conversation: ConversationRow; message: MessageRow | null }> {
    const s = await settingsOf(ctx.db, c0.appId);
    const text = await screened(ctx, c0.appId, m.text, 'body.text');
    const prepared = await prepareBot(ctx, c0, s, text);
    return inTransaction(ctx, async (tx) => {
      let c = await mustFind(tx.db, c0.appId, c0.id);
      if (c.status === 'resolved') {
        // A new message reopens it: with the bot again, or in the queue if a person had it.
        c = await store.updateConversation(tx.db, c.id, c.agentId ? { status: 'waiting', waitingSince: clock.now(), resolvedAt: null, agentId: null } : { status: s.botEnabled ? 'bot' : 'waiting', resolvedAt: null, waitingSince: s.botEnabled ? null : clock.now() });
        if (c.status === 'waiting') c = await route(tx, c);
        else toAgents(tx, c, 'reopened');
      }
      const message = await add(tx, c, { kind: 'user', id: c.userId }, { text, attachments: m.attachments, externalId: m.externalId ?? null });
      if (!message) return { conversation: c, message: null }; // the bridge sent this message before
      if (c.status === 'bot') c = await botReply(tx, c, s, text, c.id === c0.id && c0.status === 'bot' ? prepared : { hits: [], composed: null });
      return { conversation: c, message };
    });
  }

  const service = {
    erasure: {
      eraseApp: (db: Db, appId: string) => db.transaction((tx) => store.eraseApp(tx, appId)),
      eraseUser: (db: Db, appId: string, userId: string) => db.transaction((tx) => store.eraseUser(tx, appId, userId)),
    } satisfies Erasure,

    async settings(ctx: Ctx, appId: string): Promise<SettingsRow> {
      return settingsOf(ctx.db, appId);
    },

    async saveSettings(ctx: Ctx, appId: string, input: SettingsInput): Promise<SettingsRow> {
      return inTransaction(ctx, async (tx) => {
        const before = await settingsOf(tx.db, appId);
        const next: SettingsRow = {
          ...before,
          ...(input.bot_enabled !== undefined ? { botEnabled: input.bot_enabled } : {}),
          ...(input.threshold !== undefined ? { threshold: input.threshold } : {}),
          ...(input.handover_keywords !== undefined ? { handoverKeywords: input.handover_keywords } : {}),
          ...(input.first_response_minutes !== undefined ? { firstResponseMinutes: input.first_response_minutes } : {}),
          ...(input.resolution_minutes !== undefined ? { resolutionMinutes: input.resolution_minutes } : {}),
          updatedAt: clock.now(),
        };
        await store.saveSettings(tx.db, next);
        await deps.audit.record(tx, { appId, action: 'service.settings', targetType: 'service_settings', targetId: appId, before, after: next });
        return next;
      });
    },

    /** Opens a conversation (and takes its first message). `external`: a host bridge's conversation (found again, not opened twice). */
    async open(ctx: Ctx, appId: string, o: { userId: string; channel: string; text?: string | undefined; attachments?: string[] | undefined; skill?: string | undefined; locale?: Locale | undefined; external?: { id: string; messageId: string } }): Promise<{ conversation: ConversationRow; message: MessageRow | null; opened: boolean }> {
      if (o.text !== undefined) await limited(appId, o.userId);
      const s = await settingsOf(ctx.db, appId);
      const opened = await inTransaction(ctx, async (tx) => {
        if (o.external) {
          const found = await store.findExternal(tx.db, appId, o.channel, o.external.id);
          if (found) return { c: found, opened: false };
        }
        const now = clock.now();
        const row: ConversationRow = {
          id: newId('svc'),
          appId,
          userId: o.userId,
          channel: o.channel,
          externalId: o.external?.id ?? null,
          status: s.botEnabled ? 'bot' : 'waiting',
          skill: o.skill ?? null,
          agentId: null,
          locale: o.locale ?? 'zh-CN',
          lowConfidence: 0,
          waitingSince: s.botEnabled ? null : now,
          firstResponseAt: null,
          resolvedAt: null,
          firstResponseBreachedAt: null,
          resolutionBreachedAt: null,
          rating: null,
          ratingComment: null,
          ratedAt: null,
          lastMessageAt: now,
          createdAt: now,
        };
        const inserted = await store.insertConversation(tx.db, row);
        if (!inserted) {
          // Two bridge deliveries of a new conversation raced: the other one opened it.
          return { c: (await store.findExternal(tx.db, appId, o.channel, o.external!.id))!, opened: false };
        }
        await bus.emit(tx.db, 'service.conversation_opened', { appId, conversationId: row.id, userId: o.userId, channel: o.channel });
        toAgents(tx, inserted, 'opened');
        const c = inserted.status === 'waiting' ? await toPerson(tx, inserted, 'bot_off') : inserted;
        return { c, opened: true };
      });
      if (o.text === undefined) return { conversation: opened.c, message: null, opened: opened.opened };
      const r = await userSays(ctx, opened.c, { text: o.text, attachments: o.attachments, externalId: o.external?.messageId });
      return { ...r, opened: opened.opened };
    },

    async get(ctx: Ctx, appId: string, id: string, userId?: string): Promise<ConversationRow> {
      const c = await store.findConversation(ctx.db, appId, id);
      if (!c || (userId !== undefined && c.userId !== userId)) throw notFound(id);
      return c;
    },

    list: (ctx: Ctx, appId: string, f: store.ListFilter, before: { at: Date; id: string } | undefined, limit: number) => store.listConversations(ctx.db, appId, f, before, limit),
    queue: (ctx: Ctx, appId: string, skill: string | undefined, after: { at: Date; id: string } | undefined, limit: number) => store.queue(ctx.db, appId, skill, after, limit),

    async messages(ctx: Ctx, appId: string, id: string, o: { userId?: string | undefined; afterSeq?: number | undefined; limit: number }): Promise<MessageRow[]> {
      await service.get(ctx, appId, id, o.userId);
      return store.listMessages(ctx.db, id, { afterSeq: o.afterSeq, internal: o.userId === undefined, limit: o.limit });
    },

    /** A message from the user (in-app, user token or secret key with user_id). */
    async userMessage(ctx: Ctx, appId: string, id: string, userId: string, m: { text: string; attachments?: string[] | undefined }) {
      const c = await service.get(ctx, appId, id, userId);
      await limited(appId, userId);
      return userSays(ctx, c, m);
    },

    /** A message from an agent (internal: a note only agents see), or from the app itself (agent null). */
    async agentMessage(ctx: Ctx, appId: string, id: string, agentId: string | null, m: { text: string; attachments?: string[] | undefined; internal?: boolean | undefined }): Promise<{ conversation: ConversationRow; message: MessageRow }> {
      const text = await screened(ctx, appId, m.text, 'body.text');
      return inTransaction(ctx, async (tx) => {
        let c = await mustFind(tx.db, appId, id);
        if (c.status === 'resolved' && !m.internal) throw new AppError('service.resolved', `Conversation ${id} is resolved; the user's next message reopens it`, { conversation_id: id });
        if (!m.internal && agentId !== null && (c.status === 'bot' || c.status === 'waiting')) {
          // Writing to a conversation nobody has yet takes it.
          c = await store.updateConversation(tx.db, c.id, { status: 'assigned', agentId, waitingSince: c.waitingSince ?? clock.now() });
          await bus.emit(tx.db, 'service.assigned', { appId, conversationId: c.id, userId: c.userId, agentId, by: 'reply' });
          toAgents(tx, c, 'assigned');
        }
        const message = (await add(tx, c, agentId === null ? { kind: 'system', id: null } : { kind: 'agent', id: agentId }, { text, attachments: m.attachments, internal: m.internal ?? false }))!;
        if (!m.internal && c.firstResponseAt === null && c.status === 'assigned') c = await store.updateConversation(tx.db, c.id, { firstResponseAt: clock.now() });
        return { conversation: c, message };
      });
    },

    /** The user asks for a person. */
    async handover(ctx: Ctx, appId: string, id: string, userId: string): Promise<ConversationRow> {
      return inTransaction(ctx, async (tx) => {
        const c = await mustFind(tx.db, appId, id, userId);
        if (c.status !== 'bot') return c;
        return toPerson(tx, c, 'request');
      });
    },

    /** An agent takes a conversation nobody has: exactly one of racing claims wins (409 for the others). */
    async claim(ctx: Ctx, appId: string, id: string, agentId: string): Promise<ConversationRow> {
      return inTransaction(ctx, async (tx) => {
        const c = await store.claim(tx.db, appId, id, agentId, clock.now());
        if (!c) {
          const now = await store.findConversation(tx.db, appId, id);
          if (!now) throw notFound(id);
          throw new AppError('service.already_assigned', now.status === 'resolved' ? `Conversation ${id} is resolved` : `Conversation ${id} is with agent ${now.agentId}`, { conversation_id: id, agent_id: now.agentId, status: now.status });
        }
        await bus.emit(tx.db, 'service.assigned', { appId, conversationId: id, userId: c.userId, agentId, by: 'claim' });
        push(tx, c, { type: 'service.assigned', conversation_id: id, agent_id: agentId });
        toAgents(tx, c, 'assigned');
        return c;
      });
    },

    /** To another agent, or back to the queue for a skill. */
    async transfer(ctx: Ctx, appId: string, id: string, to: { agentId?: string | undefined; skill?: string | undefined }): Promise<ConversationRow> {
      return inTransaction(ctx, async (tx) => {
        const c = await mustFind(tx.db, appId, id);
        if (c.status === 'resolved') throw new AppError('service.resolved', `Conversation ${id} is resolved`, { conversation_id: id });
        if (to.agentId !== undefined) {
          if (!(await store.findAgent(tx.db, appId, to.agentId))) throw new AppError('service.not_agent', `Operator ${to.agentId} is not an agent of this app (PUT /v1/service/agents/me as them first)`, { field: 'body.agent_id', agent_id: to.agentId });
          const next = await store.updateConversation(tx.db, id, { status: 'assigned', agentId: to.agentId, waitingSince: c.waitingSince ?? clock.now() });
          await bus.emit(tx.db, 'service.assigned', { appId, conversationId: id, userId: c.userId, agentId: to.agentId, by: 'transfer' });
          push(tx, next, { type: 'service.assigned', conversation_id: id, agent_id: to.agentId });
          toAgents(tx, next, 'assigned');
          return next;
        }
        const waiting = await store.updateConversation(tx.db, id, { status: 'waiting', agentId: null, skill: to.skill ?? c.skill, waitingSince: clock.now() });
        return route(tx, waiting);
      });
    },

    async resolve(ctx: Ctx, appId: string, id: string): Promise<ConversationRow> {
      return inTransaction(ctx, async (tx) => {
        const c = await mustFind(tx.db, appId, id);
        if (c.status === 'resolved') return c;
        const next = await store.updateConversation(tx.db, id, { status: 'resolved', resolvedAt: clock.now() });
        await bus.emit(tx.db, 'service.resolved', { appId, conversationId: id, userId: c.userId, agentId: c.agentId });
        push(tx, next, { type: 'service.resolved', conversation_id: id, rate: `/v1/service/conversations/${id}/rating` });
        toAgents(tx, next, 'resolved');
        return next;
      });
    },

    /** CSAT: once per conversation, by its user, after it is resolved. */
    async rate(ctx: Ctx, appId: string, id: string, userId: string, score: number, comment: string | undefined): Promise<ConversationRow> {
      return inTransaction(ctx, async (tx) => {
        const c = await mustFind(tx.db, appId, id, userId);
        if (c.status !== 'resolved') throw new AppError('service.not_resolved', `Conversation ${id} is ${c.status}; rate it once it is resolved`, { conversation_id: id, status: c.status });
        if (c.rating !== null) throw new AppError('service.already_rated', `Conversation ${id} was rated already`, { conversation_id: id, score: c.rating });
        const next = await store.updateConversation(tx.db, id, { rating: score, ratingComment: comment ?? null, ratedAt: clock.now() });
        await bus.emit(tx.db, 'service.rated', { appId, conversationId: id, userId, agentId: c.agentId, score });
        toAgents(tx, next, 'rated');
        return next;
      });
    },

    // ---- agents ---------------------------------------------------------------------------------

    /** An operator's agent status; coming online takes waiting conversations up to the free seats. */
    async setAgent(ctx: Ctx, appId: string, operatorId: string, input: { status: 'online' | 'away' | 'offline'; skills?: string[] | undefined; capacity?: number | undefined }) {
      return inTransaction(ctx, async (tx) => {
        const before = await store.findAgent(tx.db, appId, operatorId);
        const row = await store.upsertAgent(tx.db, { appId, operatorId, status: input.status, skills: input.skills ?? before?.skills ?? [], capacity: input.capacity ?? before?.capacity ?? 5, updatedAt: clock.now() });
        if (row.status === 'online') {
          const seats = await store.freeSeats(tx.db, appId, operatorId);
          for (const c of seats > 0 ? await store.waitingFor(tx.db, appId, row.skills, seats) : []) {
            const next = await store.updateConversation(tx.db, c.id, { status: 'assigned', agentId: operatorId });
            await bus.emit(tx.db, 'service.assigned', { appId, conversationId: c.id, userId: c.userId, agentId: operatorId, by: 'routing' });
            push(tx, next, { type: 'service.assigned', conversation_id: c.id, agent_id: operatorId });
            toAgents(tx, next, 'assigned');
          }
        }
        return row;
      });
    },

    agents: (ctx: Ctx, appId: string) => store.listAgents(ctx.db, appId),

    // ---- canned replies -------------------------------------------------------------------------

    async addCanned(ctx: Ctx, appId: string, input: { title: string; body: string }): Promise<CannedRow> {
      const now = clock.now();
      const row: CannedRow = { id: newId('svr'), appId, title: input.title, body: input.body, createdAt: now, updatedAt: now };
      await inTransaction(ctx, async (tx) => {
        await store.insertCanned(tx.db, row);
        await deps.audit.record(tx, { appId, action: 'service.canned.create', targetType: 'service_canned', targetId: row.id, after: row });
      });
      return row;
    },
    async updateCanned(ctx: Ctx, appId: string, id: string, patch: { title?: string | undefined; body?: string | undefined }): Promise<CannedRow> {
      return inTransaction(ctx, async (tx) => {
        const before = await store.findCanned(tx.db, appId, id);
        const r = before && (await store.updateCanned(tx.db, appId, id, { ...(patch.title !== undefined ? { title: patch.title } : {}), ...(patch.body !== undefined ? { body: patch.body } : {}), updatedAt: clock.now() }));
        if (!r) throw new AppError('service.canned_not_found', `No canned reply ${id}`, { canned_id: id });
        await deps.audit.record(tx, { appId, action: 'service.canned.update', targetType: 'service_canned', targetId: id, before, after: r });
        return r;
      });
    },
    async removeCanned(ctx: Ctx, appId: string, id: string): Promise<void> {
      await inTransaction(ctx, async (tx) => {
        const before = await store.findCanned(tx.db, appId, id);
        if (!before || !(await store.deleteCanned(tx.db, appId, id))) throw new AppError('service.canned_not_found', `No canned reply ${id}`, { canned_id: id });
        await deps.audit.record(tx, { appId, action: 'service.canned.delete', targetType: 'service_canned', targetId: id, before });
      });
    },
    canned: (ctx: Ctx, appId: string, before: { at: Date; id: string } | undefined, limit: number) => store.listCanned(ctx.db, appId, before, limit),

    /** Per agent in [from, to): resolved conversations, median first response, CSAT (the feedback workload view). */
    agentStats: (ctx: Ctx, appId: string, from: Date, to: Date) => store.agentStats(ctx.db, appId, from, to),

    /** Flags the conversations past their SLA, once each (the minute tick; any number of servers). */
    async tick(): Promise<number> {
      const breached: ConversationRow[] = [];
      const n = await deps.db.transaction(async (tx) => {
        const now = clock.now();
        let n = 0;
        for (const c of await store.dueFirstResponse(tx, now, 200)) {
          breached.push(await store.updateConversation(tx, c.id, { firstResponseBreachedAt: now }));
          await bus.emit(tx, 'service.sla_breached', { appId: c.appId, conversationId: c.id, userId: c.userId, agentId: c.agentId, kind: 'first_response', minutes: c.minutes });
          n++;
        }
        for (const c of await store.dueResolution(tx, now, 200)) {
          breached.push(await store.updateConversation(tx, c.id, { resolutionBreachedAt: now }));
          await bus.emit(tx, 'service.sla_breached', { appId: c.appId, conversationId: c.id, userId: c.userId, agentId: c.agentId, kind: 'resolution', minutes: c.minutes });
          n++;
        }
        return n;
      });
      for (const c of breached) toAgents({ afterCommit: (f) => void f() }, c, 'sla_breached');
      return n;
    },
  };
  return service;
}

export const presentConversation = (c: ConversationRow, now: Date): z.infer<typeof ConversationOut> => ({
  id: c.id,
  user_id: c.userId,
  channel: c.channel,
  external_id: c.externalId,
  status: c.status as Status,
  skill: c.skill,
  agent_id: c.agentId,
  locale: c.locale as Locale,
  waiting_since: iso(c.waitingSince),
  waiting_seconds: c.status === 'waiting' && c.waitingSince ? Math.max(0, Math.round((now.getTime() - c.waitingSince.getTime()) / 1000)) : null,
  first_response_at: iso(c.firstResponseAt),
  resolved_at: iso(c.resolvedAt),
  sla: { first_response_breached_at: iso(c.firstResponseBreachedAt), resolution_breached_at: iso(c.resolutionBreachedAt) },
  rating: c.rating !== null && c.ratedAt ? { score: c.rating, comment: userText(c.ratingComment), rated_at: c.ratedAt.toISOString() } : null,
  last_message_at: c.lastMessageAt.toISOString(),
  created_at: c.createdAt.toISOString(),
});

export function presentMessage(m: MessageRow) {
  return {
    id: m.id,
    conversation_id: m.conversationId,
    author: { kind: m.authorKind as 'user' | 'bot' | 'agent' | 'system', id: m.authorId },
    // User content, and the answers to it: escaped like every conversation's text (README "User content").
    text: userText(m.body),
    attachments: m.attachments,
    internal: m.internal,
    sources: m.sources,
    created_at: m.createdAt.toISOString(),
  };
}

export type Service = ReturnType<typeof createService<BotHit>>;
