import { eq, sql } from 'drizzle-orm';
import { prepared } from '../../../db/prepared.ts';
import { settings } from '../schema.ts';
import type { Db } from './common.ts';

/**
 * Read by every interaction: built once (db/prepared.ts). `version` is the row version's xmin:
 * every write of the row changes it, whatever the clock says (tests freeze theirs), so what is
 * derived from the settings can be kept until it changes.
 */
const loadSettingsQuery = prepared<{ settings: Record<string, unknown>; version: string }[], { appId: string }>('ix_load_settings', (db) =>
  db
    .select({ settings: settings.settings, version: sql<string>`${settings}.xmin::text` })
    .from(settings)
    .where(eq(settings.appId, sql.placeholder('appId'))),
);

export async function loadSettings(db: Db, appId: string): Promise<{ settings: Record<string, unknown>; version: string } | undefined> {
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
