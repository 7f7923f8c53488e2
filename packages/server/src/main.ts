// config → openDb → migrate → buildApp → listen, and a graceful stop on SIGINT/SIGTERM.
//
// The app (app.ts: every module, its routes and their schemas) is the bulk of start-up work in
// this process, and it does not need the database to load: it is imported only here, while the
// embedded PostgreSQL's own processes (initdb on a first start, then postgres) run beside it.
// A cluster primary, which serves nothing, never loads it.
import type { FastifyInstance } from 'fastify';
import { bootstrapBanner, bootstrapIfEmpty } from './bootstrap.ts';
import type { Config } from './config.ts';
import { migrate, openDb, redact, type Database, type DatabaseHandle } from './db/index.ts';
import { createJobs, type Jobs } from './jobs.ts';
import { loadOrCreateMasterKey } from './lib/secrets.ts';
import { createProgress } from './progress.ts';
import { stopOnSignals } from './lib/signals.ts';

export type Running = { url: string; stop(): Promise<void> };

export type StartOptions = {
  handleSignals?: boolean;
  print?: (s: string) => void;
  /** Show start-up progress (off in cluster workers: the primary shows it once). */
  progress?: boolean;
  /**
   * A cluster worker's database, given by the primary once it has started and migrated it: the
   * app loads meanwhile, and no migration runs here.
   */
  database?: Promise<{ url: string; poolSize: number }>;
};

export async function startServer(config: Config, opts: StartOptions = {}): Promise<Running> {
  const print = opts.print ?? ((s: string) => process.stdout.write(`${s}\n`));
  const quiet = config.logLevel === 'silent' || opts.progress === false;
  const progress = quiet ? { update() {}, log() {}, done() {} } : createProgress('Starting Canyu');

  // Whatever has started so far is stopped in reverse order, even when a signal arrives mid-start.
  let database: Database | undefined;
  let app: FastifyInstance | undefined;
  let jobs: Jobs | null = null;
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      app?.log.info('shutting down: draining requests and events');
      await app?.close(); // stops accepting, flushes acknowledged events, drains subscribers
      await jobs?.stop();
      await database?.close(); // stops the embedded PostgreSQL cleanly (fast shutdown)
    })());

  if (opts.handleSignals !== false) stopOnSignals(stop);

  try {
    // Sealed secrets (secret keys, webhook secrets) are unreadable without this key: back it up
    // with the database. Generated once into the data dir when CANYU_SECRET_KEY is unset.
    const master = loadOrCreateMasterKey(config.secretKey, config.dataDir);
    if (master.created) progress.log(`Generated the master key for secrets at rest in ${master.file} (back it up with the database, or set CANYU_SECRET_KEY)`);
    config = { ...config, secretKey: master.key };
    let appModule: Promise<typeof import('./app.ts')> | undefined;
    const loadApp = () => (appModule ??= import('./app.ts'));
    if (opts.database) {
      void loadApp().catch(() => {});
      const given = await opts.database;
      config = { ...config, databaseUrl: given.url, dbPoolSize: given.poolSize };
    }
    // Jobs log through the app's pino logger, which exists only once the app is built.
    const jobsLog = { error: (o: object, m: string) => app?.log.error(o, m), info: (o: object, m: string) => app?.log.info(o, m) };
    // Building the app sends no query (its modules start in onReady, at listen; a test holds it to
    // that): it starts as soon as the pool exists, before PostgreSQL is up, and runs while
    // PostgreSQL starts and (on a first start) applies the migrations. Both settle before either's
    // failure is reported, so a shutdown never races the other.
    let building: Promise<Awaited<ReturnType<(typeof import('./app.ts'))['buildApp']>>> | undefined;
    const build = (handle: DatabaseHandle) => {
      jobs = config.jobs ? createJobs({ pool: handle.pool, log: jobsLog }) : null;
      building = loadApp().then((m) => m.buildApp({ config, database: handle, jobs }));
      building.then((b) => (app = b.app)).catch(() => {});
    };
    try {
      database = await openDb({
        databaseUrl: config.databaseUrl,
        dataDir: config.dataDir,
        embeddedPort: config.embeddedPgPort,
        poolSize: config.dbPoolSize,
        log: (m) => progress.log(m),
        onStep: (step, done, total) => {
          progress.update(step, done, total + 2);
          // Past locating the binaries, PostgreSQL's processes are about to run: load the app meanwhile.
          if (done >= 1) void loadApp().catch(() => {});
        },
        onPool: build,
      });
    } catch (err) {
      // The database did not start: the app already being built for it settles, then is closed (stop).
      await building?.catch(() => {});
      throw err;
    }
    progress.update('Applying migrations', 5, 6);
    const db = database;
    const [migrated, built] = await Promise.allSettled([opts.database ? null : migrate(db.pool), building!]);
    if (migrated.status === 'rejected') throw migrated.reason;
    if (built.status === 'rejected') throw built.reason;
    const { app: server, services, systemCtx } = built.value;
    progress.done();

    const boot = config.bootstrap ? await bootstrapIfEmpty(services, systemCtx()) : null;
    await server.listen({ port: config.port, host: config.host });
    const addr = server.server.address();
    const port = typeof addr === 'object' && addr ? addr.port : config.port;
    const url = `http://${config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host}:${port}`;
    if (boot) print(bootstrapBanner(boot, url));
    // (Assigned in build, which TypeScript does not follow.)
    await (jobs as Jobs | null)?.start();
    server.log.info({ url, database: db.embedded ? `embedded PostgreSQL in ${config.dataDir} (port ${db.embedded.port})` : redact(db.url) }, 'Canyu is serving');
    return { url, stop };
  } catch (err) {
    progress.done();
    await stop().catch(() => {});
    throw err;
  }
}
