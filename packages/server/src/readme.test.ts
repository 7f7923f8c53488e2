// The README must stay true: its user-token example is extracted and run against a real server.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createHmac } from 'node:crypto';
import { after, before, it } from 'node:test';
import { bearer, startTestApp, type Tenant, type TestApp } from './testing/app.ts';

const readme = fs.readFileSync(path.resolve(import.meta.dirname, '../../../README.md'), 'utf8');
let t: TestApp;
let tenant: Tenant;
before(async () => {
  t = await startTestApp();
  tenant = await t.newTenant();
});
after(() => t.close());

it('README: the top tells a newcomer npm install, npm start, npm test', () => {
  const top = readme.split('\n').slice(0, 8).join('\n');
  for (const cmd of ['npm install', 'npm start', 'npm test']) assert.ok(top.includes(cmd), `${cmd} in the first lines`);
});

it('README: the Node user-token example produces a token Canyu accepts', async () => {
  const block = /<!-- readme-example:user-token -->\s*```js\n([\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(block, 'example block present');
  const body = block.replace(/^import .*$/m, '');
  const make = new Function('createHmac', `${body}; return canyuUserToken;`) as (c: typeof createHmac) => (u: string, k: string, ttl?: number) => string;
  const token = make(createHmac)('readme-user', tenant.secretKey);
  const res = await t.inject({ method: 'POST', url: '/v1/users/readme-user', headers: { ...bearer(tenant.publishableKey), 'x-user-token': token }, payload: { traits: { from: 'readme' } } });
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.json().user_id, 'readme-user');
});

it('README: every configuration variable of config.ts is documented', async () => {
  const { CONFIG_KEYS } = await import('./config.ts');
  for (const key of CONFIG_KEYS) assert.ok(readme.includes(`\`${key}\``), `${key} documented in the README`);
});
