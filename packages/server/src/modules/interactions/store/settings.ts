import { eq, sql } from 'drizzle-orm';
import { prepared } from '../../../db/prepared.ts';
import { settings } from '../schema.ts';
import type { Db } from './common.ts';

/** Read by every interaction: built once (db/prepared.ts). */
const loadSettingsQuery = prepared<{ settings: Record<string, unknown>; updatedAt: Date }[], { appId: string }>('ix_load_settings', (db) =>
  db.select({ settings: settings.settings, updatedAt: settings.updatedAt }).from(settings).where(eq(settings.appId, sql.placeholder('appId'))),
);

export async function loadSettings(db: Db, appId: string): Promise<{ settings: Record<string, unknown>; updatedAt: Date } | undefined> {
  const [r] = await loadSettingsQuery(db, { appId });
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
