// SQL over cm_campaigns and cm_user_quota: the lifecycle shared by every kind.
import { and, desc, eq, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/index.ts';
import { campaigns, userQuota, type CampaignKind, type CampaignStatus } from './schema.ts';

export type CampaignRow = typeof campaigns.$inferSelect;

export async function insertCampaign(db: Db, row: typeof campaigns.$inferInsert): Promise<CampaignRow> {
  const [r] = await db.insert(campaigns).values(row).returning();
  return r!;
}

export async function findCampaign(db: Db, appId: string, id: string, forUpdate = false): Promise<CampaignRow | undefined> {
  const q = db
    .select()
    .from(campaigns)
    .where(and(eq(campaigns.appId, appId), eq(campaigns.id, id)));
  const [r] = forUpdate ? await q.for('update') : await q;
  return r;
}

export type CampaignQuery = { limit: number; before?: { t: string; id: string } | undefined; kind?: CampaignKind | undefined; status?: CampaignStatus | undefined; q?: string | undefined };

export async function listCampaigns(db: Db, appId: string, q: CampaignQuery): Promise<CampaignRow[]> {
  const conds: SQL[] = [eq(campaigns.appId, appId)];
  if (q.kind) conds.push(eq(campaigns.kind, q.kind));
  if (q.status) conds.push(eq(campaigns.status, q.status));
  if (q.q) conds.push(sql`strpos(lower(${campaigns.name}), lower(${q.q})) > 0`);
  if (q.before) conds.push(sql`(${campaigns.createdAt}, ${campaigns.id}) < (${q.before.t}::timestamptz, ${q.before.id})`);
  return db
    .select()
    .from(campaigns)
    .where(and(...conds))
    .orderBy(desc(campaigns.createdAt), desc(campaigns.id))
    .limit(q.limit);
}

export async function updateCampaign(db: Db, id: string, patch: Partial<typeof campaigns.$inferInsert>): Promise<CampaignRow> {
  const [r] = await db
    .update(campaigns)
    .set({ ...patch, updatedAt: sql`now()` })
    .where(eq(campaigns.id, id))
    .returning();
  return r!;
}

/** scheduled → running for every campaign whose start has come. */
export async function startDue(db: Db, now: Date): Promise<CampaignRow[]> {
  return db
    .update(campaigns)
    .set({ status: 'running', startedAt: now, updatedAt: sql`now()` })
    .where(and(eq(campaigns.status, 'scheduled'), sql`${campaigns.startsAt} <= ${now}`, sql`${campaigns.endsAt} > ${now}`))
    .returning();
}

/** scheduled/running → ended for every campaign whose end has come (skipping rows another server holds). */
export async function endDue(db: Db, now: Date): Promise<CampaignRow[]> {
  const res = await db.execute<{ id: string }>(sql`
    update cm_campaigns c set status = 'ended', ended_at = ${now}, started_at = coalesce(c.started_at, c.starts_at), updated_at = now()
      from (select id from cm_campaigns where status in ('scheduled', 'running') and ends_at <= ${now} for update skip locked) due
     where c.id = due.id
    returning c.id`);
  if (res.rows.length === 0) return [];
  return db
    .select()
    .from(campaigns)
    .where(sql`${campaigns.id} = any(${sql.param(res.rows.map((r) => r.id))}::text[])`);
}

/** Commits `amount` against the budget; false when it would exceed it. Unlimited budgets always pass. */
export async function commitBudget(db: Db, id: string, amount: number): Promise<boolean> {
  if (amount <= 0) return true;
  const r = await db
    .update(campaigns)
    .set({ committed: sql`${campaigns.committed} + ${amount}` })
    .where(and(eq(campaigns.id, id), sql`(${campaigns.budget} is null or ${campaigns.committed} + ${amount} <= ${campaigns.budget})`))
    .returning({ id: campaigns.id });
  return r.length > 0;
}

export async function releaseBudget(db: Db, id: string, amount: number): Promise<void> {
  if (amount <= 0) return;
  await db
    .update(campaigns)
    .set({ committed: sql`greatest(0, ${campaigns.committed} - ${amount})` })
    .where(eq(campaigns.id, id));
}

/** Takes `n` of the user's participations in the campaign; false when over `limit`. */
export async function takeUserQuota(db: Db, campaignId: string, userId: string, n: number, limit: number): Promise<boolean> {
  if (n > limit) return false;
  const r = await db
    .insert(userQuota)
    .values({ campaignId, userId, used: n })
    .onConflictDoUpdate({ target: [userQuota.campaignId, userQuota.userId], set: { used: sql`${userQuota.used} + ${n}` }, setWhere: sql`${userQuota.used} + ${n} <= ${limit}` })
    .returning({ used: userQuota.used });
  return r.length > 0;
}

export async function returnUserQuota(db: Db, campaignId: string, userId: string, n: number): Promise<void> {
  await db
    .update(userQuota)
    .set({ used: sql`greatest(0, ${userQuota.used} - ${n})` })
    .where(and(eq(userQuota.campaignId, campaignId), eq(userQuota.userId, userId)));
}

/**
 * Erases a user from every campaign table by replacing their id with a pseudonym: the records that
 * keep stock, seats, budgets and reports exact stay, but no longer name the user. Held flash-sale
 * reservations are released first by the caller.
 */
/** Everything of a deleted app: the counters that name no app first (found through their parents), then every table by app. */
export async function eraseApp(db: Db, appId: string): Promise<void> {
  await db.execute(sql`delete from cm_fs_user_counts where item_id in (select id from cm_fs_items where app_id = ${appId})`);
  await db.execute(sql`delete from cm_user_quota where campaign_id in (select id from cm_campaigns where app_id = ${appId})`);
  for (const t of ['cm_fs_reservations', 'cm_fs_items', 'cm_fs_sessions', 'cm_gb_members', 'cm_gb_teams', 'cm_bg_bargains', 'cm_ps_orders', 'cm_cf_pledges', 'cm_rf_referrals', 'cm_rf_codes', 'cm_campaigns']) {
    await db.execute(sql`delete from ${sql.identifier(t)} where app_id = ${appId}`);
  }
}

export async function pseudonymise(db: Db, appId: string, userId: string, pseudonym: string): Promise<void> {
  const camp = sql`(select id from cm_campaigns where app_id = ${appId})`;
  await db.execute(sql`update cm_user_quota set user_id = ${pseudonym} where user_id = ${userId} and campaign_id in ${camp}`);
  await db.execute(sql`update cm_fs_user_counts set user_id = ${pseudonym} where user_id = ${userId} and item_id in (select id from cm_fs_items where app_id = ${appId})`);
  await db.execute(sql`update cm_fs_reservations set user_id = ${pseudonym} where app_id = ${appId} and user_id = ${userId}`);
  await db.execute(sql`update cm_gb_teams set leader_user_id = ${pseudonym} where app_id = ${appId} and leader_user_id = ${userId}`);
  await db.execute(sql`update cm_gb_members set user_id = ${pseudonym} where app_id = ${appId} and user_id = ${userId}`);
  await db.execute(sql`update cm_bg_bargains set user_id = ${pseudonym} where app_id = ${appId} and user_id = ${userId}`);
  await db.execute(sql`update cm_bg_cuts set helper_user_id = ${pseudonym} where helper_user_id = ${userId} and bargain_id in (select id from cm_bg_bargains where app_id = ${appId})`);
  await db.execute(sql`update cm_ps_orders set user_id = ${pseudonym} where app_id = ${appId} and user_id = ${userId}`);
  await db.execute(sql`update cm_cf_pledges set user_id = ${pseudonym} where app_id = ${appId} and user_id = ${userId}`);
  await db.execute(sql`update cm_rf_codes set user_id = ${pseudonym} where app_id = ${appId} and user_id = ${userId}`);
  await db.execute(sql`update cm_rf_referrals set inviter_user_id = ${pseudonym} where app_id = ${appId} and inviter_user_id = ${userId}`);
  await db.execute(sql`update cm_rf_referrals set invitee_user_id = ${pseudonym} where app_id = ${appId} and invitee_user_id = ${userId}`);
}

/**
 * Who took part in a campaign and when first, as a subquery of (user_id, first_at): reserved,
 * joined a team, started or cut a bargain, paid a deposit, pledged, invited or was invited. The
 * report's attributed conversions join it to the host's order events.
 */
export function participantsSql(c: { id: string; kind: CampaignKind }): SQL {
  const id = c.id;
  const union: Record<CampaignKind, SQL> = {
    flash_sale: sql`select user_id, created_at as at from cm_fs_reservations where campaign_id = ${id}`,
    group_buy: sql`select user_id, joined_at as at from cm_gb_members where campaign_id = ${id}`,
    bargain: sql`select user_id, created_at as at from cm_bg_bargains where campaign_id = ${id}
      union all select c.helper_user_id, c.created_at from cm_bg_cuts c join cm_bg_bargains b on b.id = c.bargain_id where b.campaign_id = ${id}`,
    presale: sql`select user_id, created_at as at from cm_ps_orders where campaign_id = ${id}`,
    crowdfunding: sql`select user_id, created_at as at from cm_cf_pledges where campaign_id = ${id}`,
    referral: sql`select inviter_user_id as user_id, attributed_at as at from cm_rf_referrals where campaign_id = ${id}
      union all select invitee_user_id, attributed_at from cm_rf_referrals where campaign_id = ${id}`,
  };
  return sql`select x.user_id, min(x.at) as first_at from (${union[c.kind]}) x group by x.user_id`;
}
