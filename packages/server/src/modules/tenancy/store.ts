// All SQL over the tenancy tables (tn_*).
import { and, asc, desc, eq, gt, inArray, isNotNull, isNull, lt, or, sql } from 'drizzle-orm';
import type pg from 'pg';
import type { Db } from '../../db/index.ts';
import { apps, appKeys, appMembers, operators, operatorSessions } from './schema.ts';
import type { Role } from '../../http/permissions.ts';
import type { KeyKind } from './rules/keys.ts';

export type AppRow = typeof apps.$inferSelect;
export type KeyRow = typeof appKeys.$inferSelect;
export type OperatorRow = typeof operators.$inferSelect;
export type SessionRow = typeof operatorSessions.$inferSelect;
export type MemberRow = { appId: string; operatorId: string; role: Role; createdAt: Date; email: string; name: string };

export const AUTH_CHANNEL = 'canyu_auth';

export async function insertApp(db: Db, row: { id: string; name: string; settings?: Record<string, unknown> }): Promise<AppRow> {
  const [r] = await db.insert(apps).values({ id: row.id, name: row.name, settings: row.settings ?? {} }).returning();
  return r!;
}

export async function findApp(db: Db, id: string): Promise<AppRow | undefined> {
  const [r] = await db.select().from(apps).where(eq(apps.id, id));
  return r;
}

/** The browser origins an app allows (CORS). */
export async function originsOf(db: Db, appId: string): Promise<string[]> {
  const [r] = await db.select({ o: apps.allowedOrigins }).from(apps).where(eq(apps.id, appId));
  return r?.o ?? [];
}

/** Every origin some app allows (answers CORS preflights, which carry no credentials). */
export async function allOrigins(db: Db): Promise<string[]> {
  const r = await db.execute<{ o: string }>(sql`select distinct unnest(allowed_origins) as o from tn_apps`);
  return r.rows.map((x) => x.o);
}

export async function updateApp(db: Db, id: string, patch: { name?: string; settings?: Record<string, unknown>; allowedOrigins?: string[] }): Promise<AppRow | undefined> {
  const [r] = await db
    .update(apps)
    .set({ ...patch, updatedAt: sql`now()` })
    .where(eq(apps.id, id))
    .returning();
  return r;
}

export async function deleteApp(db: Db, id: string): Promise<boolean> {
  const r = await db.delete(apps).where(eq(apps.id, id)).returning({ id: apps.id });
  return r.length > 0;
}

export async function countApps(db: Db): Promise<number> {
  const [r] = await db.select({ n: sql<number>`count(*)::int` }).from(apps);
  return r?.n ?? 0;
}

export async function listAppsOfOperator(db: Db, operatorId: string): Promise<(AppRow & { role: Role })[]> {
  const rows = await db
    .select({ app: apps, role: appMembers.role })
    .from(appMembers)
    .innerJoin(apps, eq(apps.id, appMembers.appId))
    .where(eq(appMembers.operatorId, operatorId))
    .orderBy(asc(apps.createdAt), asc(apps.id));
  return rows.map((r) => ({ ...r.app, role: r.role }));
}

export async function insertKey(db: Db, row: { id: string; appId: string; kind: KeyKind; name: string; keyHash: string; secret: string | null; hint: string }): Promise<KeyRow> {
  const [r] = await db.insert(appKeys).values(row).returning();
  return r!;
}

export async function findKeyByHash(db: Db, keyHash: string): Promise<KeyRow | undefined> {
  const [r] = await db.select().from(appKeys).where(eq(appKeys.keyHash, keyHash));
  return r;
}

export async function findKey(db: Db, appId: string, keyId: string): Promise<KeyRow | undefined> {
  const [r] = await db
    .select()
    .from(appKeys)
    .where(and(eq(appKeys.appId, appId), eq(appKeys.id, keyId)));
  return r;
}

export async function listKeys(db: Db, appId: string): Promise<KeyRow[]> {
  return db.select().from(appKeys).where(eq(appKeys.appId, appId)).orderBy(asc(appKeys.createdAt), asc(appKeys.id));
}

