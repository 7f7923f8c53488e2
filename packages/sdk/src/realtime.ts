// Realtime: inbox messages, announcements and live-room events for the signed-in user, over a
// WebSocket (GET /v1/realtime) that reconnects with back-off and jitter and subscribes again to
// its topics; where WebSockets cannot connect (proxies that drop upgrades, no WebSocket at all)
// it falls back to Server-Sent Events (GET /v1/realtime/sse, read with fetch so it needs no
// EventSource), which carry the same events one way. Credentials travel in the query string,
// as browsers cannot set headers on either transport.
import { backoffDelay } from './retry.ts';
import { readSse } from './sse.ts';

/** What the server sends: a JSON object with a `type` (hello, message, announcement, live.*, subscribed, error, …). */
export type RealtimeEvent = { type: string } & Record<string, unknown>;

type WebSocketLike = {
  readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
};
export type WebSocketConstructor = new (url: string) => WebSocketLike;

export type RealtimeOptions = {
  baseUrl: string;
  publishableKey: string;
  /** The current user token; called on every (re)connect, so a refreshed token is picked up. */
  userToken: () => string | null | Promise<string | null>;
  /** Topics to join at once, e.g. `live:<roomId>`. */
  topics?: string[];
  /** 'auto' (default): WebSocket, SSE after `sseAfterFailures` WebSocket attempts that never opened. */
  transport?: 'auto' | 'websocket' | 'sse';
  sseAfterFailures?: number;
  /** Defaults to globalThis.WebSocket (browsers, Node 22); pass `ws` on Node 20. */
  WebSocket?: WebSocketConstructor;
  fetch?: typeof globalThis.fetch;
  reconnect?: { baseDelayMs?: number; maxDelayMs?: number };
  random?: () => number;
};

export type RealtimeState = 'connecting' | 'open' | 'closed';

