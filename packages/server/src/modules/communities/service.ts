import type { Ctx, TextScreen } from '../../context.ts';
import type { Db } from '../../db/index.ts';
import type { Erasure } from '../../erasure.ts';
import type { EventBus } from '../../events.ts';
import { AppError, fieldError, isAppError } from '../../http/errors.ts';
import type { RateLimiter } from '../../http/rate-limit.ts';
import type { Clock } from '../../lib/clock.ts';
import { afterCommit, inTransaction } from '../../lib/tx.ts';
import type { Realtime } from '../../realtime/index.ts';
import { newId } from '../../lib/ids.ts';
import { localDate } from '../../lib/localtime.ts';
import { addWorkingMinutes } from './rules/hours.ts';
import type { Audit } from '../audit/index.ts';
import type { Interactions } from '../interactions/index.ts';
import type { Messaging } from '../messaging/index.ts';
import type { Users } from '../users/index.ts';
import './errors.ts';
import { healthFigures } from './rules/health.ts';
import { fillContent, type Localized } from './rules/template.ts';
import * as store from './store.ts';
import type { ChatRow, GroupRow, MemberRow, PostRow, ReplyRow } from './store.ts';
import { userText } from '../../lib/text.ts';
import type { CreateGroupInput, UpdateGroupInput } from './types.ts';

declare module '../../events.ts' {
  interface DomainEvents {
    /** A user became an active member (joined an open group, by invite, or was approved). `joinSeq` counts their joins of the group. */
    'community.joined': { appId: string; groupId: string; userId: string; joinSeq: number; via: 'open' | 'invite' | 'approval' | 'segment'; at: string };
    /** A member checked in to a group (once per local day in the group's time zone). */
    'community.checked_in': { appId: string; groupId: string; userId: string; day: string; streak: number };
    /** A segment-fed group reached a user: invited (inbox) or added. */
    /** A member stayed silent `days` days after joining (once per join): workflows may nudge them. */
    'community.member_lurking': { appId: string; groupId: string; userId: string; days: number; joinedAt: string };
    'community.fed': { appId: string; groupId: string; userId: string; segmentId: string; mode: 'invite' | 'add' };
    /** A member left or was removed (reason) — banning an active member also ends with this. */
    'community.left': { appId: string; groupId: string; userId: string; reason: 'left' | 'removed' | 'banned'; at: string };
    'community.muted': { appId: string; groupId: string; userId: string; until: string };
    'community.banned': { appId: string; groupId: string; userId: string };
    'community.applied': { appId: string; groupId: string; userId: string };
    'community.posted': { appId: string; groupId: string; postId: string; userId: string; kind: 'post' | 'question' };
    'community.replied': { appId: string; groupId: string; postId: string; replyId: string; userId: string; postAuthorId: string };
    /** A question waited `minutes` without a reply: level 1 at N minutes, 2 (escalated) at 2N. */
    'community.question_unanswered': { appId: string; groupId: string; postId: string; authorId: string; level: number; minutes: number; adminIds: string[] };
    /** A question that had raised an unanswered alert got its first reply: the alert closes. */
    'community.question_answered': { appId: string; groupId: string; postId: string; replyId: string; alertLevel: number };
  }
}

/** A chat message as the API and the realtime event show it (the text HTML-escaped: user content). */
export const presentChat = (r: ChatRow) => ({ id: r.id, group_id: r.groupId, user_id: r.userId, text: userText(r.text), created_at: r.createdAt.toISOString() });

export type CommunitiesDeps = {
  db: Db;
  bus: EventBus;
  clock: Clock;
  audit: Audit;
  users: Pick<Users, 'get'>;
  messaging: Pick<Messaging, 'sending'>;
  /** Group chat goes live over the realtime hub (topic `community:<groupId>`, members only). */
  realtime?: Pick<Realtime, 'toTopic' | 'topicPolicy'> | null | undefined;
  limiter?: RateLimiter | undefined;
  /** Chat messages a member may send per 10 seconds in one group (default 10). */
  chatPer10s?: number;
  /** Segment-fed groups read the segment (the segments module, wired lazily in app.ts: it is made later). */
  segments?: { exists(ctx: Ctx, appId: string, id: string): Promise<boolean>; members(ctx: Ctx, appId: string, id: string, q: { limit: number; afterUserId?: string | undefined }): Promise<{ userId: string }[]> } | undefined;
  /** The app's sensitive-word filter (interactions' settings), applied to posts and chat (replies: interactions applies it). */
  screen?: TextScreen;
  /**
   * Replies to group posts are interactions comments on the post's reserved subject
   * (`canyu.community_post`, id = post id), written and read only through this module.
   */
  comments: Pick<Interactions['owned'], 'comment' | 'thread' | 'byIds' | 'report' | 'dropSubjects'>;
};

/** The interactions subject kind of a group post: its replies are that subject's comments. */
export const POST_SUBJECT_KIND = 'canyu.community_post';

/** A reply to a group post: an interactions comment, as this module shows it. */
export type ReplyView = { id: string; postId: string; authorId: string; body: string; createdAt: Date };

const notFound = (groupId: string) => new AppError('communities.not_found', `Group ${groupId} does not exist in this app`, { group_id: groupId });
const notMember = (groupId: string, userId: string) => new AppError('communities.not_member', `User ${userId} is not an active member of group ${groupId}`, { group_id: groupId, user_id: userId });

