import assert from 'node:assert/strict';
import { it } from 'node:test';
import { monthRange, zoneOffsetMinutes } from './month.ts';

it('a month in Asia/Shanghai starts at 16:00 UTC the day before', () => {
  const r = monthRange('2025-06', 'Asia/Shanghai');
  assert.equal(r.from.toISOString(), '2025-05-31T16:00:00.000Z');
  assert.equal(r.to.toISOString(), '2025-06-30T16:00:00.000Z');
});

it('December rolls into the next year; UTC months are plain', () => {
  const r = monthRange('2024-12', 'UTC');
  assert.equal(r.from.toISOString(), '2024-12-01T00:00:00.000Z');
  assert.equal(r.to.toISOString(), '2025-01-01T00:00:00.000Z');
});

it('follows daylight saving time (New York in March: UTC-5 → UTC-4)', () => {
  const r = monthRange('2025-03', 'America/New_York');
  assert.equal(r.from.toISOString(), '2025-03-01T05:00:00.000Z');
  assert.equal(r.to.toISOString(), '2025-04-01T04:00:00.000Z');
  assert.equal(zoneOffsetMinutes('Asia/Kolkata', new Date('2025-01-01T00:00:00Z')), 330);
});
