// The console's first page in a real browser (Debian chromium through playwright-core): a signed-in
// operator opens /console/dashboard in a fresh browser context (empty cache: everything is
// downloaded, parsed and run) and again in the same context (assets cached). "Interactive" is when
// the dashboard's figures have rendered with the API's data, the sidebar answers a click, and the
// main thread has gone idle once. Baseline in the same run: the same browser loading the bare
// Fastify JSON route (the cost of a navigation itself). Target (issue 15): ≤ 2 s on the 2-core
// machine. Also reports the initial JavaScript the first page loads, gzipped (budget 500 KB).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { BenchEnv, Scenario } from '../lib.ts';

const root = path.resolve(import.meta.dirname, '..', '..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** The few browser globals the page functions use (the bench is compiled without the DOM types). */
type Browser = {
  localStorage: { setItem(k: string, v: string): void };
  document: { querySelector(s: string): { querySelector(s: string): unknown; textContent: string | null } | null };
  requestIdleCallback(cb: () => void, o: { timeout: number }): void;
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function operator(env: BenchEnv, email: string, password: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, ['bin/canyu.js', 'operator', 'create', '--email', email, '--password', password, '--app', env.tenant.appId, '--role', 'owner', '--json'], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: env.databaseUrl, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    c.stderr.on('data', (d: Buffer) => (err += d.toString()));
    c.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`operator create exited ${code}: ${err.slice(-500)}`))));
  });
}

/** The gzipped size of the scripts index.html loads up front (entry and module preloads). */
function initialJs(): number {
  const dist = path.join(root, 'packages', 'console', 'dist');
  const html = fs.readFileSync(path.join(dist, 'index.html'), 'utf8');
  const files = [...html.matchAll(/(?:src|href)="\/console\/([^"]+\.js)"/g)].map((m) => m[1]!);
  return files.reduce((n, f) => n + gzipSync(fs.readFileSync(path.join(dist, f))).length, 0);
}

const scenario: Scenario = {
  name: 'console',
  description: 'the console’s first page interactive in a real browser (cold and cached)',
  async run(env) {
    if (!fs.existsSync(CHROMIUM)) {
      env.log(`console: ${CHROMIUM} is missing (apt-get install -y chromium), skipped`);
      return;
    }
    const { chromium } = await import('playwright-core');
    const email = `bench-${Date.now().toString(36)}@example.com`;
    const password = 'bench password 1234';
    await operator(env, email, password);
    const login = await fetch(`${env.canyu}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
    if (!login.ok) throw new Error(`login: ${login.status} ${await login.text()}`);
    const { token } = (await login.json()) as { token: string };

    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
    try {
      const runs = env.quick ? 3 : 7;
      const cold: number[] = [];
      const warm: number[] = [];
      const bare: number[] = [];
      for (let i = 0; i < runs; i++) {
        const ctx = await browser.newContext({ locale: 'zh-CN' });
        await ctx.addInitScript(
          ([t, app]) => {
            const { localStorage } = globalThis as unknown as Browser;
            localStorage.setItem('canyu.console.token', t);
            localStorage.setItem('canyu.console.app', app);
          },
          [token, env.tenant.appId] as const,
        );
        const page = await ctx.newPage();
        page.setDefaultTimeout(30_000);
        const open = async () => {
          const t0 = performance.now();
          await page.goto(`${env.canyu}/console/dashboard`);
          // The figures carry the API's numbers (not the loading placeholder)…
          await page.waitForFunction(() => {
            const el = (globalThis as unknown as Browser).document.querySelector('[data-testid="kpi-dau"]');
            return el !== null && el.querySelector('.ant-skeleton') === null && /\d/.test(el.textContent ?? '');
          });
          // …the sidebar takes a click, and the main thread has been idle once.
          await page.locator('[data-testid="nav-users"]').hover({ trial: true });
          await page.evaluate(() => new Promise<void>((r) => (globalThis as unknown as Browser).requestIdleCallback(() => r(), { timeout: 5000 })));
          return performance.now() - t0;
        };
        cold.push(await open());
        warm.push(await open());
        const b0 = performance.now();
        await page.goto(`${env.bare}/bare/json`);
        bare.push(performance.now() - b0);
        await ctx.close();
      }
      const baseline = { label: 'the same browser loading the bare Fastify JSON route', value: median(bare) };
      env.report({ metric: 'console dashboard interactive, fresh browser context (cold cache)', unit: 'ms', value: median(cold), baseline, target: { max: 2000 }, note: `median of ${runs}` });
      env.report({ metric: 'console dashboard interactive, assets cached', unit: 'ms', value: median(warm), baseline, target: { max: 2000 }, note: `median of ${runs}` });
      env.report({ metric: 'console initial JavaScript, gzipped', unit: 'KB', value: initialJs() / 1024, target: { max: 500 } });
    } finally {
      await browser.close();
    }
  },
};

export default scenario;
