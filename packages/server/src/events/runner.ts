// Consumers of the event log. Each consumer has a checkpoint per shard. A server takes a shard for
// one transaction (the checkpoints of its consumers there, SKIP LOCKED), reads the next rows once,
// hands them to every consumer and advances the checkpoints in the same transaction, so effects
// and progress commit together: an event's effect happens once per consumer even with several
// servers, and a crash (even kill -9) only rolls back an unfinished batch, which the next holder
// of the shard handles again. When a consumer throws, the batch runs again with each consumer in
// a savepoint; one whose batch throws there runs again one event at a time behind savepoints, and
// an event that still fails three times is recorded in ev_failures and skipped.
import type { Ctx } from '../context.ts';
import type { Db } from '../db/index.ts';
import * as store from './store.ts';
import type { LogRow } from './store.ts';

export type ConsumerCtx = Ctx & { afterCommit: (fn: () => void) => void };

export type Consumer = {
  /** Stable name: it keys the checkpoints. */
  name: string;
  /** Cheap filter; rows it refuses advance the checkpoint without a call. */
  wants(row: LogRow): boolean;
  handle(ctx: ConsumerCtx, row: LogRow): Promise<void>;
  /**
   * Optional: handles a run of wanted rows at once (set-based SQL). Must have the same effects as
   * `handle` on each row; when it throws, the rows are handled again one by one with `handle`.
   */
  handleBatch?(ctx: ConsumerCtx, rows: LogRow[]): Promise<void>;
  /** Where a new consumer starts: the oldest retained row (default) or the log's end. */
  from?: 'start' | 'end';
};

type Logger = { error(obj: object, msg: string): void; warn?(obj: object, msg: string): void };

export type RunnerOptions = {
  db: Db;
  log: Logger;
  batch?: number;
  /** Shards handled at once by this server (each holds a pool connection while it runs). */
  parallel?: number;
  pollMs?: number;
};

