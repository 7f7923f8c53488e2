// One Canyu per core: `canyu start` with CANYU_WORKERS > 1 runs a primary that forks that many
// server processes (node:cluster) sharing the port, then starts the embedded PostgreSQL (or checks
// DATABASE_URL), migrates once and sizes the pools while the workers load and build the app; each
// worker asks for the database and connects once the primary has it ready. Each worker is an ordinary Canyu server: jobs,
// event consumers, rate limits and the realtime hub already coordinate through the database
// across servers, so they do across workers too. The primary restarts a crashed worker and, on
// SIGINT/SIGTERM, has every worker drain (requests, acknowledged events, jobs) before stopping
// PostgreSQL.
import cluster, { type Worker } from 'node:cluster';
import type { Config } from './config.ts';
import { endPool, migrate, openDb, redact, type Database } from './db/index.ts';
import { loadOrCreateMasterKey } from './lib/secrets.ts';
import { stopOnSignals } from './lib/signals.ts';
import { eventRunnerConnections } from './event-pools.ts';
import { startServer, type Running } from './main.ts';
import { createProgress } from './progress.ts';

type Message =
  | { type: 'canyu:ready'; url: string }
  | { type: 'canyu:shutdown' }
  /** A worker has loaded the app and waits for the database. */
  | { type: 'canyu:need-database' }
  /** The primary's answer: migrated, and the pool each worker may open. */
  | { type: 'canyu:database'; url: string; poolSize: number };

/** Connections kept for what is not a worker: CLI commands, migrations, psql, monitoring. */
const HEADROOM = 10;
/** Fewer would starve a worker: two pool connections stay checked out for LISTEN (realtime, auth). */
export const MIN_WORKER_POOL = 5;
/** Connections a server opens outside its pool: the webhooks worker's LISTEN connection and the event consumers' pool. */
const outsidePool = (workers: number) => 1 + eventRunnerConnections(workers);
const STOP_TIMEOUT_MS = 30_000;

/**
 * Connections per worker: CANYU_DB_POOL, lowered so that workers × (pool + 1) stays within the
 * database's max_connections minus its reserved slots and some headroom. Throws when even
 * MIN_WORKER_POOL per worker does not fit.
 */
export function workerPoolSize(o: { workers: number; poolSize: number; maxConnections: number; reserved: number }): number {
  const budget = o.maxConnections - o.reserved - HEADROOM;
  const fits = Math.floor(budget / o.workers) - outsidePool(o.workers);
  if (fits < MIN_WORKER_POOL) {
    throw new Error(
      `CANYU_WORKERS=${o.workers} needs at least ${o.workers * (MIN_WORKER_POOL + outsidePool(o.workers)) + o.reserved + HEADROOM} PostgreSQL connections (max_connections is ${o.maxConnections}): lower CANYU_WORKERS, raise max_connections or put PgBouncer in front (docs/scaling.md)`,
    );
  }
  return Math.min(o.poolSize, fits);
}

/** Structured lines like the workers' pino logs, so one log pipeline reads both. */
function logger(config: Config) {
  const levels = { error: 50, warn: 40, info: 30 } as const;
  const min = config.logLevel === 'silent' ? Infinity : ({ fatal: 60, error: 50, warn: 40, info: 30, debug: 20, trace: 10 } as const)[config.logLevel];
  const line = (level: keyof typeof levels, obj: object, msg: string) => {
    if (levels[level] >= min) process.stdout.write(`${JSON.stringify({ level: levels[level], time: Date.now(), pid: process.pid, role: 'primary', ...obj, msg })}\n`);
  };
  return { info: (o: object, m: string) => line('info', o, m), warn: (o: object, m: string) => line('warn', o, m), error: (o: object, m: string) => line('error', o, m) };
}

