import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConditionsSchema, matchesConditions } from './conditions.ts';

describe('rule conditions', () => {
  const props = { channel: 'wechat', video: { kind: 'long', minutes: 12 }, vip: true, tags: ['a', 'b'], note: null };

  it('match by strict equality on dot paths', () => {
    assert.equal(matchesConditions({}, props), true);
    assert.equal(matchesConditions({ channel: 'wechat', 'video.kind': 'long', vip: true }, props), true);
    assert.equal(matchesConditions({ 'video.minutes': '12' }, props), false);
    assert.equal(matchesConditions({ 'video.kind.x': 'long' }, props), false);
    assert.equal(matchesConditions({ missing: 'x' }, props), false);
  });

  it('apply operators: comparisons, lists, presence and containment', () => {
    assert.equal(matchesConditions({ 'video.minutes': { gte: 12, lt: 13 } }, props), true);
    assert.equal(matchesConditions({ 'video.minutes': { gt: 12 } }, props), false);
    assert.equal(matchesConditions({ 'video.minutes': { lte: 11 } }, props), false);
    assert.equal(matchesConditions({ channel: { gt: 1 } }, props), false, 'a text is never greater than a number');
    assert.equal(matchesConditions({ channel: { in: ['app', 'wechat'] } }, props), true);
    assert.equal(matchesConditions({ channel: { nin: ['app', 'wechat'] } }, props), false);
    assert.equal(matchesConditions({ channel: { ne: 'app' }, vip: { eq: true } }, props), true);
    assert.equal(matchesConditions({ note: { exists: false }, missing: { exists: false }, vip: { exists: true } }, props), true);
    assert.equal(matchesConditions({ 'video.kind': { exists: false } }, props), false);
    assert.equal(matchesConditions({ tags: { contains: 'b' }, channel: { contains: 'chat' } }, props), true);
    assert.equal(matchesConditions({ tags: { contains: 'c' } }, props), false);
  });

  it('refuses unknown operators and empty operator objects', () => {
    assert.equal(ConditionsSchema.safeParse({ amount: { gte: 1 } }).success, true);
    assert.equal(ConditionsSchema.safeParse({ amount: { between: [1, 2] } }).success, false);
    assert.equal(ConditionsSchema.safeParse({ amount: {} }).success, false);
    assert.equal(ConditionsSchema.safeParse({ amount: { gte: '1' } }).success, false);
  });
});
