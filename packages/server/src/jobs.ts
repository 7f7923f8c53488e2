// Durable jobs and cron schedules on pg-boss, in the same PostgreSQL as everything else.
// pg-boss guarantees a scheduled job is created once per cron slot however many Canyu servers
// share the database (it elects one clock per slot and dedupes with a singleton key), and each
// job is fetched by exactly one worker (SKIP LOCKED).
import PgBoss from 'pg-boss';
import type pg from 'pg';
import { isConnectionLoss } from './db/index.ts';

export type JobHandler<T> = (data: T, meta: { id: string; name: string }) => Promise<void>;

export type JobDefinition = {
  retryLimit?: number;
  retryDelaySeconds?: number;
  /** Parallel workers on this server. */
  concurrency?: number;
  pollingIntervalSeconds?: number;
};

export type Jobs = {
  define<T extends object>(name: string, handler: JobHandler<T>, opts?: JobDefinition): void;
  schedule(name: string, cron: string, opts?: { tz?: string; data?: object }): void;
  send(name: string, data: object, opts?: { singletonKey?: string; startAfterSeconds?: number }): Promise<string | null>;
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly started: boolean;
};

type Logger = { error(obj: object, msg: string): void; info(obj: object, msg: string): void };

export type JobsOptions = {
  pool: pg.Pool;
  log: Logger;
  /** Faster cron/poll intervals for tests; production keeps pg-boss defaults. */
  fast?: boolean;
  /** How long stop() waits for running jobs and held statements (default 15 s). */
  stopTimeoutMs?: number;
};

/** How long a stop waits for running jobs before pg-boss marks them failed (they are retried). */
const STOP_TIMEOUT_MS = 15_000;