export function createRealtime(o: RealtimeOptions) {
  const listeners = new Map<string, Set<(e: RealtimeEvent) => void>>();
  const topics = new Set(o.topics ?? []);
  const backoff = { retries: 0, baseDelayMs: o.reconnect?.baseDelayMs ?? 500, maxDelayMs: o.reconnect?.maxDelayMs ?? 30_000 };
  const random = o.random ?? Math.random;
  const WS = o.WebSocket ?? (globalThis as unknown as { WebSocket?: WebSocketConstructor }).WebSocket;
  const doFetch = o.fetch ?? ((input: string | URL | Request, init?: RequestInit) => globalThis.fetch(input, init));
  let mode: 'websocket' | 'sse' = o.transport === 'sse' || !WS ? 'sse' : 'websocket';
  let state: RealtimeState = 'connecting';
  let stopped = false;
  let attempt = 0;
  let wsFailures = 0;
  let ws: WebSocketLike | null = null;
  let sse: AbortController | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;

  const emit = (e: RealtimeEvent) => {
    for (const key of [e.type, '*']) for (const fn of listeners.get(key) ?? []) fn(e);
  };
  const setState = (s: RealtimeState) => {
    if (state === s) return;
    state = s;
    emit({ type: 'state', state: s, transport: mode });
  };

  /**
   * The address to connect to, with the topics to join at once: all of them for SSE (it has no
   * other way to join), at most `topicChars` characters of them for the WebSocket, which joins the
   * rest by message once open (a page of like buttons would make a very long address).
   */
  async function url(path: string, topicChars: number): Promise<{ address: string; inUrl: Set<string> }> {
    const u = new URL(path, o.baseUrl.replace(/\/+$/, '') + '/');
    u.searchParams.set('key', o.publishableKey);
    const token = await o.userToken();
    if (token) u.searchParams.set('user_token', token);
    const inUrl = new Set<string>();
    let chars = 0;
    for (const t of topics) {
      if (chars + t.length + 1 > topicChars) break;
      inUrl.add(t);
      chars += t.length + 1;
    }
    if (inUrl.size) u.searchParams.set('topics', [...inUrl].join(','));
    return { address: u.toString(), inUrl };
  }

  function retryLater(): void {
    ws = null;
    sse = null;
    if (stopped) return;
    setState('connecting');
    timer = setTimeout(() => void connect(), backoffDelay(attempt++, backoff, random) + 50);
  }

  function opened(): void {
    attempt = 0;
    setState('open');
  }

  async function connect(): Promise<void> {
    timer = null;
    if (stopped) return;
    if (mode === 'websocket' && WS) {
      let address: string;
      let inUrl: Set<string>;
      try {
        const u = await url('v1/realtime', 1000);
        address = u.address.replace(/^http/, 'ws');
        inUrl = u.inUrl;
      } catch {
        return retryLater();
      }
      if (stopped) return;
      const socket = new WS(address);
      ws = socket;
      let didOpen = false;
      socket.onopen = () => {
        didOpen = true;
        wsFailures = 0;
        // Topics added while connecting, or that did not fit, were not in the URL.
        for (const t of topics) if (!inUrl.has(t)) socket.send(JSON.stringify({ type: 'subscribe', topic: t }));
        opened();
      };
      socket.onmessage = (ev) => {
        try {
          const e = JSON.parse(typeof ev.data === 'string' ? ev.data : String(ev.data)) as RealtimeEvent;
          if (e && typeof e.type === 'string') emit(e);
        } catch {
          // not JSON: ignore
        }
      };
      socket.onerror = () => {};
      socket.onclose = () => {
        if (ws !== socket) return;
        if (!didOpen && o.transport !== 'websocket' && ++wsFailures >= (o.sseAfterFailures ?? 2)) mode = 'sse';
        retryLater();
      };
      return;
    }
    await streamSse();
  }

  /** Reads text/event-stream over fetch: `event: <type>` / `data: <json>` blocks. */
  async function streamSse(): Promise<void> {
    const ctl = new AbortController();
    sse = ctl;
    try {
      const res = await doFetch((await url('v1/realtime/sse', Infinity)).address, { headers: { accept: 'text/event-stream' }, signal: ctl.signal });
      if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
      opened();
      await readSse(res.body, (e) => emit(e as RealtimeEvent));
    } catch {
      // aborted, refused or dropped: fall through to reconnect
    }
    if (sse === ctl) retryLater();
  }

  void connect();

  return {
    /** Listens to one event type (`message`, `announcement`, `live.chat`, …), `state`, or `*`; returns the unsubscriber. */
    on(type: string, fn: (e: RealtimeEvent) => void): () => void {
      let set = listeners.get(type);
      if (!set) listeners.set(type, (set = new Set()));
      set.add(fn);
      return () => set.delete(fn);
    },
    /** Joins a topic now and after every reconnect. */
    subscribe(topic: string): void {
      if (topics.has(topic)) return;
      topics.add(topic);
      if (mode === 'websocket' && ws && ws.readyState === 1) ws.send(JSON.stringify({ type: 'subscribe', topic }));
      else if (mode === 'sse' && sse) sse.abort(); // reconnects with the new topic list
    },
    unsubscribe(topic: string): void {
      if (!topics.delete(topic)) return;
      if (mode === 'websocket' && ws && ws.readyState === 1) ws.send(JSON.stringify({ type: 'unsubscribe', topic }));
      else if (mode === 'sse' && sse) sse.abort();
    },
    /** Sends a client message over the WebSocket (`live.chat`, `ack`); false when not connected by WebSocket. */
    send(msg: { type: string } & Record<string, unknown>): boolean {
      if (mode !== 'websocket' || !ws || ws.readyState !== 1) return false;
      ws.send(JSON.stringify(msg));
      return true;
    },
    get state(): RealtimeState {
      return state;
    },
    get transport(): 'websocket' | 'sse' {
      return mode;
    },
    close(): void {
      stopped = true;
      if (timer) clearTimeout(timer);
      ws?.close(1000, 'closed by client');
      sse?.abort();
      ws = null;
      sse = null;
      setState('closed');
    },
  };
}

export type Realtime = ReturnType<typeof createRealtime>;
