// The SDK as a package: its committed types match the committed API document (which the server's
// own test ties to /openapi.json), and the browser entry bundles without Node built-ins within
// its size budget.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { build } from 'esbuild';
import { OPENAPI_FILE } from '../../server/src/http/openapi.ts';
import { generateTypes, SDK_TYPES_FILE } from '../scripts/generate.ts';

/** The budget for the browser entry, gzipped, without the generated types (types only: no bytes). */
const BROWSER_BUDGET_GZIP = 15 * 1024;

describe('@canyu/sdk package', () => {
  it('has types generated from the committed openapi.json (run `npm run generate:api` when this fails)', async () => {
    const fresh = await generateTypes(OPENAPI_FILE);
    assert.ok(fresh === fs.readFileSync(SDK_TYPES_FILE, 'utf8'), `${path.relative(process.cwd(), SDK_TYPES_FILE)} is out of date: run \`npm run generate:api\``);
  });

  it(`bundles the browser entry for browsers (no Node built-ins) in at most ${BROWSER_BUDGET_GZIP / 1024} KB gzipped`, async () => {
    const out = await build({
      entryPoints: [path.join(import.meta.dirname, 'browser.ts')],
      bundle: true,
      minify: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      write: false,
      logLevel: 'silent',
    });
    const code = out.outputFiles[0]!.contents;
    const text = Buffer.from(code).toString('utf8');
    assert.doesNotMatch(text, /\bnode:|require\(["'](crypto|buffer|fs|path)["']\)/, 'the browser bundle must not reach Node built-ins');
    const gz = gzipSync(code, { level: 9 }).length;
    console.log(`browser entry: ${code.length} bytes minified, ${gz} bytes gzipped`);
    assert.ok(gz <= BROWSER_BUDGET_GZIP, `${gz} bytes gzipped`);
  });
});
