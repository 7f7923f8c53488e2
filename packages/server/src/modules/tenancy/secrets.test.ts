// Secret keys at rest: sealed with the master key, plain rows from before sealed at start, and a
// master-key rotation (CANYU_SECRET_KEY_PREVIOUS) re-seals every row without breaking user tokens.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createSecretBox, loadOrCreateMasterKey } from '../../lib/secrets.ts';
import { bearer, startTestApp, type Tenant, type TestApp } from '../../testing/app.ts';
import { createTestDatabase, type TestDatabase } from '../../testing/db.ts';

let db: TestDatabase;
before(async () => {
  db = await createTestDatabase();
});
after(() => db.close());

const hexKey = () => randomBytes(32).toString('hex');
const storedSecret = async (appId: string): Promise<string> =>
  (await db.pool.query<{ secret: string }>(`select secret from tn_app_keys where app_id = $1 and kind = 'secret'`, [appId])).rows[0]!.secret;
const whoAmI = async (t: TestApp, tenant: Tenant, user: string) => {
  const token = await t.userToken(tenant, user);
  const r = await t.inject({ method: 'GET', url: '/v1/me', headers: { ...bearer(tenant.publishableKey), 'x-user-token': token } });
  assert.equal(r.statusCode, 200, r.body);
  return r.json().user_id as string;
};

describe('secret keys at rest', () => {
  const oldKey = hexKey();
  const newKey = hexKey();
  let tenant: Tenant;

  it('are stored sealed (never the key itself) and still sign and verify user tokens', async () => {
    const t = await startTestApp({ database: db, config: { secretKey: oldKey } });
    try {
      tenant = await t.newTenant();
      const stored = await storedSecret(tenant.appId);
      assert.match(stored, /^enc:v1:[0-9a-f]{8}:/);
      assert.ok(!stored.includes(tenant.secretKey.slice(3)), 'the key itself is not in the row');
      const dump = JSON.stringify((await db.pool.query('select * from tn_app_keys')).rows);
      assert.ok(!dump.includes(tenant.secretKey), 'no column holds the secret key');
      assert.equal(await whoAmI(t, tenant, 'u-1'), 'u-1');
    } finally {
      await t.close();
    }
  });

  it('plain rows written before sealing are sealed at start, and keep working', async () => {
    await db.pool.query(`update tn_app_keys set secret = $2 where app_id = $1 and kind = 'secret'`, [tenant.appId, tenant.secretKey]);
    const t = await startTestApp({ database: db, config: { secretKey: oldKey } });
    try {
      assert.match(await storedSecret(tenant.appId), /^enc:v1:/);
      assert.equal(await whoAmI(t, tenant, 'u-2'), 'u-2');
    } finally {
      await t.close();
    }
  });

  it('rotation: with the old key as previous, every row is re-sealed under the new key; then the old key can go', async () => {
    const before = await storedSecret(tenant.appId);
    const t = await startTestApp({ database: db, config: { secretKey: newKey, secretKeyPrevious: [oldKey] } });
    try {
      const after = await storedSecret(tenant.appId);
      assert.notEqual(after, before);
      assert.equal(after.split(':')[2], createSecretBox(Buffer.from(newKey, 'hex')).keyId);
      assert.equal(await whoAmI(t, tenant, 'u-3'), 'u-3');
    } finally {
      await t.close();
    }
    const onlyNew = await startTestApp({ database: db, config: { secretKey: newKey } });
    try {
      assert.equal(await whoAmI(onlyNew, tenant, 'u-4'), 'u-4');
    } finally {
      await onlyNew.close();
    }
  });

  it('a server with the wrong master key refuses to start, naming the key it lacks', async () => {
    await assert.rejects(
      startTestApp({ database: db, config: { secretKey: hexKey() } }).then((t) => t.close()),
      /sealed with master key [0-9a-f]{8}, which this server does not have/,
    );
  });
});

describe('the secret box and the master key file', () => {
  it('seals with a fresh IV each time and detects tampering', () => {
    const box = createSecretBox(randomBytes(32));
    const a = box.seal('sk_abc');
    assert.notEqual(a, box.seal('sk_abc'));
    assert.equal(box.open(a), 'sk_abc');
    assert.ok(box.isCurrent(a));
    const parts = a.split(':');
    const ct = Buffer.from(parts[4]!, 'base64url');
    ct[0]! ^= 1;
    parts[4] = ct.toString('base64url');
    assert.throws(() => box.open(parts.join(':')));
  });

  it('is generated once into the data dir (mode 0600) and reused', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'canyu-mk-'));
    try {
      const first = loadOrCreateMasterKey(undefined, dir);
      assert.equal(first.created, true);
      assert.equal(first.file, path.join(dir, 'secret.key'));
      assert.equal(fs.statSync(first.file!).mode & 0o777, 0o600);
      const second = loadOrCreateMasterKey(undefined, dir);
      assert.deepEqual([second.key, second.created], [first.key, false]);
      assert.deepEqual(loadOrCreateMasterKey('configured', dir), { key: 'configured', file: null, created: false });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
