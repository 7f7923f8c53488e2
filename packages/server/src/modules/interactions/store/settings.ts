import { eq } from 'drizzle-orm';
import { settings } from '../schema.ts';
import type { Db } from './common.ts';

export async function loadSettings(db: Db, appId: string): Promise<{ settings: Record<string, unknown>; updatedAt: Date } | undefined> {
  const [r] = await db.select({ settings: settings.settings, updatedAt: settings.updatedAt }).from(settings).where(eq(settings.appId, appId));
  return r;
}

export async function lockSettings(db: Db, appId: string, now: Date): Promise<void> {
  await db.insert(settings).values({ appId, settings: {}, updatedAt: now }).onConflictDoNothing();
  await db.select({ a: settings.appId }).from(settings).where(eq(settings.appId, appId)).for('update');
}

export async function saveSettings(db: Db, appId: string, value: Record<string, unknown>, now: Date): Promise<void> {
  await db
    .insert(settings)
    .values({ appId, settings: value, updatedAt: now })
    .onConflictDoUpdate({ target: settings.appId, set: { settings: value, updatedAt: now } });
}
