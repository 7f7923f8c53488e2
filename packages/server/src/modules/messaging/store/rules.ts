// SQL of event rules (ms_rules) and open digests (ms_digests).
import { and, asc, eq, gt, sql } from 'drizzle-orm';
import type { Db } from '../../../db/index.ts';
import { digests, eventRules } from '../schema.ts';

export type RuleRow = typeof eventRules.$inferSelect;
export type DigestRow = typeof digests.$inferSelect;

export async function insertRule(db: Db, row: typeof eventRules.$inferInsert): Promise<RuleRow> {
  const [r] = await db.insert(eventRules).values(row).returning();
  return r!;
}

export async function findRule(db: Db, appId: string, id: string): Promise<RuleRow | undefined> {
  const [r] = await db
    .select()
    .from(eventRules)
    .where(and(eq(eventRules.appId, appId), eq(eventRules.id, id)));
  return r;
}

export async function listRules(db: Db, appId: string, q: { limit: number; afterId?: string | undefined; event?: string | undefined }): Promise<RuleRow[]> {
  const conds = [eq(eventRules.appId, appId)];
  if (q.afterId !== undefined) conds.push(gt(eventRules.id, q.afterId));
  if (q.event !== undefined) conds.push(eq(eventRules.event, q.event));
  return db
    .select()
    .from(eventRules)
    .where(and(...conds))
    .orderBy(asc(eventRules.id))
    .limit(q.limit);
}

export async function updateRule(db: Db, appId: string, id: string, patch: Partial<typeof eventRules.$inferInsert>): Promise<RuleRow | undefined> {
  const [r] = await db
    .update(eventRules)
    .set(patch)
    .where(and(eq(eventRules.appId, appId), eq(eventRules.id, id)))
    .returning();
  return r;
}

export async function deleteRule(db: Db, appId: string, id: string): Promise<boolean> {
  const r = await db
    .delete(eventRules)
    .where(and(eq(eventRules.appId, appId), eq(eventRules.id, id)))
    .returning({ id: eventRules.id });
  return r.length > 0;
}

/** Enabled rules of one event name, every app: the event handler filters by app. */
export async function enabledRulesOf(db: Db, event: string): Promise<RuleRow[]> {
  return db
    .select()
    .from(eventRules)
    .where(and(eq(eventRules.event, event), eq(eventRules.enabled, true)));
}

export async function distinctRuleEvents(db: Db): Promise<string[]> {
  const rows = await db.selectDistinct({ e: eventRules.event }).from(eventRules);
  return rows.map((r) => r.e);
}

export async function templateInUse(db: Db, appId: string, key: string): Promise<string | undefined> {
  const [r] = await db
    .select({ id: eventRules.id })
    .from(eventRules)
    .where(and(eq(eventRules.appId, appId), sql`(${eventRules.templateKey} = ${key} or ${eventRules.digest}->>'templateKey' = ${key})`))
    .limit(1);
  return r?.id;
}

// ---- digests --------------------------------------------------------------------------------------------

/**
 * Adds one notification to the user's open digest for `key`, opening it if there is none. One
 * statement: concurrent notifications all land in the same digest (the partial unique index on
 * open digests serialises them). Returns the digest after the change.
 */
export async function addToDigest(db: Db, d: { appId: string; userId: string; key: string; ruleId: string; actor: string | null; data: Record<string, unknown>; flushAt: Date; maxActors: number }): Promise<DigestRow> {
  const actors = d.actor === null ? [] : [d.actor];
  const res = await db.execute<Record<string, unknown>>(sql`
    insert into ms_digests as g (app_id, user_id, key, rule_id, count, actors, data, flush_at, status)
    values (${d.appId}, ${d.userId}, ${d.key}, ${d.ruleId}, 1, ${sql.param(actors)}::text[], ${JSON.stringify(d.data)}::jsonb, ${d.flushAt}::timestamptz, 'open')
    on conflict (app_id, user_id, key) where status = 'open' do update set
      count = g.count + 1,
      actors = case when ${d.actor}::text is null or ${d.actor}::text = any(g.actors) or cardinality(g.actors) >= ${d.maxActors} then g.actors else array_append(g.actors, ${d.actor}::text) end,
      data = excluded.data
    returning *`);
  const r = res.rows[0]!;
  return { id: Number(r.id), appId: r.app_id as string, userId: r.user_id as string, key: r.key as string, ruleId: r.rule_id as string, count: Number(r.count), actors: r.actors as string[], data: r.data as Record<string, unknown>, flushAt: r.flush_at as Date, status: r.status as string, sendId: (r.send_id as string | null) ?? null, createdAt: r.created_at as Date };
}

/**
 * Closes due digests and returns them, each to one caller. A digest left 'flushing' by a crashed
 * server is taken again after five minutes; its send's dedupe key makes the retry harmless.
 */
export async function claimDueDigests(db: Db, now: Date, limit: number): Promise<DigestRow[]> {
  const stuck = new Date(now.getTime() - 5 * 60_000);
  return db
    .update(digests)
    .set({ status: 'flushing', flushAt: now })
    .where(
      sql`${digests.id} in (select id from ms_digests where (status = 'open' and flush_at <= ${now}::timestamptz) or (status = 'flushing' and flush_at <= ${stuck}::timestamptz) order by flush_at limit ${limit} for update skip locked)`,
    )
    .returning();
}

export async function closeDigest(db: Db, id: number, sendId: string | null): Promise<void> {
  await db.update(digests).set({ status: 'sent', sendId }).where(eq(digests.id, id));
}

export async function deleteUserDigests(db: Db, appId: string, userId: string): Promise<void> {
  await db.delete(digests).where(and(eq(digests.appId, appId), eq(digests.userId, userId)));
}

/** Host event names this module's configuration listens to, per app (the event log's interest). */
export async function hostInterest(db: Db): Promise<{ appId: string; pattern: string }[]> {
  const r = await db.execute<{ app_id: string; pattern: string }>(sql`select distinct app_id, event as pattern from ms_rules where enabled`);
  return r.rows.map((x) => ({ appId: x.app_id, pattern: x.pattern }));
}
