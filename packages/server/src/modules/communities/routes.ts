import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { userActivity } from '../../http/audit.ts';
import { actingUserId, appIdOf } from '../../http/auth.ts';
import { AppError } from '../../http/errors.ts';
import { cursorTime, decodeCursor, page, pageQuery, pageSchema } from '../../http/pagination.ts';
import { errors, iso, type Api, type RequestCtx } from '../../http/route.ts';
import { userText } from '../../lib/text.ts';
import { presentChat, roleIn, type Communities, type ReplyView } from './service.ts';
import type { GroupRow, InviteRow, MemberRow, PostRow } from './store.ts';
import { ChatBody, ChatOut, CheckinOut, FeedOut, AcceptBody, HealthOut, PostBody, PostOut, PostParams, ReplyBody, ReplyOut, ReplyParams, ReplyReportBody, ReplyReportOut, CreateGroupBody, GROUP_TYPES, GroupOut, GroupParams, InviteBody, InviteOut, JoinBody, Member, MemberParams, MEMBER_STATUSES, MuteBody, ROLES, UpdateGroupBody, UserBody, type GroupType } from './types.ts';

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
  unanswered_minutes: g.unansweredMinutes,
  lurker_days: g.lurkerDays,
  lurker_nudge: g.lurkerNudge ?? null,
  working_hours: g.workingHours ?? null,
  feed: g.feedSegmentId && g.feedMode ? { segment_id: g.feedSegmentId, mode: g.feedMode as 'invite' | 'add', backfilled: g.feedBackfilled } : null,
  member_count: g.memberCount,
  created_at: g.createdAt.toISOString(),
});

const presentMember = (g: GroupRow, m: MemberRow & { contribution?: number }): z.infer<typeof Member> => ({
  user_id: m.userId,
  role: roleIn(g, m.userId),
  status: m.status as z.infer<typeof Member>['status'],
  answers: m.answers ? m.answers.map((a) => userText(a)) : null,
  joined_at: iso(m.joinedAt),
  last_active: iso(m.lastActiveAt),
  muted_until: iso(m.mutedUntil),
  checkins: m.checkins,
  streak: m.streak,
  ...(m.contribution !== undefined ? { contribution: m.contribution } : {}),
});

const presentInvite = (i: InviteRow): z.infer<typeof InviteOut> => ({ code: i.id, group_id: i.groupId, max_uses: i.maxUses, uses: i.uses, expires_at: iso(i.expiresAt), created_at: i.createdAt.toISOString() });

const presentPost = (p: PostRow): z.infer<typeof PostOut> => ({
  id: p.id,
  group_id: p.groupId,
  author_id: p.authorId,
  kind: p.kind as 'post' | 'question',
  title: userText(p.title),
  body: userText(p.body),
  reply_count: p.replyCount,
  first_reply_at: iso(p.firstReplyAt),
  accepted_reply_id: p.acceptedReplyId,
  alert_level: p.alertLevel,
  pinned_at: iso(p.pinnedAt),
  created_at: p.createdAt.toISOString(),
});
const presentReply = (r: ReplyView): z.infer<typeof ReplyOut> => ({ id: r.id, post_id: r.postId, author_id: r.authorId, body: userText(r.body), created_at: r.createdAt.toISOString() });