/** Secret keys that can still sign user tokens (not revoked, or revoked in the future). */
export async function activeSecretKeys(db: Db, appId: string): Promise<KeyRow[]> {
  return db
    .select()
    .from(appKeys)
    .where(and(eq(appKeys.appId, appId), eq(appKeys.kind, 'secret'), or(isNull(appKeys.revokedAt), gt(appKeys.revokedAt, sql`now()`))))
    .orderBy(desc(appKeys.createdAt));
}

/** Stored secret keys not starting with `currentPrefix` (plain from before sealing, or sealed under an older master key). */
export async function storedSecrets(db: Db, currentPrefix: string): Promise<{ id: string; secret: string }[]> {
  const rows = await db
    .select({ id: appKeys.id, secret: appKeys.secret })
    .from(appKeys)
    .where(and(isNotNull(appKeys.secret), sql`left(${appKeys.secret}, ${currentPrefix.length}) <> ${currentPrefix}`));
  return rows.map((r) => ({ id: r.id, secret: r.secret! }));
}

/** Compare-and-set of one key's stored secret; false when another server changed it first. */
export async function replaceSecret(db: Db, id: string, expected: string, next: string): Promise<boolean> {
  const r = await db
    .update(appKeys)
    .set({ secret: next })
    .where(and(eq(appKeys.id, id), eq(appKeys.secret, expected)))
    .returning({ id: appKeys.id });
  return r.length > 0;
}

export async function setKeyRevokedAt(db: Db, appId: string, keyId: string, at: Date): Promise<KeyRow | undefined> {
  const [r] = await db
    .update(appKeys)
    .set({ revokedAt: at })
    .where(and(eq(appKeys.appId, appId), eq(appKeys.id, keyId)))
    .returning();
  return r;
}

export async function insertOperator(db: Db, row: { id: string; email: string; name: string; passwordHash: string; locale: string }): Promise<OperatorRow | null> {
  const r = await db
    .insert(operators)
    .values(row)
    .onConflictDoNothing()
    .returning();
  return r[0] ?? null;
}

export async function findOperatorByEmail(db: Db, email: string): Promise<OperatorRow | undefined> {
  const [r] = await db
    .select()
    .from(operators)
    .where(sql`lower(${operators.email}) = lower(${email})`);
  return r;
}

export async function findOperator(db: Db, id: string): Promise<OperatorRow | undefined> {
  const [r] = await db.select().from(operators).where(eq(operators.id, id));
  return r;
}

export async function updateOperatorPassword(db: Db, id: string, passwordHash: string): Promise<void> {
  await db.update(operators).set({ passwordHash }).where(eq(operators.id, id));
}

export async function insertSession(db: Db, row: { id: string; operatorId: string; tokenHash: string; expiresAt: Date; ip: string | null; userAgent: string | null }): Promise<SessionRow> {
  const [r] = await db.insert(operatorSessions).values(row).returning();
  return r!;
}

export async function findLiveSession(db: Db, tokenHash: string): Promise<(SessionRow & { disabled: boolean }) | undefined> {
  const [r] = await db
    .select({ s: operatorSessions, disabledAt: operators.disabledAt })
    .from(operatorSessions)
    .innerJoin(operators, eq(operators.id, operatorSessions.operatorId))
    .where(and(eq(operatorSessions.tokenHash, tokenHash), isNull(operatorSessions.revokedAt), gt(operatorSessions.expiresAt, sql`now()`)));
  return r ? { ...r.s, disabled: r.disabledAt !== null } : undefined;
}

/** Has this operator ever signed in from this address (a session, live or not, records it)? */
export async function hasSignedInFrom(db: Db, email: string, ip: string): Promise<boolean> {
  const [r] = await db
    .select({ id: operatorSessions.id })
    .from(operatorSessions)
    .innerJoin(operators, eq(operators.id, operatorSessions.operatorId))
    .where(and(sql`lower(${operators.email}) = lower(${email})`, eq(operatorSessions.ip, ip)))
    .limit(1);
  return r !== undefined;
}

export async function revokeSession(db: Db, sessionId: string): Promise<void> {
  await db.update(operatorSessions).set({ revokedAt: sql`now()` }).where(eq(operatorSessions.id, sessionId));
}

export async function revokeOperatorSessions(db: Db, operatorId: string): Promise<void> {
  await db
    .update(operatorSessions)
    .set({ revokedAt: sql`now()` })
    .where(and(eq(operatorSessions.operatorId, operatorId), isNull(operatorSessions.revokedAt)));
}