export function createRunner(opts: RunnerOptions) {
  const batch = opts.batch ?? 500;
  const parallel = opts.parallel ?? 3;
  const pollMs = opts.pollMs ?? 200;
  const consumers = new Map<string, Consumer>();
  let running = false;
  let timer: NodeJS.Timeout | null = null;
  let loop: Promise<void> | null = null;
  let again = false;
  let idleWaiters: (() => void)[] = [];
  const system: Ctx['actor'] = { type: 'system', id: null };

  type Held = { consumer: Consumer; from: store.Position };

  /**
   * Runs one consumer over the rows it has not seen. Carefully: in a savepoint of the shard's
   * transaction, so a consumer that throws loses only its own work, then runs again event by event (each behind a
   * savepoint, three tries; an event that still fails is recorded in ev_failures and skipped).
   */
  async function runConsumer(tx: Db, h: Held, rows: LogRow[], after: (() => void)[], careful: boolean): Promise<number> {
    const c = h.consumer;
    const mine = rows.filter((r) => store.after({ txid: r.txid, id: r.id }, h.from) && c.wants(r));
    if (mine.length === 0) return 0;
    const ctxOf = (db: Db): ConsumerCtx => ({ db, actor: system, afterCommit: (f) => void after.push(f) });
    if (!careful) {
      // The first try: no savepoints (two round trips per consumer saved). A throw rolls the
      // shard's transaction back and it runs again carefully.
      const ctx = ctxOf(tx);
      if (c.handleBatch) await c.handleBatch(ctx, mine);
      else for (const row of mine) await c.handle(ctx, row);
      return mine.length;
    }
    const mark = after.length;
    try {
      await tx.transaction(async (sp) => {
        const ctx = ctxOf(sp);
        if (c.handleBatch) await c.handleBatch(ctx, mine);
        else for (const row of mine) await c.handle(ctx, row);
      });
      return mine.length;
    } catch (err) {
      after.length = mark;
      opts.log.warn?.({ err, consumer: c.name }, 'event batch failed; retrying event by event');
    }
    for (const row of mine) {
      let lastErr: unknown = null;
      for (let attempt = 1; attempt <= 3; attempt++) {
        const m = after.length;
        try {
          await tx.transaction((sp) => c.handle(ctxOf(sp), row));
          lastErr = null;
          break;
        } catch (err) {
          after.length = m;
          lastErr = err;
        }
      }
      if (lastErr) {
        opts.log.error({ err: lastErr, consumer: c.name, event: row.id, name: row.name }, 'event consumer failed; recorded in ev_failures');
        await store.recordFailure(tx, c.name, row, lastErr instanceof Error ? lastErr.message : String(lastErr));
      }
    }
    return mine.length;
  }

  /**
   * One transaction over one shard for every consumer of this server: its checkpoints are taken
   * together, each run of rows is read once and handed to every consumer at that checkpoint, and
   * effects and checkpoints commit together. Consumers at different checkpoints (a new one, one
   * another server held for a while) read their own run; they meet again at the read horizon.
   */
  async function runShard(shard: number, careful: boolean): Promise<'busy' | 'more' | 'done'> {
    const after: (() => void)[] = [];
    const result = await opts.db.transaction(async (tx) => {
      const held = await store.leaseShard(tx, shard, [...consumers.keys()]);
      if (held.length === 0) return 'busy' as const;
      const groups = new Map<string, Held[]>();
      for (const h of held) {
        const c = consumers.get(h.consumer);
        if (!c) continue;
        const k = `${h.from.txid}:${h.from.id}`;
        groups.set(k, [...(groups.get(k) ?? []), { consumer: c, from: h.from }]);
      }
      let more = false;
      const moves: { consumer: string; next: store.Position; handled: number }[] = [];
      for (const group of groups.values()) {
        const from = group[0]!.from;
        const { rows, next } = await store.readShard(tx, shard, from, batch);
        if (rows.length === batch) more = true;
        for (const h of group) {
          const handled = await runConsumer(tx, h, rows, after, careful);
          if (store.after(next, h.from)) moves.push({ consumer: h.consumer.name, next, handled });
        }
      }
      await store.advanceMany(tx, shard, moves);
      return more ? ('more' as const) : ('done' as const);
    });
    for (const f of after) {
      try {
        f();
      } catch (err) {
        opts.log.error({ err }, 'after-commit effect of a consumer failed');
      }
    }
    return result;
  }

  async function drainShard(shard: number): Promise<void> {
    for (let rounds = 0; rounds < 50; rounds++) {
      let r: 'busy' | 'more' | 'done';
      try {
        r = await runShard(shard, false);
      } catch (err) {
        opts.log.warn?.({ err, shard }, 'event batch failed; running it again consumer by consumer');
        r = await runShard(shard, true);
      }
      if (r !== 'more') return;
    }
  }

  /** One pass: every shard with waiting rows, `parallel` at a time. Returns whether work was found. */
  async function pass(): Promise<boolean> {
    const work = await store.pendingShards(opts.db, [...consumers.keys()]);
    if (work.length === 0) return false;
    let i = 0;
    const worker = async () => {
      while (i < work.length) {
        const shard = work[i++]!;
        try {
          await drainShard(shard);
        } catch (err) {
          opts.log.error({ err, shard }, 'event shard batch failed');
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(parallel, work.length) }, worker));
    return true;
  }

  function schedule(ms: number): void {
    if (!running) return;
    if (loop) {
      again = true;
      return;
    }
    if (timer) {
      if (ms >= pollMs) return;
      clearTimeout(timer);
    }
    timer = setTimeout(() => {
      timer = null;
      loop = (async () => {
        let found = false;
        try {
          do {
            again = false;
            found = await pass();
          } while (running && (again || found));
        } catch (err) {
          opts.log.error({ err }, 'event log poll failed');
        } finally {
          loop = null;
          if (!found) {
            const w = idleWaiters;
            idleWaiters = [];
            for (const f of w) f();
          }
          schedule(pollMs);
        }
      })();
    }, ms);
  }

  let started = false;
  return {
    /** Registers a consumer; one added after start gets its checkpoints first (the promise). */
    add(c: Consumer): Promise<void> {
      if (consumers.has(c.name)) throw new Error(`event consumer ${c.name} is registered twice`);
      if (!started) {
        consumers.set(c.name, c);
        return Promise.resolve();
      }
      return store.ensureConsumers(opts.db, [{ name: c.name, from: c.from ?? 'start' }], store.SHARDS).then(() => {
        consumers.set(c.name, c);
      });
    },
    /** Unregisters a consumer and forgets its checkpoints (a consumer that lived only with this process). */
    async drop(name: string): Promise<void> {
      if (!consumers.delete(name)) return;
      await store.dropConsumer(opts.db, name);
    },
    names: () => [...consumers.keys()],
    async start(): Promise<void> {
      started = true;
      await store.ensureConsumers(opts.db, [...consumers.values()].map((c) => ({ name: c.name, from: c.from ?? 'start' })), store.SHARDS);
      running = true;
      schedule(0);
    },
    /** Something was appended here: look soon (the appending transaction may still be committing). */
    poke(): void {
      schedule(3);
    },
    /** Resolves once this server's consumers have handled every row appended (and committed) before the call, and what handling those appended. */
    async settle(timeoutMs = 30_000, what: 'appended' | 'readable' = 'appended'): Promise<void> {
      const until = Date.now() + timeoutMs;
      let upTo = await store.head(opts.db);
      for (;;) {
        if (loop) await loop;
        // 'readable': only rows no open transaction holds back (the log's own tests).
        const work = what === 'readable' ? await store.pendingShards(opts.db, [...consumers.keys()]) : await store.pendingUpTo(opts.db, [...consumers.keys()], upTo);
        if (work.length === 0) {
          // Handling may have appended more (a like → points → a badge): settle those too.
          const now = what === 'readable' ? upTo : await store.head(opts.db);
          if (now === upTo) return;
          upTo = now;
          continue;
        }
        if (Date.now() > until) throw new Error(`event consumers still behind after ${timeoutMs} ms: ${JSON.stringify(work)}`);
        if (!running) await pass();
        else
          await new Promise<void>((r) => {
            idleWaiters.push(r);
            // Rows above the horizon wait for older transactions to end: look again shortly.
            setTimeout(r, 20).unref();
            schedule(0);
          });
      }
    },
    /** Runs one failed event again for one consumer; recorded again if it fails. */
    async retry(appId: string, consumer: string, eventId: number, audit?: (tx: Db) => Promise<void>): Promise<boolean> {
      const c = consumers.get(consumer);
      if (!c) return false;
      const after: (() => void)[] = [];
      const ok = await opts.db.transaction(async (tx) => {
        const row = await store.takeFailure(tx, appId, consumer, eventId);
        if (!row) return false;
        await audit?.(tx);
        try {
          await tx.transaction((sp) => c.handle({ db: sp, actor: system, afterCommit: (f) => void after.push(f) }, row));
        } catch (err) {
          after.length = 0;
          await store.recordFailure(tx, consumer, row, err instanceof Error ? err.message : String(err));
        }
        return true;
      });
      for (const f of after) f();
      return ok;
    },
    async stop(): Promise<void> {
      running = false;
      if (timer) clearTimeout(timer);
      timer = null;
      if (loop) await loop;
    },
  };
}

export type Runner = ReturnType<typeof createRunner>;
