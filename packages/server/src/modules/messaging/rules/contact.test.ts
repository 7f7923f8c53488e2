// The contact plan for one message: transactional bypass, opt-outs with wildcards, quiet hours on
// interruptive channels only, and which caps gate the message or a channel.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { contains, isDisabled, planContact, type CapRule, type ContactInput } from './contact.ts';

const rules: CapRule[] = [
  { id: 'c1', channel: null, category: 'activity', max: 1, period: 'day' },
  { id: 'c2', channel: 'webhook', category: null, max: 3, period: 'day' },
  { id: 'c3', channel: 'email', category: 'service', max: 2, period: 'week' },
];
const base: ContactInput = {
  now: new Date('2025-01-15T15:00:00Z'),
  timezone: 'Asia/Shanghai',
  category: 'activity',
  channels: ['in_app', 'webhook', 'email'],
  transactional: false,
  disabled: [],
  quiet: { start: 22 * 60, end: 8 * 60 },
  quietChannels: ['realtime', 'email', 'webhook'],
  rules,
};

describe('planContact', () => {
  it('applies message-wide and per-channel caps in the local window, and defers interruptive channels', () => {
    const p = planContact(base);
    assert.deepEqual(p.messageClaims, [{ ruleId: 'c1', window: '2025-01-15', max: 1 }]);
    const [inApp, webhook, email] = p.channels;
    assert.equal(inApp!.deferred, false);
    assert.equal(webhook!.deferred, true);
    assert.equal(webhook!.deliverAt.toISOString(), '2025-01-16T00:00:00.000Z');
    assert.deepEqual(webhook!.claims, [{ ruleId: 'c2', window: '2025-01-16', max: 3 }], 'the deferred push counts in the day it goes out');
    assert.deepEqual(email!.claims, [], 'c3 is for service messages');
  });

  it('lets transactional messages through untouched', () => {
    const p = planContact({ ...base, transactional: true, disabled: ['*:*'] });
    assert.deepEqual(p.messageClaims, []);
    assert.ok(p.channels.every((c) => c.status === 'pending' && !c.deferred && c.claims.length === 0));
  });

  it('suppresses opted-out channels, with wildcards', () => {
    assert.deepEqual(
      planContact({ ...base, disabled: ['activity:email'] }).channels.map((c) => c.status),
      ['pending', 'pending', 'suppressed'],
    );
    assert.deepEqual(
      planContact({ ...base, disabled: ['*:webhook'] }).channels.map((c) => c.status),
      ['pending', 'suppressed', 'pending'],
    );
    assert.ok(isDisabled(['activity:*'], 'activity', 'in_app'));
    assert.ok(!isDisabled(['activity:*'], 'service', 'in_app'));
  });
});

describe('contains', () => {
  it('matches like jsonb @>', () => {
    assert.ok(contains({ plan: 'pro', tags: ['a', 'b'], n: 1 }, { plan: 'pro', tags: ['b'] }));
    assert.ok(!contains({ plan: 'pro' }, { plan: 'free' }));
    assert.ok(!contains({}, { plan: 'pro' }));
    assert.ok(contains({ a: { b: 1, c: 2 } }, { a: { b: 1 } }));
    assert.ok(contains({ x: 1 }, {}));
  });
});
