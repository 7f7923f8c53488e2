// Realtime delivery to connected clients (WebSocket and SSE) on every Canyu server.
//
// Each server keeps a registry of its own connections (by app, user and topic). Anything meant for
// clients is published on the hub; every server receives it and delivers to its own connections.
// Modules use it through four calls (toUsers, toApp, toTopic, and the client-message/topic hooks)
// and never see sockets.
import { randomUUID } from 'node:crypto';
import { AppError, isAppError } from '../http/errors.ts';
import { can, type Permission, type Role } from '../http/permissions.ts';
import './errors.ts';
import type { Hub } from './hub.ts';

/** What a server sends to a client: a JSON object with a `type`. */
export type ClientEvent = { type: string } & Record<string, unknown>;

export type Connection = {
  readonly id: string;
  readonly appId: string;
  readonly userId: string;
  readonly transport: 'ws' | 'sse';
  readonly topics: ReadonlySet<string>;
  /** Sends an already serialised event. */
  sendRaw(json: string): void;
  send(event: ClientEvent): void;
  close(code?: number, reason?: string): void;
};

/** A message a client sent over its WebSocket. */
export type ClientMessage = { type: string; id?: string | number | undefined } & Record<string, unknown>;

/** What one hub message of toTopics() carries at most (NOTIFY payloads stay under 8000 bytes with the envelope). */
const TOPICS_MESSAGE_BYTES = 6000;

/** Topics one connection may follow at once (a page of like buttons is far below it). */
export const MAX_TOPICS = 200;

export type TopicPolicy = {
  /** Throws an AppError when the connection may not subscribe to the topic. */
  authorize(conn: Connection, topic: string): Promise<void> | void;
  joined?(conn: Connection, topic: string): void;
  left?(conn: Connection, topic: string): void;
};

type Logger = { error(obj: object, msg: string): void; warn(obj: object, msg: string): void };

type Entry = Connection & { topicSet: Set<string> };

/** An operator's stream (the console): app-wide events the operator's role may read. */
export type OperatorStream = { readonly appId: string; readonly operatorId: string; role: Role; sendRaw(json: string): void };

const key = (appId: string, x: string) => `${appId}\u0000${x}`;

