// Live rooms (直播互动): realtime chat (弹幕) over the realtime hub with per-user send limits and the
// app's sensitive-word filter (the interactions module's, so words are configured once), online counts across servers, likes aggregated into periodic counts, and
// live polls and lotteries: validated against the modules that own them (polls, gamification),
// announced to the room, then their results (coalesced) and draws pushed to the room as they change,
// through the realtime hub so clients on every server get them.
import { randomUUID } from 'node:crypto';
import type { Ctx } from '../../context.ts';
import type { Db } from '../../db/index.ts';
import type { Erasure } from '../../erasure.ts';
import type { EventBus } from '../../events.ts';
import { AppError, fieldError, isAppError } from '../../http/errors.ts';
import type { RateLimiter } from '../../http/rate-limit.ts';
import type { Clock } from '../../lib/clock.ts';
import { newId } from '../../lib/ids.ts';
import type { Connection, Realtime } from '../../realtime/index.ts';
import type { Audit } from '../audit/index.ts';
import type { Gamification } from '../gamification/index.ts';
import type { Interactions } from '../interactions/index.ts';
import type { Polls, PollView } from '../polls/index.ts';
import './errors.ts';
import * as store from './store.ts';
import type { RoomRow } from './store.ts';
import type { InteractionInput, RoomInput } from './types.ts';

declare module '../../events.ts' {
  interface DomainEvents {
    'live.message.sent': { appId: string; roomId: string; userId: string; messageId: string; text: string; masked: boolean };
    /** An operator started a poll or lottery in a room: the polls / lottery modules run it. */
    'live.interaction.started': { appId: string; roomId: string; kind: 'poll' | 'lottery'; ref: string; title: string | null; data: Record<string, unknown> | null };
    'live.likes.flushed': { appId: string; roomId: string; delta: number; total: number };
  }
}

/** The app's moderation settings and its sensitive-word filter (interactions/index.ts). */
export type ModerationPort = Pick<Interactions['settings'], 'load' | 'screen'>;
/** Reads of the polls and lotteries a room shows (polls/index.ts, gamification/index.ts). */
export type PollsPort = Pick<Polls, 'get'>;
export type LotteriesPort = Pick<Gamification['lottery'], 'get'>;

export type LiveDeps = {
  db: Db;
  /** Rooms opened and closed, interactions started: audited. */
  audit: Audit;
  bus: EventBus;
  clock: Clock;
  realtime: Realtime;
  limiter: RateLimiter;
  moderation: ModerationPort;
  polls: PollsPort;
  lotteries: LotteriesPort;
  log: { error(obj: object, msg: string): void };
  /** How often taps are written and announced (ms). */
  likeFlushMs?: number;
  /** How often this server tells the others its changed room counts (ms); all counts every 5×. */
  presenceMs?: number;
  /** At most one results update per live poll per this many ms (votes in between are coalesced). */
  pollPushMs?: number;
};

const TOPIC = 'live:';
const key = (appId: string, roomId: string) => `${appId}\u0000${roomId}`;

