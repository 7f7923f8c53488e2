// Cross-server pub/sub for realtime fan-out. Every Canyu server publishes to one channel and hears
// every message (its own included), then delivers it to the clients connected to it. Transport:
// PostgreSQL LISTEN/NOTIFY by default (nothing else to run), Redis pub/sub when REDIS_URL is set.
//
// Delivery is best effort and at most once, like the transports: a server whose connection drops
// misses what was published meanwhile. Durable state (inboxes, chat history) lives in tables;
// the hub only tells connected clients about it quickly.
//
// Publishes are batched: everything published in one tick of the event loop goes out as one
// NOTIFY (up to the 8000-byte payload limit) or one Redis PUBLISH, in publish order.
import type { Redis } from 'ioredis';
import type pg from 'pg';

export type HubHandler = (payload: unknown) => void | Promise<void>;

export type Hub = {
  readonly transport: 'postgres' | 'redis';
  /** Queues a message for every server (this one included). Throws if it can never fit. */
  publish(topic: string, payload: unknown): void;
  /** Resolves when everything published so far has been handed to the transport. */
  flush(): Promise<void>;
  /** Handles messages of one topic arriving on this server; returns an unsubscribe function. */
  on(topic: string, handler: HubHandler): () => void;
  start(): Promise<void>;
  stop(): Promise<void>;
};

export type Transport = {
  readonly name: 'postgres' | 'redis';
  /** Largest message the transport carries, in bytes. */
  readonly maxBytes: number;
  listen(onMessage: (raw: string) => void, onLost: (err: Error) => void): Promise<void>;
  send(raw: string): Promise<void>;
  close(): Promise<void>;
};

type Logger = { error(obj: object, msg: string): void; warn(obj: object, msg: string): void };

const CHANNEL = 'canyu_hub';

/** LISTEN/NOTIFY on one pooled connection, which also sends (so this server's messages stay in order). */
export function postgresTransport(pool: pg.Pool): Transport {
  let client: pg.PoolClient | null = null;
  return {
    name: 'postgres',
    // NOTIFY payloads must be shorter than 8000 bytes.
    maxBytes: 7900,
    async listen(onMessage, onLost) {
      const c = await pool.connect();
      let lost = false;
      c.on('notification', (msg) => {
        if (msg.channel === CHANNEL && msg.payload) onMessage(msg.payload);
      });
      c.on('error', (err) => {
        if (lost || client !== c) return;
        lost = true;
        client = null;
        c.release(err);
        onLost(err);
      });
      await c.query(`listen ${CHANNEL}`);
      client = c;
    },
    async send(raw) {
      if (!client) throw new Error('hub: not connected to PostgreSQL');
      await client.query('select pg_notify($1, $2)', [CHANNEL, raw]);
    },
    async close() {
      const c = client;
      client = null;
      if (!c) return;
      await c.query(`unlisten ${CHANNEL}`).catch(() => {});
      c.release();
    },
  };
}

/** Redis pub/sub: one connection subscribes, another publishes (ioredis reconnects and resubscribes). */
export function redisTransport(url: string): Transport {
  let sub: Redis | null = null;
  let pub: Redis | null = null;
  const channel = `canyu:${CHANNEL}`;
  return {
    name: 'redis',
    maxBytes: 1024 * 1024,
    async listen(onMessage) {
      const { Redis } = await import('ioredis');
      sub = new Redis(url, { maxRetriesPerRequest: null, lazyConnect: true });
      pub = new Redis(url, { maxRetriesPerRequest: 2, lazyConnect: true });
      sub.on('error', () => {});
      pub.on('error', () => {});
      sub.on('message', (ch: string, msg: string) => {
        if (ch === channel) onMessage(msg);
      });
      await sub.connect();
      await pub.connect();
      await sub.subscribe(channel);
    },
    async send(raw) {
      if (!pub) throw new Error('hub: not connected to Redis');
      await pub.publish(channel, raw);
    },
    async close() {
      const s = sub;
      const p = pub;
      sub = pub = null;
      await s?.quit().catch(() => s.disconnect());
      await p?.quit().catch(() => p.disconnect());
    },
  };
}

