// Webhook signing secrets at rest: sealed with the master key (never the secret in any column),
// shown only on creation, rotation and the reveal route, and still signing every delivery; plain
// rows from before sealing keep working and are sealed at the next start; a master-key rotation
// (CANYU_SECRET_KEY_PREVIOUS) re-seals them.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createSecretBox } from '../../lib/secrets.ts';
import { bearer, startTestApp, type Tenant, type TestApp } from '../../testing/app.ts';
import { createTestDatabase, type TestDatabase } from '../../testing/db.ts';
import { allowReceivers, startReceiver, type Receiver } from '../../testing/receiver.ts';
import { verifyWebhookSignature } from './index.ts';

let db: TestDatabase;
let rx: Receiver;
before(async () => {
  db = await createTestDatabase();
  rx = await startReceiver();
});
after(async () => {
  await rx.close();
  await db.close();
});

const hexKey = () => randomBytes(32).toString('hex');
const start = (secretKey: string, secretKeyPrevious: string[] = []) => startTestApp({ database: db, config: { ...allowReceivers, secretKey, secretKeyPrevious } });
const stored = async (id: string) => (await db.pool.query<{ secret: string; previous_secret: string | null }>(`select secret, previous_secret from wh_endpoints where id = $1`, [id])).rows[0]!;
const dump = async () => JSON.stringify((await db.pool.query('select * from wh_endpoints')).rows);

/** Publishes one event to the tenant's endpoints and returns the delivery the receiver got. */
async function deliver(t: TestApp, tenant: Tenant) {
  const n = rx.received.length;
  const ids = await t.services.webhooks.publish(tenant.appId, { type: 'coupon.redeemed', key: `k-${randomBytes(6).toString('hex')}`, data: { ok: true } });
  assert.equal(ids.length, 1);
  await t.services.webhooks.idle();
  assert.ok(await rx.waitFor(n + 1));
  return rx.received[n]!;
}
const verifies = (secret: string, got: { headers: Record<string, unknown>; body: string }) => verifyWebhookSignature(secret, String(got.headers['canyu-signature']), got.body, Math.floor(Date.now() / 1000)).ok;

describe('webhook signing secrets at rest', () => {
  const oldKey = hexKey();
  const newKey = hexKey();
  let tenant: Tenant;
  let endpointId: string;
  let secret: string;

  it('are stored sealed, shown on creation, and sign deliveries', async () => {
    const t = await start(oldKey);
    try {
      tenant = await t.newTenant();
      const res = await t.inject({ method: 'POST', url: '/v1/webhooks/endpoints', headers: bearer(tenant.secretKey), payload: { url: rx.url } });
      assert.equal(res.statusCode, 201, res.body);
      ({ id: endpointId, secret } = res.json() as { id: string; secret: string });
      assert.match(secret, /^whsec_/);
      const row = await stored(endpointId);
      assert.match(row.secret, /^enc:v1:[0-9a-f]{8}:/);
      assert.ok(!(await dump()).includes(secret.slice(6)), 'no column holds the signing secret');
      const got = await t.inject({ method: 'GET', url: `/v1/webhooks/endpoints/${endpointId}`, headers: bearer(tenant.secretKey) });
      assert.equal(got.json().secret, undefined);
      assert.equal(got.json().secret_hint, `…${secret.slice(-4)}`, 'the hint is of the secret, not of what is stored');
      assert.equal(verifies(secret, await deliver(t, tenant)), true);
    } finally {
      await t.close();
    }
  });

  it('a rotation seals the new secret and the old one; both sign during the grace period', async () => {
    const t = await start(oldKey);
    try {
      const res = await t.inject({ method: 'POST', url: `/v1/webhooks/endpoints/${endpointId}/rotate-secret`, headers: bearer(tenant.secretKey), payload: { grace_seconds: 3600 } });
      assert.equal(res.statusCode, 200, res.body);
      const fresh = res.json().secret as string;
      const row = await stored(endpointId);
      assert.match(row.secret, /^enc:v1:/);
      assert.match(row.previous_secret!, /^enc:v1:/);
      const all = await dump();
      assert.ok(!all.includes(fresh.slice(6)) && !all.includes(secret.slice(6)));
      const got = await deliver(t, tenant);
      assert.equal(verifies(fresh, got), true);
      assert.equal(verifies(secret, got), true, 'the old secret still signs beside the new one');
      const revealed = await t.inject({ method: 'GET', url: `/v1/webhooks/endpoints/${endpointId}/secret`, headers: bearer(tenant.secretKey) });
      assert.equal(revealed.json().secret, fresh);
      secret = fresh;
    } finally {
      await t.close();
    }
  });

  it('plain rows from before sealing keep signing, and are sealed at the next start', async () => {
    await db.pool.query(`update wh_endpoints set secret = $2, previous_secret = $2 where id = $1`, [endpointId, secret]);
    const t = await start(oldKey);
    try {
      const row = await stored(endpointId);
      assert.match(row.secret, /^enc:v1:/);
      assert.match(row.previous_secret!, /^enc:v1:/);
      assert.equal(verifies(secret, await deliver(t, tenant)), true);
      // A plain value written while a server runs (no restart yet) still signs: opening passes it through.
      await db.pool.query(`update wh_endpoints set secret = $2, previous_secret = null where id = $1`, [endpointId, secret]);
      assert.equal(verifies(secret, await deliver(t, tenant)), true);
      assert.equal(await t.services.webhooks.sealSecrets(), 1);
      assert.match((await stored(endpointId)).secret, /^enc:v1:/);
      assert.equal(await t.services.webhooks.sealSecrets(), 0, 'nothing left to seal');
    } finally {
      await t.close();
    }
  });

  it('master-key rotation: with the old key as previous, secrets are re-sealed under the new key; then the old key can go', async () => {
    const before = (await stored(endpointId)).secret;
    const t = await start(newKey, [oldKey]);
    try {
      const after = (await stored(endpointId)).secret;
      assert.notEqual(after, before);
      assert.equal(after.split(':')[2], createSecretBox(Buffer.from(newKey, 'hex')).keyId);
      assert.equal(verifies(secret, await deliver(t, tenant)), true);
    } finally {
      await t.close();
    }
    const onlyNew = await start(newKey);
    try {
      assert.equal(verifies(secret, await deliver(onlyNew, tenant)), true);
      const revealed = await onlyNew.inject({ method: 'GET', url: `/v1/webhooks/endpoints/${endpointId}/secret`, headers: bearer(tenant.secretKey) });
      assert.equal(revealed.json().secret, secret);
    } finally {
      await onlyNew.close();
    }
  });
});