/** Replies are paged by comment id (ids grow with time). */
const ReplyCursor = z.object({ id: z.number().int().positive() });

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

  action('unban', 'Lift a ban (the user may join again)', (c, appId, g, u) => co.unban(c, appId, g, u));

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


  api.post(
    '/v1/communities/:groupId/posts',
    {
      config: { auth: { secret: true, user: true }, audit: userActivity },
      schema: { tags, summary: 'Post in a group, or ask a question (kind question); active, unmuted members only', params: GroupParams, body: PostBody, response: { 201: PostOut, ...errors(400, 401, 403, 404) } },
    },
    async (req, reply) => {
      const userId = actingUserId(req, req.body.user_id);
      return reply.code(201).send(presentPost(await co.post(ctx(req), appIdOf(req), req.params.groupId, userId, req.body)));
    },
  );

  api.get(
    '/v1/communities/:groupId/posts',
    {
      config: { auth: read },
      schema: {
        tags,
        summary: 'A group’s posts and questions, newest first',
        params: GroupParams,
        querystring: z.strictObject({ ...pageQuery, kind: z.enum(['post', 'question']).optional(), unanswered: z.enum(['true', 'false']).optional().describe('true: only posts without a reply'), pinned: z.enum(['true', 'false']).optional().describe('true: only pinned announcements; false: the rest') }),
        response: { 200: pageSchema(PostOut), ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const q = req.query;
      const cur = decodeCursor(q.cursor, z.object({ t: cursorTime(), id: z.string() }));
      const rows = await co.posts(ctx(req), appIdOf(req), req.params.groupId, { limit: q.limit + 1, before: cur ? { at: new Date(cur.t), id: cur.id } : undefined, kind: q.kind, unanswered: q.unanswered === 'true', pinned: q.pinned === undefined ? undefined : q.pinned === 'true' });
      const p = page(rows, q.limit, (r) => ({ t: r.createdAt.toISOString(), id: r.id }));
      return { data: p.data.map(presentPost), next_cursor: p.next_cursor };
    },
  );

  api.get(
    '/v1/communities/:groupId/posts/:postId',
    { config: { auth: read }, schema: { tags, summary: 'One post or question', params: PostParams, response: { 200: PostOut, ...errors(400, 401, 403, 404) } } },
    async (req) => presentPost(await co.getPost(ctx(req), appIdOf(req), req.params.groupId, req.params.postId)),
  );

  api.post(
    '/v1/communities/:groupId/posts/:postId/replies',
    {
      config: { auth: { secret: true, user: true }, audit: userActivity },
      schema: {
        tags,
        summary: 'Reply to a post; the first reply to a question closes its unanswered alert',
        description:
          'Active, unmuted members (403 communities.muted, 404 communities.not_member). A reply is a comment of the interactions module on the post (subject kind `canyu.community_post`), so the app\'s comment rules apply: its length limit (400 interactions.comment_too_long), sensitive-word filter (masked, or 400 interactions.sensitive_content naming body.body), posting limit (429 interactions.posting_too_fast) and operator blocks (403 interactions.user_blocked); moderators see it in /v1/moderation. The reply id is the comment id.',
        params: PostParams,
        body: ReplyBody,
        response: { 201: ReplyOut, ...errors(400, 401, 403, 404, 429) },
      },
    },
    async (req, reply) => {
      const userId = actingUserId(req, req.body.user_id);
      return reply.code(201).send(presentReply(await co.reply(ctx(req), appIdOf(req), req.params.groupId, req.params.postId, userId, req.body.body)));
    },
  );

  api.get(
    '/v1/communities/:groupId/posts/:postId/replies',
    {
      config: { auth: read },
      schema: {
        tags,
        summary: 'Replies to a post, oldest first',
        description: 'Replies a moderator hid or deleted are left out (they still count in reply_count and the group figures).',
        params: PostParams,
        querystring: z.strictObject(pageQuery),
        response: { 200: pageSchema(ReplyOut), ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const q = req.query;
      const cur = decodeCursor(q.cursor, ReplyCursor);
      const rows = await co.replies(ctx(req), appIdOf(req), req.params.groupId, req.params.postId, { limit: q.limit + 1, afterId: cur?.id });
      const p = page(rows, q.limit, (r) => ({ id: Number(r.id) }));
      return { data: p.data.map(presentReply), next_cursor: p.next_cursor };
    },
  );

  api.post(
    '/v1/communities/:groupId/posts/:postId/replies/:replyId/reports',
    {
      config: { auth: { secret: true, user: true }, audit: userActivity },
      schema: {
        tags,
        summary: 'Report a reply (active members; once per user): it joins the moderation queue',
        description: "At the app's threshold of distinct reporters (interactions settings moderation.auto_hide_reports) the reply is hidden until a moderator decides in /v1/moderation.",
        params: ReplyParams,
        body: ReplyReportBody,
        response: { 201: ReplyReportOut, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (req, reply) => {
      const userId = actingUserId(req, req.body.user_id);
      const r = await co.reportReply(ctx(req), appIdOf(req), req.params.groupId, req.params.postId, req.params.replyId, userId, { reason: req.body.reason, note: req.body.note });
      return reply.code(201).send({ report_id: r.reportId, new: r.isNew, open_reports: r.openReports, hidden: r.hidden });
    },
  );

  api.post(
    '/v1/communities/:groupId/posts/:postId/accept',
    {
      config: { auth: { secret: true, user: true, operator: 'campaigns.manage' }, audit: { exempt: 'The question’s author accepts an answer (end-user activity); a manager’s acceptance is recorded by the service' } },
      schema: { tags, summary: 'Accept a reply as the question’s answer (its author, or a manager without user_id)', params: PostParams, body: AcceptBody, response: { 200: PostOut, ...errors(400, 401, 403, 404, 409) } },
    },
    async (req) => {
      const userId = req.principal.kind === 'user' || req.body.user_id !== undefined ? actingUserId(req, req.body.user_id) : null;
      return presentPost(await co.accept(ctx(req), appIdOf(req), req.params.groupId, req.params.postId, userId, req.body.reply_id));
    },
  );

  api.get(
    '/v1/communities/:groupId/lurkers',
    {
      config: { auth: { secret: true, operator: 'app.read' } },
      schema: {
        tags,
        summary: 'Lurkers (潜水成员): active members with no post or reply in the group since joining, joined at least `days` days ago',
        params: GroupParams,
        querystring: z.strictObject({ ...pageQuery, days: z.coerce.number().int().min(0).max(3650).default(14) }),
        response: { 200: pageSchema(Member), ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const q = req.query;
      const cur = decodeCursor(q.cursor, z.object({ u: z.string() }));
      const r = await co.lurkers(ctx(req), appIdOf(req), req.params.groupId, { days: q.days, limit: q.limit + 1, afterUserId: cur?.u });
      const p = page(r.rows, q.limit, (m) => ({ u: m.userId }));
      return { data: p.data.map((m) => presentMember(r.group, m)), next_cursor: p.next_cursor };
    },
  );

  api.get(
    '/v1/communities/:groupId/health',
    {
      config: { auth: { secret: true, operator: 'app.read' } },
      schema: {
        tags,
        summary: 'Group health over the last `days` days: active members %, questions answered %, median time to first answer, posts per day',
        params: GroupParams,
        querystring: z.strictObject({ days: z.coerce.number().int().min(1).max(365).default(30) }),
        response: { 200: HealthOut, ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const h = await co.health(ctx(req), appIdOf(req), req.params.groupId, req.query.days);
      return {
        window_days: h.days,
        members: h.members,
        active_members: h.activeMembers,
        active_members_pct: h.figures.activeMembersPct,
        questions: h.questions,
        questions_answered: h.answered,
        questions_answered_pct: h.figures.questionsAnsweredPct,
        median_first_answer_seconds: h.medianFirstAnswerSeconds === null ? null : Math.round(h.medianFirstAnswerSeconds),
        posts_per_day: h.figures.postsPerDay,
      };
    },
  );

  for (const [path, pinned] of [['pin', true], ['unpin', false]] as const) {
    api.post(
      `/v1/communities/:groupId/posts/:postId/${path}`,
      {
        config: { auth: manage, audit: 'recorded' },
        schema: { tags, summary: pinned ? 'Pin a post as a group announcement (置顶公告)' : 'Unpin a group announcement', params: PostParams, response: { 200: PostOut, ...errors(400, 401, 403, 404) } },
      },
      async (req) => presentPost(await co.pin(ctx(req), appIdOf(req), req.params.groupId, req.params.postId, pinned)),
    );
  }

  api.post(
    '/v1/communities/:groupId/checkins',
    {
      config: { auth: { secret: true, user: true }, audit: userActivity },
      schema: {
        tags,
        summary: 'Check in to a group (群签到): once per local day in the group’s time zone; counts and streak on the member',
        params: GroupParams,
        body: UserBody,
        response: { 200: CheckinOut, ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const r = await co.checkIn(ctx(req), appIdOf(req), req.params.groupId, actingUserId(req, req.body.user_id));
      return { day: r.day, checked_in: r.checkedIn, checkins: r.member.checkins, streak: r.member.streak };
    },
  );

  api.get(
    '/v1/communities/:groupId/feed',
    {
      config: { auth: { secret: true, operator: 'app.read' } },
      schema: {
        tags,
        summary: 'A segment-fed group’s report: who was invited, who accepted, who was added',
        params: GroupParams,
        querystring: z.strictObject({ ...pageQuery, status: z.enum(['invited', 'accepted', 'added']).optional() }),
        response: { 200: FeedOut, ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const q = req.query;
      const cur = decodeCursor(q.cursor, z.object({ u: z.string() }));
      const r = await co.feedReport(ctx(req), appIdOf(req), req.params.groupId, { status: q.status, afterUserId: cur?.u, limit: q.limit + 1 });
      const p = page(r.rows, q.limit, (x) => ({ u: x.userId }));
      return {
        segment_id: r.group.feedSegmentId,
        mode: (r.group.feedMode as 'invite' | 'add' | null) ?? null,
        counts: { invited: r.counts.invited ?? 0, accepted: r.counts.accepted ?? 0, added: r.counts.added ?? 0 },
        data: p.data.map((x) => ({ user_id: x.userId, status: x.status as 'invited' | 'accepted' | 'added', at: x.at.toISOString(), accepted_at: iso(x.acceptedAt) })),
        next_cursor: p.next_cursor,
      };
    },
  );


  api.post(
    '/v1/communities/:groupId/chat',
    {
      config: { auth: { secret: true, user: true }, audit: userActivity },
      schema: {
        tags,
        summary: 'Send a group chat message (群聊): active, unmuted members; live to members subscribed to the realtime topic community:<groupId>',
        description: 'At most 10 messages per member per 10 seconds in a group (429 rate_limited); the sensitive-word filter applies; 403 communities.muted, 404 communities.not_member.',
        params: GroupParams,
        body: ChatBody,
        response: { 201: ChatOut, ...errors(400, 401, 403, 404, 429) },
      },
    },
    async (req, reply) => {
      const r = await co.chat(ctx(req), appIdOf(req), req.params.groupId, actingUserId(req, req.body.user_id), req.body.text);
      return reply.code(201).send(presentChat(r));
    },
  );

  api.get(
    '/v1/communities/:groupId/chat',
    {
      config: { auth: read },
      schema: { tags, summary: 'Group chat history, newest first', params: GroupParams, querystring: z.strictObject(pageQuery), response: { 200: pageSchema(ChatOut), ...errors(400, 401, 403, 404) } },
    },
    async (req) => {
      const q = req.query;
      const cur = decodeCursor(q.cursor, z.object({ t: cursorTime(), id: z.string() }));
      const rows = await co.chatHistory(ctx(req), appIdOf(req), req.params.groupId, { limit: q.limit + 1, before: cur ? { at: new Date(cur.t), id: cur.id } : undefined });
      const p = page(rows, q.limit, (r) => ({ t: r.createdAt.toISOString(), id: r.id }));
      return { data: p.data.map(presentChat), next_cursor: p.next_cursor };
    },
  );

}
