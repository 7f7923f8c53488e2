import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { daysBetween, expectedOn, progress, statusOn, type GoalPath } from './goals.ts';

// A goal set on 1 March: 200 daily buyers now, 300 by 31 March (30 days on): the path rises by
// 100/30 = 3.333… a day, so on 16 March (day 15) it expects 250, on 7 March (day 6) 220.
const up: GoalPath = { baseline: 200, target: 300, startDay: '2026-03-01', dueDay: '2026-03-31' };
// A goal going down: 40% churn to 25% in 10 days (1.5 points a day).
const down: GoalPath = { baseline: 40, target: 25, startDay: '2026-01-01', dueDay: '2026-01-11' };

describe('goal path', () => {
  it('counts calendar days, across months and leap days, and refuses non-days', () => {
    assert.equal(daysBetween('2026-03-01', '2026-03-31'), 30);
    assert.equal(daysBetween('2028-02-28', '2028-03-01'), 2);
    assert.equal(daysBetween('2026-03-10', '2026-03-01'), -9);
    assert.throws(() => daysBetween('2026-3-1', '2026-03-01'), RangeError);
  });
  it('expects the baseline before the start, the straight line in between, the target from the due day on', () => {
    assert.equal(expectedOn(up, '2026-02-20'), 200);
    assert.equal(expectedOn(up, '2026-03-01'), 200);
    assert.equal(expectedOn(up, '2026-03-16'), 250);
    assert.equal(expectedOn(up, '2026-03-07'), 220);
    assert.equal(expectedOn(up, '2026-03-31'), 300);
    assert.equal(expectedOn(up, '2026-04-10'), 300);
    assert.equal(expectedOn(down, '2026-01-05'), 34);
    assert.equal(expectedOn({ ...up, dueDay: up.startDay }, '2026-03-01'), 300);
  });
  it('measures progress as the share of the way from baseline to target', () => {
    assert.equal(progress(up, 250), 0.5);
    assert.equal(progress(up, 180), -0.2);
    assert.equal(progress(down, 28), 0.8);
  });
});

describe('goal status', () => {
  it('is on track at or above the path, off track below, achieved at the target, missed after the due day', () => {
    assert.deepEqual(statusOn(up, '2026-03-16', 250), { status: 'on_track', expected: 250, progress: 0.5 });
    assert.equal(statusOn(up, '2026-03-16', 249).status, 'off_track');
    assert.equal(statusOn(up, '2026-03-16', 300).status, 'achieved');
    assert.equal(statusOn(up, '2026-03-31', 299).status, 'off_track');
    assert.equal(statusOn(up, '2026-04-01', 299).status, 'missed');
    assert.equal(statusOn(up, '2026-04-01', 301).status, 'achieved');
  });
  it('follows the direction of a goal that goes down', () => {
    assert.equal(statusOn(down, '2026-01-05', 34).status, 'on_track');
    assert.equal(statusOn(down, '2026-01-05', 35).status, 'off_track');
    assert.equal(statusOn(down, '2026-01-08', 25).status, 'achieved');
    assert.equal(statusOn(down, '2026-01-12', 26).status, 'missed');
  });
});
