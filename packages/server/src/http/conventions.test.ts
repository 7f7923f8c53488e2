import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bearer, startTestApp, type Tenant, type TestApp } from '../testing/app.ts';

let t: TestApp;
let tenant: Tenant;

before(async () => {
  t = await startTestApp();
  tenant = await t.newTenant();
});
after(() => t.close());

describe('error shape', () => {
  it('answers malformed JSON with invalid_json', async () => {
    const res = await t.inject({ method: 'POST', url: '/v1/events', headers: { ...bearer(tenant.secretKey), 'content-type': 'application/json' }, payload: '{"events": [' });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().error.code, 'invalid_json');
  });
});
