// All SQL of customer service (cs_ tables).
import { and, asc, desc, eq, gt, inArray, lt, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/index.ts';
import { num } from '../../db/raw.ts';
import { agents, canned, conversations, messages, settings } from './schema.ts';

export type SettingsRow = typeof settings.$inferSelect;
export type AgentRow = typeof agents.$inferSelect;
export type ConversationRow = typeof conversations.$inferSelect;
export type MessageRow = typeof messages.$inferSelect;
export type CannedRow = typeof canned.$inferSelect;

// ---- settings -----------------------------------------------------------------------------------

export async function getSettings(db: Db, appId: string): Promise<SettingsRow | null> {
  const [r] = await db.select().from(settings).where(eq(settings.appId, appId));
  return r ?? null;
}

export async function saveSettings(db: Db, row: SettingsRow): Promise<void> {
  const { appId: _a, ...set } = row;
  await db.insert(settings).values(row).onConflictDoUpdate({ target: settings.appId, set });
}

// ---- conversations ------------------------------------------------------------------------------

export async function insertConversation(db: Db, row: ConversationRow): Promise<ConversationRow | null> {
  const [r] = await db.insert(conversations).values(row).onConflictDoNothing().returning();
  return r ?? null;
}

export async function findConversation(db: Db, appId: string, id: string, lock = false): Promise<ConversationRow | null> {
  const q = db.select().from(conversations).where(and(eq(conversations.appId, appId), eq(conversations.id, id)));
  const [r] = lock ? await q.for('update') : await q;
  return r ?? null;
}

export async function findExternal(db: Db, appId: string, channel: string, externalId: string): Promise<ConversationRow | null> {
  const [r] = await db
    .select()
    .from(conversations)
    .where(and(eq(conversations.appId, appId), eq(conversations.channel, channel), eq(conversations.externalId, externalId)))
    .for('update');
  return r ?? null;
}

export async function updateConversation(db: Db, id: string, patch: Partial<ConversationRow>): Promise<ConversationRow> {
  const [r] = await db.update(conversations).set(patch).where(eq(conversations.id, id)).returning();
  return r!;
}

/**
 * Takes a conversation for an agent only if nobody has it yet (bot or waiting): the one UPDATE
 * decides between racing claims, on any number of servers.
 */
export async function claim(db: Db, appId: string, id: string, agentId: string, now: Date): Promise<ConversationRow | null> {
  const [r] = await db
    .update(conversations)
    .set({ status: 'assigned', agentId, waitingSince: sql`coalesce(${conversations.waitingSince}, ${now})` })
    .where(and(eq(conversations.appId, appId), eq(conversations.id, id), inArray(conversations.status, ['bot', 'waiting'])))
    .returning();
  return r ?? null;
}

export type ListFilter = { userId?: string | undefined; status?: string | undefined; agentId?: string | undefined; skill?: string | undefined };

export async function listConversations(db: Db, appId: string, f: ListFilter, before: { at: Date; id: string } | undefined, limit: number): Promise<ConversationRow[]> {
  const conds: SQL[] = [eq(conversations.appId, appId)];
  if (f.userId !== undefined) conds.push(eq(conversations.userId, f.userId));
  if (f.status !== undefined) conds.push(eq(conversations.status, f.status));
  if (f.agentId !== undefined) conds.push(eq(conversations.agentId, f.agentId));
  if (f.skill !== undefined) conds.push(eq(conversations.skill, f.skill));
  if (before) conds.push(or(lt(conversations.lastMessageAt, before.at), and(eq(conversations.lastMessageAt, before.at), lt(conversations.id, before.id)))!);
  return db
    .select()
    .from(conversations)
    .where(and(...conds))
    .orderBy(desc(conversations.lastMessageAt), desc(conversations.id))
    .limit(limit);
}

/** The queue: conversations waiting for an agent, longest waiting first. */
export async function queue(db: Db, appId: string, skill: string | undefined, after: { at: Date; id: string } | undefined, limit: number): Promise<ConversationRow[]> {
  const conds: SQL[] = [eq(conversations.appId, appId), eq(conversations.status, 'waiting')];
  if (skill !== undefined) conds.push(eq(conversations.skill, skill));
  if (after) conds.push(or(gt(conversations.waitingSince, after.at), and(eq(conversations.waitingSince, after.at), gt(conversations.id, after.id)))!);
  return db
    .select()
    .from(conversations)
    .where(and(...conds))
    .orderBy(asc(conversations.waitingSince), asc(conversations.id))
    .limit(limit);
}

/** Waiting conversations an agent with these skills could take, oldest first, locked (SKIP LOCKED). */
export async function waitingFor(db: Db, appId: string, skills: string[], limit: number): Promise<ConversationRow[]> {
  return db
    .select()
    .from(conversations)
    .where(and(eq(conversations.appId, appId), eq(conversations.status, 'waiting'), skills.length ? or(sql`${conversations.skill} is null`, inArray(conversations.skill, skills)) : sql`${conversations.skill} is null`))
    .orderBy(asc(conversations.waitingSince), asc(conversations.id))
    .limit(limit)
    .for('update', { skipLocked: true });
}

// ---- messages -----------------------------------------------------------------------------------

/** Stores a message; null when a bridge message with the same external id is already there. */
export async function insertMessage(db: Db, row: Omit<MessageRow, 'seq'>): Promise<MessageRow | null> {
  const [r] = await db.insert(messages).values(row).onConflictDoNothing().returning();
  return r ?? null;
}

export async function listMessages(db: Db, conversationId: string, o: { afterSeq?: number | undefined; internal: boolean; limit: number }): Promise<MessageRow[]> {
  const conds: SQL[] = [eq(messages.conversationId, conversationId)];
  if (!o.internal) conds.push(eq(messages.internal, false));
  if (o.afterSeq !== undefined) conds.push(gt(messages.seq, o.afterSeq));
  return db
    .select()
    .from(messages)
    .where(and(...conds))
    .orderBy(asc(messages.seq))
    .limit(o.limit);
}

// ---- agents -------------------------------------------------------------------------------------

export async function upsertAgent(db: Db, row: AgentRow): Promise<AgentRow> {
  const { appId: _a, operatorId: _o, ...set } = row;
  const [r] = await db.insert(agents).values(row).onConflictDoUpdate({ target: [agents.appId, agents.operatorId], set }).returning();
  return r!;
}

export async function findAgent(db: Db, appId: string, operatorId: string): Promise<AgentRow | null> {
  const [r] = await db.select().from(agents).where(and(eq(agents.appId, appId), eq(agents.operatorId, operatorId)));
  return r ?? null;
}

const activeOf = sql<number>`(select count(*)::int from cs_conversations c where c.app_id = ${agents.appId} and c.agent_id = ${agents.operatorId} and c.status = 'assigned')`;

export async function listAgents(db: Db, appId: string): Promise<(AgentRow & { active: number })[]> {
  const rows = await db
    .select({ a: agents, active: activeOf })
    .from(agents)
    .where(eq(agents.appId, appId))
    .orderBy(asc(agents.operatorId));
  return rows.map((r) => ({ ...r.a, active: num(r.active) }));
}

/**
 * The online agent with the skill (any agent when there is none) and a free seat, least loaded
 * first; the agent's row is locked, so two conversations routed at once cannot both take its
 * last seat.
 */
export async function pickAgent(db: Db, appId: string, skill: string | null): Promise<AgentRow | null> {
  const [r] = await db
    .select()
    .from(agents)
    .where(and(eq(agents.appId, appId), eq(agents.status, 'online'), skill === null ? sql`true` : sql`${skill} = any(${agents.skills})`, sql`${activeOf} < ${agents.capacity}`))
    .orderBy(activeOf, asc(agents.operatorId))
    .limit(1)
    .for('update');
  return r ?? null;
}

/** The agent's seats left, read under the agent row's lock. */
export async function freeSeats(db: Db, appId: string, operatorId: string): Promise<number> {
  const [r] = await db
    .select({ capacity: agents.capacity, active: activeOf })
    .from(agents)
    .where(and(eq(agents.appId, appId), eq(agents.operatorId, operatorId)))
    .for('update');
  return r ? Math.max(0, r.capacity - num(r.active)) : 0;
}

// ---- SLA ----------------------------------------------------------------------------------------

/** Conversations past their first-response SLA not yet flagged (locked, SKIP LOCKED). */
export async function dueFirstResponse(db: Db, now: Date, limit: number): Promise<(ConversationRow & { minutes: number })[]> {
  const r = await db.execute<{ id: string; minutes: number }>(sql`
    select c.id, s.first_response_minutes as minutes from cs_conversations c join cs_settings s on s.app_id = c.app_id
    where c.status in ('waiting', 'assigned') and c.first_response_at is null and c.first_response_breached_at is null
      and s.first_response_minutes is not null and c.waiting_since + make_interval(mins => s.first_response_minutes) <= ${now.toISOString()}::timestamptz
    order by c.waiting_since limit ${limit} for update of c skip locked`);
  return withRows(db, r.rows);
}

/** Conversations past their resolution SLA not yet flagged (locked, SKIP LOCKED). */
export async function dueResolution(db: Db, now: Date, limit: number): Promise<(ConversationRow & { minutes: number })[]> {
  const r = await db.execute<{ id: string; minutes: number }>(sql`
    select c.id, s.resolution_minutes as minutes from cs_conversations c join cs_settings s on s.app_id = c.app_id
    where c.status <> 'resolved' and c.resolution_breached_at is null
      and s.resolution_minutes is not null and c.created_at + make_interval(mins => s.resolution_minutes) <= ${now.toISOString()}::timestamptz
    order by c.created_at limit ${limit} for update of c skip locked`);
  return withRows(db, r.rows);
}

async function withRows(db: Db, rows: { id: string; minutes: number }[]): Promise<(ConversationRow & { minutes: number })[]> {
  if (rows.length === 0) return [];
  const full = await db.select().from(conversations).where(inArray(conversations.id, rows.map((r) => r.id)));
  return rows.map((r) => ({ ...full.find((c) => c.id === r.id)!, minutes: num(r.minutes) }));
}

// ---- canned replies -----------------------------------------------------------------------------

export async function insertCanned(db: Db, row: CannedRow): Promise<void> {
  await db.insert(canned).values(row);
}

export async function findCanned(db: Db, appId: string, id: string): Promise<CannedRow | null> {
  const [r] = await db.select().from(canned).where(and(eq(canned.appId, appId), eq(canned.id, id)));
  return r ?? null;
}

export async function updateCanned(db: Db, appId: string, id: string, patch: Partial<CannedRow>): Promise<CannedRow | null> {
  const [r] = await db.update(canned).set(patch).where(and(eq(canned.appId, appId), eq(canned.id, id))).returning();
  return r ?? null;
}

export async function deleteCanned(db: Db, appId: string, id: string): Promise<boolean> {
  return (await db.delete(canned).where(and(eq(canned.appId, appId), eq(canned.id, id))).returning({ id: canned.id })).length > 0;
}

export async function listCanned(db: Db, appId: string, before: { at: Date; id: string } | undefined, limit: number): Promise<CannedRow[]> {
  const conds: SQL[] = [eq(canned.appId, appId)];
  if (before) conds.push(or(lt(canned.createdAt, before.at), and(eq(canned.createdAt, before.at), lt(canned.id, before.id)))!);
  return db
    .select()
    .from(canned)
    .where(and(...conds))
    .orderBy(desc(canned.createdAt), desc(canned.id))
    .limit(limit);
}

// ---- workload (QQ Mail 1000/100/10) -------------------------------------------------------------

/** Per agent, conversations resolved in [from, to), their median first response and the CSAT given in it. */
export async function agentStats(db: Db, appId: string, from: Date, to: Date): Promise<{ operatorId: string; resolved: number; medianFirstResponseS: number | null; csatAverage: number | null; csatRatings: number }[]> {
  const r = await db.execute<{ agent_id: string; resolved: number; median: number | null; csat: number | null; ratings: number }>(sql`
    select agent_id,
           count(*) filter (where resolved_at >= ${from.toISOString()}::timestamptz and resolved_at < ${to.toISOString()}::timestamptz)::int as resolved,
           percentile_cont(0.5) within group (order by extract(epoch from first_response_at - waiting_since))
             filter (where first_response_at >= ${from.toISOString()}::timestamptz and first_response_at < ${to.toISOString()}::timestamptz) as median,
           avg(rating) filter (where rated_at >= ${from.toISOString()}::timestamptz and rated_at < ${to.toISOString()}::timestamptz)::float8 as csat,
           count(rating) filter (where rated_at >= ${from.toISOString()}::timestamptz and rated_at < ${to.toISOString()}::timestamptz)::int as ratings
    from cs_conversations where app_id = ${appId} and agent_id is not null
    group by agent_id`);
  return r.rows
    .map((x) => ({ operatorId: x.agent_id, resolved: num(x.resolved), medianFirstResponseS: x.median === null ? null : Number(x.median), csatAverage: x.csat === null ? null : Number(x.csat), csatRatings: num(x.ratings) }))
    .filter((x) => x.resolved > 0 || x.csatRatings > 0 || x.medianFirstResponseS !== null);
}

// ---- erasure ------------------------------------------------------------------------------------

export async function eraseUser(db: Db, appId: string, userId: string): Promise<void> {
  await db.execute(sql`delete from cs_messages m using cs_conversations c where m.conversation_id = c.id and c.app_id = ${appId} and c.user_id = ${userId}`);
  await db.delete(conversations).where(and(eq(conversations.appId, appId), eq(conversations.userId, userId)));
}

export async function eraseApp(db: Db, appId: string): Promise<void> {
  await db.delete(messages).where(eq(messages.appId, appId));
  await db.delete(conversations).where(eq(conversations.appId, appId));
  await db.delete(agents).where(eq(agents.appId, appId));
  await db.delete(canned).where(eq(canned.appId, appId));
  await db.delete(settings).where(eq(settings.appId, appId));
}
