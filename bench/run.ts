// `npm run bench [-- <scenario names>] [--quick] [--workers N] [--json FILE]`
//
// Starts, all on 127.0.0.1: one PostgreSQL (an embedded PostgreSQL 17 with durable settings, or a
// fresh database on BENCH_DATABASE_URL's server), one Canyu server (`node bin/canyu.js start`, the
// compiled build as in production) with --workers N server processes (CANYU_WORKERS, default 1),
// and one bare-Fastify process as the HTTP baseline. Then runs every scenario of bench/scenarios/
// (or those named) and prints each figure beside the baseline measured in the same run; with
// N > 1 the foundation scenario also measures a 1-worker server and reports the scaling (N ÷ 1).
// BENCH_SECONDS sets the length of each load (default 5; --quick: 2). Every child is started with
// `node` itself (process.execPath), never npm, so the bench runs wherever node does.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import pg from 'pg';
import { distEntry, ensureBuilt } from '../scripts/build.js';
import { migrate } from '../packages/server/src/db/index.ts';
import { freePort, startEmbeddedPostgres, type EmbeddedPostgres } from '../packages/server/src/db/embedded.ts';
import { formatTable, httpLoad, interleaved, signUserToken, sqlLoad, verdict, type BenchEnv, type HttpResult, type Row, type Scenario, type Tenant } from './lib.ts';

const root = path.resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const valueOf = (flag: string) => {
  const i = args.indexOf(flag);
  return i >= 0 ? { i: i + 1, value: args[i + 1] } : null;
};
const jsonOut = valueOf('--json')?.value;
const workersArg = valueOf('--workers');
const workers = workersArg ? Number(workersArg.value) : 1;
if (!Number.isInteger(workers) || workers < 1 || workers > 64) {
  process.stderr.write(`--workers expects a whole number from 1 to 64, got ${workersArg?.value}\n`);
  process.exit(2);
}
const valueAt = new Set([valueOf('--json')?.i, workersArg?.i]);
const filters = args.filter((a, i) => !a.startsWith('--') && !valueAt.has(i));
const seconds = Number(process.env.BENCH_SECONDS ?? (quick ? 2 : 5));

const children: ChildProcess[] = [];
let embedded: EmbeddedPostgres | null = null;
let tmpDir: string | null = null;

const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);

async function cleanup() {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : null)));
  await embedded?.stop().catch(() => {});
  if (tmpDir) fs.rmSync(tmpDir, { recursive: true, force: true });
}

async function waitHealthy(url: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      const r = await fetch(`${url}/health`);
      if (r.ok) return;
    } catch {
      // not up yet
    }
    if (Date.now() > until || children.some((c) => c.exitCode !== null)) throw new Error(`${url} did not become healthy within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function run(cmd: string, argv: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = spawn(cmd, argv, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    c.stdout.on('data', (d: Buffer) => (out += d.toString()));
    c.stderr.on('data', (d: Buffer) => (err += d.toString()));
    c.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} ${argv.join(' ')} exited ${code}: ${err}`))));
  });
}

async function loadScenarios(): Promise<Scenario[]> {
  const dir = path.join(root, 'bench', 'scenarios');
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.ts'))
    .sort((a, b) => (a === 'foundation.ts' ? -1 : b === 'foundation.ts' ? 1 : a.localeCompare(b)));
  const out: Scenario[] = [];
  for (const f of files) {
    const mod = (await import(path.join(dir, f))) as { default: Scenario };
    if (filters.length === 0 || filters.some((x) => mod.default.name.includes(x))) out.push(mod.default);
  }
  return out;
}

function machine(): string {
  const cpu = os.cpus();
  return `${cpu.length} cores (${cpu[0]?.model.trim() ?? 'cpu'}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB memory, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}, Node ${process.version}`;
}

