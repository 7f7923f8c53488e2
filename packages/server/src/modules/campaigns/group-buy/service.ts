// Group buying (拼团): a user opens a team and shares its code; others join; the team succeeds
// when N members have paid (the host confirms each), or fails at its deadline and every seat is
// released. Seats are taken by a conditional UPDATE on the team row, so racing for the last seats
// never puts N+1 members in a team; paid confirmations lock the team row, so exactly one of them
// completes it.
import type { Ctx } from '../../../context.ts';
import type { Db } from '../../../db/index.ts';
import { AppError, validationError } from '../../../http/errors.ts';
import { toFieldIssues } from '../../../http/validation.ts';
import type { Clock } from '../../../lib/clock.ts';
import { newId, randomBase62 } from '../../../lib/ids.ts';
import type { Effects, InTx } from '../../webhooks/index.ts';
import { assertLive, commitBudget, mustCampaign, returnParticipation, takeParticipation, type KindHooks, type Report, type CampaignAudit } from '../core.ts';
import type { Admit } from '../core.ts';
import * as campaignStore from '../store.ts';
import type { CampaignRow } from '../store.ts';
import * as store from './store.ts';
import type { MemberRow, TeamRow } from './store.ts';
import { GroupBuySettings } from './types.ts';

type TeamEvent = { appId: string; campaignId: string; teamId: string };
declare module '../../../events.ts' {
  interface DomainEvents {
    'group_buy.team.opened': TeamEvent & { leaderUserId: string; expiresAt: Date };
    'group_buy.member.joined': TeamEvent & { userId: string };
    'group_buy.member.confirmed': TeamEvent & { userId: string; orderRef: string };
    'group_buy.member.left': TeamEvent & { userId: string };
    'group_buy.team.succeeded': TeamEvent & { members: { userId: string; orderRef: string | null }[]; autoFilled: number };
    'group_buy.team.failed': TeamEvent & { members: { userId: string; orderRef: string | null }[]; reason: 'deadline' | 'cancelled' | 'leader_left' };
  }
}

export type GroupBuyDeps = { admit: Admit; db: Db; clock: Clock; inTx: InTx; audit: CampaignAudit; wake(at: Date): void };

export function settingsOf(c: CampaignRow): GroupBuySettings {
  return GroupBuySettings.parse(c.settings);
}

