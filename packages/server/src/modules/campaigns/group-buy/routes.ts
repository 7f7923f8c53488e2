import { z } from 'zod';
import { appIdOf, assertActsFor, actingUserId } from '../../../http/auth.ts';
import { cursorTime, decodeCursor, page, pageQuery, pageSchema } from '../../../http/pagination.ts';
import { errors, externalId, iso, type Api, type RequestCtx } from '../../../http/route.ts';
import { GB_TEAM_STATUSES } from '../schema.ts';
import { CampaignIdParams } from '../types.ts';
import type { GroupBuy } from './service.ts';
import type { MemberRow, TeamRow } from './store.ts';
import { ConfirmMemberBody, JoinBody, MemberParams, OpenTeamBody, ShareCodeParams, TeamIdParams, TeamOut } from './types.ts';
import { userActivity } from '../../../http/audit.ts';

const tags = ['Group buying'];
const manage = { secret: true, operator: 'campaigns.manage' } as const;

const presentTeam = ({ team: t, members }: { team: TeamRow; members: MemberRow[] }): z.infer<typeof TeamOut> => ({
  id: t.id,
  campaign_id: t.campaignId,
  leader_user_id: t.leaderUserId,
  share_code: t.shareCode,
  size: t.size,
  member_count: t.memberCount,
  confirmed_count: t.confirmedCount,
  auto_filled: t.autoFilled,
  status: t.status,
  expires_at: t.expiresAt.toISOString(),
  created_at: t.createdAt.toISOString(),
  closed_at: iso(t.closedAt),
  members: members.map((m) => ({ user_id: m.userId, status: m.status, order_ref: m.orderRef, joined_at: m.joinedAt.toISOString(), confirmed_at: iso(m.confirmedAt) })),
});

export function groupBuyRoutes(api: Api, deps: { groupBuy: GroupBuy; ctx: RequestCtx }): void {
  const { groupBuy, ctx } = deps;

  api.post(
    '/v1/campaigns/:campaignId/group-buy/teams',
    {
      config: { auth: { secret: true, user: true }, audit: userActivity },
      schema: {
        tags,
        summary: 'Open a team (开团): the user leads it and gets a share code',
        description: 'The team has team_size seats and a deadline team_ttl_seconds from now. 409 group_buy.open_team_exists when the user already leads an open team (unless the campaign allows several), campaigns.user_limit_reached, campaigns.budget_exceeded, campaigns.not_active.',
        params: CampaignIdParams,
        body: OpenTeamBody.nullish(),
        response: { 201: TeamOut, ...errors(400, 401, 403, 404, 409, 429) },
      },
    },
    async (req, reply) => reply.code(201).send(presentTeam(await groupBuy.open(ctx(req), appIdOf(req), req.params.campaignId, actingUserId(req, req.body?.user_id)))),
  );

  api.post(
    '/v1/group-buy/join',
    {
      config: { auth: { secret: true, user: true }, audit: userActivity },
      schema: {
        tags,
        summary: 'Join a team by its share code (参团)',
        description: '409 group_buy.team_full when every seat is taken, group_buy.already_member when the user is in the team, group_buy.team_closed after it succeeded, failed or passed its deadline.',
        body: JoinBody,
        response: { 200: TeamOut, ...errors(400, 401, 403, 404, 409, 429) },
      },
    },
    async (req) => presentTeam(await groupBuy.join(ctx(req), appIdOf(req), req.body.share_code, actingUserId(req, req.body.user_id))),
  );

  api.get(
    '/v1/group-buy/teams/:teamId',
    { config: { auth: { secret: true, user: true, operator: 'app.read' } }, schema: { tags, summary: 'A team with its members', params: TeamIdParams, response: { 200: TeamOut, ...errors(400, 401, 403, 404) } } },
    async (req) => presentTeam(await groupBuy.team(ctx(req), appIdOf(req), req.params.teamId)),
  );

  api.get(
    '/v1/group-buy/share/:code',
    { config: { auth: { secret: true, user: true, operator: 'app.read' } }, schema: { tags, summary: 'The team behind a share code (the page a shared link opens)', params: ShareCodeParams, response: { 200: TeamOut, ...errors(400, 401, 403, 404) } } },
    async (req) => presentTeam(await groupBuy.teamByCode(ctx(req), appIdOf(req), req.params.code)),
  );

  api.get(
    '/v1/campaigns/:campaignId/group-buy/teams',
    {
      config: { auth: { secret: true, operator: 'app.read' } },
      schema: {
        tags,
        summary: 'Teams of a group-buy campaign, newest first',
        params: CampaignIdParams,
        querystring: z.strictObject({ ...pageQuery, status: z.enum(GB_TEAM_STATUSES).optional(), user_id: externalId('user_id').optional().describe('Only teams this user is (or was) in') }),
        response: { 200: pageSchema(TeamOut), ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const q = req.query;
      const cur = decodeCursor(q.cursor, z.object({ t: cursorTime(), i: z.string() }));
      const rows = await groupBuy.teams(ctx(req), appIdOf(req), req.params.campaignId, { limit: q.limit + 1, before: cur ? { t: cur.t, id: cur.i } : undefined, status: q.status, userId: q.user_id });
      const p = page(rows, q.limit, (r) => ({ t: r.team.createdAt.toISOString(), i: r.team.id }));
      return { data: p.data.map(presentTeam), next_cursor: p.next_cursor };
    },
  );

  api.post(
    '/v1/group-buy/teams/:teamId/members/:userId/confirm',
    {
      config: { auth: manage, audit: 'recorded' },
      schema: {
        tags,
        summary: 'The member paid: confirm their seat; the N-th confirmation completes the team',
        description: 'On completion: event group_buy.team.succeeded and webhook group_buy.team.succeeded with every member’s order_ref. Idempotent for the same order_ref.',
        params: MemberParams,
        body: ConfirmMemberBody,
        response: { 200: TeamOut, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (req) => presentTeam(await groupBuy.confirm(ctx(req), appIdOf(req), req.params.teamId, req.params.userId, req.body.order_ref)),
  );

  api.post(
    '/v1/group-buy/teams/:teamId/members/:userId/leave',
    {
      config: { auth: { ...manage, user: true }, audit: 'recorded' },
      schema: {
        tags,
        summary: 'A member who has not paid gives the seat back',
        description:
          'The leader may leave only when nobody else is in the team: that dissolves it (status failed, webhook group_buy.team.failed with reason leader_left) and they may open another. While other members are in it, the leader gets 409 group_buy.leader_cannot_leave. A paid member cannot leave (409 group_buy.member_closed).',
        params: MemberParams,
        response: { 200: TeamOut, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (req) => {
      assertActsFor(req, req.params.userId);
      return presentTeam(await groupBuy.leave(ctx(req), appIdOf(req), req.params.teamId, req.params.userId));
    },
  );
}
