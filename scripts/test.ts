// `npm test`: one PostgreSQL for the whole run (embedded, or TEST_DATABASE_URL), one migrated
// template database, then node's test runner over every *.test.ts file. Each test file clones the
// template into a database of its own (see packages/server/src/testing/db.ts).
//   npm test                         all tests
//   npm test -- users events         only test files whose path contains "users" or "events"
//   npm test -- --no-browser         all but the browser tests
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { migrate } from '../packages/server/src/db/index.ts';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../packages/server/src/db/embedded.ts';

const root = path.resolve(import.meta.dirname, '..');

function findTests(dir: string, out: string[] = []): string[] {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) findTests(p, out);
    else if (e.name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const args = process.argv.slice(2);
// --no-browser: leaves out the browser tests (*.browser.test.ts: console, widgets, demo), for a
// second run on another PostgreSQL where what matters is the server's SQL.
const noBrowser = args.includes('--no-browser');
const filters = args.filter((a) => a !== '--no-browser');
const files = findTests(path.join(root, 'packages'))
  // Matched against the path inside the repository, so a checkout folder's name (wt-widgets) matches nothing.
  .filter((f) => filters.length === 0 || filters.some((x) => path.relative(root, f).includes(x)))
  .filter((f) => !noBrowser || !f.endsWith('.browser.test.ts'))
  // The browser tests are the longest files: started first, they do not leave one running alone at the end.
  .sort((a, b) => Number(b.endsWith('.browser.test.ts')) - Number(a.endsWith('.browser.test.ts')) || a.localeCompare(b));
if (files.length === 0) {
  console.error(`No test files match ${filters.join(', ')}`);
  process.exit(1);
}

let embedded: EmbeddedPostgres | null = null;
let dataDir: string | null = null;
let adminUrl = process.env.TEST_DATABASE_URL;
if (adminUrl) {
  console.log(`Tests use the PostgreSQL server at ${adminUrl.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@')}`);
} else {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'canyu-test-'));
  fs.chmodSync(dataDir, 0o755);
  embedded = await startEmbeddedPostgres({ dataDir, ephemeralSettings: true, database: 'postgres' });
  adminUrl = embedded.adminUrl;
  console.log(`Tests use an embedded PostgreSQL 17 on 127.0.0.1:${embedded.port}`);
}

const template = `canyu_tpl_${process.pid}`;
const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
await admin.query(`drop database if exists ${template}`);
await admin.query(`create database ${template}`);
const tplUrl = new URL(adminUrl);
tplUrl.pathname = `/${template}`;
const pool = new pg.Pool({ connectionString: tplUrl.toString(), max: 2 });
await migrate(pool);
await pool.end();

// A file whose tests have all finished ends there, even if something it started left a handle open
// (a keep-alive socket, a timer): without this, the runner waits for that file's process until the
// 180 s timeout and cancels a file whose every test passed (it happened once in CI to main.test.ts).
// Node ≥ 20.14 has the flag; older 20.x runs without it.
const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
const forceExit = major > 20 || (major === 20 && minor >= 14) ? ['--test-force-exit'] : [];
const timesFile = path.join(os.tmpdir(), `canyu-test-times-${process.pid}.json`);
const reporters = ['--test-reporter=tap', '--test-reporter-destination=stdout', `--test-reporter=${path.join(root, 'scripts/test-file-times.mjs')}`, '--test-reporter-destination=stdout'];
let code = 1;
const started = performance.now();
try {
  code = await new Promise<number>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--import', pathToFileURL(path.join(root, 'scripts/test-blocking-stdout.mjs')).href, '--test', '--test-concurrency=2', '--test-timeout=180000', ...forceExit, ...reporters, ...files], {
      stdio: 'inherit',
      env: { ...process.env, CANYU_TEST_TIMES_FILE: timesFile, CANYU_TEST_ADMIN_URL: adminUrl, CANYU_TEST_TEMPLATE: template, LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent' },
    });
    const forward = (sig: NodeJS.Signals) => child.kill(sig);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    child.on('exit', (c, sig) => resolve(c ?? (sig ? 1 : 0)));
  });
} finally {
  // Drop the template and any database a crashed test file left behind.
  const { rows } = await admin.query<{ datname: string }>(`select datname from pg_database where datname = $1 or datname like $2`, [template, `${template}_%`]);
  for (const r of rows) await admin.query(`drop database if exists ${pg.escapeIdentifier(r.datname)} with (force)`).catch(() => {});
  await admin.end();
  await embedded?.stop();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  // The runner's own "# duration_ms" line is not printed when it force-exits: the run's wall time.
  console.log(`# test run: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  printRecord(timesFile);
}

/**
 * The fifteen test files that ran longest (wall time, first event to last), to see where a slow
 * suite spends; then every test that failed, with where and why, as the last lines of the run.
 */
function printRecord(file: string): void {
  let record: { rows: { file: string; ms: number }[]; failures: { file: string; line: number; name: string; error: string }[]; lost: { file: string; tests: string[] }[] };
  try {
    record = JSON.parse(fs.readFileSync(file, 'utf8'));
    fs.rmSync(file, { force: true });
  } catch {
    return; // No record (the run was interrupted before a file ended): nothing to print.
  }
  if (record.rows.length >= 2) {
    console.log('# slowest test files (wall time):');
    for (const r of record.rows.slice(0, 15)) console.log(`#   ${(r.ms / 1000).toFixed(1).padStart(6)} s  ${path.relative(root, r.file)}`);
  }
  for (const l of record.lost ?? []) {
    // The runner lost the end of this file's report (scripts/test-blocking-stdout.mjs): these tests
    // started and their results never arrived, so the counts above are short.
    console.log(`# results not received from ${path.relative(root, l.file)} (the report was cut short): ${l.tests.join('; ')}`);
  }
  if (record.failures.length > 0) {
    console.log(`# failed tests (${record.failures.length}):`);
    for (const f of record.failures) {
      console.log(`#   ${path.relative(root, f.file)}:${f.line}  ${f.name}`);
      for (const l of f.error.split('\n')) console.log(`#       ${l}`);
    }
  }
}
process.exit(code);
