// The `canyu` command. Every subcommand reads the same configuration as the server (env vars).
// The app (app.ts) and the demo generator are imported where a command needs them, not here:
// `canyu start` loads the app while PostgreSQL starts (main.ts), and `--help` loads neither.
import cluster from 'node:cluster';
import { Command, Option } from 'commander';
import type { buildApp } from './app.ts';
import { runPrimary, runWorker } from './cluster.ts';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { migrate, openDb, type Database } from './db/index.ts';
import { randomBase62 } from './lib/ids.ts';
import { loadOrCreateMasterKey } from './lib/secrets.ts';
import { startServer } from './main.ts';
import { ROLES, type Role } from './http/permissions.ts';
import { createProgress } from './progress.ts';
import { VERSION } from './version.ts';

function config(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}

/** Opens (or attaches to) the database, migrates, and runs fn with the services. */
async function withServices<T>(fn: (s: Awaited<ReturnType<typeof buildApp>>) => Promise<T>): Promise<T> {
  const base = config();
  const cfg = { ...base, jobs: false, bootstrap: false, logLevel: 'warn' as const, secretKey: loadOrCreateMasterKey(base.secretKey, base.dataDir).key };
  const progress = createProgress('Opening database');
  let database: Database | undefined;
  try {
    database = await openDb({ databaseUrl: cfg.databaseUrl, dataDir: cfg.dataDir, embeddedPort: cfg.embeddedPgPort, poolSize: 3, log: (m) => progress.log(m), onStep: (s, d, t) => progress.update(s, d, t + 1) });
    progress.update('Applying migrations', 4, 5);
    await migrate(database.pool);
    progress.done();
    const built = await (await import('./app.ts')).buildApp({ config: cfg, database, logger: false });
    try {
      return await fn(built);
    } finally {
      await built.app.close();
    }
  } finally {
    progress.done();
    await database?.close();
  }
}

function fail(err: unknown): never {
  const e = err as { code?: string; message?: string; cause?: { message?: string } };
  process.stderr.write(`Error${e.code ? ` [${e.code}]` : ''}: ${e.message ?? String(err)}${e.cause?.message ? `\n  cause: ${e.cause.message}` : ''}\n`);
  process.exit(1);
}

const program = new Command('canyu').description('Canyu (参与) user-engagement engine').version(VERSION);

program
  .command('start')
  .description('Start the server (embedded PostgreSQL unless DATABASE_URL is set; CANYU_WORKERS processes)')
  .action(async () => {
    try {
      const cfg = config();
      if (cluster.isWorker) await runWorker(cfg);
      else if (cfg.workers > 1) await runPrimary(cfg);
      else await startServer(cfg);
    } catch (err) {
      fail(err);
    }
  });

program
  .command('migrate')
  .description('Apply database migrations and exit')
  .action(async () => {
    const cfg = config();
    const progress = createProgress('Migrating');
    let database: Database | undefined;
    try {
      database = await openDb({ databaseUrl: cfg.databaseUrl, dataDir: cfg.dataDir, embeddedPort: cfg.embeddedPgPort, poolSize: 2, log: (m) => progress.log(m), onStep: (s, d, t) => progress.update(s, d, t + 1) });
      const r = await migrate(database.pool, (done, total) => progress.update(`migrations ${done}/${total}`, done, total));
      progress.done();
      process.stdout.write(r.applied === 0 ? 'Database is up to date.\n' : `Applied ${r.applied} migration(s).\n`);
    } catch (err) {
      progress.done();
      fail(err);
    } finally {
      await database?.close();
    }
  });

const appCmd = program.command('app').description('Manage apps (tenants)');
appCmd
  .command('create')
  .description('Create an app with a secret and a publishable key')
  .requiredOption('--name <name>', 'app name')
  .option('--owner <email>', 'operator email to make owner')
  .option('--json', 'print { id, secretKey, publishableKey } as JSON')
  .action(async (o: { name: string; owner?: string; json?: boolean }) => {
    try {
      const r = await withServices(async ({ services, systemCtx }) => {
        const ctx = systemCtx({ type: 'cli', id: null });
        const owner = o.owner ? await services.tenancy.findOperatorByEmail(ctx, o.owner) : null;
        if (o.owner && !owner) throw new Error(`No operator has email ${o.owner}; run "canyu operator create" first`);
        return services.tenancy.createApp(ctx, { name: o.name, ownerOperatorId: owner?.id });
      });
      if (o.json) process.stdout.write(`${JSON.stringify({ id: r.app.id, secretKey: r.secretKey, publishableKey: r.publishableKey })}\n`);
      else process.stdout.write(`App ${r.app.name} (${r.app.id})\n  secret key:      ${r.secretKey}\n  publishable key: ${r.publishableKey}\n`);
    } catch (err) {
      fail(err);
    }
  });

