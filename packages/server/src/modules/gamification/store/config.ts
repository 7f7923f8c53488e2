import { eq, sql } from 'drizzle-orm';
import type { Db } from '../../../db/index.ts';
import { config } from '../schema.ts';

export async function findConfig(db: Db, appId: string): Promise<Record<string, unknown> | undefined> {
  const [r] = await db.select({ config: config.config }).from(config).where(eq(config.appId, appId));
  return r?.config;
}

export async function saveConfig(db: Db, appId: string, value: Record<string, unknown>): Promise<void> {
  await db
    .insert(config)
    .values({ appId, config: value })
    .onConflictDoUpdate({ target: config.appId, set: { config: value, updatedAt: sql`now()` } });
}

/** Apps whose levels are reviewed periodically. */
export async function appsWithPeriodicLevels(db: Db): Promise<string[]> {
  const rows = await db
    .select({ appId: config.appId })
    .from(config)
    .where(sql`${config.config} -> 'levels' ->> 'downgrade' = 'periodic'`);
  return rows.map((r) => r.appId);
}
