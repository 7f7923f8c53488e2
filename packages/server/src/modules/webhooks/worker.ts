// The delivery loop each server runs: claim a batch of due deliveries (SKIP LOCKED, so servers
// never take the same one), start them without waiting, claim again while there is room and
// work. It sleeps until woken: in-process right after an enqueue commits here, by LISTEN/NOTIFY
// when one commits on another server, when an attempt finishes and frees room, or by a poll
// (retries coming due, leases of crashed servers) as the fallback.
import pg from 'pg';
import type { Claimed } from './store.ts';

export type WorkerOptions = {
  /** Whose settings open the LISTEN connection (one per server, outside the pool); without it, polling alone. */
  pool?: pg.Pool | undefined;
  channel: string;
  claim(limit: number, busy: Map<string, number>): Promise<Claimed[]>;
  run(d: Claimed): Promise<void>;
  log: { error(obj: object, msg: string): void; warn(obj: object, msg: string): void };
  /** Attempts in flight on this server. */
  concurrency: number;
  /** Attempts in flight per endpoint on this server: a slow endpoint holds at most this many. */
  perEndpoint: number;
  /** Claims per statement. */
  batch: number;
  pollMs: number;
};

export type Worker = { start(): Promise<void>; stop(): Promise<void>; wake(): void; readonly running: boolean };

export function createWorker(o: WorkerOptions): Worker {
  let running = false;
  let loopDone: Promise<void> | null = null;
  let woken = false;
  let sleeper: (() => void) | null = null;
  let listener: pg.Client | null = null;
  let relisten: NodeJS.Timeout | null = null;
  const inflight = new Set<Promise<void>>();
  const busy = new Map<string, number>();

  const wake = () => {
    woken = true;
    const s = sleeper;
    sleeper = null;
    s?.();
  };

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      if (woken || !running) return resolve();
      const timer = setTimeout(() => {
        sleeper = null;
        resolve();
      }, ms);
      sleeper = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  function launch(d: Claimed) {
    busy.set(d.endpointId, (busy.get(d.endpointId) ?? 0) + 1);
    const p = o
      .run(d)
      .catch((err: unknown) => o.log.error({ err, deliveryId: d.id }, 'webhook attempt failed'))
      .finally(() => {
        const n = busy.get(d.endpointId)! - 1;
        if (n > 0) busy.set(d.endpointId, n);
        else busy.delete(d.endpointId);
        inflight.delete(p);
        wake();
      });
    inflight.add(p);
  }

  async function loop() {
    while (running) {
      woken = false;
      const room = o.concurrency - inflight.size;
      let full = false;
      if (room > 0) {
        const limit = Math.min(room, o.batch);
        try {
          const claimed = await o.claim(limit, busy);
          for (const d of claimed) launch(d);
          full = claimed.length === limit;
        } catch (err) {
          o.log.error({ err }, 'webhook claim failed');
        }
      }
      // A full batch means more may be waiting: claim again at once, unless every slot is taken
      // (then an attempt finishing wakes the loop).
      if (full && inflight.size < o.concurrency) continue;
      await sleep(o.pollMs);
    }
  }

  async function listen() {
    if (!o.pool || !running) return;
    // A connection of its own rather than one held from the pool: the pool stays whole for queries.
    const c = new pg.Client(o.pool.options);
    const retry = (err: unknown) => {
      o.log.warn({ err }, 'webhook LISTEN connection lost; polling until it is back');
      if (listener === c) listener = null;
      c.end().catch(() => {});
      if (running && !relisten) relisten = setTimeout(() => {
        relisten = null;
        void listen();
      }, o.pollMs * 2);
    };
    c.on('notification', () => wake());
    c.on('error', retry);
    try {
      await c.connect();
      await c.query(`LISTEN ${o.channel}`);
      if (!running) {
        await c.end().catch(() => {});
        return;
      }
      listener = c;
      wake(); // anything committed while we were not listening
    } catch (err) {
      retry(err);
    }
  }

  return {
    get running() {
      return running;
    },
    wake,
    async start() {
      if (running) return;
      running = true;
      await listen();
      loopDone = loop();
    },
    async stop() {
      if (!running) return;
      running = false;
      if (relisten) clearTimeout(relisten);
      relisten = null;
      wake();
      await loopDone;
      while (inflight.size > 0) await Promise.allSettled([...inflight]);
      const c = listener;
      listener = null;
      if (c) await c.end().catch(() => {});
    },
  };
}
