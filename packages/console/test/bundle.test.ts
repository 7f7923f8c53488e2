// The console's performance budget: the JavaScript the first page loads (the entry script and its
// modulepreloads in dist/index.html) is at most 500 KB gzipped, and each section is a chunk of
// its own that the first page does not load.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { consoleDistDir, ensureBuilt } from '../../../scripts/build.js';

const BUDGET = 500 * 1024;

test('initial JS of the console is within 500 KB gzipped and sections are split', async () => {
  await ensureBuilt(() => {});
  const html = fs.readFileSync(path.join(consoleDistDir, 'index.html'), 'utf8');
  const initial = [...html.matchAll(/<(?:script[^>]*\ssrc|link[^>]*rel="modulepreload"[^>]*\shref)="\/console\/([^"]+\.js)"/g)].map((m) => m[1]!);
  assert.ok(initial.length >= 1, 'no entry script in index.html');
  let gz = 0;
  for (const f of initial) gz += gzipSync(fs.readFileSync(path.join(consoleDistDir, f)), { level: 9 }).length;
  console.log(`console initial JS: ${initial.join(', ')} = ${(gz / 1024).toFixed(1)} KB gzipped (budget ${BUDGET / 1024} KB)`);
  assert.ok(gz <= BUDGET, `initial JS is ${(gz / 1024).toFixed(1)} KB gzipped, over the ${BUDGET / 1024} KB budget`);
  const chunks = fs.readdirSync(path.join(consoleDistDir, 'assets'));
  for (const section of ['Dashboard', 'Users', 'UserDetail', 'ApiKeys', 'Operators', 'AuditLog', 'TrendChart']) {
    const chunk = chunks.find((c) => c.startsWith(`${section}-`) && c.endsWith('.js'));
    assert.ok(chunk, `no chunk of its own for ${section}`);
    assert.ok(!initial.includes(`assets/${chunk}`), `${section} is loaded by the first page`);
  }
});
