import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_RETRY, matchingPatterns, retryDelaySeconds } from './backoff.ts';
import { sign, signatureHeader, verify } from './signature.ts';

describe('signature', () => {
  const body = JSON.stringify({ id: 'evt_1', type: 'group_buy.team.succeeded', data: { 团: 1 } });
  it('verifies what it signs and refuses changed bodies, other secrets and stale timestamps', () => {
    const h = signatureHeader(['whsec_a'], 1_700_000_000, body);
    assert.match(h, /^t=1700000000,v1=[0-9a-f]{64}$/);
    assert.deepEqual(verify('whsec_a', h, body, 1_700_000_100), { ok: true, timestamp: 1_700_000_000 });
    assert.deepEqual(verify('whsec_a', h, `${body} `, 1_700_000_100), { ok: false, reason: 'mismatch' });
    assert.deepEqual(verify('whsec_b', h, body, 1_700_000_100), { ok: false, reason: 'mismatch' });
    assert.deepEqual(verify('whsec_a', h, body, 1_700_000_301), { ok: false, reason: 'too_old' });
    assert.deepEqual(verify('whsec_a', 'v1=abc', body, 1_700_000_000), { ok: false, reason: 'malformed' });
  });
  it('signs with both secrets during a rotation; either verifies', () => {
    const h = signatureHeader(['new', 'old'], 5, body);
    assert.equal(h.split(',').length, 3);
    assert.ok(verify('new', h, body, 5).ok);
    assert.ok(verify('old', h, body, 5).ok);
    assert.equal(h.split(',')[1], `v1=${sign('new', 5, body)}`);
  });
});

describe('backoff', () => {
  it('doubles from the base, stays within ±10%, and is capped', () => {
    const p = { maxAttempts: 10, baseSeconds: 30, maxSeconds: 600 };
    assert.equal(retryDelaySeconds(p, 1, 0.5), 30);
    assert.equal(retryDelaySeconds(p, 2, 0.5), 60);
    assert.equal(retryDelaySeconds(p, 4, 0.5), 240);
    assert.equal(retryDelaySeconds(p, 9, 0.5), 600);
    assert.equal(retryDelaySeconds(p, 3, 0), 108);
    assert.equal(retryDelaySeconds(p, 3, 0.999), 132);
    assert.ok(retryDelaySeconds(DEFAULT_RETRY, 30, 0.99) <= DEFAULT_RETRY.maxSeconds);
  });
  it('lists the patterns an event type matches', () => {
    assert.deepEqual(matchingPatterns('group_buy.team.failed').sort(), ['*', 'group_buy.*', 'group_buy.team.*', 'group_buy.team.failed'].sort());
    assert.deepEqual(matchingPatterns('webhook.test').sort(), ['*', 'webhook.*', 'webhook.test'].sort());
  });
});
