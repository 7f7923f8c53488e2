// Quiet hours and cap windows in the user's own timezone, across DST and midnight.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { instantOf, parseClock, quietUntil, wallTime, windowKey } from './time.ts';

const q = { start: parseClock('22:00')!, end: parseClock('08:00')! };

describe('quiet hours', () => {
  it('wraps past midnight and ends at the local end time, per timezone', () => {
    const at = new Date('2025-01-15T15:00:00Z');
    assert.equal(quietUntil(at, 'Asia/Shanghai', q)?.toISOString(), '2025-01-16T00:00:00.000Z', '23:00 in Shanghai → 08:00 next morning');
    assert.equal(quietUntil(at, 'Pacific/Auckland', q)?.toISOString(), '2025-01-15T19:00:00.000Z', '04:00 in Auckland (NZDT) → 08:00 the same morning');
    assert.equal(quietUntil(at, 'America/New_York', q), null, '10:00 in New York');
    assert.equal(quietUntil(at, 'Asia/Kolkata', q), null, '20:30 in Kolkata');
    assert.equal(quietUntil(new Date('2025-01-15T16:30:00Z'), 'Asia/Kolkata', q)?.toISOString(), '2025-01-16T02:30:00.000Z', '22:00 in Kolkata, a half-hour zone');
  });

  it('handles a window that does not wrap, and the edges', () => {
    const lunch = { start: parseClock('12:00')!, end: parseClock('13:30')! };
    assert.equal(quietUntil(new Date('2025-06-01T04:00:00Z'), 'Asia/Shanghai', lunch)?.toISOString(), '2025-06-01T05:30:00.000Z');
    assert.equal(quietUntil(new Date('2025-06-01T05:30:00Z'), 'Asia/Shanghai', lunch), null, 'the end minute is outside');
    assert.ok(quietUntil(new Date('2025-06-01T14:00:00Z'), 'Asia/Shanghai', q), 'the start minute is inside');
  });

  it('ends at the right instant across a DST change', () => {
    // New York springs forward on 2025-03-09 at 02:00: 08:00 that morning is 12:00Z (EDT, -4).
    assert.equal(quietUntil(new Date('2025-03-09T04:00:00Z'), 'America/New_York', q)?.toISOString(), '2025-03-09T12:00:00.000Z');
    // London falls back on 2025-10-26: 08:00 that morning is 08:00Z (GMT).
    assert.equal(quietUntil(new Date('2025-10-25T23:30:00Z'), 'Europe/London', q)?.toISOString(), '2025-10-26T08:00:00.000Z');
    // A wall time that does not exist (02:30 on spring-forward day) resolves to a real instant after the gap.
    const gap = instantOf({ year: 2025, month: 3, day: 9, minuteOfDay: 150 }, 'America/New_York');
    assert.equal(wallTime(gap, 'America/New_York').hour, 3);
  });
});

describe('cap windows', () => {
  it('name the local day, hour and ISO week', () => {
    const at = new Date('2024-12-31T17:30:00Z');
    assert.equal(windowKey(at, 'UTC', 'day'), '2024-12-31');
    assert.equal(windowKey(at, 'Asia/Shanghai', 'day'), '2025-01-01', 'already New Year in Shanghai');
    assert.equal(windowKey(at, 'Asia/Shanghai', 'hour'), '2025-01-01T01');
    assert.equal(windowKey(at, 'Asia/Shanghai', 'week'), '2025-W01');
    assert.equal(windowKey(new Date('2021-01-03T12:00:00Z'), 'UTC', 'week'), '2020-W53');
  });
});