export async function deleteExpiredSessions(db: Db, olderThanDays: number): Promise<number> {
  const r = await db
    .delete(operatorSessions)
    .where(lt(operatorSessions.expiresAt, sql`now() - make_interval(days => ${olderThanDays})`))
    .returning({ id: operatorSessions.id });
  return r.length;
}

export async function findMemberRole(db: Db, appId: string, operatorId: string): Promise<Role | null> {
  const [r] = await db
    .select({ role: appMembers.role })
    .from(appMembers)
    .where(and(eq(appMembers.appId, appId), eq(appMembers.operatorId, operatorId)));
  return r?.role ?? null;
}

export async function listMembers(db: Db, appId: string): Promise<MemberRow[]> {
  return db
    .select({ appId: appMembers.appId, operatorId: appMembers.operatorId, role: appMembers.role, createdAt: appMembers.createdAt, email: operators.email, name: operators.name })
    .from(appMembers)
    .innerJoin(operators, eq(operators.id, appMembers.operatorId))
    .where(eq(appMembers.appId, appId))
    .orderBy(asc(appMembers.createdAt), asc(appMembers.operatorId));
}

/** Is the operator owner or admin of at least one app? */
export async function managesAnyApp(db: Db, operatorId: string): Promise<boolean> {
  const [r] = await db
    .select({ id: appMembers.appId })
    .from(appMembers)
    .where(and(eq(appMembers.operatorId, operatorId), inArray(appMembers.role, ['owner', 'admin'])))
    .limit(1);
  return r !== undefined;
}

export async function upsertMember(db: Db, appId: string, operatorId: string, role: Role): Promise<{ previous: Role | null }> {
  const previous = await findMemberRole(db, appId, operatorId);
  await db
    .insert(appMembers)
    .values({ appId, operatorId, role })
    .onConflictDoUpdate({ target: [appMembers.appId, appMembers.operatorId], set: { role } });
  return { previous };
}

export async function deleteMember(db: Db, appId: string, operatorId: string): Promise<boolean> {
  const r = await db
    .delete(appMembers)
    .where(and(eq(appMembers.appId, appId), eq(appMembers.operatorId, operatorId)))
    .returning({ id: appMembers.operatorId });
  return r.length > 0;
}

/**
 * Serialises one kind of change within an app until the transaction ends, so invariants that
 * span rows ("at least one owner", "at least one live secret key") hold under concurrency.
 */
export async function lockApp(db: Db, appId: string, topic: 'members' | 'keys'): Promise<void> {
  await db.execute(sql`select pg_advisory_xact_lock(hashtext(${'tn_' + topic}), hashtext(${appId}))`);
}

export async function countOwners(db: Db, appId: string): Promise<number> {
  const [r] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(appMembers)
    .where(and(eq(appMembers.appId, appId), eq(appMembers.role, 'owner')));
  return r?.n ?? 0;
}

/** Held by the first-start setup so two servers starting on an empty database create one app. */
export async function lockBootstrap(db: Db): Promise<void> {
  await db.execute(sql`select pg_advisory_xact_lock(hashtext('tn_bootstrap'))`);
}

export async function notifyAuthChange(db: Db, payload: { type: 'key' | 'session' | 'member' | 'app' | 'origins'; appId?: string; id?: string }): Promise<void> {
  // Delivered at commit, to every Canyu server listening on this database.
  await db.execute(sql`select pg_notify(${AUTH_CHANNEL}, ${JSON.stringify(payload)})`);
}

export async function listenAuthChanges(pool: pg.Pool, onMessage: (payload: string) => void, onLost: (err: Error) => void): Promise<() => Promise<void>> {
  const client = await pool.connect();
  let released = false;
  client.on('notification', (msg) => {
    if (msg.channel === AUTH_CHANNEL && msg.payload) onMessage(msg.payload);
  });
  client.on('error', (err) => {
    if (!released) {
      released = true;
      client.release(err);
      onLost(err);
    }
  });
  await client.query(`listen ${AUTH_CHANNEL}`);
  return async () => {
    if (released) return;
    released = true;
    await client.query(`unlisten ${AUTH_CHANNEL}`).catch(() => {});
    client.release();
  };
}
