// SQL of invite codes and referrals.
import { and, desc, eq, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../../db/index.ts';
import { campaigns, rfCodes, rfReferrals, RF_STATUSES } from '../schema.ts';

export type CodeRow = typeof rfCodes.$inferSelect;
export type ReferralRow = typeof rfReferrals.$inferSelect;

/** The user's code in the campaign, created on first ask. */
export async function codeFor(db: Db, row: typeof rfCodes.$inferInsert): Promise<CodeRow> {
  await db.insert(rfCodes).values(row).onConflictDoNothing({ target: [rfCodes.campaignId, rfCodes.userId] });
  const [r] = await db
    .select()
    .from(rfCodes)
    .where(and(eq(rfCodes.campaignId, row.campaignId), eq(rfCodes.userId, row.userId)));
  return r!;
}

export async function findCode(db: Db, appId: string, campaignId: string, code: string): Promise<CodeRow | undefined> {
  const [r] = await db
    .select()
    .from(rfCodes)
    .where(and(eq(rfCodes.appId, appId), eq(rfCodes.campaignId, campaignId), eq(rfCodes.code, code)));
  return r;
}

/** Serialises attributions in a campaign, so two can never close a loop between them. */
export async function lockAttributions(db: Db, campaignId: string): Promise<void> {
  await db.execute(sql`select pg_advisory_xact_lock(hashtext(${`cm_rf:${campaignId}`}))`);
}

export async function findReferral(db: Db, campaignId: string, inviteeUserId: string): Promise<ReferralRow | undefined> {
  const [r] = await db
    .select()
    .from(rfReferrals)
    .where(and(eq(rfReferrals.campaignId, campaignId), eq(rfReferrals.inviteeUserId, inviteeUserId)));
  return r;
}

/** Whether `userId` is among the inviters above `inviter` (who invited the inviter, and so on). */
export async function isAncestor(db: Db, campaignId: string, inviter: string, userId: string): Promise<boolean> {
  const res = await db.execute<{ hit: boolean }>(sql`
    with recursive up(u, depth) as (
      select inviter_user_id, 1 from cm_rf_referrals where campaign_id = ${campaignId} and invitee_user_id = ${inviter}
      union all
      select r.inviter_user_id, up.depth + 1 from cm_rf_referrals r join up on r.invitee_user_id = up.u
       where r.campaign_id = ${campaignId} and up.depth < 1000)
    select exists (select 1 from up where u = ${userId}) as hit`);
  return res.rows[0]!.hit;
}

export async function insertReferral(db: Db, row: typeof rfReferrals.$inferInsert): Promise<ReferralRow> {
  const [r] = await db.insert(rfReferrals).values(row).returning();
  return r!;
}

/** Attributed referrals of this invitee in the app's live referral campaigns qualifying on `eventName`, locked. */
export async function pendingFor(db: Db, appId: string, inviteeUserId: string, eventName: string, at: Date): Promise<(ReferralRow & { settings: Record<string, unknown> })[]> {
  const rows = await db
    .select({ r: rfReferrals, settings: campaigns.settings })
    .from(rfReferrals)
    .innerJoin(campaigns, eq(campaigns.id, rfReferrals.campaignId))
    .where(
      and(
        eq(rfReferrals.appId, appId),
        eq(rfReferrals.inviteeUserId, inviteeUserId),
        eq(rfReferrals.status, 'attributed'),
        sql`${rfReferrals.qualifyBy} > ${at}`,
        sql`${campaigns.status} in ('scheduled', 'running')`,
        sql`${campaigns.settings}->>'qualifying_event' = ${eventName}`,
      ),
    )
    .for('update', { of: rfReferrals, skipLocked: true });
  return rows.map((x) => ({ ...x.r, settings: x.settings }));
}

export async function countRewarded(db: Db, campaignId: string, inviterUserId: string): Promise<number> {
  const res = await db.execute<{ n: number }>(sql`select count(*)::int as n from cm_rf_referrals where campaign_id = ${campaignId} and inviter_user_id = ${inviterUserId} and inviter_rewarded`);
  return res.rows[0]!.n;
}

/** Serialises rewards per inviter (for max_rewards_per_inviter). */
export async function lockInviter(db: Db, campaignId: string, inviterUserId: string): Promise<void> {
  await db.execute(sql`select pg_advisory_xact_lock(hashtext(${`cm_rf:${campaignId}:${inviterUserId}`}))`);
}

/** attributed → rewarded, only if it still is attributed; false when another qualifier did it. */
export async function markRewarded(db: Db, campaignId: string, inviteeUserId: string, patch: { rewardedAt: Date; inviterRewarded: boolean; eventId: string }): Promise<boolean> {
  const r = await db
    .update(rfReferrals)
    .set({ status: 'rewarded', ...patch })
    .where(and(eq(rfReferrals.campaignId, campaignId), eq(rfReferrals.inviteeUserId, inviteeUserId), eq(rfReferrals.status, 'attributed')))
    .returning({ c: rfReferrals.campaignId });
  return r.length > 0;
}

/** Serialises attributions of one invitee across the app's campaigns. */
export async function lockInvitee(db: Db, appId: string, inviteeUserId: string): Promise<void> {
  await db.execute(sql`select pg_advisory_xact_lock(hashtext(${`cm_rf_invitee:${appId}:${inviteeUserId}`}))`);
}

/** A referral campaign of the app, other than `campaignId`, where the user was invited (any status). */
export async function otherReferral(db: Db, appId: string, inviteeUserId: string, campaignId: string): Promise<string | null> {
  const [r] = await db
    .select({ c: rfReferrals.campaignId })
    .from(rfReferrals)
    .where(and(eq(rfReferrals.appId, appId), eq(rfReferrals.inviteeUserId, inviteeUserId), sql`${rfReferrals.campaignId} <> ${campaignId}`))
    .limit(1);
  return r?.c ?? null;
}

export async function setReferral(db: Db, campaignId: string, inviteeUserId: string, patch: Partial<typeof rfReferrals.$inferInsert>): Promise<ReferralRow> {
  const [r] = await db
    .update(rfReferrals)
    .set(patch)
    .where(and(eq(rfReferrals.campaignId, campaignId), eq(rfReferrals.inviteeUserId, inviteeUserId)))
    .returning();
  return r!;
}

/** Event names that qualify in the app's live referral campaigns. */
export async function qualifyingEvents(db: Db, appId: string): Promise<string[]> {
  const res = await db.execute<{ name: string }>(sql`
    select distinct settings->>'qualifying_event' as name from cm_campaigns where app_id = ${appId} and kind = 'referral' and status in ('scheduled', 'running')`);
  return res.rows.map((r) => r.name);
}

export async function list(db: Db, campaignId: string, q: { limit: number; before?: { t: string; id: string } | undefined; inviterUserId?: string | undefined; status?: (typeof RF_STATUSES)[number] | undefined }): Promise<ReferralRow[]> {
  const conds: SQL[] = [eq(rfReferrals.campaignId, campaignId)];
  if (q.inviterUserId) conds.push(eq(rfReferrals.inviterUserId, q.inviterUserId));
  if (q.status) conds.push(eq(rfReferrals.status, q.status));
  if (q.before) conds.push(sql`(${rfReferrals.attributedAt}, ${rfReferrals.inviteeUserId}) < (${q.before.t}::timestamptz, ${q.before.id})`);
  return db
    .select()
    .from(rfReferrals)
    .where(and(...conds))
    .orderBy(desc(rfReferrals.attributedAt), desc(rfReferrals.inviteeUserId))
    .limit(q.limit);
}

export async function report(db: Db, campaignId: string): Promise<Record<string, number>> {
  const res = await db.execute<Record<string, number>>(sql`
    select (select count(distinct u)::int from (select inviter_user_id u from cm_rf_referrals where campaign_id = ${campaignId} union select invitee_user_id from cm_rf_referrals where campaign_id = ${campaignId}) x) as participants,
           count(*)::int as referrals, count(*) filter (where status = 'rewarded')::int as rewarded,
           count(*) filter (where status = 'budget_exhausted')::int as budget_exhausted,
           (select count(*)::int from cm_rf_codes where campaign_id = ${campaignId}) as codes
      from cm_rf_referrals where campaign_id = ${campaignId}`);
  return res.rows[0]!;
}

/** Host event names this module's configuration listens to, per app (the event log's interest). */
export async function hostInterest(db: Db): Promise<{ appId: string; pattern: string }[]> {
  const r = await db.execute<{ app_id: string; pattern: string }>(sql`select distinct app_id, settings->>'qualifying_event' as pattern from cm_campaigns where kind = 'referral' and status in ('scheduled', 'running') and settings->>'qualifying_event' is not null`);
  return r.rows.map((x) => ({ appId: x.app_id, pattern: x.pattern }));
}
