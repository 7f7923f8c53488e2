import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { userActivity } from '../../http/audit.ts';
import { actingUserId, appIdOf } from '../../http/auth.ts';
import { AppError } from '../../http/errors.ts';
import { cursorTime, decodeCursor, page, pageQuery, pageSchema } from '../../http/pagination.ts';
import { errors, iso, type Api, type RequestCtx } from '../../http/route.ts';
import { roleIn, type Communities } from './service.ts';
import type { GroupRow, InviteRow, MemberRow } from './store.ts';
import { CreateGroupBody, GROUP_TYPES, GroupOut, GroupParams, InviteBody, InviteOut, JoinBody, Member, MemberParams, MEMBER_STATUSES, MuteBody, ROLES, UpdateGroupBody, UserBody, type GroupType } from './types.ts';

const tags = ['Communities'];
const manage = { secret: true, operator: 'campaigns.manage' } as const;
const read = { secret: true, user: true, operator: 'app.read' } as const;

const presentGroup = (g: GroupRow): z.infer<typeof GroupOut> => ({
  id: g.id,
  name: g.name,
  description: g.description,
  type: g.type as GroupType,
  capacity: g.capacity,
  owner_id: g.ownerId,
  admin_ids: g.adminIds,
  rules: g.rules,
  tags: g.tags,
  time_zone: g.timeZone,
  questions: g.questions,
  welcome: g.welcome ?? null,
  leave_followup: g.leaveFollowup ?? null,
  member_count: g.memberCount,
  created_at: g.createdAt.toISOString(),
});

const presentMember = (g: GroupRow, m: MemberRow): z.infer<typeof Member> => ({
  user_id: m.userId,
  role: roleIn(g, m.userId),
  status: m.status as z.infer<typeof Member>['status'],
  answers: m.answers ?? null,
  joined_at: iso(m.joinedAt),
  last_active: iso(m.lastActiveAt),
  muted_until: iso(m.mutedUntil),
});

const presentInvite = (i: InviteRow): z.infer<typeof InviteOut> => ({ code: i.id, group_id: i.groupId, max_uses: i.maxUses, uses: i.uses, expires_at: iso(i.expiresAt), created_at: i.createdAt.toISOString() });

/** A user token may only look at its own membership row. */
const ownOnly = (req: FastifyRequest, userId: string) => {
  if (req.principal.kind === 'user') actingUserId(req, userId, 'params.userId');
};

