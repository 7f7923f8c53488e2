// Working hours of a group (for unanswered-question alerts): on the listed ISO weekdays (1 = Monday)
// from `from` to `to` local time in the group's zone. Minutes outside them do not count, so a
// question asked on Friday evening with a 30-minute alert is due 30 working minutes into Monday.
// Pure, with the one time-zone helper.
import { addDays, localDate, zonedInstant } from '../../../lib/localtime.ts';

export type WorkingHours = { days: number[]; from: string; to: string };

const hm = (s: string): [number, number] => s.split(':').map(Number) as [number, number];
const isoWeekday = (date: string): number => {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const w = new Date(Date.UTC(y, m - 1, d)).getUTCDay();
  return w === 0 ? 7 : w;
};

/** The instant `minutes` working minutes after `start` (null hours: wall-clock minutes). */
export function addWorkingMinutes(start: Date, minutes: number, tz: string, hours: WorkingHours | null): Date {
  if (!hours) return new Date(start.getTime() + minutes * 60_000);
  let left = minutes * 60_000;
  let cursor = start.getTime();
  let day = localDate(start, tz);
  const [fh, fm] = hm(hours.from);
  const [th, tm] = hm(hours.to);
  // Two years of days is far more than any alert needs; the guard only stops a loop on bad input.
  for (let i = 0; i < 800; i++, day = addDays(day, 1)) {
    if (!hours.days.includes(isoWeekday(day))) continue;
    const [y, m, d] = day.split('-').map(Number) as [number, number, number];
    const open = zonedInstant(tz, y, m, d, fh, fm).getTime();
    const close = th === 24 ? zonedInstant(tz, ...(addDays(day, 1).split('-').map(Number) as [number, number, number])).getTime() : zonedInstant(tz, y, m, d, th, tm).getTime();
    const begin = Math.max(open, cursor);
    if (begin >= close) continue;
    if (left <= close - begin) return new Date(begin + left);
    left -= close - begin;
    cursor = close;
  }
  return new Date(cursor + left);
}
