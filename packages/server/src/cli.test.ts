// The `canyu` command against a real database (DATABASE_URL).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase, type TestDatabase } from './testing/db.ts';

const run = promisify(execFile);
const bin = path.resolve(import.meta.dirname, '../../../bin/canyu.js');
let db: TestDatabase;

before(async () => {
  db = await createTestDatabase({ poolSize: 2 });
});
after(() => db.close());

const canyu = (...args: string[]) => run(process.execPath, [bin, ...args], { env: { ...process.env, DATABASE_URL: db.url, LOG_LEVEL: 'silent' } });

describe('canyu CLI', () => {
  it('migrate reports an up-to-date database', async () => {
    const { stdout } = await canyu('migrate');
    assert.match(stdout, /up to date|Applied/);
  });

  it('app create --json prints { id, secretKey, publishableKey } that work', async () => {
    const { stdout } = await canyu('app', 'create', '--name', 'CLI app', '--json');
    const r = JSON.parse(stdout) as { id: string; secretKey: string; publishableKey: string };
    assert.match(r.id, /^app_/);
    assert.match(r.secretKey, /^sk_/);
    assert.match(r.publishableKey, /^pk_/);
    const { rows } = await db.pool.query('select kind, app_id from tn_app_keys where app_id = $1 order by kind', [r.id]);
    assert.deepEqual(rows.map((x) => x.kind), ['publishable', 'secret']);
  });

  it('operator create makes an account with a role in an app, and refuses duplicates', async () => {
    const app = JSON.parse((await canyu('app', 'create', '--name', 'Ops', '--json')).stdout) as { id: string };
    const { stdout } = await canyu('operator', 'create', '--email', 'analyst@example.com', '--app', app.id, '--role', 'analyst', '--json');
    const op = JSON.parse(stdout) as { id: string; password: string; role: string };
    assert.equal(op.role, 'analyst');
    assert.ok(op.password.length >= 10, 'generated password is printed');
    const { rows } = await db.pool.query('select role from tn_app_members where app_id = $1 and operator_id = $2', [app.id, op.id]);
    assert.deepEqual(rows, [{ role: 'analyst' }]);
    await assert.rejects(canyu('operator', 'create', '--email', 'ANALYST@example.com'), (err: { stderr: string; code: number }) => {
      assert.equal(err.code, 1);
      assert.match(err.stderr, /operators\.email_taken/);
      return true;
    });
  });

  it('rejects bad configuration with a clear message', async () => {
    await assert.rejects(run(process.execPath, [bin, 'migrate'], { env: { ...process.env, PORT: 'abc' } }), (err: { stderr: string; code: number }) => {
      assert.equal(err.code, 2);
      assert.match(err.stderr, /PORT/);
      return true;
    });
  });
});