export function communitiesRoutes(api: Api, deps: { communities: Communities; ctx: RequestCtx }): void {
  const { communities: co, ctx } = deps;

  api.post(
    '/v1/communities',
    {
      config: { auth: manage, audit: 'recorded' },
      schema: { tags, summary: 'Create a group (社群): open, by application, or invite-only', body: CreateGroupBody, response: { 201: GroupOut, ...errors(400, 401, 403) } },
    },
    async (req, reply) => reply.code(201).send(presentGroup(await co.create(ctx(req), appIdOf(req), req.body))),
  );

  api.get(
    '/v1/communities',
    {
      config: { auth: read },
      schema: {
        tags,
        summary: 'List groups, newest first; filter by type, tag or name',
        querystring: z.strictObject({ ...pageQuery, type: z.enum(GROUP_TYPES).optional(), tag: z.string().min(1).max(50).optional(), q: z.string().min(1).max(100).optional().describe('Part of the name') }),
        response: { 200: pageSchema(GroupOut), ...errors(400, 401, 403) },
      },
    },
    async (req) => {
      const q = req.query;
      const cur = decodeCursor(q.cursor, z.object({ t: cursorTime(), id: z.string() }));
      const rows = await co.list(ctx(req), appIdOf(req), { limit: q.limit + 1, before: cur ? { at: new Date(cur.t), id: cur.id } : undefined, type: q.type, tag: q.tag, q: q.q });
      const p = page(rows, q.limit, (g) => ({ t: g.createdAt.toISOString(), id: g.id }));
      return { data: p.data.map(presentGroup), next_cursor: p.next_cursor };
    },
  );

  api.get(
    '/v1/communities/:groupId',
    { config: { auth: read }, schema: { tags, summary: 'Get a group', params: GroupParams, response: { 200: GroupOut, ...errors(400, 401, 403, 404) } } },
    async (req) => presentGroup(await co.get(ctx(req), appIdOf(req), req.params.groupId)),
  );

  api.patch(
    '/v1/communities/:groupId',
    {
      config: { auth: manage, audit: 'recorded' },
      schema: { tags, summary: 'Change a group (only the fields given)', params: GroupParams, body: UpdateGroupBody, response: { 200: GroupOut, ...errors(400, 401, 403, 404) } },
    },
    async (req) => presentGroup(await co.update(ctx(req), appIdOf(req), req.params.groupId, req.body)),
  );

  api.delete(
    '/v1/communities/:groupId',
    {
      config: { auth: manage, audit: 'recorded' },
      schema: { tags, summary: 'Delete a group with its members and invites', params: GroupParams, response: { 204: z.null(), ...errors(400, 401, 403, 404) } },
    },
    async (req, reply) => {
      await co.remove(ctx(req), appIdOf(req), req.params.groupId);
      return reply.code(204).send(null);
    },
  );

  api.post(
    '/v1/communities/:groupId/join',
    {
      config: { auth: { secret: true, user: true }, audit: userActivity },
      schema: {
        tags,
        summary: 'Join a group (open; invite-only with an invite code; apply groups record an application with answers)',
        description: 'Capacity holds under any number of concurrent joins (409 communities.full); joining again is a no-op (joined: false). Each join is welcomed once.',
        params: GroupParams,
        body: JoinBody,
        response: { 200: Member.extend({ joined: z.boolean() }), ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (req) => {
      const userId = actingUserId(req, req.body.user_id);
      const appId = appIdOf(req);
      const r = await co.join(ctx(req), appId, req.params.groupId, userId, { invite: req.body.invite, answers: req.body.answers });
      const g = await co.get(ctx(req), appId, req.params.groupId);
      return { ...presentMember(g, r.member), joined: r.joined };
    },
  );

  api.post(
    '/v1/communities/:groupId/leave',
    {
      config: { auth: { secret: true, user: true }, audit: userActivity },
      schema: { tags, summary: 'Leave a group', params: GroupParams, body: UserBody, response: { 200: Member, ...errors(400, 401, 403, 404, 409) } },
    },
    async (req) => {
      const userId = actingUserId(req, req.body.user_id);
      const appId = appIdOf(req);
      const row = await co.end(ctx(req), appId, req.params.groupId, userId, 'left');
      return presentMember(await co.get(ctx(req), appId, req.params.groupId), row);
    },
  );

  api.get(
    '/v1/communities/:groupId/members',
    {
      config: { auth: read },
      schema: {
        tags,
        summary: 'Members with role, join date and last activity (status active by default; pending lists applications)',
        params: GroupParams,
        querystring: z.strictObject({ ...pageQuery, status: z.enum(MEMBER_STATUSES).optional(), role: z.enum(ROLES).optional() }),
        response: { 200: pageSchema(Member), ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const q = req.query;
      // End users see the active members; applications and bans are for managers.
      if (req.principal.kind === 'user' && q.status !== undefined && q.status !== 'active') throw new AppError('auth.forbidden', 'A user token lists active members only', { field: 'query.status' });
      const cur = decodeCursor(q.cursor, z.object({ u: z.string() }));
      const r = await co.members(ctx(req), appIdOf(req), req.params.groupId, { limit: q.limit + 1, afterUserId: cur?.u, status: q.status, role: q.role });
      const p = page(r.rows, q.limit, (m) => ({ u: m.userId }));
      return { data: p.data.map((m) => presentMember(r.group, m)), next_cursor: p.next_cursor };
    },
  );

  api.get(
    '/v1/communities/:groupId/members/:userId',
    { config: { auth: read }, schema: { tags, summary: 'One membership (a user token: its own)', params: MemberParams, response: { 200: Member, ...errors(400, 401, 403, 404) } } },
    async (req) => {
      ownOnly(req, req.params.userId);
      const r = await co.member(ctx(req), appIdOf(req), req.params.groupId, req.params.userId);
      return presentMember(r.group, r.row);
    },
  );

  const action = (path: string, summary: string, run: (c: ReturnType<RequestCtx>, appId: string, groupId: string, userId: string) => Promise<MemberRow>) =>
    api.post(
      `/v1/communities/:groupId/members/:userId/${path}`,
      { config: { auth: manage, audit: 'recorded' }, schema: { tags, summary, params: MemberParams, response: { 200: Member, ...errors(400, 401, 403, 404, 409) } } },
      async (req) => {
        const appId = appIdOf(req);
        const row = await run(ctx(req), appId, req.params.groupId, req.params.userId);
        return presentMember(await co.get(ctx(req), appId, req.params.groupId), row);
      },
    );
  action('approve', 'Approve an application (takes a seat; 409 communities.full when full)', (c, appId, g, u) => co.decide(c, appId, g, u, true));
  action('reject', 'Reject an application', (c, appId, g, u) => co.decide(c, appId, g, u, false));
  action('remove', 'Remove a member', (c, appId, g, u) => co.end(c, appId, g, u, 'removed'));
  action('ban', 'Ban a user (a member is removed); they can no longer join or apply', (c, appId, g, u) => co.end(c, appId, g, u, 'banned'));

  api.post(
    '/v1/communities/:groupId/members/:userId/unban',
    { config: { auth: manage, audit: 'recorded' }, schema: { tags, summary: 'Lift a ban (the user may join again)', params: MemberParams, response: { 204: z.null(), ...errors(400, 401, 403, 404) } } },
    async (req, reply) => {
      await co.unban(ctx(req), appIdOf(req), req.params.groupId, req.params.userId);
      return reply.code(204).send(null);
    },
  );

  api.post(
    '/v1/communities/:groupId/members/:userId/mute',
    { config: { auth: manage, audit: 'recorded' }, schema: { tags, summary: 'Mute a member for some minutes', params: MemberParams, body: MuteBody, response: { 200: Member, ...errors(400, 401, 403, 404) } } },
    async (req) => {
      const appId = appIdOf(req);
      const row = await co.mute(ctx(req), appId, req.params.groupId, req.params.userId, req.body.minutes);
      return presentMember(await co.get(ctx(req), appId, req.params.groupId), row);
    },
  );

  api.post(
    '/v1/communities/:groupId/invites',
    { config: { auth: manage, audit: 'recorded' }, schema: { tags, summary: 'Create an invite link code with an optional expiry and use limit', params: GroupParams, body: InviteBody, response: { 201: InviteOut, ...errors(400, 401, 403, 404) } } },
    async (req, reply) => reply.code(201).send(presentInvite(await co.createInvite(ctx(req), appIdOf(req), req.params.groupId, req.body))),
  );

  api.get(
    '/v1/communities/:groupId/invites',
    { config: { auth: { secret: true, operator: 'app.read' } }, schema: { tags, summary: 'A group’s invite links with their uses', params: GroupParams, response: { 200: z.object({ data: z.array(InviteOut) }), ...errors(400, 401, 403, 404) } } },
    async (req) => ({ data: (await co.invites(ctx(req), appIdOf(req), req.params.groupId)).map(presentInvite) }),
  );

}
