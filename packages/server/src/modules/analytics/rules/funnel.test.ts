import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { computeFunnel, matchUser, median, type FunnelEvent } from './funnel.ts';

const ev = (name: string, ts: number, seq: number, properties: Record<string, unknown> = {}): FunnelEvent => ({ userId: 'u', name, properties, ts, seq });
const steps = [{ event: 'view' }, { event: 'cart' }, { event: 'pay', where: { amount: { gte: 100 } } }];
const entry = { from: 0, to: 1000 };

describe('funnel rules', () => {
  it('enters at the first step-1 event in the entry range and takes the earliest later match per step', () => {
    const r = matchUser([ev('view', -5, 1), ev('view', 10, 2), ev('view', 20, 3), ev('cart', 30, 4), ev('cart', 40, 5), ev('pay', 50, 6, { amount: 99 }), ev('pay', 60, 7, { amount: 100 })], steps, entry, 1000);
    assert.deepEqual(r.map((e) => e.seq), [2, 4, 7]);
  });

  it('orders ties by arrival: a step stored before the previous one at the same instant does not follow it', () => {
    assert.deepEqual(matchUser([ev('cart', 10, 1), ev('view', 10, 2)], steps, entry, 1000).map((e) => e.seq), [2]);
    assert.deepEqual(matchUser([ev('view', 10, 1), ev('cart', 10, 2)], steps, entry, 1000).map((e) => e.seq), [1, 2]);
  });

  it('counts a step exactly at the end of the window, not one after', () => {
    assert.equal(matchUser([ev('view', 0, 1), ev('cart', 100, 2)], steps, entry, 100).length, 2);
    assert.equal(matchUser([ev('view', 0, 1), ev('cart', 101, 2)], steps, entry, 100).length, 1);
  });

  it('uses one event for one step only', () => {
    const same = [{ event: 'a' }, { event: 'a' }];
    assert.equal(matchUser([ev('a', 1, 1)], same, entry, 100).length, 1);
    assert.equal(matchUser([ev('a', 1, 1), ev('a', 2, 2)], same, entry, 100).length, 2);
  });

  it('medians like percentile_cont(0.5); conversions per step', () => {
    assert.equal(median([]), null);
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    const byUser = new Map([
      ['a', [ev('view', 0, 1), ev('cart', 2000, 2)]],
      ['b', [ev('view', 0, 3), ev('cart', 4000, 4), ev('pay', 5000, 5, { amount: 100 })]],
      ['c', [ev('view', 0, 6)]],
    ]);
    const f = computeFunnel(byUser, steps, entry, 10_000);
    assert.deepEqual(f.steps.map((s) => s.users), [3, 2, 1]);
    assert.equal(f.steps[1]!.median_seconds_from_previous, 3);
    assert.equal(f.steps[1]!.conversion_from_previous, 2 / 3);
    assert.equal(f.steps[2]!.conversion_from_start, 1 / 3);
  });
});
