// The API document: the committed openapi.json is what the server serves (regenerate with
// `npm run generate:api`), it lints clean under Redocly's recommended rules (redocly.yaml), and
// every operation has a unique, readable operationId.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type TestApp } from '../testing/app.ts';
import { formatDocument, OPENAPI_FILE, operationIdOf, TAG_DESCRIPTIONS } from './openapi.ts';

const root = path.dirname(OPENAPI_FILE);
const run = promisify(execFile);

type Doc = { servers?: unknown[]; tags?: { name: string; description?: string }[]; info: { license?: unknown }; paths: Record<string, Record<string, { operationId?: string; security?: unknown[]; tags?: string[] }>> };

let t: TestApp;
let served: Doc;
before(async () => {
  t = await startTestApp();
  const res = await t.inject({ method: 'GET', url: '/openapi.json' });
  assert.equal(res.statusCode, 200);
  served = res.json() as Doc;
});
after(() => t.close());

describe('the committed API document', () => {
  it('is exactly what the server serves', () => {
    const committed = fs.readFileSync(OPENAPI_FILE, 'utf8');
    // One assertion on the whole text would print 60,000 lines; name the first operations that differ.
    if (committed !== formatDocument(served)) {
      const old = JSON.parse(committed) as Doc;
      const differ = [...new Set([...Object.keys(old.paths), ...Object.keys(served.paths)])].filter((p) => JSON.stringify(old.paths[p]) !== JSON.stringify(served.paths[p]));
      assert.fail(`openapi.json is out of date (paths that differ: ${differ.slice(0, 10).join(', ') || 'none; see components/info'}): run \`npm run generate:api\` and commit the result`);
    }
  });

  it('lints clean under the recommended rules (redocly.yaml): no errors, no warnings', async () => {
    const { stdout } = await run(path.join(root, 'node_modules', '.bin', 'redocly'), ['lint', '--format=json'], { cwd: root, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_NOTIFICATIONS: 'true' } }).catch((err: { stdout?: string }) => ({ stdout: err.stdout ?? '' }));
    const report = JSON.parse(stdout) as { totals: { errors: number; warnings: number }; problems: { ruleId: string; message: string; location: { pointer: string }[] }[] };
    const problems = report.problems.map((p) => `${p.ruleId}: ${p.message} at ${p.location[0]?.pointer}`);
    assert.deepEqual({ errors: report.totals.errors, warnings: report.totals.warnings }, { errors: 0, warnings: 0 }, problems.slice(0, 20).join('\n'));
  });
});

describe('operationIds', () => {
  it('every operation has a unique dotted name', () => {
    const ids: string[] = [];
    for (const ops of Object.values(served.paths)) for (const op of Object.values(ops)) ids.push(op.operationId ?? '');
    assert.ok(ids.length > 300, `${ids.length} operations`);
    for (const id of ids) assert.match(id, /^[a-z][A-Za-z]*(\.[a-z][A-Za-z]*)+$/, id);
    assert.equal(new Set(ids).size, ids.length);
    assert.equal(served.paths['/v1/subjects/{kind}/{subjectId}/like']?.put?.operationId, 'subjects.like');
    assert.equal(served.paths['/v1/events']?.post?.operationId, 'events.track');
  });

  it('are derived from method and path', () => {
    const list = { properties: { data: { type: 'array' } } };
    assert.equal(operationIdOf('GET', '/v1/polls', list), 'polls.list');
    assert.equal(operationIdOf('GET', '/v1/gamification/config', { properties: {} }), 'gamification.config.get');
    assert.equal(operationIdOf('POST', '/v1/polls', undefined), 'polls.create');
    assert.equal(operationIdOf('GET', '/v1/polls/{pollId}', undefined), 'polls.get');
    assert.equal(operationIdOf('PATCH', '/v1/polls/{pollId}', undefined), 'polls.update');
    assert.equal(operationIdOf('POST', '/v1/polls/{pollId}/close', undefined), 'polls.close');
    assert.equal(operationIdOf('PUT', '/v1/comments/{commentId}/pin', undefined), 'comments.pin');
    assert.equal(operationIdOf('DELETE', '/v1/comments/{commentId}/pin', undefined), 'comments.unpin');
    assert.equal(operationIdOf('POST', '/v1/coupon-templates', undefined), 'couponTemplates.create');
  });

  it('public operations say they need no credentials; the document has servers and a license', () => {
    assert.deepEqual(served.paths['/health']?.get?.security, []);
    assert.deepEqual(served.paths['/v1/auth/login']?.post?.security, []);
    assert.ok(Array.isArray(served.servers) && served.servers.length > 0);
    assert.ok(served.info.license);
  });

  it('lists every tag an operation uses, each with a description (TAG_DESCRIPTIONS in http/openapi.ts)', () => {
    const used = new Set(Object.values(served.paths).flatMap((ops) => Object.values(ops).flatMap((op) => op.tags ?? [])));
    assert.deepEqual(new Set(served.tags?.map((t) => t.name)), used);
    assert.deepEqual(served.tags?.filter((t) => !t.description).map((t) => t.name), []);
    // A described tag no operation uses is a leftover from a renamed one.
    assert.deepEqual(Object.keys(TAG_DESCRIPTIONS).filter((name) => !used.has(name)), []);
  });
});
