import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { capCounters, grantable } from './caps.ts';
import { expiresAtFor } from './expiry.ts';

describe('earn-rule caps', () => {
  it('checks total, week and day counters in lock order, in the rule time zone', () => {
    const at = new Date('2025-01-05T17:00:00Z'); // Monday Jan 6 01:00 in Shanghai, Sunday in UTC
    assert.deepEqual(capCounters({ dailyCap: 10, weeklyCap: 50, totalCap: 1000, timezone: 'Asia/Shanghai' }, at), [
      { userScoped: false, period: 'all', cap: 1000 },
      { userScoped: true, period: 'w:2025-W02', cap: 50 },
      { userScoped: true, period: 'd:2025-01-06', cap: 10 },
    ]);
    assert.deepEqual(capCounters({ dailyCap: 10, weeklyCap: null, totalCap: null, timezone: 'UTC' }, at), [{ userScoped: true, period: 'd:2025-01-05', cap: 10 }]);
    assert.deepEqual(capCounters({ dailyCap: null, weeklyCap: null, totalCap: null, timezone: 'UTC' }, at), []);
  });

  it('clips a grant to the tightest cap and never goes negative', () => {
    assert.equal(grantable(10, []), 10);
    assert.equal(grantable(10, [{ cap: 25, used: 20 }]), 5);
    assert.equal(grantable(10, [{ cap: 100, used: 0 }, { cap: 25, used: 22 }]), 3);
    assert.equal(grantable(10, [{ cap: 25, used: 30 }]), 0);
  });
});

describe('expiry policies', () => {
  const now = new Date('2025-06-15T12:00:00Z');
  it('never, days, end of year, and overrides', () => {
    assert.equal(expiresAtFor({ kind: 'never' }, now), null);
    assert.equal(expiresAtFor({ kind: 'days', days: 30 }, now)!.toISOString(), '2025-07-15T12:00:00.000Z');
    assert.equal(expiresAtFor({ kind: 'end_of_year', years_after: 1, timezone: 'UTC' }, now)!.toISOString(), '2027-01-01T00:00:00.000Z');
    assert.equal(expiresAtFor({ kind: 'never' }, now, { days: 1 })!.toISOString(), '2025-06-16T12:00:00.000Z');
    const at = new Date('2030-01-01T00:00:00Z');
    assert.equal(expiresAtFor({ kind: 'days', days: 30 }, now, { at }), at);
  });
});