export function createLive(deps: LiveDeps) {
  const { db, realtime } = deps;
  const serverId = randomUUID();
  const presenceMs = deps.presenceMs ?? 1000;
  const roomCache = new Map<string, { row: RoomRow | undefined; at: number }>();
  const moderation = new Map<string, { l: ReturnType<ModerationPort['load']>; at: number }>();
  const pendingLikes = new Map<string, { appId: string; roomId: string; n: number }>();
  const dirty = new Set<string>();
  /** Other servers' connection counts per room. */
  const remote = new Map<string, Map<string, { n: number; at: number }>>();
  const lastSent = new Map<string, number>();
  const timers: NodeJS.Timeout[] = [];
  let beats = 0;

  async function room(appId: string, roomId: string): Promise<RoomRow> {
    const k = key(appId, roomId);
    let hit = roomCache.get(k);
    if (!hit || Date.now() - hit.at > 2000) {
      hit = { row: await store.findRoom(db, appId, roomId), at: Date.now() };
      roomCache.set(k, hit);
    }
    if (!hit.row) throw new AppError('live.room_not_found', `Live room ${roomId} does not exist`, { room_id: roomId });
    return hit.row;
  }

  async function openRoom(appId: string, roomId: string): Promise<RoomRow> {
    const r = await room(appId, roomId);
    if (r.status !== 'open') throw new AppError('live.room_closed', `Live room ${roomId} has ended`, { room_id: roomId });
    return r;
  }

  /** The app's moderation settings, kept a few seconds: chat is a hot path. */
  function moderationOf(appId: string): ReturnType<ModerationPort['load']> {
    const hit = moderation.get(appId);
    if (hit && Date.now() - hit.at < 5000) return hit.l;
    if (moderation.size > 10_000) moderation.clear();
    const l = deps.moderation.load({ db, actor: { type: 'system', id: null } }, appId);
    moderation.set(appId, { l, at: Date.now() });
    l.catch(() => moderation.delete(appId));
    return l;
  }

  // ---- online counts across servers --------------------------------------------------------------------
  const localCount = (appId: string, roomId: string) => realtime.localTopicCount(appId, `${TOPIC}${roomId}`);
  function online(appId: string, roomId: string): number {
    const k = key(appId, roomId);
    const fresh = Date.now() - presenceMs * 15;
    let n = localCount(appId, roomId);
    for (const [s, rooms] of remote) {
      if (s === serverId) continue;
      const e = rooms.get(k);
      if (e && e.at >= fresh) n += e.n;
    }
    return n;
  }
  /** Tells this server's clients in a room its current total, when it changed. */
  function announceOnline(appId: string, roomId: string) {
    const k = key(appId, roomId);
    if (localCount(appId, roomId) === 0) {
      lastSent.delete(k);
      return;
    }
    const n = online(appId, roomId);
    if (lastSent.get(k) === n) return;
    lastSent.set(k, n);
    realtime.sendLocalTopic(appId, `${TOPIC}${roomId}`, { type: 'live.online', room: roomId, online: n });
  }

  realtime.hub.on('lv.presence', (p) => {
    const { s, r } = p as { s: string; r: [string, string, number][] };
    if (s !== serverId) {
      let rooms = remote.get(s);
      if (!rooms) remote.set(s, (rooms = new Map()));
      const at = Date.now();
      for (const [a, id, n] of r) rooms.set(key(a, id), { n, at });
    }
    for (const [a, id] of r) announceOnline(a, id);
  });
  realtime.hub.on('lv.room', (p) => void roomCache.delete(key((p as { a: string }).a, (p as { r: string }).r)));

  function publishPresence(all = false): void {
    const items: [string, string, number][] = [];
    const keys = all ? new Set([...dirty, ...lastSent.keys()]) : dirty;
    for (const k of keys) {
      const [a, id] = k.split('\u0000') as [string, string];
      items.push([a, id, localCount(a, id)]);
    }
    dirty.clear();
    for (let i = 0; i < items.length; i += 100) realtime.hub.publish('lv.presence', { s: serverId, r: items.slice(i, i + 100) });
  }

  const roomOf = (topic: string) => topic.slice(TOPIC.length);
  realtime.topicPolicy(TOPIC, {
    async authorize(conn: Connection, topic: string) {
      await openRoom(conn.appId, roomOf(topic));
    },
    joined(conn, topic) {
      dirty.add(key(conn.appId, roomOf(topic)));
    },
    left(conn, topic) {
      dirty.add(key(conn.appId, roomOf(topic)));
    },
  });

  // ---- likes ---------------------------------------------------------------------------------------------------
  async function flushLikes(): Promise<void> {
    if (pendingLikes.size === 0) return;
    const items = [...pendingLikes.values()];
    pendingLikes.clear();
    try {
      const delta = new Map(items.map((i) => [key(i.appId, i.roomId), i.n]));
      const totals = await db.transaction(async (tx) => {
        const totals = await store.addLikes(tx, items);
        await deps.bus.emitMany(tx, totals.map((t) => ({ name: 'live.likes.flushed' as const, payload: { appId: t.appId, roomId: t.roomId, delta: delta.get(key(t.appId, t.roomId)) ?? 0, total: t.likes } })));
        return totals;
      });
      for (const t of totals) realtime.toTopic(t.appId, `${TOPIC}${t.roomId}`, { type: 'live.likes', room: t.roomId, total: t.likes, delta: delta.get(key(t.appId, t.roomId)) ?? 0 });
    } catch (err) {
      // Put the taps back: they are counted on the next flush.
      for (const i of items) {
        const k = key(i.appId, i.roomId);
        const cur = pendingLikes.get(k);
        pendingLikes.set(k, { ...i, n: i.n + (cur?.n ?? 0) });
      }
      deps.log.error({ err }, 'live likes flush failed; retrying');
    }
  }

  // ---- client messages over the WebSocket --------------------------------------------------------------------
  const text = (v: unknown, what: string) => {
    if (typeof v !== 'string' || v.length === 0) throw new AppError('realtime.bad_message', `${what} is required`);
    return v;
  };
  realtime.onClientMessage('live.chat', async (conn, msg) => {
    const m = await service.chat({ db, actor: { type: 'user', id: conn.userId } }, conn.appId, text(msg.room, 'room'), conn.userId, text(msg.text, 'text'));
    return { type: 'live.chat.ok', room: m.roomId, id: `lvm_${m.id}`, text: m.text, masked: m.masked };
  });
  realtime.onClientMessage('live.like', async (conn, msg) => {
    const n = typeof msg.count === 'number' && Number.isInteger(msg.count) ? msg.count : 1;
    await service.like(conn.appId, text(msg.room, 'room'), n);
  });

  // ---- live polls and lotteries --------------------------------------------------------------------------
  const refError = (kind: string, ref: string, why: string) => fieldError('body.ref', `${kind} ${ref} ${why}`, `the id of a ${kind}${kind === 'poll' ? ' that is open' : ''} in this app`);
  /** The poll a room would show, as anyone in the room may see it (results per its visibility). */
  async function pollOf(ctx: Ctx, appId: string, pollId: string): Promise<PollView> {
    let v: PollView;
    try {
      v = await deps.polls.get(ctx, appId, pollId, { privileged: false, userId: null });
    } catch (err) {
      if (isAppError(err) && err.code === 'polls.not_found') throw refError('poll', pollId, 'does not exist in this app');
      throw err;
    }
    if (v.closed) throw refError('poll', pollId, 'is closed');
    return v;
  }
  async function lotteryOf(ctx: Ctx, appId: string, lotteryId: string) {
    try {
      const { lottery, prizes } = await deps.lotteries.get(ctx, appId, lotteryId);
      return { id: lottery.id, name: lottery.name, status: lottery.status, prizes: prizes.map((p) => ({ id: p.id, name: p.name, kind: p.kind })) };
    } catch (err) {
      if (isAppError(err) && err.code === 'lottery.not_found') throw refError('lottery', lotteryId, 'does not exist in this app');
      throw err;
    }
  }
  /** Counts only when the poll shows results to everyone (results_visibility), else only voters. */
  const presentPoll = (v: PollView) => ({
    id: v.poll.id,
    question: v.poll.question,
    voters: v.poll.voterCount,
    closed: v.closed,
    results_visible: v.resultsVisible,
    options: v.options.map((o) => ({ id: o.id, text: o.text, ...(v.resultsVisible ? { votes: o.voteCount } : {}) })),
  });

  // Votes arrive as events on whichever server consumes them; results are read after they commit
  // and pushed at most once per poll per pollPushMs, so a burst of votes is one update.
  const pollPushMs = deps.pollPushMs ?? 250;
  const pendingPolls = new Map<string, { appId: string; pollId: string }>();
  let pollTimer: NodeJS.Timeout | null = null;
  let pollFlush: Promise<void> = Promise.resolve();
  async function flushPolls(): Promise<void> {
    if (pollTimer) clearTimeout(pollTimer);
    pollTimer = null;
    const run = pollFlush.then(async () => {
      const items = [...pendingPolls.values()];
      pendingPolls.clear();
      const sys: Ctx = { db, actor: { type: 'system', id: null } };
      for (const { appId, pollId } of items) {
        try {
          const showing = await store.roomsShowing(db, appId, 'poll', pollId);
          if (showing.length === 0) continue;
          const poll = presentPoll(await deps.polls.get(sys, appId, pollId, { privileged: false, userId: null }));
          for (const s of showing) realtime.toTopic(appId, `${TOPIC}${s.roomId}`, { type: 'live.poll.results', room: s.roomId, interaction: s.interactionId, poll });
        } catch (err) {
          if (!(isAppError(err) && err.code === 'polls.not_found')) deps.log.error({ err, pollId }, 'live poll results push failed');
        }
      }
    });
    pollFlush = run.catch(() => undefined);
    return run;
  }
  const schedulePolls = () => {
    if (!pollTimer) pollTimer = setTimeout(() => void flushPolls(), pollPushMs);
  };
  deps.bus.on('live.poll_results', ['poll.voted', 'poll.vote_withdrawn'], async (ctx, { appId, pollId }) => {
    pendingPolls.set(key(appId, pollId), { appId, pollId });
    ctx.afterCommit(schedulePolls);
  });
  deps.bus.on('live.lottery_draws', ['lottery.drawn'], async (ctx, d) => {
    const showing = await store.roomsShowing(ctx.db, d.appId, 'lottery', d.lotteryId);
    if (showing.length === 0) return;
    const prize = d.prizeId ? ((await deps.lotteries.get(ctx, d.appId, d.lotteryId)).prizes.find((p) => p.id === d.prizeId) ?? null) : null;
    const draw = { id: d.id, lottery_id: d.lotteryId, user_id: d.userId, prize: prize ? { id: prize.id, name: prize.name, kind: prize.kind } : null };
    ctx.afterCommit(() => {
      for (const s of showing) realtime.toTopic(d.appId, `${TOPIC}${s.roomId}`, { type: 'live.lottery.draw', room: s.roomId, interaction: s.interactionId, draw });
    });
  });

  const service = {
    erasure: {
      eraseApp: (db: Db, appId: string) => db.transaction((tx) => store.deleteAppData(tx, appId)),
      eraseUser: (db: Db, appId: string, userId: string) => store.deleteUserMessages(db, appId, userId),
    } satisfies Erasure,
    serverId,

    async create(ctx: Ctx, appId: string, input: RoomInput): Promise<RoomRow> {
      return ctx.db.transaction(async (tx) => {
        const room = await store.insertRoom(tx, { appId, id: newId('room'), title: input.title, chatMax: input.chat.max, chatWindowS: input.chat.window_seconds });
        await deps.audit.record({ ...ctx, db: tx }, { appId, action: 'live.room.create', targetType: 'live_room', targetId: room.id, after: room });
        return room;
      });
    },

    async get(ctx: Ctx, appId: string, roomId: string): Promise<RoomRow & { online: number }> {
      const r = await store.findRoom(ctx.db, appId, roomId);
      if (!r) throw new AppError('live.room_not_found', `Live room ${roomId} does not exist`, { room_id: roomId });
      return { ...r, online: online(appId, roomId) };
    },

    list: (ctx: Ctx, appId: string, q: { limit: number; before?: { t: string; id: string } | undefined; status?: string | undefined }) => store.listRooms(ctx.db, appId, q),

    online,

    async close(ctx: Ctx, appId: string, roomId: string): Promise<RoomRow> {
      const r = await ctx.db.transaction(async (tx) => {
        const before = await store.findRoom(tx, appId, roomId);
        const after = before ? await store.closeRoom(tx, appId, roomId, deps.clock.now()) : undefined;
        if (after) await deps.audit.record({ ...ctx, db: tx }, { appId, action: 'live.room.close', targetType: 'live_room', targetId: roomId, before, after });
        return after;
      });
      if (!r) throw new AppError('live.room_not_found', `Live room ${roomId} does not exist`, { room_id: roomId });
      realtime.hub.publish('lv.room', { a: appId, r: roomId });
      realtime.toTopic(appId, `${TOPIC}${roomId}`, { type: 'live.closed', room: roomId });
      return r;
    },

    /** One chat message: rate-limited per user, filtered, stored, broadcast to the room on every server. */
    async chat(ctx: Ctx, appId: string, roomId: string, userId: string, raw: string) {
      if (raw.length > 200 || raw.includes('\u0000') || raw.trim().length === 0) throw new AppError('validation_failed', 'text must be 1-200 characters', { issues: [{ field: 'text', code: 'invalid_value', message: 'must be 1-200 characters without NUL' }] });
      const r = await openRoom(appId, roomId);
      const hit = await deps.limiter.hit(`lv:${appId}:${roomId}:${userId}`, r.chatMax, r.chatWindowS * 1000);
      if (!hit.ok) throw new AppError('live.rate_limited', `At most ${r.chatMax} messages per ${r.chatWindowS}s in this room; retry after ${hit.retryAfterS}s`, { limit: r.chatMax, window_seconds: r.chatWindowS }, { retryAfter: hit.retryAfterS });
      // Masks, or throws interactions.sensitive_content when the app rejects (its filter_mode).
      const text = deps.moderation.screen(appId, await moderationOf(appId), raw, 'text');
      const row = await ctx.db.transaction(async (tx) => {
        const row = await store.insertMessage(tx, { appId, roomId, userId, text, masked: text !== raw, createdAt: deps.clock.now() });
        await deps.bus.emit(tx, 'live.message.sent', { appId, roomId, userId, messageId: `lvm_${row.id}`, text: row.text, masked: row.masked });
        return row;
      });
      realtime.toTopic(appId, `${TOPIC}${roomId}`, { type: 'live.chat', room: roomId, message: { id: `lvm_${row.id}`, user_id: userId, text: row.text, masked: row.masked, created_at: row.createdAt.toISOString() } });
      return row;
    },

    /** Taps are only counted here; flushLikes writes and announces them as one number per room. */
    async like(appId: string, roomId: string, count: number): Promise<void> {
      await openRoom(appId, roomId);
      const n = Math.max(1, Math.min(100, Math.floor(count)));
      const k = key(appId, roomId);
      const cur = pendingLikes.get(k);
      pendingLikes.set(k, { appId, roomId, n: (cur?.n ?? 0) + n });
    },

    flushLikes,
    publishPresence,

    history: (ctx: Ctx, appId: string, roomId: string, q: { limit: number; beforeId?: number | undefined }) => store.listMessages(ctx.db, appId, roomId, q),

    /**
     * Starts a live poll or lottery: `ref` must name one of the app's polls (not closed) or
     * lotteries. The room gets live.interaction with its current state, then live.poll.results as
     * votes change it and live.lottery.draw for each draw, until the room closes.
     */
    async interaction(ctx: Ctx, appId: string, roomId: string, input: InteractionInput): Promise<{ id: string }> {
      await openRoom(appId, roomId);
      const snapshot = input.kind === 'poll' ? { poll: presentPoll(await pollOf(ctx, appId, input.ref)) } : { lottery: await lotteryOf(ctx, appId, input.ref) };
      const id = newId('lvi');
      const title = input.title ?? null;
      const data = input.data ?? null;
      await ctx.db.transaction(async (tx) => {
        await store.insertInteraction(tx, { appId, id, roomId, kind: input.kind, ref: input.ref, title, data, createdAt: deps.clock.now() });
        await deps.bus.emit(tx, 'live.interaction.started', { appId, roomId, kind: input.kind, ref: input.ref, title, data });
        await deps.audit.record({ ...ctx, db: tx }, { appId, action: 'live.interaction.start', targetType: 'live_room', targetId: roomId, after: { id, kind: input.kind, ref: input.ref, title, data } });
      });
      realtime.toTopic(appId, `${TOPIC}${roomId}`, { type: 'live.interaction', room: roomId, id, kind: input.kind, ref: input.ref, title, data, ...snapshot });
      return { id };
    },

    flushPolls,

    start(): void {
      const likeMs = deps.likeFlushMs ?? 1000;
      timers.push(setInterval(() => void flushLikes(), likeMs).unref());
      timers.push(
        setInterval(() => {
          publishPresence(++beats % 5 === 0);
        }, presenceMs).unref(),
      );
    },
    async stop(): Promise<void> {
      for (const t of timers) clearInterval(t);
      timers.length = 0;
      await flushLikes();
      await flushPolls();
    },
  };

  return service;
}

export type Live = ReturnType<typeof createLive>;
