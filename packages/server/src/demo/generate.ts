// `canyu demo generate`: realistic events for trying analytics, segments and the console on a
// dataset of a real size (10 million events over 100,000 users and 90 days take a few minutes).
// Events go straight into the events table, around ingestion (no rule, webhook or workflow fires
// for them); the roll-up analytics reads is rebuilt for the app at the end.
import type { Db } from '../db/index.ts';
import { addDays, localDate } from '../lib/localtime.ts';
import * as store from './store.ts';

export type GenerateOptions = {
  appId: string;
  users: number;
  days: number;
  /** Local days are counted in this zone (the app's reporting zone). */
  timezone: string;
  /** The last generated day is the day before this instant's local day. */
  now: Date;
  onProgress?: (step: string, done: number, total: number) => void;
  rebuildRollup: (db: Db, appId: string) => Promise<void>;
};

export async function generateDemo(db: Db, o: GenerateOptions): Promise<{ events: number; firstDay: string; lastDay: string }> {
  const lastDay = addDays(localDate(o.now, o.timezone), -1);
  const firstDay = addDays(lastDay, -(o.days - 1));
  const total = o.days + 2;
  o.onProgress?.('users', 0, total);
  await store.insertUsers(db, o.appId, o.users, o.days, firstDay);
  let events = 0;
  for (let d = 0; d < o.days; d++) {
    o.onProgress?.(`${addDays(firstDay, d)} (${events.toLocaleString('en')} events)`, d + 1, total);
    events += await store.insertDay(db, o.appId, o.users, o.days, firstDay, d, o.timezone);
  }
  o.onProgress?.(`roll-up (${events.toLocaleString('en')} events)`, o.days + 1, total);
  await o.rebuildRollup(db, o.appId);
  o.onProgress?.('done', total, total);
  return { events, firstDay, lastDay };
}
