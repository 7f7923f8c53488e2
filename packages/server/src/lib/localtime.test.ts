import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addDays, daysBetween, daysInMonth, endOfLocalYear, isDate, isoWeek, localDate, startOfLocalDay, zonedInstant } from './localtime.ts';

describe('local calendar arithmetic', () => {
  it('names the local day on both sides of midnight in Shanghai and Los Angeles', () => {
    const at = new Date('2025-03-01T15:59:59Z'); // 23:59:59 in Shanghai, 07:59:59 in LA
    assert.equal(localDate(at, 'Asia/Shanghai'), '2025-03-01');
    assert.equal(localDate(new Date(at.getTime() + 1000), 'Asia/Shanghai'), '2025-03-02');
    const la = new Date('2025-03-02T07:59:59Z'); // 23:59:59 on Mar 1 in LA (PST)
    assert.equal(localDate(la, 'America/Los_Angeles'), '2025-03-01');
    assert.equal(localDate(new Date(la.getTime() + 1000), 'America/Los_Angeles'), '2025-03-02');
  });

  it('finds the instant a local day starts, across DST', () => {
    assert.equal(startOfLocalDay('2025-03-02', 'Asia/Shanghai').toISOString(), '2025-03-01T16:00:00.000Z');
    assert.equal(startOfLocalDay('2025-03-09', 'America/Los_Angeles').toISOString(), '2025-03-09T08:00:00.000Z'); // PST
    assert.equal(startOfLocalDay('2025-03-10', 'America/Los_Angeles').toISOString(), '2025-03-10T07:00:00.000Z'); // PDT
    assert.equal(zonedInstant('America/Los_Angeles', 2025, 3, 9, 2, 30).toISOString(), '2025-03-09T10:30:00.000Z', 'a skipped time lands after the jump');
  });

  it('ISO weeks, month lengths, day arithmetic and date validation', () => {
    assert.equal(isoWeek('2025-01-01'), '2025-W01');
    assert.equal(isoWeek('2024-12-30'), '2025-W01');
    assert.equal(isoWeek('2021-01-03'), '2020-W53');
    assert.equal(isoWeek('2025-06-16'), '2025-W25');
    assert.equal(daysInMonth('2024-02'), 29);
    assert.equal(daysInMonth('2025-02'), 28);
    assert.equal(addDays('2024-12-31', 1), '2025-01-01');
    assert.equal(addDays('2025-03-01', -1), '2025-02-28');
    assert.equal(daysBetween('2025-02-27', '2025-03-02'), 3);
    assert.equal(isDate('2025-02-29'), false);
    assert.equal(isDate('2024-02-29'), true);
    assert.equal(isDate('2024-2-29'), false);
  });

  it('the end of next local year', () => {
    assert.equal(endOfLocalYear(new Date('2025-06-01T00:00:00Z'), 'Asia/Shanghai', 1).toISOString(), '2026-12-31T16:00:00.000Z');
    // 2025-12-31T20:00Z is already 2026 in Shanghai: "next year" is 2027 there.
    assert.equal(endOfLocalYear(new Date('2025-12-31T20:00:00Z'), 'Asia/Shanghai', 1).toISOString(), '2027-12-31T16:00:00.000Z');
    assert.equal(endOfLocalYear(new Date('2025-12-31T20:00:00Z'), 'UTC', 0).toISOString(), '2026-01-01T00:00:00.000Z');
  });
});