export function createRealtime(deps: { hub: Hub; log: Logger }) {
  const { hub, log } = deps;
  const byUser = new Map<string, Set<Entry>>();
  const byApp = new Map<string, Set<Entry>>();
  const byTopic = new Map<string, Set<Entry>>();
  const usersOfApp = new Map<string, Map<string, number>>();
  const messageHandlers = new Map<string, (conn: Connection, msg: ClientMessage) => Promise<ClientEvent | void> | ClientEvent | void>();
  const topicPolicies: { prefix: string; policy: TopicPolicy }[] = [];
  const operatorsOf = new Map<string, Set<OperatorStream>>();
  let count = 0;

  const add = <K>(m: Map<K, Set<Entry>>, k: K, e: Entry) => {
    let s = m.get(k);
    if (!s) m.set(k, (s = new Set()));
    s.add(e);
  };
  const remove = <K>(m: Map<K, Set<Entry>>, k: K, e: Entry) => {
    const s = m.get(k);
    if (!s) return;
    s.delete(e);
    if (s.size === 0) m.delete(k);
  };

  const fanOut = (targets: Iterable<Entry> | undefined, event: unknown): number => {
    if (!targets) return 0;
    const json = JSON.stringify(event);
    let n = 0;
    for (const c of targets) {
      c.sendRaw(json);
      n++;
    }
    return n;
  };

  hub.on('rt.users', (p) => {
    const { a, u, e } = p as { a: string; u: string[]; e: ClientEvent };
    if (!byApp.has(a)) return;
    const json = JSON.stringify(e);
    for (const userId of u) for (const c of byUser.get(key(a, userId)) ?? []) c.sendRaw(json);
  });
  hub.on('rt.app', (p) => {
    const { a, e } = p as { a: string; e: ClientEvent };
    fanOut(byApp.get(a), e);
  });
  hub.on('rt.topic', (p) => {
    const { a, t, e } = p as { a: string; t: string; e: ClientEvent };
    fanOut(byTopic.get(key(a, t)), e);
  });
  hub.on('rt.topics', (p) => {
    for (const { a, t, e } of p as { a: string; t: string; e: ClientEvent }[]) fanOut(byTopic.get(key(a, t)), e);
  });

  hub.on('rt.ops', (p) => {
    const { a, r, e } = p as { a: string; r: Permission; e: ClientEvent };
    const streams = operatorsOf.get(a);
    if (!streams) return;
    const json = JSON.stringify(e);
    for (const o of streams) if (can(o.role, r)) o.sendRaw(json);
  });

  function policyFor(topic: string): TopicPolicy | undefined {
    return topicPolicies.find((p) => topic.startsWith(p.prefix))?.policy;
  }

  return {
    hub,

    // ---- to clients, on every server ------------------------------------------------------------
    toUsers(appId: string, userIds: string[], event: ClientEvent): void {
      // Keep each hub message small (NOTIFY carries < 8000 bytes): many users go in several.
      for (let i = 0; i < userIds.length; i += 50) hub.publish('rt.users', { a: appId, u: userIds.slice(i, i + 50), e: event });
    },
    toApp(appId: string, event: ClientEvent): void {
      hub.publish('rt.app', { a: appId, e: event });
    },
    toTopic(appId: string, topic: string, event: ClientEvent): void {
      hub.publish('rt.topic', { a: appId, t: topic, e: event });
    },
    /** Many topic events at once, packed into as few hub messages as fit (each under the NOTIFY payload limit). */
    toTopics(items: { appId: string; topic: string; event: ClientEvent }[]): void {
      let batch: { a: string; t: string; e: ClientEvent }[] = [];
      let bytes = 0;
      for (const it of items) {
        const m = { a: it.appId, t: it.topic, e: it.event };
        const n = Buffer.byteLength(JSON.stringify(m));
        if (batch.length > 0 && bytes + n > TOPICS_MESSAGE_BYTES) {
          hub.publish('rt.topics', batch);
          batch = [];
          bytes = 0;
        }
        batch.push(m);
        bytes += n + 1;
      }
      if (batch.length > 0) hub.publish('rt.topics', batch);
    },

    /** To the operators of the app with a stream open (GET /v1/realtime/operator) whose role grants `permission`. */
    toOperators(appId: string, permission: Permission, event: ClientEvent): void {
      hub.publish('rt.ops', { a: appId, r: permission, e: event });
    },

    // ---- this server's connections ------------------------------------------------------------------
    /** Users of the app with a connection on this server (for resolving batched deliveries locally). */
    localUsers(appId: string): ReadonlyMap<string, number> | undefined {
      return usersOfApp.get(appId);
    },
    sendLocal(appId: string, userId: string, event: ClientEvent): number {
      return fanOut(byUser.get(key(appId, userId)), event);
    },
    /** Every connection of the app on this server. */
    sendLocalApp(appId: string, event: ClientEvent): number {
      return fanOut(byApp.get(appId), event);
    },
    /** Every connection on this server subscribed to the topic. */
    sendLocalTopic(appId: string, topic: string, event: ClientEvent): number {
      return fanOut(byTopic.get(key(appId, topic)), event);
    },
    /** Connections on this server subscribed to the topic. */
    localTopicCount(appId: string, topic: string): number {
      return byTopic.get(key(appId, topic))?.size ?? 0;
    },
    stats() {
      return { connections: count, apps: byApp.size, topics: byTopic.size };
    },

    // ---- hooks for modules -----------------------------------------------------------------------------
    /** Handles client messages of one type (WebSocket); the returned event is the reply. */
    onClientMessage(type: string, handler: (conn: Connection, msg: ClientMessage) => Promise<ClientEvent | void> | ClientEvent | void): void {
      if (messageHandlers.has(type)) throw new Error(`realtime: client message type ${type} is handled twice`);
      messageHandlers.set(type, handler);
    },
    /** Lets clients subscribe to topics starting with `prefix` (e.g. "live:"), as the policy allows. */
    topicPolicy(prefix: string, policy: TopicPolicy): void {
      topicPolicies.push({ prefix, policy });
    },

    // ---- used by the transports (routes.ts) ----------------------------------------------------------------
    register(c: { appId: string; userId: string; transport: 'ws' | 'sse'; sendRaw(json: string): void; close(code?: number, reason?: string): void }): Connection {
      const topicSet = new Set<string>();
      const entry: Entry = {
        id: randomUUID(),
        appId: c.appId,
        userId: c.userId,
        transport: c.transport,
        topics: topicSet,
        topicSet,
        sendRaw: c.sendRaw,
        send: (event) => c.sendRaw(JSON.stringify(event)),
        close: c.close,
      };
      add(byUser, key(c.appId, c.userId), entry);
      add(byApp, c.appId, entry);
      let users = usersOfApp.get(c.appId);
      if (!users) usersOfApp.set(c.appId, (users = new Map()));
      users.set(c.userId, (users.get(c.userId) ?? 0) + 1);
      count++;
      return entry;
    },
    unregister(conn: Connection): void {
      const e = conn as Entry;
      if (!byApp.get(e.appId)?.has(e)) return;
      for (const t of [...e.topicSet]) this.leave(conn, t);
      remove(byUser, key(e.appId, e.userId), e);
      remove(byApp, e.appId, e);
      const users = usersOfApp.get(e.appId);
      if (users) {
        const n = (users.get(e.userId) ?? 1) - 1;
        if (n <= 0) users.delete(e.userId);
        else users.set(e.userId, n);
        if (users.size === 0) usersOfApp.delete(e.appId);
      }
      count--;
    },
    /** An operator's stream on this server; the returned function ends it. */
    registerOperator(o: OperatorStream): () => void {
      let set = operatorsOf.get(o.appId);
      if (!set) operatorsOf.set(o.appId, (set = new Set()));
      set.add(o);
      return () => {
        const s = operatorsOf.get(o.appId);
        if (!s?.delete(o)) return;
        if (s.size === 0) operatorsOf.delete(o.appId);
      };
    },
    async join(conn: Connection, topic: string): Promise<void> {
      const policy = policyFor(topic);
      if (!policy) throw new AppError('realtime.unknown_topic', `No topic ${topic}; topics start with ${topicPolicies.map((p) => p.prefix).join(', ') || '(none registered)'}`, { topic });
      const e = conn as Entry;
      if (e.topicSet.has(topic)) return;
      if (e.topicSet.size >= MAX_TOPICS) throw new AppError('realtime.too_many_topics', `A connection follows at most ${MAX_TOPICS} topics; unsubscribe from one first`, { topic, max: MAX_TOPICS });
      await policy.authorize(conn, topic);
      if (!byApp.get(e.appId)?.has(e)) return; // closed while authorising
      e.topicSet.add(topic);
      add(byTopic, key(e.appId, topic), e);
      policy.joined?.(conn, topic);
    },
    leave(conn: Connection, topic: string): void {
      const e = conn as Entry;
      if (!e.topicSet.delete(topic)) return;
      remove(byTopic, key(e.appId, topic), e);
      policyFor(topic)?.left?.(conn, topic);
    },
    async handleClientMessage(conn: Connection, msg: ClientMessage): Promise<ClientEvent | void> {
      const h = messageHandlers.get(msg.type);
      if (!h) throw new AppError('realtime.unknown_message', `Unknown message type ${msg.type}`, { type: msg.type });
      return h(conn, msg);
    },
    errorEvent(err: unknown, re?: string | number): ClientEvent {
      if (isAppError(err)) return { type: 'error', ...(re !== undefined ? { re } : {}), code: err.code, message: err.message, details: err.details ?? null };
      log.error({ err }, 'realtime client message failed');
      return { type: 'error', ...(re !== undefined ? { re } : {}), code: 'internal', message: 'Internal server error', details: null };
    },
  };
}

export type Realtime = ReturnType<typeof createRealtime>;