const opCmd = program.command('operator').description('Manage operator accounts');
opCmd
  .command('create')
  .description('Create an operator account, optionally with a role in an app')
  .requiredOption('--email <email>', 'sign-in email')
  .option('--password <password>', 'at least 10 characters; generated and printed if omitted')
  .option('--name <name>', 'display name')
  .option('--app <appId>', 'app to join')
  .addOption(new Option('--role <role>', 'role in --app').choices([...ROLES]).default('admin'))
  .option('--json', 'print the result as JSON')
  .action(async (o: { email: string; password?: string; name?: string; app?: string; role: Role; json?: boolean }) => {
    const password = o.password ?? randomBase62(16);
    if (password.length < 10) fail(new Error('--password must have at least 10 characters'));
    try {
      const op = await withServices(async ({ services, systemCtx }) => {
        const ctx = systemCtx({ type: 'cli', id: null });
        return ctx.db.transaction(async (tx) => {
          const c = { ...ctx, db: tx };
          const created = await services.tenancy.createOperator(c, { email: o.email, password, name: o.name });
          if (o.app) await services.tenancy.setMember(c, o.app, { actorRole: 'owner', email: created.email, role: o.role });
          return created;
        });
      });
      if (o.json) process.stdout.write(`${JSON.stringify({ id: op.id, email: op.email, password: o.password ? undefined : password, app: o.app ?? null, role: o.app ? o.role : null })}\n`);
      else process.stdout.write(`Operator ${op.email} (${op.id}) created${o.app ? ` as ${o.role} of ${o.app}` : ''}.${o.password ? '' : `\n  password: ${password}`}\n`);
    } catch (err) {
      fail(err);
    }
  });

const wholeNumber = (flag: string, min: number, max: number) => (v: string) => {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < min || n > max) fail(new Error(`${flag} must be a whole number from ${min} to ${max}, got ${v}`));
  return n;
};

const demoCmd = program.command('demo').description('Demo data');
demoCmd
  .command('generate')
  .description('Write realistic events (visits, sessions, views, likes, comments, check-ins, carts, orders) for N users over D days, straight into the database')
  .option('--users <n>', 'users (1 to 1,000,000)', wholeNumber('--users', 1, 1_000_000), 1000)
  .option('--days <n>', 'days up to yesterday in the app’s reporting zone (1 to 366)', wholeNumber('--days', 1, 366), 30)
  .option('--app <appId>', 'an existing app (default: a new app named "Demo")')
  .option('--json', 'print { appId, events, firstDay, lastDay, secretKey? } as JSON')
  .action(async (o: { users: number; days: number; app?: string; json?: boolean }) => {
    try {
      const r = await withServices(async ({ services, systemCtx }) => {
        const ctx = systemCtx({ type: 'cli', id: null });
        let created: { secretKey: string; publishableKey: string } | null = null;
        let appId = o.app;
        if (appId === undefined) {
          const c = await services.tenancy.createApp(ctx, { name: 'Demo' });
          created = { secretKey: c.secretKey, publishableKey: c.publishableKey };
          appId = c.app.id;
        } else await services.tenancy.getApp(ctx, appId);
        const { timezone } = await services.analytics.settings(ctx, appId);
        const progress = createProgress(`Generating ${o.users.toLocaleString('en')} users × ${o.days} days`);
        try {
          const { generateDemo } = await import('./demo/generate.ts');
          const g = await generateDemo(ctx.db, { appId, users: o.users, days: o.days, timezone, now: new Date(), onProgress: (s, d, t) => progress.update(s, d, t), rebuildRollup: services.events.rebuildRollup });
          return { appId, ...g, ...(created ?? {}) };
        } finally {
          progress.done();
        }
      });
      if (o.json) process.stdout.write(`${JSON.stringify(r)}\n`);
      else process.stdout.write(`Generated ${r.events.toLocaleString('en')} events for app ${r.appId}, ${r.firstDay} to ${r.lastDay}.${'secretKey' in r ? `\n  secret key:      ${r.secretKey}\n  publishable key: ${r.publishableKey}` : ''}\n`);
    } catch (err) {
      fail(err);
    }
  });

await program.parseAsync(process.argv);
