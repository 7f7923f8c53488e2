import { and, asc, eq, getTableColumns, gt, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/index.ts';
import { prepared } from '../../db/prepared.ts';
import { users } from './schema.ts';

export type UserRow = typeof users.$inferSelect;

/** A profile read: the hottest users query, built once (db/prepared.ts). */
const findUserPrepared = prepared<UserRow[], { appId: string; userId: string }>('us_find_user', (db) =>
  db
    .select()
    .from(users)
    .where(and(eq(users.appId, sql.placeholder('appId')), eq(users.userId, sql.placeholder('userId')))),
);

export async function findUser(db: Db, appId: string, userId: string, forUpdate = false): Promise<UserRow | undefined> {
  if (!forUpdate) return (await findUserPrepared(db, { appId, userId }))[0];
  const [r] = await db
    .select()
    .from(users)
    .where(and(eq(users.appId, appId), eq(users.userId, userId)))
    .for('update');
  return r;
}

/**
 * Creates the user or merges into the existing profile: traits are merged key by key (a null
 * value removes the key); timezone and locale change only when given.
 */
export async function upsertUser(
  db: Db,
  appId: string,
  userId: string,
  patch: { set: Record<string, unknown>; remove: string[]; timezone?: string | undefined; locale?: string | undefined },
): Promise<{ row: UserRow; created: boolean }> {
  const setJson = JSON.stringify(patch.set);
  const removeJson = JSON.stringify(patch.remove);
  const [r] = await db
    .insert(users)
    .values({ appId, userId, traits: sql`${setJson}::jsonb`, timezone: patch.timezone ?? null, locale: patch.locale ?? null })
    .onConflictDoUpdate({
      target: [users.appId, users.userId],
      set: {
        traits: sql`(${users.traits} || ${setJson}::jsonb) - array(select jsonb_array_elements_text(${removeJson}::jsonb))`,
        timezone: sql`coalesce(${patch.timezone ?? null}::text, ${users.timezone})`,
        locale: sql`coalesce(${patch.locale ?? null}::text, ${users.locale})`,
        updatedAt: sql`now()`,
      },
    })
    .returning({ ...getTableColumns(users), created: sql<boolean>`(xmax = 0)` });
  const { created, ...row } = r!;
  return { row, created };
}

/** Ordered by user id (the primary key), so pages are stable while users are added. */
export async function listUsers(db: Db, appId: string, q: { limit: number; afterUserId?: string | undefined }): Promise<UserRow[]> {
  const conds: SQL[] = [eq(users.appId, appId)];
  if (q.afterUserId !== undefined) conds.push(gt(users.userId, q.afterUserId));
  return db
    .select()
    .from(users)
    .where(and(...conds))
    .orderBy(asc(users.userId))
    .limit(q.limit);
}

export async function deleteUser(db: Db, appId: string, userId: string): Promise<UserRow | undefined> {
  const [r] = await db
    .delete(users)
    .where(and(eq(users.appId, appId), eq(users.userId, userId)))
    .returning();
  return r;
}

/** What other modules need to address a user: id, traits, timezone and locale. */
export type Recipient = Pick<UserRow, 'userId' | 'traits' | 'timezone' | 'locale'>;

const recipientColumns = { userId: users.userId, traits: users.traits, timezone: users.timezone, locale: users.locale };

export async function findRecipients(db: Db, appId: string, userIds: string[]): Promise<Recipient[]> {
  if (userIds.length === 0) return [];
  // One array parameter however many ids (an IN list would bind one parameter each).
  return db
    .select(recipientColumns)
    .from(users)
    .where(and(eq(users.appId, appId), sql`${users.userId} = any(${sql.param(userIds)}::text[])`));
}

/**
 * One page of users whose traits contain `traits` (jsonb containment; {} or undefined = everyone),
 * ordered by user id, so a caller can walk an audience of any size in stable pages.
 */
export async function scanRecipients(db: Db, appId: string, q: { traits?: Record<string, unknown> | undefined; afterUserId?: string | undefined; limit: number }): Promise<Recipient[]> {
  const conds: SQL[] = [eq(users.appId, appId)];
  if (q.traits && Object.keys(q.traits).length > 0) conds.push(sql`${users.traits} @> ${JSON.stringify(q.traits)}::jsonb`);
  if (q.afterUserId !== undefined) conds.push(gt(users.userId, q.afterUserId));
  return db
    .select(recipientColumns)
    .from(users)
    .where(and(...conds))
    .orderBy(asc(users.userId))
    .limit(q.limit);
}

export async function countRecipients(db: Db, appId: string, traits?: Record<string, unknown>): Promise<number> {
  const conds: SQL[] = [eq(users.appId, appId)];
  if (traits && Object.keys(traits).length > 0) conds.push(sql`${users.traits} @> ${JSON.stringify(traits)}::jsonb`);
  const [r] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(users)
    .where(and(...conds));
  return r?.n ?? 0;
}

/** Every profile of a deleted app. */
export async function eraseApp(db: Db, appId: string): Promise<void> {
  await db.delete(users).where(eq(users.appId, appId));
}
