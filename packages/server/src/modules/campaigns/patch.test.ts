// PATCH /v1/campaigns/{id}: a field not sent never changes, and settings are merged (keys not sent
// keep their values instead of falling back to the kind's defaults).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type Tenant, type TestApp } from '../../testing/app.ts';
import { expectError, findIssue } from '../../testing/http.ts';
import { api, iso, ok, testClock } from './test-helpers.ts';

const clock = testClock('2032-01-01T00:00:00Z');
const D = 86_400_000;
let t: TestApp;
let tenant: Tenant;
let a: ReturnType<typeof api>;

before(async () => {
  t = await startTestApp({ clock });
  tenant = await t.newTenant();
  a = api(t, tenant);
});
after(() => t.close());

type Json = Record<string, unknown>;

describe('PATCH /v1/campaigns/{id}', () => {
  it('changes only the fields sent, each alone', async () => {
    const settings = { product_id: 'p1', original_price: 1000, group_price: 800, team_size: 3, team_ttl_seconds: 3600, one_open_team_per_user: false, auto_fill: true };
    const c = await a.campaign({ kind: 'group_buy', name: '拼团', description: 'd', starts_at: iso(clock.t + D), ends_at: iso(clock.t + 9 * D), budget: 5000, per_user_limit: 2, settings });
    const changes: Json = {
      name: '三人团',
      description: 'e',
      starts_at: iso(clock.t + 2 * D),
      ends_at: iso(clock.t + 8 * D),
      budget: null,
      per_user_limit: 4,
      settings: { ...settings, team_size: 4 },
    };
    for (const [field, value] of Object.entries(changes)) {
      const prior = ok<Json>(await a.get(`/v1/campaigns/${c.id}`));
      const sent = field === 'settings' ? { team_size: 4 } : value;
      ok(await a.patch(`/v1/campaigns/${c.id}`, { [field]: sent }));
      const now = ok<Json>(await a.get(`/v1/campaigns/${c.id}`));
      assert.deepEqual(now[field], value, `PATCH {${field}} set it`);
      for (const k of Object.keys(prior)) if (k !== field && k !== 'updated_at') assert.deepEqual(now[k], prior[k], `PATCH {${field}} must not change ${k}`);
    }
  });

  it('merges settings: a null removes an optional key; the result is validated naming the field', async () => {
    const c = await a.campaign({ kind: 'referral', name: 'r', starts_at: iso(clock.t + D), ends_at: iso(clock.t + 9 * D), settings: { qualifying_event: 'order.paid', attribution_window_days: 9, max_rewards_per_inviter: 3 } });
    const r = ok<{ settings: Json }>(await a.patch(`/v1/campaigns/${c.id}`, { settings: { max_rewards_per_inviter: null, attribution_window_days: 10 } }));
    assert.equal(r.settings.qualifying_event, 'order.paid');
    assert.equal(r.settings.attribution_window_days, 10);
    assert.equal('max_rewards_per_inviter' in r.settings, false);
    findIssue(expectError(await a.patch(`/v1/campaigns/${c.id}`, { settings: { qualifying_event: null } }), 400, 'validation_failed'), 'body.settings.qualifying_event');
  });
});