export function roleIn(g: GroupRow, userId: string): 'owner' | 'admin' | 'member' {
  return g.ownerId === userId ? 'owner' : g.adminIds.includes(userId) ? 'admin' : 'member';
}

export function createCommunities(deps: CommunitiesDeps) {
  const { bus, clock, audit } = deps;

  const mustFind = async (db: Db, appId: string, groupId: string): Promise<GroupRow> => {
    const g = await store.findGroup(db, appId, groupId);
    if (!g) throw notFound(groupId);
    return g;
  };

  /** Activates the member, takes a seat and emits community.joined, in `tx`. Undefined: already active. */
  const activate = async (tx: Db, g: GroupRow, userId: string, via: 'open' | 'invite' | 'approval' | 'segment', opts: { invite?: string | undefined; answers?: string[] | null } = {}): Promise<MemberRow | undefined> => {
    const now = clock.now();
    const row = await store.activate(tx, { groupId: g.id, userId, appId: g.appId, role: roleIn(g, userId), at: now, ...(opts.answers !== undefined ? { answers: opts.answers } : {}) });
    if (!row) {
      const existing = await store.findMember(tx, g.id, userId);
      if (existing?.status === 'banned') throw new AppError('communities.banned', `User ${userId} is banned from group ${g.id}`, { group_id: g.id, user_id: userId });
      return undefined;
    }
    if (opts.invite !== undefined && !(await store.useInvite(tx, g.id, opts.invite, now))) throw new AppError('communities.invite_invalid', `Invite ${opts.invite} is not valid for group ${g.id}: unknown, expired or used up`, { field: 'body.invite', group_id: g.id });
    if (!(await store.takeSeat(tx, g.id, now))) throw new AppError('communities.full', `Group ${g.id} is full (${g.capacity} members)`, { group_id: g.id, capacity: g.capacity });
    await store.cancelFollowup(tx, g.id, userId);
    await bus.emit(tx, 'community.joined', { appId: g.appId, groupId: g.id, userId, joinSeq: row.joinSeq, via, at: now.toISOString() });
    return row;
  };

  const displayName = async (ctx: Ctx, appId: string, userId: string): Promise<string> => {
    try {
      const u = await deps.users.get(ctx, appId, userId);
      const n = u.traits.name ?? u.traits.nickname;
      return typeof n === 'string' && n.length > 0 ? n : userId;
    } catch (err) {
      if (isAppError(err)) return userId;
      throw err;
    }
  };

  /** Sends a templated inbox message once per key (the messaging send's dedupe key), in ctx's transaction. */
  const sendTemplate = async (ctx: Ctx, g: GroupRow, userId: string, tpl: Record<string, Localized>, key: string): Promise<void> => {
    const name = await displayName(ctx, g.appId, userId);
    const content = fillContent(tpl, { name, group: g.name, rules: g.rules ?? '' });
    await deps.messaging.sending.create(ctx, g.appId, { to: { user_id: userId }, content, category: 'interaction', channels: ['in_app'], transactional: false }, { dedupeKey: key });
  };

  // Welcome by name: once per member and join. The consumer runs in the event log's transaction and
  // the send carries a dedupe key per (group, user, join), so a crash or a replay never sends twice.
  bus.on('communities.welcome', ['community.joined'], async (ctx, e) => {
    const g = await store.findGroup(ctx.db, e.appId, e.groupId);
    if (!g?.welcome) return;
    const m = await store.findMember(ctx.db, g.id, e.userId);
    if (m?.status !== 'active' || m.joinSeq !== e.joinSeq) return; // left (or rejoined) before the welcome: that join's welcome is moot
    await sendTemplate(ctx, g, e.userId, g.welcome, `co:welcome:${g.id}:${e.userId}:${e.joinSeq}`);
  });

  // Leave follow-up: armed here (durably, with the leave), sent by the minute tick when due.
  bus.on('communities.leave_followup', ['community.left'], async (ctx, e) => {
    if (e.reason !== 'left') return;
    const g = await store.findGroup(ctx.db, e.appId, e.groupId);
    if (!g?.leaveFollowup) return;
    const at = new Date(e.at);
    await store.armFollowup(ctx.db, { appId: g.appId, groupId: g.id, userId: e.userId, dueAt: new Date(at.getTime() + g.leaveFollowup.delay_minutes * 60_000), sentAfter: new Date(at.getTime() - g.leaveFollowup.period_days * 86_400_000) });
  });

  // ---- group chat -------------------------------------------------------------------------------
  const CHAT_TOPIC = 'community:';
  // Only the group's active members may listen to its chat.
  deps.realtime?.topicPolicy(CHAT_TOPIC, {
    async authorize(conn, topic) {
      const groupId = topic.slice(CHAT_TOPIC.length);
      const g = await store.findGroup(deps.db, conn.appId, groupId);
      if (!g) throw notFound(groupId);
      const m = await store.findMember(deps.db, groupId, conn.userId);
      if (m?.status !== 'active') throw notMember(groupId, conn.userId);
    },
  });

  // ---- segment feed (core-user groups) -----------------------------------------------------------
  const FEED_INVITE = {
    'zh-CN': { title: '邀请你加入「{{group}}」', body: '{{name}}，你被邀请加入社群「{{group}}」。加入时使用邀请码：' },
    en: { title: 'You are invited to {{group}}', body: '{{name}}, you are invited to join {{group}}. Join with the invite code: ' },
  };

  /** Reaches one user of the feeding segment, once per group: an invite in their inbox, or a seat. */
  const feedUser = async (ctx: Ctx, g: GroupRow, userId: string): Promise<void> => {
    if (!g.feedSegmentId || !g.feedMode) return;
    const existing = await store.findMember(ctx.db, g.id, userId);
    if (existing?.status === 'active' || existing?.status === 'banned') return;
    const mode = g.feedMode as 'invite' | 'add';
    if (!(await store.feedOnce(ctx.db, { groupId: g.id, userId, appId: g.appId, status: mode === 'add' ? 'added' : 'invited', at: clock.now(), acceptedAt: null }))) return;
    if (mode === 'add') {
      try {
        // A savepoint: a full group skips this user without undoing the rest of the batch.
        await ctx.db.transaction((sp) => activate(sp, g, userId, 'segment'));
      } catch (err) {
        if (!isAppError(err) || (err.code !== 'communities.full' && err.code !== 'communities.banned')) throw err;
        return;
      }
    } else {
      const tpl = { 'zh-CN': { ...FEED_INVITE['zh-CN'], body: FEED_INVITE['zh-CN'].body + g.feedInvite }, en: { ...FEED_INVITE.en, body: FEED_INVITE.en.body + g.feedInvite } };
      await sendTemplate(ctx, g, userId, tpl, `co:feed:${g.id}:${userId}`);
    }
    await bus.emit(ctx.db, 'community.fed', { appId: g.appId, groupId: g.id, userId, segmentId: g.feedSegmentId, mode });
  };

  // Everyone who enters the segment later is reached in the event log's transaction (once per event).
  bus.on('communities.segment_feed', ['segment.entered'], async (ctx, e) => {
    for (const g of await store.groupsFedBy(ctx.db, e.appId, e.segmentId)) await feedUser(ctx, g, e.userId);
  });
  // An invited user who joins has accepted.
  bus.on('communities.feed_accepted', ['community.joined'], async (ctx, e) => {
    await store.feedAccepted(ctx.db, e.groupId, e.userId, new Date(e.at));
  });

  /** The segment's members as of the feed's start, a page per call (the minute tick; SKIP LOCKED across servers). */
  async function backfillTick(): Promise<number> {
    return deps.db.transaction(async (tx) => {
      const g = await store.feedToBackfill(tx);
      if (!g || !deps.segments) return 0;
      const ctx: Ctx = { db: tx, actor: { type: 'system', id: null } };
      const page = await deps.segments.members(ctx, g.appId, g.feedSegmentId!, { limit: 200, afterUserId: g.feedCursor ?? undefined });
      for (const m of page) await feedUser(ctx, g, m.userId);
      await store.updateGroup(tx, g.appId, g.id, page.length < 200 ? { feedBackfilled: true, feedCursor: null } : { feedCursor: page.at(-1)!.userId });
      return page.length;
    });
  }

  /** The unlimited invite code a feed sends (made once per group). */
  const feedInvite = async (tx: Db, g: { id: string; appId: string }, now: Date): Promise<string> => {
    const row = { id: newId('inv'), appId: g.appId, groupId: g.id, maxUses: null, uses: 0, expiresAt: null, createdAt: now };
    await store.insertInvite(tx, row);
    return row.id;
  };

  /** The feed columns for a group's `feed` input (the segment must exist; a new feed starts its backfill). */
  const feedFields = async (ctx: Ctx, appId: string, feed: { segment_id: string; mode: 'invite' | 'add' } | null | undefined, before?: GroupRow): Promise<Partial<GroupRow>> => {
    if (feed === undefined) return {};
    if (feed === null) return { feedSegmentId: null, feedMode: null, feedBackfilled: false, feedCursor: null };
    if (!deps.segments || !(await deps.segments.exists(ctx, appId, feed.segment_id))) throw fieldError('body.feed.segment_id', `no segment ${feed.segment_id} in this app`, 'the id of a segment (GET /v1/segments)');
    const same = before?.feedSegmentId === feed.segment_id;
    return { feedSegmentId: feed.segment_id, feedMode: feed.mode, ...(same ? {} : { feedBackfilled: false, feedCursor: null }) };
  };

  const record = (ctx: Ctx, appId: string, action: string, targetId: string, rec: { before?: unknown; after?: unknown } = {}) => audit.record(ctx, { appId, action, targetType: 'community_group', targetId, ...rec });

  const groupFields = (input: UpdateGroupInput): Partial<GroupRow> => {
    const set: Partial<GroupRow> = {};
    if (input.name !== undefined) set.name = input.name;
    if (input.description !== undefined) set.description = input.description;
    if (input.type !== undefined) set.type = input.type;
    if (input.capacity !== undefined) set.capacity = input.capacity;
    if (input.admin_ids !== undefined) set.adminIds = [...new Set(input.admin_ids)];
    if (input.rules !== undefined) set.rules = input.rules;
    if (input.tags !== undefined) set.tags = input.tags;
    if (input.time_zone !== undefined) set.timeZone = input.time_zone;
    if (input.questions !== undefined) set.questions = input.questions;
    if (input.welcome !== undefined) set.welcome = input.welcome as GroupRow['welcome'];
    if (input.leave_followup !== undefined) set.leaveFollowup = input.leave_followup as GroupRow['leaveFollowup'];
    if (input.unanswered_minutes !== undefined) set.unansweredMinutes = input.unanswered_minutes;
    if (input.working_hours !== undefined) set.workingHours = input.working_hours;
    if (input.lurker_days !== undefined) set.lurkerDays = input.lurker_days;
    if (input.lurker_nudge !== undefined) set.lurkerNudge = input.lurker_nudge as GroupRow['lurkerNudge'];
    return set;
  };

  const postNotFound = (postId: string) => new AppError('communities.post_not_found', `Post ${postId} does not exist in this group`, { post_id: postId });
  /** Only active, unmuted members write in a group. */
  const mustSpeak = async (tx: Db, appId: string, groupId: string, userId: string): Promise<void> => {
    await mustFind(tx, appId, groupId);
    const m = await store.findMember(tx, groupId, userId);
    if (m?.status !== 'active') throw notMember(groupId, userId);
    if (m.mutedUntil && m.mutedUntil > clock.now()) throw new AppError('communities.muted', `User ${userId} is muted in group ${groupId} until ${m.mutedUntil.toISOString()}`, { group_id: groupId, muted_until: m.mutedUntil.toISOString() });
  };

  return {
    erasure: {
      eraseApp: (db: Db, appId: string) => db.transaction((tx) => store.eraseApp(tx, appId)),
      eraseUser: (db: Db, appId: string, userId: string) =>
        db.transaction(async (tx) => {
          // Their own replies are comments: interactions' erasure blanks them. The threads of the
          // posts that go with them go too (other members' replies to those posts).
          const { deletedPostIds } = await store.eraseUser(tx, appId, userId);
          await deps.comments.dropSubjects({ db: tx, actor: { type: 'system', id: null } }, appId, POST_SUBJECT_KIND, deletedPostIds);
        }),
    } satisfies Erasure,

    async create(ctx: Ctx, appId: string, input: CreateGroupInput): Promise<GroupRow> {
      const now = clock.now();
      const g: GroupRow = {
        id: newId('grp'),
        appId,
        name: input.name,
        description: input.description ?? null,
        type: input.type,
        capacity: input.capacity ?? null,
        ownerId: input.owner_id,
        adminIds: [...new Set(input.admin_ids ?? [])],
        rules: input.rules ?? null,
        tags: input.tags ?? [],
        timeZone: input.time_zone,
        questions: input.questions ?? [],
        welcome: (input.welcome ?? null) as GroupRow['welcome'],
        leaveFollowup: (input.leave_followup ?? null) as GroupRow['leaveFollowup'],
        unansweredMinutes: input.unanswered_minutes ?? null,
        workingHours: input.working_hours ?? null,
        lurkerDays: input.lurker_days ?? null,
        lurkerNudge: (input.lurker_nudge ?? null) as GroupRow['lurkerNudge'],
        memberCount: 0,
        feedSegmentId: null,
        feedMode: null,
        feedInvite: null,
        feedBackfilled: false,
        feedCursor: null,
        createdAt: now,
        updatedAt: now,
      };
      Object.assign(g, await feedFields(ctx, appId, input.feed));
      return ctx.db.transaction(async (tx) => {
        await store.insertGroup(tx, g);
        if (g.feedSegmentId) {
          g.feedInvite = await feedInvite(tx, g, now);
          await store.updateGroup(tx, appId, g.id, { feedInvite: g.feedInvite });
        }
        // The owner and admins are its first members (no welcome: they run the group).
        let seated: GroupRow | undefined;
        for (const u of [g.ownerId, ...g.adminIds.filter((a) => a !== g.ownerId)]) {
          await store.activate(tx, { groupId: g.id, userId: u, appId, role: roleIn(g, u), at: now });
          seated = await store.takeSeat(tx, g.id, now);
          if (!seated) throw fieldError('body.capacity', `too small for the owner and ${g.adminIds.length} admin(s)`, `>= ${1 + g.adminIds.length}`);
        }
        await record({ ...ctx, db: tx }, appId, 'community.group.create', g.id, { after: { name: g.name, type: g.type, owner_id: g.ownerId } });
        return seated ?? g;
      });
    },

    get: (ctx: Ctx, appId: string, groupId: string) => mustFind(ctx.db, appId, groupId),

    list: (ctx: Ctx, appId: string, f: store.GroupFilter) => store.listGroups(ctx.db, appId, f),

    async update(ctx: Ctx, appId: string, groupId: string, input: UpdateGroupInput): Promise<GroupRow> {
      return ctx.db.transaction(async (tx) => {
        const before = await mustFind(tx, appId, groupId);
        const set = { ...groupFields(input), ...(await feedFields({ ...ctx, db: tx }, appId, input.feed, before)) };
        if (set.feedSegmentId && !before.feedInvite) set.feedInvite = await feedInvite(tx, { ...before, id: groupId }, clock.now());
        const after = await store.updateGroup(tx, appId, groupId, { ...set, updatedAt: clock.now() });
        if (!after) throw notFound(groupId);
        await record({ ...ctx, db: tx }, appId, 'community.group.update', groupId, { before: { name: before.name, type: before.type, capacity: before.capacity }, after: set });
        return after;
      });
    },

    async remove(ctx: Ctx, appId: string, groupId: string): Promise<void> {
      await ctx.db.transaction(async (tx) => {
        const postIds = await store.postIdsOfGroup(tx, groupId);
        if (!(await store.deleteGroup(tx, appId, groupId))) throw notFound(groupId);
        // The posts go with the group (cascade), and their reply threads with them.
        await deps.comments.dropSubjects({ ...ctx, db: tx }, appId, POST_SUBJECT_KIND, postIds);
        await record({ ...ctx, db: tx }, appId, 'community.group.delete', groupId);
      });
    },

    /**
     * Joins a group: open groups at once, invite-only groups with a valid invite, apply groups with
     * an invite or else as an application (status pending). Joining again is a no-op.
     */
    async join(ctx: Ctx, appId: string, groupId: string, userId: string, input: { invite?: string | undefined; answers?: string[] | undefined }): Promise<{ member: MemberRow; joined: boolean }> {
      const g = await mustFind(ctx.db, appId, groupId);
      if (g.type === 'invite_only' && input.invite === undefined) throw new AppError('communities.invite_required', `Group ${groupId} is invite-only: give body.invite`, { field: 'body.invite', group_id: groupId });
      if (g.type === 'apply' && input.invite === undefined) {
        const answers = input.answers ?? [];
        if (answers.length !== g.questions.length) throw fieldError('body.answers', `the group asks ${g.questions.length} question(s); give one answer each`, `an array of ${g.questions.length} strings`);
        return ctx.db.transaction(async (tx) => {
          const row = await store.apply(tx, { groupId, userId, appId, answers, at: clock.now() });
          if (row) {
            await bus.emit(tx, 'community.applied', { appId, groupId, userId });
            return { member: row, joined: false };
          }
          const existing = (await store.findMember(tx, groupId, userId))!;
          if (existing.status === 'banned') throw new AppError('communities.banned', `User ${userId} is banned from group ${groupId}`, { group_id: groupId, user_id: userId });
          return { member: existing, joined: false };
        });
      }
      return ctx.db.transaction(async (tx) => {
        const row = await activate(tx, g, userId, input.invite !== undefined ? 'invite' : 'open', { invite: input.invite, ...(input.answers ? { answers: input.answers } : {}) });
        if (row) return { member: row, joined: true };
        return { member: (await store.findMember(tx, groupId, userId))!, joined: false };
      });
    },

    async decide(ctx: Ctx, appId: string, groupId: string, userId: string, approve: boolean): Promise<MemberRow> {
      return ctx.db.transaction(async (tx) => {
        const g = await mustFind(tx, appId, groupId);
        const m = await store.findMember(tx, groupId, userId, true);
        if (m?.status !== 'pending') throw new AppError('communities.no_application', `User ${userId} has no pending application to group ${groupId}`, { group_id: groupId, user_id: userId });
        let out: MemberRow | undefined;
        if (approve) out = await activate(tx, g, userId, 'approval');
        else out = await store.setStatus(tx, groupId, userId, ['pending'], { status: 'rejected', updatedAt: clock.now() });
        await record({ ...ctx, db: tx }, appId, approve ? 'community.member.approve' : 'community.member.reject', groupId, { after: { user_id: userId } });
        return out!;
      });
    },

    /** Leave (the user), remove or ban (a manager): frees the seat and emits community.left once. */
    async end(ctx: Ctx, appId: string, groupId: string, userId: string, how: 'left' | 'removed' | 'banned'): Promise<MemberRow> {
      return ctx.db.transaction(async (tx) => {
        const g = await mustFind(tx, appId, groupId);
        if (g.ownerId === userId) throw new AppError('communities.owner_cannot_leave', `User ${userId} owns group ${groupId}; transfer the group first`, { group_id: groupId, user_id: userId });
        const now = clock.now();
        const m = await store.findMember(tx, groupId, userId, true);
        if (how === 'banned') {
          const was = m?.status;
          const row = await store.ban(tx, { groupId, userId, appId, at: now });
          if (was === 'active') {
            await store.freeSeat(tx, groupId);
            await bus.emit(tx, 'community.left', { appId, groupId, userId, reason: 'banned', at: now.toISOString() });
          }
          if (was !== 'banned') await bus.emit(tx, 'community.banned', { appId, groupId, userId });
          await record({ ...ctx, db: tx }, appId, 'community.member.ban', groupId, { after: { user_id: userId } });
          return row!;
        }
        if (m?.status !== 'active') throw notMember(groupId, userId);
        const row = await store.setStatus(tx, groupId, userId, ['active'], { status: how, leftAt: now, mutedUntil: null, updatedAt: now });
        await store.freeSeat(tx, groupId);
        await bus.emit(tx, 'community.left', { appId, groupId, userId, reason: how, at: now.toISOString() });
        if (how === 'removed') await record({ ...ctx, db: tx }, appId, 'community.member.remove', groupId, { after: { user_id: userId } });
        return row!;
      });
    },

    async unban(ctx: Ctx, appId: string, groupId: string, userId: string): Promise<MemberRow> {
      return ctx.db.transaction(async (tx) => {
        await mustFind(tx, appId, groupId);
        const row = await store.setStatus(tx, groupId, userId, ['banned'], { status: 'left', updatedAt: clock.now() });
        if (!row) throw notMember(groupId, userId);
        await record({ ...ctx, db: tx }, appId, 'community.member.unban', groupId, { after: { user_id: userId } });
        return row;
      });
    },

    async mute(ctx: Ctx, appId: string, groupId: string, userId: string, minutes: number): Promise<MemberRow> {
      return ctx.db.transaction(async (tx) => {
        await mustFind(tx, appId, groupId);
        const now = clock.now();
        const until = new Date(now.getTime() + minutes * 60_000);
        const row = await store.setStatus(tx, groupId, userId, ['active'], { mutedUntil: until, updatedAt: now });
        if (!row) throw notMember(groupId, userId);
        await bus.emit(tx, 'community.muted', { appId, groupId, userId, until: until.toISOString() });
        await record({ ...ctx, db: tx }, appId, 'community.member.mute', groupId, { after: { user_id: userId, until } });
        return row;
      });
    },

    async members(ctx: Ctx, appId: string, groupId: string, f: store.MemberFilter): Promise<{ group: GroupRow; rows: MemberRow[] }> {
      const group = await mustFind(ctx.db, appId, groupId);
      return { group, rows: await store.listMembers(ctx.db, groupId, f) };
    },

    async member(ctx: Ctx, appId: string, groupId: string, userId: string): Promise<{ group: GroupRow; row: MemberRow }> {
      const group = await mustFind(ctx.db, appId, groupId);
      const row = await store.findMember(ctx.db, groupId, userId);
      if (!row) throw notMember(groupId, userId);
      return { group, row };
    },

    async createInvite(ctx: Ctx, appId: string, groupId: string, input: { max_uses: number | null; expires_at: string | null }) {
      const now = clock.now();
      const expiresAt = input.expires_at ? new Date(input.expires_at) : null;
      if (expiresAt && expiresAt <= now) throw fieldError('body.expires_at', 'must be in the future', 'a future ISO 8601 date-time');
      return ctx.db.transaction(async (tx) => {
        await mustFind(tx, appId, groupId);
        const row = { id: newId('inv'), appId, groupId, maxUses: input.max_uses, uses: 0, expiresAt, createdAt: now };
        await store.insertInvite(tx, row);
        await record({ ...ctx, db: tx }, appId, 'community.invite.create', groupId, { after: { code: row.id, max_uses: row.maxUses, expires_at: expiresAt } });
        return row;
      });
    },

    async invites(ctx: Ctx, appId: string, groupId: string) {
      await mustFind(ctx.db, appId, groupId);
      return store.listInvites(ctx.db, groupId);
    },

    async post(ctx: Ctx, appId: string, groupId: string, userId: string, input: { kind: 'post' | 'question'; title?: string | undefined; body: string }): Promise<PostRow> {
      return ctx.db.transaction(async (tx) => {
        await mustSpeak(tx, appId, groupId, userId);
        const items = [{ text: input.body, field: 'body.body' }, ...(input.title !== undefined ? [{ text: input.title, field: 'body.title' }] : [])];
        const [body, title] = deps.screen ? await deps.screen({ ...ctx, db: tx }, appId, items) : items.map((i) => i.text);
        const now = clock.now();
        const row: PostRow = { id: newId('cpo'), appId, groupId, authorId: userId, kind: input.kind, title: input.title === undefined ? null : title!, body: body!, replyCount: 0, firstReplyAt: null, acceptedReplyId: null, alertLevel: 0, alertDueAt: null, pinnedAt: null, createdAt: now };
        await store.insertPost(tx, row);
        await store.touchMember(tx, groupId, userId, now);
        await bus.emit(tx, 'community.posted', { appId, groupId, postId: row.id, userId, kind: input.kind });
        return row;
      });
    },

    async posts(ctx: Ctx, appId: string, groupId: string, f: Parameters<typeof store.listPosts>[2]): Promise<PostRow[]> {
      await mustFind(ctx.db, appId, groupId);
      return store.listPosts(ctx.db, groupId, f);
    },

    /** Pins a post as a group announcement, or unpins it. */
    async pin(ctx: Ctx, appId: string, groupId: string, postId: string, pinned: boolean): Promise<PostRow> {
      return ctx.db.transaction(async (tx) => {
        await mustFind(tx, appId, groupId);
        const p = await store.setPinned(tx, groupId, postId, pinned ? clock.now() : null);
        if (!p) throw postNotFound(postId);
        await record({ ...ctx, db: tx }, appId, pinned ? 'community.post.pin' : 'community.post.unpin', groupId, { after: { post_id: postId } });
        return p;
      });
    },

    /** A member's check-in for today in the group's time zone: once per day, however many calls race. */
    async checkIn(ctx: Ctx, appId: string, groupId: string, userId: string): Promise<{ day: string; checkedIn: boolean; member: MemberRow }> {
      return ctx.db.transaction(async (tx) => {
        const g = await mustFind(tx, appId, groupId);
        const m = await store.findMember(tx, groupId, userId, true);
        if (m?.status !== 'active') throw notMember(groupId, userId);
        const now = clock.now();
        const day = localDate(now, g.timeZone);
        const after = await store.checkIn(tx, g, userId, day, now);
        if (after) await bus.emit(tx, 'community.checked_in', { appId, groupId, userId, day, streak: after.streak });
        return { day, checkedIn: after !== null, member: after ?? m };
      });
    },

    /** A chat message from an active, unmuted member: kept as history and sent live to the group's topic. */
    async chat(ctx: Ctx, appId: string, groupId: string, userId: string, raw: string): Promise<ChatRow> {
      await mustSpeak(ctx.db, appId, groupId, userId);
      if (deps.limiter) {
        const max = deps.chatPer10s ?? 10;
        const hit = await deps.limiter.hit(`co:chat:${appId}:${groupId}:${userId}`, max, 10_000);
        if (!hit.ok) throw new AppError('rate_limited', `At most ${max} chat messages per 10 seconds in a group; retry after ${hit.retryAfterS}s`, { limit: max, window_seconds: 10 }, { retryAfter: hit.retryAfterS });
      }
      const [text] = deps.screen ? await deps.screen(ctx, appId, [{ text: raw, field: 'body.text' }]) : [raw];
      const row: ChatRow = { id: newId('cch'), appId, groupId, userId, text: text ?? raw, createdAt: clock.now() };
      await store.insertChat(ctx.db, row);
      await store.touchMember(ctx.db, groupId, userId, row.createdAt);
      afterCommit(ctx, () => deps.realtime?.toTopic(appId, `${CHAT_TOPIC}${groupId}`, { type: 'community.chat', message: presentChat(row) }));
      return row;
    },

    async chatHistory(ctx: Ctx, appId: string, groupId: string, f: { limit: number; before?: { at: Date; id: string } | undefined }): Promise<ChatRow[]> {
      await mustFind(ctx.db, appId, groupId);
      return store.chatHistory(ctx.db, groupId, f);
    },

    /** Who the group's segment feed reached, with counts by status. */
    async feedReport(ctx: Ctx, appId: string, groupId: string, f: { status?: string | undefined; afterUserId?: string | undefined; limit: number }) {
      const g = await mustFind(ctx.db, appId, groupId);
      return { group: g, ...(await store.feedReport(ctx.db, groupId, f)) };
    },

    async getPost(ctx: Ctx, appId: string, groupId: string, postId: string): Promise<PostRow> {
      await mustFind(ctx.db, appId, groupId);
      const p = await store.findPost(ctx.db, groupId, postId);
      if (!p) throw postNotFound(postId);
      return p;
    },

    /**
     * Replies to a post: an interactions comment on the post's subject, written in this transaction
     * with the ledger row, the post's counters and the events, so all of it happens once or not at
     * all. Interactions applies the app's comment rules (length limit, sensitive-word filter —
     * masked or refused naming body.body —, posting limit, operator blocks); this module checks
     * that the author is an active, unmuted member. The first reply to a question that raised an
     * alert closes it (community.question_answered).
     */
    async reply(ctx: Ctx, appId: string, groupId: string, postId: string, userId: string, body: string): Promise<ReplyView> {
      return inTransaction(ctx, async (tx) => {
        await mustSpeak(tx.db, appId, groupId, userId);
        // The post's row lock orders replies (racing first replies close an alert once) and a reply
        // against the alert tick: an alert is never sent after the answer.
        const p = await store.findPost(tx.db, groupId, postId, true);
        if (!p) throw postNotFound(postId);
        const c = await deps.comments.comment(tx, appId, { kind: POST_SUBJECT_KIND, id: postId }, { userId, body });
        const row: ReplyRow = { id: String(c.id), appId, groupId, postId, authorId: userId, createdAt: c.createdAt };
        await store.insertReply(tx.db, row);
        await store.touchMember(tx.db, groupId, userId, row.createdAt);
        await bus.emit(tx.db, 'community.replied', { appId, groupId, postId, replyId: row.id, userId, postAuthorId: p.authorId });
        if (p.kind === 'question' && p.replyCount === 0 && p.alertLevel > 0) await bus.emit(tx.db, 'community.question_answered', { appId, groupId, postId, replyId: row.id, alertLevel: p.alertLevel });
        return { id: row.id, postId, authorId: userId, body: c.body, createdAt: c.createdAt };
      });
    },

    /** A post's visible replies, oldest first (replies a moderator hid or deleted are left out). */
    async replies(ctx: Ctx, appId: string, groupId: string, postId: string, f: { limit: number; afterId?: number | undefined }): Promise<ReplyView[]> {
      await mustFind(ctx.db, appId, groupId);
      if (!(await store.findPost(ctx.db, groupId, postId))) throw postNotFound(postId);
      const cs = await deps.comments.thread(ctx, appId, { kind: POST_SUBJECT_KIND, id: postId }, f);
      return cs.map((c) => ({ id: String(c.id), postId, authorId: c.userId, body: c.body, createdAt: c.createdAt }));
    },

    /** An active member reports a reply: it goes to the moderation queue (/v1/moderation) like any comment. */
    async reportReply(ctx: Ctx, appId: string, groupId: string, postId: string, replyId: string, userId: string, input: { reason: string; note?: string | undefined }) {
      await mustFind(ctx.db, appId, groupId);
      const m = await store.findMember(ctx.db, groupId, userId);
      if (m?.status !== 'active') throw notMember(groupId, userId);
      if (!(await store.findReply(ctx.db, postId, replyId)) || !(await store.findPost(ctx.db, groupId, postId))) throw postNotFound(postId);
      const r = await deps.comments.report(ctx, appId, Number(replyId), userId, input.reason, input.note);
      return { reportId: r.report ? String(r.report.id) : null, isNew: r.report !== null, openReports: r.comment.openReports, hidden: r.comment.status === 'hidden' };
    },

    /** The question's author (or a manager: userId null) accepts a reply as the answer. */
    async accept(ctx: Ctx, appId: string, groupId: string, postId: string, userId: string | null, replyId: string): Promise<PostRow> {
      return ctx.db.transaction(async (tx) => {
        await mustFind(tx, appId, groupId);
        const p = await store.findPost(tx, groupId, postId, true);
        if (!p) throw postNotFound(postId);
        if (p.kind !== 'question') throw new AppError('communities.not_question', `Post ${postId} is not a question`, { post_id: postId });
        if (userId !== null && userId !== p.authorId) throw new AppError('auth.forbidden', 'Only the question’s author accepts an answer', { field: 'body.user_id' });
        const known = await store.findReply(tx, postId, replyId);
        // A reply a moderator hid or deleted cannot become the answer.
        const visible = known && (await deps.comments.byIds({ ...ctx, db: tx }, appId, [Number(replyId)])).get(Number(replyId))?.status === 'visible';
        if (!visible) throw fieldError('body.reply_id', `no visible reply ${replyId} to post ${postId}`, 'the id of a visible reply to this question');
        if (userId === null) await record({ ...ctx, db: tx }, appId, 'community.answer.accept', groupId, { after: { post_id: postId, reply_id: replyId } });
        return (await store.acceptReply(tx, postId, replyId))!;
      });
    },

    async lurkers(ctx: Ctx, appId: string, groupId: string, f: { days: number; limit: number; afterUserId?: string | undefined }): Promise<{ group: GroupRow; rows: MemberRow[] }> {
      const group = await mustFind(ctx.db, appId, groupId);
      const rows = await store.lurkers(ctx.db, groupId, { joinedBefore: new Date(clock.now().getTime() - f.days * 86_400_000), limit: f.limit, afterUserId: f.afterUserId });
      return { group, rows };
    },

    async health(ctx: Ctx, appId: string, groupId: string, days: number) {
      await mustFind(ctx.db, appId, groupId);
      const h = await store.health(ctx.db, groupId, new Date(clock.now().getTime() - days * 86_400_000));
      return { days, ...h, figures: healthFigures(h, days) };
    },

    /** Sends the due unanswered-question alerts and leave follow-ups (the minute tick). */
    async tick(): Promise<number> {
      return (await alertTick()) + (await followupTick()) + (await backfillTick()) + (await lurkerTick());
    },
  };

  async function alertTick(): Promise<number> {
    return deps.db.transaction(async (tx) => {
      const now = clock.now();
      const due = await store.dueQuestions(tx, now, 100);
      let sent = 0;
      for (const { post: p, minutes, hours, tz } of due) {
        // In working hours only: not due yet means due later; remember when, and look again then.
        const at = addWorkingMinutes(p.createdAt, minutes! * (p.alertLevel + 1), tz, hours ?? null);
        if (at > now) {
          await store.setAlertDue(tx, p.id, at);
          continue;
        }
        sent++;
        const g = (await store.findGroup(tx, p.appId, p.groupId))!;
        const level = p.alertLevel + 1;
        const admins = [...new Set([g.ownerId, ...g.adminIds])];
        const tpl = {
          'zh-CN': { title: level > 1 ? `【升级】问题已 ${minutes! * level} 分钟无人回复` : `问题已 ${minutes} 分钟无人回复`, body: `社群「{{group}}」中的问题等待回答：${p.title ?? p.body.slice(0, 100)}` },
          en: { title: level > 1 ? `[Escalated] A question has waited ${minutes! * level} minutes` : `A question has waited ${minutes} minutes`, body: `A question in {{group}} awaits an answer: ${p.title ?? p.body.slice(0, 100)}` },
        };
        const c: Ctx = { db: tx, actor: { type: 'system', id: null } };
        for (const a of admins) await sendTemplate(c, g, a, tpl, `co:unanswered:${p.id}:${level}:${a}`);
        await store.setAlertLevel(tx, p.id, level);
        await bus.emit(tx, 'community.question_unanswered', { appId: p.appId, groupId: p.groupId, postId: p.id, authorId: p.authorId, level, minutes: minutes! * level, adminIds: admins });
      }
      return sent;
    });
  }

  /** Announces lurkers once per join (and sends the group's nudge, if it has one). */
  async function lurkerTick(): Promise<number> {
    return deps.db.transaction(async (tx) => {
      const due = await store.dueLurkers(tx, clock.now(), 200);
      const c: Ctx = { db: tx, actor: { type: 'system', id: null } };
      for (const { member: m, days } of due) {
        const g = (await store.findGroup(tx, m.appId, m.groupId))!;
        await bus.emit(tx, 'community.member_lurking', { appId: m.appId, groupId: m.groupId, userId: m.userId, days, joinedAt: m.joinedAt!.toISOString() });
        if (g.lurkerNudge) await sendTemplate(c, g, m.userId, g.lurkerNudge, `co:lurk:${g.id}:${m.userId}:${m.joinSeq}`);
        await store.markLurkNotified(tx, m.groupId, m.userId, m.joinSeq);
      }
      return due.length;
    });
  }

  async function followupTick(): Promise<number> {
      const ctx: Ctx = { db: deps.db, actor: { type: 'system', id: null } };
      return deps.db.transaction(async (tx) => {
        const now = clock.now();
        const due = await store.dueFollowups(tx, now, 100);
        for (const f of due) {
          const c = { ...ctx, db: tx };
          const g = await store.findGroup(tx, f.appId, f.groupId);
          const m = await store.findMember(tx, f.groupId, f.userId);
          if (!g?.leaveFollowup || m?.status === 'active') {
            await store.cancelFollowup(tx, f.groupId, f.userId);
            continue;
          }
          await sendTemplate(c, g, f.userId, g.leaveFollowup.message, `co:followup:${g.id}:${f.userId}:${f.dueAt!.toISOString()}`);
          await store.markFollowupSent(tx, f.groupId, f.userId, now);
        }
        return due.length;
      });
  }
}

export type Communities = ReturnType<typeof createCommunities>;
