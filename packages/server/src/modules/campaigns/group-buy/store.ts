// SQL of group buying: teams and their members. Seats are taken with a conditional UPDATE on the
// team row (member_count < size), so the last seats can be raced without a team ever exceeding N.
import { and, asc, desc, eq, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../../db/index.ts';
import { gbMembers, gbTeams, GB_TEAM_STATUSES } from '../schema.ts';

export type TeamRow = typeof gbTeams.$inferSelect;
export type MemberRow = typeof gbMembers.$inferSelect;

export async function insertTeam(db: Db, row: typeof gbTeams.$inferInsert): Promise<TeamRow> {
  const [r] = await db.insert(gbTeams).values(row).returning();
  return r!;
}

export async function insertMember(db: Db, row: typeof gbMembers.$inferInsert): Promise<MemberRow> {
  const [r] = await db.insert(gbMembers).values(row).returning();
  return r!;
}

export async function findTeam(db: Db, appId: string, id: string, forUpdate = false): Promise<TeamRow | undefined> {
  const q = db
    .select()
    .from(gbTeams)
    .where(and(eq(gbTeams.appId, appId), eq(gbTeams.id, id)));
  const [r] = forUpdate ? await q.for('update') : await q;
  return r;
}

export async function findTeamByCode(db: Db, appId: string, code: string): Promise<TeamRow | undefined> {
  const [r] = await db
    .select()
    .from(gbTeams)
    .where(and(eq(gbTeams.appId, appId), eq(gbTeams.shareCode, code)));
  return r;
}

export async function membersOf(db: Db, teamIds: string[]): Promise<MemberRow[]> {
  if (teamIds.length === 0) return [];
  return db
    .select()
    .from(gbMembers)
    .where(sql`${gbMembers.teamId} = any(${sql.param(teamIds)}::text[])`)
    .orderBy(asc(gbMembers.joinedAt), asc(gbMembers.userId));
}

export async function findMember(db: Db, teamId: string, userId: string, forUpdate = false): Promise<MemberRow | undefined> {
  const q = db
    .select()
    .from(gbMembers)
    .where(and(eq(gbMembers.teamId, teamId), eq(gbMembers.userId, userId)));
  const [r] = forUpdate ? await q.for('update') : await q;
  return r;
}

export async function hasOpenTeamLedBy(db: Db, campaignId: string, userId: string): Promise<boolean> {
  const r = await db
    .select({ id: gbTeams.id })
    .from(gbTeams)
    .where(and(eq(gbTeams.campaignId, campaignId), eq(gbTeams.leaderUserId, userId), eq(gbTeams.status, 'open')))
    .limit(1);
  return r.length > 0;
}

/** Serialises a user's openings within a campaign (one open team per user), for this transaction. */
export async function lockLeader(db: Db, campaignId: string, userId: string): Promise<void> {
  await db.execute(sql`select pg_advisory_xact_lock(hashtext(${`cm_gb:${campaignId}:${userId}`}))`);
}

/** Takes a seat if the team is open, not past its deadline and not full. */
export async function takeSeat(db: Db, teamId: string, now: Date): Promise<TeamRow | undefined> {
  const [r] = await db
    .update(gbTeams)
    .set({ memberCount: sql`${gbTeams.memberCount} + 1` })
    .where(and(eq(gbTeams.id, teamId), eq(gbTeams.status, 'open'), sql`${gbTeams.memberCount} < ${gbTeams.size}`, sql`${gbTeams.expiresAt} > ${now}`))
    .returning();
  return r;
}

export async function freeSeat(db: Db, teamId: string): Promise<void> {
  await db
    .update(gbTeams)
    .set({ memberCount: sql`${gbTeams.memberCount} - 1` })
    .where(eq(gbTeams.id, teamId));
}

export async function setMember(db: Db, teamId: string, userId: string, patch: Partial<typeof gbMembers.$inferInsert>): Promise<MemberRow> {
  const [r] = await db
    .update(gbMembers)
    .set(patch)
    .where(and(eq(gbMembers.teamId, teamId), eq(gbMembers.userId, userId)))
    .returning();
  return r!;
}

/** One more paid member; the team row comes back so the caller sees whether it is now complete. */
export async function countConfirmed(db: Db, teamId: string): Promise<TeamRow> {
  const [r] = await db
    .update(gbTeams)
    .set({ confirmedCount: sql`${gbTeams.confirmedCount} + 1` })
    .where(eq(gbTeams.id, teamId))
    .returning();
  return r!;
}

export async function closeTeam(db: Db, teamId: string, status: 'succeeded' | 'failed', now: Date, autoFilled = 0): Promise<TeamRow> {
  const [r] = await db
    .update(gbTeams)
    .set({ status, closedAt: now, autoFilled })
    .where(eq(gbTeams.id, teamId))
    .returning();
  return r!;
}

/** Members still holding a seat are released (their reservations end) when the team fails. */
export async function releaseMembers(db: Db, teamId: string, statuses: ('joined' | 'confirmed')[], now: Date): Promise<MemberRow[]> {
  return db
    .update(gbMembers)
    .set({ status: 'released', leftAt: now })
    .where(and(eq(gbMembers.teamId, teamId), sql`${gbMembers.status} = any(${sql.param(statuses)}::text[])`))
    .returning();
}

/** Open teams past their deadline, locked for this transaction (others skip them). */
export async function dueTeams(db: Db, now: Date, limit: number): Promise<TeamRow[]> {
  return db
    .select()
    .from(gbTeams)
    .where(and(eq(gbTeams.status, 'open'), sql`${gbTeams.expiresAt} <= ${now}`))
    .orderBy(asc(gbTeams.expiresAt))
    .limit(limit)
    .for('update', { skipLocked: true });
}

export async function openTeamsOf(db: Db, campaignId: string): Promise<TeamRow[]> {
  return db
    .select()
    .from(gbTeams)
    .where(and(eq(gbTeams.campaignId, campaignId), eq(gbTeams.status, 'open')))
    .for('update');
}

export async function listTeams(db: Db, campaignId: string, q: { limit: number; before?: { t: string; id: string } | undefined; status?: (typeof GB_TEAM_STATUSES)[number] | undefined; userId?: string | undefined }): Promise<TeamRow[]> {
  const conds: SQL[] = [eq(gbTeams.campaignId, campaignId)];
  if (q.status) conds.push(eq(gbTeams.status, q.status));
  if (q.userId) conds.push(sql`exists (select 1 from cm_gb_members m where m.team_id = ${gbTeams.id} and m.user_id = ${q.userId})`);
  if (q.before) conds.push(sql`(${gbTeams.createdAt}, ${gbTeams.id}) < (${q.before.t}::timestamptz, ${q.before.id})`);
  return db
    .select()
    .from(gbTeams)
    .where(and(...conds))
    .orderBy(desc(gbTeams.createdAt), desc(gbTeams.id))
    .limit(q.limit);
}

export async function report(db: Db, campaignId: string): Promise<Record<string, number>> {
  const res = await db.execute<Record<string, number>>(sql`
    select (select count(distinct m.user_id)::int from cm_gb_members m where m.campaign_id = ${campaignId}) as participants,
           (select coalesce(sum(t.confirmed_count), 0)::int from cm_gb_teams t where t.campaign_id = ${campaignId} and t.status = 'succeeded') as successes,
           (select count(*)::int from cm_gb_teams t where t.campaign_id = ${campaignId}) as teams,
           (select count(*)::int from cm_gb_teams t where t.campaign_id = ${campaignId} and t.status = 'open') as open,
           (select count(*)::int from cm_gb_teams t where t.campaign_id = ${campaignId} and t.status = 'succeeded') as succeeded,
           (select count(*)::int from cm_gb_teams t where t.campaign_id = ${campaignId} and t.status = 'failed') as failed,
           (select coalesce(sum(t.auto_filled), 0)::int from cm_gb_teams t where t.campaign_id = ${campaignId}) as auto_filled`);
  return res.rows[0]!;
}
