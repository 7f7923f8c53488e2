// The SMTP relay URL at rest: it may carry user:password, so it is stored sealed with the master
// key, shown with the password masked, and opened only to send; plain rows from before sealing keep
// working and are sealed at the next start; a master-key rotation re-seals them.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { parseAllowList } from '../../lib/net-guard.ts';
import { createSecretBox } from '../../lib/secrets.ts';
import { bearer, startTestApp, type Tenant, type TestApp } from '../../testing/app.ts';
import { createTestDatabase, type TestDatabase } from '../../testing/db.ts';
import { startSmtpCatcher } from '../../testing/smtp.ts';

let db: TestDatabase;
let smtp: Awaited<ReturnType<typeof startSmtpCatcher>>;
before(async () => {
  db = await createTestDatabase();
  smtp = await startSmtpCatcher();
});
after(async () => {
  await smtp.close();
  await db.close();
});

const PASSWORD = 'pa55-不要泄露';
const hexKey = () => randomBytes(32).toString('hex');
// The catcher is a plaintext relay on 127.0.0.1: both need the deployment's consent.
const start = (secretKey: string, secretKeyPrevious: string[] = []) =>
  startTestApp({ database: db, config: { publicUrl: 'https://canyu.example.com', webhookAllowPrivate: parseAllowList('127.0.0.1'), smtpRequireTls: false, secretKey, secretKeyPrevious } });
const storedUrl = async (appId: string) => (await db.pool.query<{ url: string }>(`select email->>'smtpUrl' as url from ms_settings where app_id = $1`, [appId])).rows[0]!.url;

/** Sends one email through the API and returns the AUTH the relay saw. */
async function sendOne(t: TestApp, tenant: Tenant): Promise<string | null> {
  const n = smtp.mails.length;
  const r = await t.inject({ method: 'POST', url: '/v1/messaging/sends', headers: bearer(tenant.secretKey), payload: { to: { user_id: 'mia' }, content: { 'zh-CN': { title: '你好', body: '正文' } }, category: 'service', channels: ['email'] } });
  assert.equal(r.statusCode, 201, r.body);
  await t.services.messaging.idle();
  assert.equal(smtp.mails.length, n + 1, 'the mail went out');
  return smtp.mails[n]!.auth;
}

describe('the SMTP relay password at rest', () => {
  const oldKey = hexKey();
  const newKey = hexKey();
  let tenant: Tenant;
  const url = () => smtp.url('mailer', encodeURIComponent(PASSWORD));

  it('is stored sealed, never shown, and still logs in to the relay', async () => {
    const t = await start(oldKey);
    try {
      tenant = await t.newTenant();
      await t.inject({ method: 'POST', url: '/v1/users/mia', headers: bearer(tenant.secretKey), payload: { traits: { email: 'mia@example.com' } } });
      const patched = await t.inject({ method: 'PATCH', url: '/v1/messaging/settings', headers: bearer(tenant.secretKey), payload: { email: { smtp_url: url(), from: 'noreply@example.com' } } });
      assert.equal(patched.statusCode, 200, patched.body);
      assert.equal(patched.json().email.smtp_url, `smtp://mailer:***@127.0.0.1:${smtp.port}`);
      assert.match(await storedUrl(tenant.appId), /^enc:v1:[0-9a-f]{8}:/);
      const dump = JSON.stringify((await db.pool.query('select * from ms_settings')).rows);
      assert.ok(!dump.includes(encodeURIComponent(PASSWORD)) && !dump.includes('pa55'), 'no column holds the password');
      const got = await t.inject({ method: 'GET', url: '/v1/messaging/settings', headers: bearer(tenant.secretKey) });
      assert.equal(got.json().email.smtp_url, `smtp://mailer:***@127.0.0.1:${smtp.port}`, 'GET shows the relay with the password masked');
      assert.equal(got.json().email.from, 'noreply@example.com');
      assert.equal(await sendOne(t, tenant), `mailer:${PASSWORD}`);
      // The settings as shown, sent back (a console saving another field): the password stays.
      const back = await t.inject({ method: 'PATCH', url: '/v1/messaging/settings', headers: bearer(tenant.secretKey), payload: { email: { smtp_url: got.json().email.smtp_url, from: 'hello@example.com' } } });
      assert.equal(back.statusCode, 200, back.body);
      assert.equal(await sendOne(t, tenant), `mailer:${PASSWORD}`);
      const other = await t.newTenant();
      const none = await t.inject({ method: 'PATCH', url: '/v1/messaging/settings', headers: bearer(other.secretKey), payload: { email: { smtp_url: got.json().email.smtp_url, from: 'x@example.com' } } });
      assert.equal(none.statusCode, 400, none.body);
      assert.match(none.body, /body\.email\.smtp_url/);
    } finally {
      await t.close();
    }
  });

  it('a plain URL from before sealing keeps sending, and is sealed at the next start', async () => {
    const t = await start(oldKey);
    try {
      await db.pool.query(`update ms_settings set email = jsonb_build_object('smtpUrl', $2::text, 'from', 'noreply@example.com') where app_id = $1`, [tenant.appId, url()]);
      assert.equal(await sendOne(t, tenant), `mailer:${PASSWORD}`, 'opening passes a plain value through');
      const got = await t.inject({ method: 'GET', url: '/v1/messaging/settings', headers: bearer(tenant.secretKey) });
      assert.equal(got.json().email.smtp_url, `smtp://mailer:***@127.0.0.1:${smtp.port}`);
    } finally {
      await t.close();
    }
    const restarted = await start(oldKey);
    try {
      assert.match(await storedUrl(tenant.appId), /^enc:v1:/);
      assert.equal(await restarted.services.messaging.sealSecrets(), 0, 'nothing left to seal');
      assert.equal(await sendOne(restarted, tenant), `mailer:${PASSWORD}`);
    } finally {
      await restarted.close();
    }
  });

  it('master-key rotation: with the old key as previous, the URL is re-sealed under the new key; then the old key can go', async () => {
    const before = await storedUrl(tenant.appId);
    const t = await start(newKey, [oldKey]);
    try {
      const after = await storedUrl(tenant.appId);
      assert.notEqual(after, before);
      assert.equal(after.split(':')[2], createSecretBox(Buffer.from(newKey, 'hex')).keyId);
    } finally {
      await t.close();
    }
    const onlyNew = await start(newKey);
    try {
      assert.equal(await sendOne(onlyNew, tenant), `mailer:${PASSWORD}`);
    } finally {
      await onlyNew.close();
    }
  });
});