export function createHub(opts: { transport: Transport; log: Logger; reconnectMs?: number }): Hub {
  const { transport, log } = opts;
  const handlers = new Map<string, Set<HubHandler>>();
  let queue: string[] = [];
  let scheduled = false;
  let chain: Promise<void> = Promise.resolve();
  let running = false;

  const deliver = (raw: string) => {
    let batch: unknown;
    try {
      batch = JSON.parse(raw);
    } catch {
      return;
    }
    if (!Array.isArray(batch)) return;
    for (const env of batch as { t?: unknown; p?: unknown }[]) {
      if (typeof env?.t !== 'string') continue;
      const set = handlers.get(env.t);
      if (!set) continue;
      for (const h of set) {
        try {
          const r = h(env.p);
          if (r && typeof (r as Promise<void>).catch === 'function') (r as Promise<void>).catch((err: unknown) => log.error({ err, topic: env.t }, 'hub handler failed'));
        } catch (err) {
          log.error({ err, topic: env.t }, 'hub handler failed');
        }
      }
    }
  };

  const connect = async (): Promise<void> => {
    await transport.listen(deliver, (err) => {
      log.warn({ err }, 'realtime hub lost its connection; reconnecting');
      const retry = () => {
        if (!running) return;
        connect().catch(() => setTimeout(retry, opts.reconnectMs ?? 1000).unref());
      };
      setTimeout(retry, 200).unref();
    });
  };

  const flushNow = () => {
    scheduled = false;
    const items = queue;
    queue = [];
    if (items.length === 0) return;
    // Pack envelopes into as few messages as fit the transport's limit.
    const batches: string[] = [];
    let cur: string[] = [];
    let size = 2;
    for (const item of items) {
      const add = Buffer.byteLength(item) + 1;
      if (cur.length > 0 && size + add > transport.maxBytes) {
        batches.push(`[${cur.join(',')}]`);
        cur = [];
        size = 2;
      }
      cur.push(item);
      size += add;
    }
    if (cur.length > 0) batches.push(`[${cur.join(',')}]`);
    chain = chain.then(async () => {
      for (const b of batches) {
        try {
          await transport.send(b);
        } catch (err) {
          log.error({ err }, 'realtime hub could not publish; message dropped');
        }
      }
    });
  };

  return {
    get transport() {
      return transport.name;
    },
    publish(topic, payload) {
      const env = JSON.stringify({ t: topic, p: payload });
      if (Buffer.byteLength(env) + 2 > transport.maxBytes) throw new Error(`hub message on ${topic} is ${Buffer.byteLength(env)} bytes; the ${transport.name} transport carries at most ${transport.maxBytes}`);
      queue.push(env);
      if (!scheduled) {
        scheduled = true;
        setImmediate(flushNow);
      }
    },
    async flush() {
      if (scheduled) flushNow();
      await chain;
    },
    on(topic, handler) {
      let set = handlers.get(topic);
      if (!set) handlers.set(topic, (set = new Set()));
      set.add(handler);
      return () => void set.delete(handler);
    },
    async start() {
      if (running) return;
      running = true;
      await connect();
    },
    async stop() {
      if (scheduled) flushNow();
      await chain;
      running = false;
      await transport.close();
    },
  };
}

/**
 * Redis is an optional accelerator, never a requirement: when the preferred transport cannot start
 * (Redis unreachable at boot), the hub runs on the fallback (PostgreSQL LISTEN/NOTIFY) and says so.
 */
export function preferTransport(preferred: Transport, fallback: Transport, log: Logger, timeoutMs = 3000): Transport {
  let active: Transport = preferred;
  return {
    get name() {
      return active.name;
    },
    get maxBytes() {
      return active.maxBytes;
    },
    async listen(onMessage, onLost) {
      try {
        await Promise.race([
          preferred.listen(onMessage, onLost),
          new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs).unref()),
        ]);
        active = preferred;
      } catch (err) {
        log.warn({ err }, `realtime: the ${preferred.name} transport is unavailable; using ${fallback.name}`);
        await preferred.close().catch(() => {});
        active = fallback;
        await fallback.listen(onMessage, onLost);
      }
    },
    send: (raw) => active.send(raw),
    close: () => active.close(),
  };
}
