// Calendar months in a time zone, as UTC instants: the workload view counts "June" in the
// operators' own zone.

import { utcMs } from '../../../lib/localtime.ts';

/** Minutes the zone is ahead of UTC at an instant. */
export function zoneOffsetMinutes(tz: string, at: Date): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(at);
  const n = (t: string) => Number(parts.find((p) => p.type === t)!.value);
  const asUtc = utcMs(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'), n('second'));
  return Math.round((asUtc - Math.floor(at.getTime() / 1000) * 1000) / 60_000);
}

/** The instant of local midnight starting day 1 of `month` (1-12) in `tz`. */
function zonedMonthStart(year: number, month: number, tz: string): Date {
  const guess = utcMs(year, month - 1, 1);
  let t = guess - zoneOffsetMinutes(tz, new Date(guess)) * 60_000;
  // Re-check at the candidate (the offset may differ across a DST change near midnight).
  t = guess - zoneOffsetMinutes(tz, new Date(t)) * 60_000;
  return new Date(t);
}

/** [from, to) of a month given as "YYYY-MM" in a time zone. */
export function monthRange(month: string, tz: string): { from: Date; to: Date } {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const next = m === 12 ? [y + 1, 1] : [y, m + 1];
  return { from: zonedMonthStart(y, m, tz), to: zonedMonthStart(next[0]!, next[1]!, tz) };
}
