// Blocks, reports and the moderation queue.
import { sql } from 'drizzle-orm';
import { blockedSql, rows, type Db } from './common.ts';

export async function isBlocked(db: Db, appId: string, userId: string, now: Date): Promise<boolean> {
  const [r] = await rows<{ b: boolean }>(db, sql`select ${blockedSql(appId, userId, now)} as b`);
  return r!.b;
}