/** The primary: returns once every worker serves; the process then lives until a signal. */
export async function runPrimary(config: Config): Promise<{ url: string; stop(): Promise<void> }> {
  const log = logger(config);
  const progress = config.logLevel === 'silent' ? { update() {}, log() {}, done() {} } : createProgress('Starting Canyu');
  // Created here, once, so that workers booting together never race to generate it.
  const master = loadOrCreateMasterKey(config.secretKey, config.dataDir);
  if (master.created) progress.log(`Generated the master key for secrets at rest in ${master.file} (back it up with the database, or set CANYU_SECRET_KEY)`);

  // The workers start first: loading and building the app (most of a server's start) needs no
  // database, so it runs while PostgreSQL starts and migrates. A worker then asks for the database
  // and is answered once it is ready (a restarted worker is answered at once).
  let database: Database | undefined;
  let ready: { url: string; poolSize: number } | null = null;
  const waiting = new Set<Worker>();
  const tell = (worker: Worker, r: { url: string; poolSize: number }) => {
    if (worker.isConnected()) worker.send({ type: 'canyu:database', url: r.url, poolSize: r.poolSize } satisfies Message);
  };
  const workers = new Map<number, { worker: Worker; ready: boolean; listening: boolean; startedAt: number }>();
  let everReady = false;
  let shuttingDown: Promise<void> | undefined;
  let firstUrl: ((url: string) => void) | undefined;
  let startFailed: ((err: Error) => void) | undefined;
  const allReady = new Promise<string>((resolve, reject) => {
    firstUrl = resolve;
    startFailed = reject;
  });
  // Awaited once PostgreSQL is ready; a worker failing before that must not be an unhandled rejection.
  allReady.catch(() => {});
  let url = '';
  const recentCrashes: number[] = [];

  const fork = () => {
    const worker = cluster.fork();
    const entry = { worker, ready: false, listening: false, startedAt: Date.now() };
    workers.set(worker.id, entry);
    worker.on('message', (m: Message) => {
      if (m?.type === 'canyu:need-database') {
        entry.listening = true;
        if (ready) tell(worker, ready);
        else waiting.add(worker);
        return;
      }
      if (m?.type !== 'canyu:ready') return;
      entry.ready = true;
      url = m.url;
      if (!everReady && [...workers.values()].every((w) => w.ready)) {
        everReady = true;
        firstUrl?.(m.url);
      }
    });
    worker.on('exit', (code, signal) => {
      workers.delete(worker.id);
      waiting.delete(worker);
      if (shuttingDown) return;
      if (!everReady) {
        // A worker that cannot start (port taken, bad configuration) would fail again: give up.
        startFailed?.(new Error(`a worker exited during start-up (${signal ?? `code ${code}`}); see its error above`));
        return;
      }
      const now = Date.now();
      recentCrashes.push(now);
      while (recentCrashes.length && recentCrashes[0]! < now - 60_000) recentCrashes.shift();
      // Back off when workers keep dying (a crash loop), up to 10 s between restarts.
      const delay = recentCrashes.length <= config.workers ? 0 : Math.min(10_000, 500 * 2 ** (recentCrashes.length - config.workers));
      log.warn({ worker: worker.process.pid, code, signal, restartInMs: delay }, 'worker exited; starting a replacement');
      setTimeout(() => {
        if (!shuttingDown) fork();
      }, delay).unref();
    });
  };

  const stop = () =>
    (shuttingDown ??= (async () => {
      log.info({ workers: workers.size }, 'shutting down: every worker drains its requests and events');
      const exits = [...workers.values()].map(
        ({ worker, listening }) =>
          new Promise<void>((resolve) => {
            if (worker.isDead()) return resolve();
            const timer = setTimeout(() => {
              log.error({ worker: worker.process.pid }, `worker did not stop within ${STOP_TIMEOUT_MS / 1000} s; killing it`);
              worker.process.kill('SIGKILL');
            }, STOP_TIMEOUT_MS);
            worker.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            // A message, not a signal: on Ctrl-C the terminal already sent SIGINT to every
            // worker, and a second signal means "exit now" to a server. A worker still loading
            // has no message listener yet (a message would be lost): it gets SIGTERM.
            if (listening && worker.isConnected()) worker.send({ type: 'canyu:shutdown' } satisfies Message);
            else worker.process.kill('SIGTERM');
          }),
      );
      await Promise.all(exits);
      await database?.close();
    })());

  for (let i = 0; i < config.workers; i++) fork();
  try {
    database = await openDb({
      databaseUrl: config.databaseUrl,
      dataDir: config.dataDir,
      embeddedPort: config.embeddedPgPort,
      poolSize: 2,
      log: (m) => progress.log(m),
      onStep: (step, done, total) => progress.update(step, done, total + 2),
    });
    progress.update('Applying migrations', 5, 6);
    await migrate(database.pool);
    const { rows } = await database.pool.query<{ max: string; reserved: string }>(
      `select current_setting('max_connections') as max, current_setting('superuser_reserved_connections') as reserved`,
    );
    const poolSize = workerPoolSize({ workers: config.workers, poolSize: config.dbPoolSize, maxConnections: Number(rows[0]!.max), reserved: Number(rows[0]!.reserved) });
    progress.update(`Starting ${config.workers} workers`, 6, 6);
    // The primary serves nothing: its pool goes, the embedded PostgreSQL stays until shutdown.
    await endPool(database.pool);
    ready = { url: database.url, poolSize };
  } catch (err) {
    progress.done();
    await stop().catch(() => {});
    throw err;
  }
  const db = database;
  const poolSize = ready.poolSize;
  for (const worker of waiting) tell(worker, ready);
  waiting.clear();

  stopOnSignals(stop, () => {
    for (const { worker } of workers.values()) worker.process.kill('SIGKILL');
  });

  try {
    await allReady;
  } catch (err) {
    progress.done();
    await stop().catch(() => {});
    throw err;
  }
  progress.done();
  log.info(
    { url, workers: config.workers, poolPerWorker: poolSize, database: db.embedded ? `embedded PostgreSQL in ${config.dataDir} (port ${db.embedded.port})` : redact(db.url) },
    `Canyu is serving with ${config.workers} workers`,
  );
  return { url, stop };
}

/**
 * A worker: an ordinary server that reports to the primary and stops when told to. It loads the
 * app at once and takes the database (already migrated) from the primary when it is ready.
 */
export async function runWorker(config: Config): Promise<void> {
  // A shutdown can be asked for while the server is still starting: it stops as soon as it can.
  const state: { stopRequested: boolean; running?: Running; connecting: boolean } = { stopRequested: false, connecting: false };
  const stopNow = () => {
    state.stopRequested = true;
    // Still waiting for the database: nothing is open yet.
    if (!state.connecting) process.exit(0);
    state.running?.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  const database = new Promise<{ url: string; poolSize: number }>((resolve) => {
    process.on('message', (m: Message) => {
      if (m?.type === 'canyu:shutdown') stopNow();
      if (m?.type === 'canyu:database' && !state.connecting) {
        state.connecting = true;
        resolve({ url: m.url, poolSize: m.poolSize });
      }
    });
  });
  // The primary is gone (killed): nothing would restart or stop us, and the port must free up.
  process.on('disconnect', stopNow);
  process.send?.({ type: 'canyu:need-database' } satisfies Message);
  const started = await startServer(config, { progress: false, database });
  state.running = started;
  if (state.stopRequested) stopNow();
  else process.send?.({ type: 'canyu:ready', url: started.url } satisfies Message);
}
