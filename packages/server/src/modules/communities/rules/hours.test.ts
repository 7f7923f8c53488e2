import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addWorkingMinutes } from './hours.ts';

const weekdays = { days: [1, 2, 3, 4, 5], from: '09:00', to: '18:00' };
const at = (s: string) => new Date(s);

describe('working minutes', () => {
  it('counts wall minutes without working hours', () => {
    assert.equal(addWorkingMinutes(at('2031-05-09T10:00:00Z'), 30, 'Asia/Shanghai', null).toISOString(), '2031-05-09T10:30:00.000Z');
  });
  it('inside the hours: plain minutes', () => {
    // 10:00 Shanghai on Friday 9 May 2031 is 02:00 UTC.
    assert.equal(addWorkingMinutes(at('2031-05-09T02:00:00Z'), 30, 'Asia/Shanghai', weekdays).toISOString(), '2031-05-09T02:30:00.000Z');
  });
  it('a Friday-evening question waits for Monday morning', () => {
    // Friday 17:50 Shanghai (09:50 UTC): 10 minutes on Friday, 20 on Monday from 09:00 → Monday 09:20 (01:20 UTC).
    assert.equal(addWorkingMinutes(at('2031-05-09T09:50:00Z'), 30, 'Asia/Shanghai', weekdays).toISOString(), '2031-05-12T01:20:00.000Z');
  });
  it('before opening starts at opening, across a DST change', () => {
    // Sunday 9 March 2031 is a DST start in New York; Monday 08:00 EDT is 12:00 UTC; 09:00 EDT = 13:00 UTC.
    assert.equal(addWorkingMinutes(at('2031-03-10T12:00:00Z'), 15, 'America/New_York', weekdays).toISOString(), '2031-03-10T13:15:00.000Z');
  });
  it('until midnight with to 24:00', () => {
    assert.equal(addWorkingMinutes(at('2031-05-09T15:50:00Z'), 20, 'Asia/Shanghai', { days: [5, 6], from: '00:00', to: '24:00' }).toISOString(), '2031-05-09T16:10:00.000Z');
  });
});