export function createGroupBuy(deps: GroupBuyDeps) {
  const { clock } = deps;

  const teamNotFound = (id: string) => new AppError('group_buy.team_not_found', `No group-buy team ${id} in this app`, { team_id: id });
  async function mustTeam(db: Db, appId: string, id: string, forUpdate = false): Promise<TeamRow> {
    const t = await store.findTeam(db, appId, id, forUpdate);
    if (!t) throw teamNotFound(id);
    return t;
  }
  const subsidy = (s: GroupBuySettings) => s.original_price - s.group_price;
  const memberList = (ms: MemberRow[]) => ms.map((m) => ({ userId: m.userId, orderRef: m.orderRef }));
  const payloadMembers = (ms: MemberRow[]) => ms.map((m) => ({ user_id: m.userId, order_ref: m.orderRef }));

  /** Closes a team whose time is up (or whose campaign was cancelled): success by auto-fill, or failure. */
  async function settle(tx: Db, fx: Effects, team: TeamRow, now: Date, reason: 'deadline' | 'cancelled' | 'leader_left'): Promise<void> {
    const c = (await campaignStore.findCampaign(tx, team.appId, team.campaignId))!;
    const s = settingsOf(c);
    const base = { appId: team.appId, campaignId: team.campaignId, teamId: team.id };
    if (reason === 'deadline' && s.auto_fill && team.confirmedCount >= 1) {
      const unpaid = await store.releaseMembers(tx, team.id, ['joined'], now);
      for (const m of unpaid) await returnParticipation(tx, c, m.userId);
      const filled = team.size - team.confirmedCount;
      await store.closeTeam(tx, team.id, 'succeeded', now, filled);
      await campaignStore.releaseBudget(tx, c.id, team.committed - team.confirmedCount * subsidy(s));
      const paid = (await store.membersOf(tx, [team.id])).filter((m) => m.status === 'confirmed');
      await fx.event('group_buy.team.succeeded', { ...base, members: memberList(paid), autoFilled: filled });
      await fx.webhook(team.appId, { type: 'group_buy.team.succeeded', key: `${team.id}:succeeded`, data: { team_id: team.id, campaign_id: team.campaignId, members: payloadMembers(paid), auto_filled: filled, released: unpaid.map((m) => m.userId) } });
      return;
    }
    const released = await store.releaseMembers(tx, team.id, ['joined', 'confirmed'], now);
    for (const m of released) await returnParticipation(tx, c, m.userId);
    await store.closeTeam(tx, team.id, 'failed', now);
    await campaignStore.releaseBudget(tx, c.id, team.committed);
    await fx.event('group_buy.team.failed', { ...base, members: memberList(released), reason });
    // Paid members (order_ref set) need a refund from the host.
    await fx.webhook(team.appId, { type: 'group_buy.team.failed', key: `${team.id}:failed`, data: { team_id: team.id, campaign_id: team.campaignId, reason, members: payloadMembers(released) } });
  }

  const hooks: KindHooks = {
    parseSettings(settings) {
      const r = GroupBuySettings.safeParse(settings);
      if (!r.success) throw validationError(toFieldIssues(r.error.issues, 'body.settings'));
      return r.data;
    },
    async onCancel(tx, fx, c, now) {
      for (const team of await store.openTeamsOf(tx, c.id)) await settle(tx, fx, team, now, 'cancelled');
    },
    async tick(now) {
      let n = 0;
      for (;;) {
        const settled = await deps.inTx(deps.db, async (tx, fx) => {
          const due = await store.dueTeams(tx, now, 100);
          for (const team of due) await settle(tx, fx, team, now, 'deadline');
          return due.length;
        });
        n += settled;
        if (settled < 100) return n;
      }
    },
    async report(db, c): Promise<Report> {
      const r = await store.report(db, c.id);
      return { participants: r.participants!, successes: r.successes!, cost: r.successes! * subsidy(settingsOf(c)), details: { teams: r.teams, open: r.open, succeeded: r.succeeded, failed: r.failed, auto_filled_seats: r.auto_filled } };
    },
  };

  async function withMembers(db: Db, team: TeamRow): Promise<{ team: TeamRow; members: MemberRow[] }> {
    return { team, members: await store.membersOf(db, [team.id]) };
  }

  const api = {
    hooks,

    /** Opens a team led by the user, who takes the first seat. */
    async open(ctx: Ctx, appId: string, campaignId: string, userId: string): Promise<{ team: TeamRow; members: MemberRow[] }> {
      const now = clock.now();
      const r = await deps.inTx(ctx.db, async (tx, fx) => {
        const c = await mustCampaign(tx, appId, campaignId, 'group_buy');
        assertLive(c, now);
        const s = settingsOf(c);
        if (s.one_open_team_per_user) {
          await store.lockLeader(tx, c.id, userId);
          if (await store.hasOpenTeamLedBy(tx, c.id, userId)) throw new AppError('group_buy.open_team_exists', `User ${userId} already leads an open team in campaign ${c.id}`, { campaign_id: c.id });
        }
        await deps.admit(tx, c, userId);
        await takeParticipation(tx, c, userId);
        const committed = s.team_size * subsidy(s);
        await commitBudget(tx, c, committed);
        const team = await store.insertTeam(tx, { id: newId('gbt'), appId, campaignId: c.id, leaderUserId: userId, shareCode: randomBase62(10), size: s.team_size, memberCount: 1, committed, expiresAt: new Date(now.getTime() + s.team_ttl_seconds * 1000), createdAt: now });
        await store.insertMember(tx, { teamId: team.id, userId, appId, campaignId: c.id, joinedAt: now });
        await fx.event('group_buy.team.opened', { appId, campaignId: c.id, teamId: team.id, leaderUserId: userId, expiresAt: team.expiresAt });
        return withMembers(tx, team);
      });
      deps.wake(r.team.expiresAt);
      return r;
    },

    /** Takes a seat in the team with this share code. */
    async join(ctx: Ctx, appId: string, code: string, userId: string): Promise<{ team: TeamRow; members: MemberRow[] }> {
      const now = clock.now();
      try {
        return await deps.inTx(ctx.db, async (tx, fx) => {
          const team = await store.findTeamByCode(tx, appId, code);
          if (!team) throw new AppError('group_buy.team_not_found', `No group-buy team with share code ${code} in this app`, { share_code: code });
          const closed = () => new AppError('group_buy.team_closed', `Team ${team.id} is ${team.status === 'open' ? 'past its deadline' : team.status}`, { team_id: team.id, status: team.status, expires_at: team.expiresAt.toISOString() });
          if (team.status !== 'open' || now >= team.expiresAt) throw closed();
          const prior = await store.findMember(tx, team.id, userId, true);
          if (prior && (prior.status === 'joined' || prior.status === 'confirmed')) throw new AppError('group_buy.already_member', `User ${userId} is already in team ${team.id}`, { team_id: team.id });
          const c = await mustCampaign(tx, appId, team.campaignId, 'group_buy');
          if (c.status !== 'scheduled' && c.status !== 'running' && c.status !== 'ended') throw new AppError('campaigns.not_active', `Campaign ${c.id} is ${c.status}`, { campaign_id: c.id, status: c.status });
          const seated = await store.takeSeat(tx, team.id, now);
          if (!seated) {
            const cur = (await store.findTeam(tx, appId, team.id))!;
            if (cur.status !== 'open') throw closed();
            throw new AppError('group_buy.team_full', `Team ${team.id} already has its ${team.size} members`, { team_id: team.id, size: team.size });
          }
          await deps.admit(tx, c, userId);
        await takeParticipation(tx, c, userId);
          if (prior) await store.setMember(tx, team.id, userId, { status: 'joined', joinedAt: now, leftAt: null, orderRef: null, confirmedAt: null });
          else await store.insertMember(tx, { teamId: team.id, userId, appId, campaignId: c.id, joinedAt: now });
          await fx.event('group_buy.member.joined', { appId, campaignId: c.id, teamId: team.id, userId });
          return withMembers(tx, seated);
        });
      } catch (err) {
        // The same user joining twice at once: the member key refuses the second.
        if ((err as { code?: string }).code === '23505') throw new AppError('group_buy.already_member', `User ${userId} is already in this team`, { share_code: code });
        throw err;
      }
    },

    /** The host says this member paid. The N-th paid member completes the team. Idempotent per order_ref. */
    async confirm(ctx: Ctx, appId: string, teamId: string, userId: string, orderRef: string): Promise<{ team: TeamRow; members: MemberRow[] }> {
      const now = clock.now();
      return deps.inTx(ctx.db, async (tx, fx) => {
        const team = await mustTeam(tx, appId, teamId, true);
        const m = await store.findMember(tx, teamId, userId, true);
        if (!m) throw new AppError('group_buy.member_not_found', `User ${userId} is not in team ${teamId}`, { team_id: teamId, user_id: userId });
        if (m.status === 'confirmed' && m.orderRef === orderRef) {
          deps.audit.replayed(ctx);
          return withMembers(tx, team);
        }
        if (m.status !== 'joined') throw new AppError('group_buy.member_closed', `User ${userId} is ${m.status} in team ${teamId}${m.orderRef ? ` (order ${m.orderRef})` : ''}`, { team_id: teamId, status: m.status, order_ref: m.orderRef });
        if (team.status !== 'open' || now >= team.expiresAt) throw new AppError('group_buy.team_closed', `Team ${teamId} is ${team.status === 'open' ? 'past its deadline' : team.status}`, { team_id: teamId, status: team.status });
        await store.setMember(tx, teamId, userId, { status: 'confirmed', orderRef, confirmedAt: now });
        await deps.audit.record(ctx, tx, { appId, action: 'group_buy.member.confirm', targetType: 'group_buy_member', targetId: `${teamId}:${userId}`, before: m, after: await store.findMember(tx, teamId, userId) });
        let t = await store.countConfirmed(tx, teamId);
        const base = { appId, campaignId: team.campaignId, teamId };
        await fx.event('group_buy.member.confirmed', { ...base, userId, orderRef });
        if (t.confirmedCount === t.size) {
          t = await store.closeTeam(tx, teamId, 'succeeded', now);
          const members = await store.membersOf(tx, [teamId]);
          await fx.event('group_buy.team.succeeded', { ...base, members: memberList(members), autoFilled: 0 });
          await fx.webhook(appId, { type: 'group_buy.team.succeeded', key: `${teamId}:succeeded`, data: { team_id: teamId, campaign_id: team.campaignId, members: payloadMembers(members), auto_filled: 0 } });
        }
        return withMembers(tx, t);
      });
    },

    /**
     * A member who has not paid gives the seat back. The leader may leave only an otherwise empty
     * team, which dissolves it (failed, reason leader_left: budget and participation released, so
     * they may open another); while others are in it the leader is refused with
     * group_buy.leader_cannot_leave. The team row lock serialises this with joins.
     */
    async leave(ctx: Ctx, appId: string, teamId: string, userId: string): Promise<{ team: TeamRow; members: MemberRow[] }> {
      return deps.inTx(ctx.db, async (tx, fx) => {
        const team = await mustTeam(tx, appId, teamId, true);
        const m = await store.findMember(tx, teamId, userId, true);
        if (!m) throw new AppError('group_buy.member_not_found', `User ${userId} is not in team ${teamId}`, { team_id: teamId, user_id: userId });
        if (m.status !== 'joined') throw new AppError('group_buy.member_closed', `User ${userId} is ${m.status} in team ${teamId}; a paid member is refunded by the host, not by leaving`, { team_id: teamId, status: m.status });
        if (team.status !== 'open') throw new AppError('group_buy.team_closed', `Team ${teamId} is ${team.status}`, { team_id: teamId, status: team.status });
        if (userId === team.leaderUserId) {
          if (team.memberCount > 1) {
            throw new AppError('group_buy.leader_cannot_leave', `User ${userId} leads team ${teamId}, which has ${team.memberCount - 1} other member(s); the leader can leave only an otherwise empty team`, { team_id: teamId, member_count: team.memberCount });
          }
          await settle(tx, fx, team, clock.now(), 'leader_left');
          await fx.event('group_buy.member.left', { appId, campaignId: team.campaignId, teamId, userId });
          await deps.audit.record(ctx, tx, { appId, action: 'group_buy.member.leave', targetType: 'group_buy_member', targetId: `${teamId}:${userId}`, before: m, after: await store.findMember(tx, teamId, userId) });
          return withMembers(tx, (await store.findTeam(tx, appId, teamId))!);
        }
        await store.setMember(tx, teamId, userId, { status: 'left', leftAt: clock.now() });
        await store.freeSeat(tx, teamId);
        const c = (await campaignStore.findCampaign(tx, appId, team.campaignId))!;
        await returnParticipation(tx, c, userId);
        await fx.event('group_buy.member.left', { appId, campaignId: team.campaignId, teamId, userId });
        await deps.audit.record(ctx, tx, { appId, action: 'group_buy.member.leave', targetType: 'group_buy_member', targetId: `${teamId}:${userId}`, before: m, after: await store.findMember(tx, teamId, userId) });
        return withMembers(tx, (await store.findTeam(tx, appId, teamId))!);
      });
    },

    async team(ctx: Ctx, appId: string, teamId: string): Promise<{ team: TeamRow; members: MemberRow[] }> {
      return withMembers(ctx.db, await mustTeam(ctx.db, appId, teamId));
    },

    async teamByCode(ctx: Ctx, appId: string, code: string): Promise<{ team: TeamRow; members: MemberRow[] }> {
      const team = await store.findTeamByCode(ctx.db, appId, code);
      if (!team) throw new AppError('group_buy.team_not_found', `No group-buy team with share code ${code} in this app`, { share_code: code });
      return withMembers(ctx.db, team);
    },

    async teams(ctx: Ctx, appId: string, campaignId: string, q: Parameters<typeof store.listTeams>[2]): Promise<{ team: TeamRow; members: MemberRow[] }[]> {
      await mustCampaign(ctx.db, appId, campaignId, 'group_buy');
      const teams = await store.listTeams(ctx.db, campaignId, q);
      const members = await store.membersOf(
        ctx.db,
        teams.map((t) => t.id),
      );
      return teams.map((team) => ({ team, members: members.filter((m) => m.teamId === team.id) }));
    },
  };
  return api;
}

export type GroupBuy = ReturnType<typeof createGroupBuy>;