export function createJobs(opts: JobsOptions): Jobs {
  const definitions = new Map<string, { handler: JobHandler<object>; opts: JobDefinition }>();
  const schedules: { name: string; cron: string; tz: string; data: object }[] = [];
  let boss: PgBoss | null = null;
  // A stop that arrives while start() is still running (a signal right after boot) must wait for
  // it, or pg-boss would go on using the pool after the database is closed.
  let starting: Promise<void> | null = null;
  // pg-boss's stop() does not wait for everything its workers do. A fetch still in flight when it stops
  // returns its job afterwards and runs it, and a job's completion (complete or fail) is written
  // without being awaited. Either then used the pool after the server had ended it: the process
  // died of an unhandled rejection during a graceful shutdown, and the fetched job stayed active
  // until it expired (15 minutes). Every query pg-boss sends and every handler it runs is counted
  // here, and stop() waits for them to settle.
  const busy = new Set<Promise<unknown>>();
  const track = <T>(p: Promise<T>): Promise<T> => {
    busy.add(p);
    const settled = () => busy.delete(p);
    p.then(settled, settled);
    return p;
  };

  // pg-boss sends statements from timers and writes completions without awaiting them: one that
  // failed because PostgreSQL was away (a restart, a failover) was an unhandled rejection, which
  // ended the process. A statement whose connection was lost or refused is held until the database
  // answers again and then sent again, for as long as the server runs; once it stops, until the
  // stop's deadline. Any other error goes to pg-boss as before. (pg-boss is at-least-once: a fetch
  // whose answer was lost leaves its job active until it expires and is retried, and completing a
  // job twice changes nothing.) The held statements share one probe, so an outage of any length
  // costs one connection attempt per backoff step, however many timers fired meanwhile.
  const timeout = opts.stopTimeoutMs ?? STOP_TIMEOUT_MS;
  let stopDeadline: number | null = null;
  const givingUp = () => opts.pool.ending || (stopDeadline !== null && Date.now() >= stopDeadline);
  let unreachable: Promise<void> | null = null;
  const databaseBack = () =>
    (unreachable ??= (async () => {
      opts.log.error({}, 'job system: PostgreSQL unreachable; job statements wait until it answers');
      for (let wait = 100; ; wait = Math.min(wait * 2, 2_000)) {
        await new Promise((r) => setTimeout(r, stopDeadline === null ? wait : Math.max(0, Math.min(wait, stopDeadline - Date.now()))));
        if (givingUp()) return;
        try {
          await opts.pool.query('select 1');
          opts.log.info({}, 'job system: PostgreSQL answers again');
          return;
        } catch (err) {
          if (!isConnectionLoss(err)) return;
        }
      }
    })().finally(() => {
      unreachable = null;
    }));
  const heldOver = async (err: unknown) => {
    if (!isConnectionLoss(err) || givingUp()) throw err;
    await databaseBack();
  };
  const query = async (text: string, values?: unknown[]) => {
    for (;;) {
      try {
        return await opts.pool.query(text, values);
      } catch (err) {
        await heldOver(err);
      }
    }
  };
  const db: PgBoss.Db = {
    executeSql: async (text, values) => {
      const res = await track(query(text, values));
      return { rows: res.rows };
    },
  };

  return {
    get started() {
      return boss !== null;
    },
    define(name, handler, def = {}) {
      if (boss) throw new Error(`job "${name}" must be defined before jobs start`);
      definitions.set(name, { handler: handler as JobHandler<object>, opts: def });
    },
    schedule(name, cron, s = {}) {
      if (boss) throw new Error(`schedule "${name}" must be registered before jobs start`);
      schedules.push({ name, cron, tz: s.tz ?? 'UTC', data: s.data ?? {} });
    },
    async send(name, data, o = {}) {
      if (!boss) throw new Error('jobs are not started');
      return boss.send(name, data, {
        ...(o.singletonKey ? { singletonKey: o.singletonKey } : {}),
        ...(o.startAfterSeconds ? { startAfter: o.startAfterSeconds } : {}),
      });
    },
    start() {
      if (!starting && !boss) stopDeadline = null;
      starting ??= startBoss().finally(() => {
        starting = null;
      });
      return starting;
    },
    async stop() {
      // Set first: a start held by an outage gives up at this deadline.
      stopDeadline ??= Date.now() + timeout;
      const until = stopDeadline;
      if (starting) await starting.catch(() => {});
      const b = boss;
      boss = null;
      // Waits for running handlers to finish; does not close our pool (we own it).
      if (b) await b.stop({ graceful: true, close: false, wait: true, timeout: Math.max(1_000, until - Date.now()) });
      // Then for what pg-boss left running (above). A settled fetch starts its handler, and a
      // settled handler sends its completion, within a few microtasks: each round waits for the
      // queue of them to run (setImmediate) before looking again.
      while (busy.size > 0 && Date.now() < until) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([Promise.allSettled([...busy]), new Promise((r) => (timer = setTimeout(r, until - Date.now())))]);
        clearTimeout(timer);
        await new Promise((r) => setImmediate(r));
      }
    },
  };

  async function startBoss(): Promise<void> {
    if (boss) return;
    const b = new PgBoss({
      db,
      schema: 'canyu_jobs',
      ...(opts.fast ? { cronMonitorIntervalSeconds: 1, cronWorkerIntervalSeconds: 1, clockMonitorIntervalSeconds: 1 } : {}),
    });
    b.on('error', (err: Error) => opts.log.error({ err }, 'job system error'));
    await b.start();
    try {
      await setUp(b);
    } catch (err) {
      await b.stop({ graceful: false, close: false, wait: true }).catch(() => {});
      throw err;
    }
    boss = b;
  }

  async function setUp(b: PgBoss): Promise<void> {
    // Servers booting together would deadlock creating the same queues (pg-boss creates a
    // partition per queue): queue and schedule setup is serialised across servers.
    await withSetupLock(opts.pool, heldOver, async () => {
      for (const [name, def] of definitions) {
        const queue = { name, retryLimit: def.opts.retryLimit ?? 3, retryDelay: def.opts.retryDelaySeconds ?? 5, retryBackoff: true };
        if (await b.getQueue(name)) await b.updateQueue(name, queue);
        else await b.createQueue(name, queue);
      }
      for (const s of schedules) {
        if (!definitions.has(s.name)) throw new Error(`schedule "${s.name}" has no job definition`);
        await b.schedule(s.name, s.cron, s.data, { tz: s.tz });
      }
    });
    for (const [name, { handler, opts: def }] of definitions) {
      await b.work<object>(
        name,
        { batchSize: 1, pollingIntervalSeconds: def.pollingIntervalSeconds ?? (opts.fast ? 0.5 : 2) },
        async ([job]) => {
          if (!job) return;
          try {
            await track(handler(job.data, { id: job.id, name }));
          } catch (err) {
            opts.log.error({ err, job: name, jobId: job.id }, 'job failed');
            throw err;
          }
        },
      );
    }
  }
}

/**
 * `heldOver(err)` resolves when a lost connection may be tried again (the database answers) and
 * throws `err` when not (another error, or the jobs are stopping).
 */
async function withSetupLock(pool: pg.Pool, heldOver: (err: unknown) => Promise<void>, fn: () => Promise<void>): Promise<void> {
  // try-lock and poll rather than block: a waiting server must not sit on a pool connection that
  // the lock holder's own setup queries may need (servers can share one pool, as in tests).
  for (;;) {
    let locked = false;
    try {
      const client = await pool.connect();
      try {
        locked = (await client.query<{ ok: boolean }>(`select pg_try_advisory_lock(hashtext('canyu.jobs.setup')) as ok`)).rows[0]!.ok;
        if (locked) {
          await fn();
          return;
        }
      } finally {
        if (locked) await client.query(`select pg_advisory_unlock(hashtext('canyu.jobs.setup'))`).catch(() => {});
        client.release();
      }
    } catch (err) {
      // The lock went with a lost connection: take it again once the database is back.
      await heldOver(err);
      continue;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
