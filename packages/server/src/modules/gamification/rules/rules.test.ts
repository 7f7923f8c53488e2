import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { meets, progressOf } from './badges.ts';
import { currentStreak, restreak, rewardFor } from './checkin.ts';
import { levelFor, nextLevel } from './levels.ts';
import { canTransition, sourcesOf } from './orders.ts';
import { periodEnds, periodKey } from './periods.ts';

describe('check-in rules', () => {
  it('cycles rewards by streak day', () => {
    const r = [10, 10, 15, 15, 20, 20, 50];
    assert.deepEqual([1, 2, 7, 8, 14, 15].map((d) => rewardFor(r, d)), [10, 10, 50, 10, 50, 10]);
    assert.equal(rewardFor([], 3), 0);
  });

  it('a filled day continues the streak through the days after it, up to the next gap', () => {
    assert.deepEqual(restreak('2025-05-03', 3, ['2025-05-04', '2025-05-05', '2025-05-07']), [
      { date: '2025-05-04', streak: 4 },
      { date: '2025-05-05', streak: 5 },
    ]);
    assert.deepEqual(restreak('2025-05-03', 1, ['2025-05-05']), []);
  });

  it('the shown streak survives until the end of the day after the last check-in', () => {
    assert.equal(currentStreak('2025-05-05', 5, '2025-05-05'), 5);
    assert.equal(currentStreak('2025-05-05', 5, '2025-05-06'), 5);
    assert.equal(currentStreak('2025-05-05', 5, '2025-05-07'), 0);
    assert.equal(currentStreak(null, 0, '2025-05-07'), 0);
  });
});

describe('levels', () => {
  const ladder = [
    { level: 1, name: 'a', threshold: 0 },
    { level: 2, name: 'b', threshold: 100 },
    { level: 3, name: 'c', threshold: 300 },
  ];
  it('picks the highest level reached and what the next needs', () => {
    assert.equal(levelFor(ladder, 99)?.level, 1);
    assert.equal(levelFor(ladder, 100)?.level, 2);
    assert.equal(levelFor(ladder, 10_000)?.level, 3);
    assert.equal(levelFor([{ level: 1, name: 'a', threshold: 10 }], 5), null);
    assert.deepEqual(nextLevel(ladder, 1, 40)?.remaining, 60);
    assert.equal(nextLevel(ladder, 3, 400), null);
  });
});

describe('order transitions', () => {
  it('pending → shipped → completed; cancel only before completion; fulfilled is final', () => {
    assert.equal(canTransition('pending', 'shipped'), true);
    assert.equal(canTransition('shipped', 'completed'), true);
    assert.equal(canTransition('pending', 'completed'), false);
    assert.equal(canTransition('completed', 'cancelled'), false);
    assert.equal(canTransition('fulfilled', 'cancelled'), false);
    assert.deepEqual(sourcesOf('cancelled').sort(), ['pending', 'shipped']);
  });
});

describe('task periods', () => {
  it('keys and resets in the user time zone', () => {
    const at = new Date('2025-10-05T18:00:00Z'); // Sunday 11:00 in LA, Monday 02:00 in Shanghai
    assert.equal(periodKey('once', at, 'UTC'), 'once');
    assert.equal(periodKey('daily', at, 'Asia/Shanghai'), '2025-10-06');
    assert.equal(periodKey('weekly', at, 'America/Los_Angeles'), '2025-W40');
    assert.equal(periodKey('weekly', at, 'Asia/Shanghai'), '2025-W41');
    assert.equal(periodEnds('daily', at, 'Asia/Shanghai')!.toISOString(), '2025-10-06T16:00:00.000Z');
    assert.equal(periodEnds('weekly', at, 'America/Los_Angeles')!.toISOString(), '2025-10-06T07:00:00.000Z');
    assert.equal(periodEnds('once', at, 'UTC'), null);
  });
});

describe('badge criteria', () => {
  it('reports progress and meets thresholds', () => {
    assert.deepEqual(progressOf({ kind: 'event_count', event: 'like', count: 100 }, { counters: { 'event:like': 42 } }), [42, 100]);
    assert.equal(meets({ kind: 'checkin_streak', days: 7 }, { checkinStreak: 7 }), true);
    assert.equal(meets({ kind: 'level', level: 3 }, { level: 2 }), false);
    assert.equal(meets({ kind: 'points_earned', type: 'points', amount: 10 }, { earned: { growth: 50 } }), false);
    assert.equal(meets({ kind: 'manual' }, {}), false);
  });
});