async function main() {
  const scenarios = await loadScenarios();
  if (scenarios.length === 0) throw new Error(`no scenario matches ${filters.join(', ')}`);
  log(`machine: ${machine()}; Canyu with ${workers} worker${workers === 1 ? '' : 's'}`);
  // The compiled build, made now so that no measurement (cold start above all) includes it.
  await ensureBuilt(log);
  log(`compiled build: ${path.relative(root, distEntry)}`);

  // ---- PostgreSQL
  let adminUrl = process.env.BENCH_DATABASE_URL;
  if (!adminUrl) {
    tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'canyu-bench-'));
    fs.chmodSync(tmpDir, 0o755);
    // Room for N workers' pools, a 1-worker comparison server, the bare baseline and direct-SQL loads.
    embedded = await startEmbeddedPostgres({ dataDir: path.join(tmpDir, 'db'), database: 'postgres', maxConnections: 500 });
    adminUrl = embedded.adminUrl;
    log(`embedded PostgreSQL 17 on port ${embedded.port} (durable settings)`);
  }
  const dbName = `canyu_bench_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`drop database if exists ${dbName}`);
  await admin.query(`create database ${dbName}`);
  await admin.end();
  const u = new URL(adminUrl);
  u.pathname = `/${dbName}`;
  const databaseUrl = u.toString();
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 120 });
  await migrate(pool);

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    CANYU_BOOTSTRAP: 'false',
    CANYU_RATE_LIMIT_KEY: '10000000',
    CANYU_RATE_LIMIT_USER: '10000000',
    CANYU_DB_POOL: process.env.CANYU_DB_POOL ?? '20',
    // The webhooks scenario delivers to a receiver on 127.0.0.1, which a default server refuses.
    CANYU_WEBHOOK_ALLOW_PRIVATE: '127.0.0.1',
  };

  // ---- tenant, Canyu, bare Fastify
  const created = JSON.parse(await run(process.execPath, ['bin/canyu.js', 'app', 'create', '--name', 'bench', '--json'], env)) as { id: string; secretKey: string; publishableKey: string };
  const tenant: Tenant = { appId: created.id, secretKey: created.secretKey, publishableKey: created.publishableKey };

  // BENCH_SERVER_NODE_ARGS reaches only the Canyu processes (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof";
  // cluster workers inherit it, so each writes its own profile).
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const startCanyu = async (n: number) => {
    const port = await freePort();
    const server = spawn(process.execPath, [...nodeArgs, 'bin/canyu.js', 'start'], { cwd: root, env: { ...env, CANYU_WORKERS: String(n), PORT: String(port) }, stdio: ['ignore', 'ignore', 'inherit'] });
    server.once('exit', (code) => code !== 0 && code !== null && log(`Canyu server exited with ${code}`));
    children.push(server);
    const url = `http://127.0.0.1:${port}`;
    await waitHealthy(url, 120_000);
    // Warm up (JIT, key cache, prepared statements) before anything is measured.
    await httpLoad(url, 1, { path: '/health', connections: 10 * n, seconds: 1 });
    return {
      url,
      async stop() {
        if (server.exitCode !== null) return;
        const exited = new Promise((r) => server.once('exit', r));
        server.kill('SIGTERM');
        await exited;
      },
    };
  };
  const canyu = (await startCanyu(workers)).url;
  log(`Canyu server on ${canyu} (${workers} worker${workers === 1 ? '' : 's'})`);

  const bareProc = spawn(process.execPath, ['--import', 'tsx', 'bench/bare.ts'], { cwd: root, env: { ...process.env, PORT: '0', DATABASE_URL: databaseUrl, CANYU_DB_POOL: env.CANYU_DB_POOL }, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(bareProc);
  const barePort = await new Promise<string>((resolve) => readline.createInterface({ input: bareProc.stdout! }).once('line', resolve));
  const bare = `http://127.0.0.1:${barePort.trim()}`;
  log(`bare Fastify baseline on ${bare}`);

  const rows: Row[] = [];
  const bareCache = new Map<number, Promise<HttpResult>>();
  let current = '';
  const benchEnv: BenchEnv = {
    canyu,
    bare,
    tenant,
    workers,
    startCanyu,
    auth: {
      secret: { authorization: `Bearer ${tenant.secretKey}` },
      user: (userId) => ({ authorization: `Bearer ${tenant.publishableKey}`, 'x-user-token': signUserToken(tenant.secretKey, userId) }),
    },
    pool,
    databaseUrl,
    quick,
    seconds,
    http: (load) => httpLoad(canyu, seconds, load),
    sql: (load) => sqlLoad(pool, seconds, load),
    async compare(a, b) {
      const [canyuResult, baseline] = await interleaved(canyu, seconds, a, b, quick ? 2 : 3);
      return { canyu: canyuResult, baseline };
    },
    bareBaseline(connections) {
      let p = bareCache.get(connections);
      if (!p) {
        p = httpLoad(bare, seconds, { path: '/bare/json', connections, target: bare });
        bareCache.set(connections, p);
      }
      return p;
    },
    userToken: (userId, ttl) => signUserToken(tenant.secretKey, userId, ttl),
    report(row) {
      const r = { scenario: current, ...row };
      rows.push(r);
      const v = verdict(r);
      log(`${current} · ${row.metric}: ${row.value.toFixed(1)} ${row.unit}${row.baseline ? ` (baseline ${row.baseline.value.toFixed(1)})` : ''}${v === null ? '' : v ? ' — target met' : ' — target MISSED'}`);
    },
    log,
  };

  for (const s of scenarios) {
    current = s.name;
    log(`scenario ${s.name}: ${s.description}`);
    try {
      await s.run(benchEnv);
    } catch (err) {
      log(`scenario ${s.name} failed: ${(err as Error).stack ?? String(err)}`);
      rows.push({ scenario: s.name, metric: 'FAILED', value: 0, unit: '', note: (err as Error).message.slice(0, 120) });
    }
  }
  await pool.end();

  process.stdout.write(`\nCanyu benchmark — ${new Date().toISOString()} — ${machine()}; Canyu with ${workers} worker${workers === 1 ? '' : 's'}; ${seconds}s per load\n`);
  process.stdout.write(`All servers, PostgreSQL and the load generator share this machine; compare ratios, not absolute figures.\n\n`);
  process.stdout.write(`${formatTable(rows)}\n`);
  if (jsonOut) fs.writeFileSync(jsonOut, JSON.stringify({ date: new Date().toISOString(), seconds, workers, machine: { cores: os.cpus().length, model: os.cpus()[0]?.model.trim(), memoryBytes: os.totalmem(), node: process.version }, rows }, null, 2));
  return rows.some((r) => r.metric === 'FAILED') ? 1 : 0;
}

let code = 1;
try {
  code = await main();
} catch (err) {
  log(`failed: ${(err as Error).stack ?? String(err)}`);
} finally {
  await cleanup();
}
process.exit(code);
