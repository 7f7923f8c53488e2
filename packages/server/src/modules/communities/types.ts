import { z } from 'zod';
import { cleanText } from '../../http/json.ts';
import { dateTime } from '../../http/fields.ts';
import { externalId } from '../../http/route.ts';
import { isTimeZone } from '../../lib/localtime.ts';
import { USER_TEXT_NOTE } from '../../lib/text.ts';
import { REPORT_REASONS } from '../interactions/index.ts';

export const GROUP_TYPES = ['open', 'apply', 'invite_only'] as const;
export type GroupType = (typeof GROUP_TYPES)[number];
export const MEMBER_STATUSES = ['active', 'pending', 'rejected', 'left', 'removed', 'banned'] as const;
export const ROLES = ['owner', 'admin', 'member'] as const;

const Localized = z.strictObject({ title: cleanText(1, 200), body: cleanText(1, 5000) });
/** zh-CN and/or English; `{{name}}`, `{{group}}`, `{{rules}}` are filled per member. */
export const Template = z
  .strictObject({ 'zh-CN': Localized.optional(), en: Localized.optional() })
  .refine((c) => c['zh-CN'] || c.en, { message: 'give the message in zh-CN, en or both' });

export const LeaveFollowup = z.strictObject({
  delay_minutes: z.int().min(0).max(60 * 24 * 30).describe('How long after the leave the follow-up is sent'),
  period_days: z.int().min(1).max(3650).default(30).describe('At most one follow-up per user and group in this many days'),
  message: Template,
});

const tz = z.string().max(64).refine(isTimeZone, 'must be an IANA time zone such as Asia/Shanghai');

const GroupFields = {
  name: cleanText(1, 100),
  description: cleanText(1, 5000).nullable().optional(),
  type: z.enum(GROUP_TYPES).default('open').describe('open: anyone joins; apply: answer questions, an admin approves; invite_only: by invite link'),
  capacity: z.int().min(1).max(1_000_000).nullable().optional().describe('Most active members; null: no limit'),
  owner_id: externalId('owner_id').describe('The user who owns the group (群主); becomes a member with role owner'),
  admin_ids: z.array(externalId('admin_ids')).max(50).optional().describe('Users who administer the group (管理员)'),
  rules: cleanText(1, 5000).nullable().optional(),
  tags: z.array(cleanText(1, 50)).max(20).optional(),
  time_zone: tz.default('Asia/Shanghai'),
  questions: z.array(cleanText(1, 500)).max(10).optional().describe('Questions applicants answer (type apply)'),
  welcome: Template.nullable().optional().describe('Sent to each new member’s inbox once per join; null: no welcome'),
  leave_followup: LeaveFollowup.nullable().optional(),
  unanswered_minutes: z.int().min(1).max(60 * 24 * 7).nullable().optional().describe('A question without a reply after this many minutes alerts the owner and admins (again at twice as long); null: no alert'),
  lurker_days: z.int().min(1).max(365).nullable().optional().describe('A member silent this many days after joining is a lurker: the event community.member_lurking (once per join) lets a workflow nudge them; null: off'),
  lurker_nudge: Template.nullable().optional().describe('Also sent to the lurker’s inbox ({{name}}, {{group}}); null: the event only'),
  working_hours: z
    .strictObject({
      days: z.array(z.int().min(1).max(7)).min(1).max(7).describe('ISO weekdays, 1 = Monday … 7 = Sunday'),
      from: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM, 00:00–23:59'),
      to: z.string().regex(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/, 'HH:MM, up to 24:00'),
    })
    .refine((h) => h.from < h.to, { message: 'from must be before to (hours within one day)', path: ['to'] })
    .nullable()
    .optional()
    .describe('Only these hours (in the group’s time zone) count toward an unanswered-question alert; null: every minute counts'),
  feed: z
    .strictObject({
      segment_id: z.string().min(1).max(64).describe('A segment (GET /v1/segments), e.g. core users or an RFM class'),
      mode: z.enum(['invite', 'add']).default('invite').describe('invite: each member gets an inbox invite with the group’s code; add: each member joins at once'),
    })
    .nullable()
    .optional()
    .describe('Feed the group from a segment: its members now and everyone who enters it later (core-user groups); null: none'),
};

export const CreateGroupBody = z.strictObject(GroupFields);
export type CreateGroupInput = z.infer<typeof CreateGroupBody>;

const { owner_id: _o, type: _t, time_zone: _z, ...editable } = GroupFields;
export const UpdateGroupBody = z.strictObject({ ...editable, name: GroupFields.name.optional(), type: z.enum(GROUP_TYPES).optional(), time_zone: tz.optional(), admin_ids: GroupFields.admin_ids });
export type UpdateGroupInput = z.infer<typeof UpdateGroupBody>;

export const GroupParams = z.strictObject({ groupId: z.string().min(1).max(64) });
export const MemberParams = GroupParams.extend({ userId: externalId('userId') });

export const JoinBody = z.strictObject({
  user_id: externalId('user_id').optional().describe('Required with a secret key; a user token joins as its own user'),
  invite: z.string().min(1).max(64).optional().describe('An invite link’s code (invite-only groups, or to skip an application)'),
  answers: z.array(cleanText(0, 2000)).max(10).optional().describe('Answers to the group’s questions (type apply)'),
});

export const UserBody = z.strictObject({ user_id: externalId('user_id').optional() });
export const MuteBody = z.strictObject({ minutes: z.int().min(1).max(60 * 24 * 365).describe('How long the member is muted') });

export const InviteBody = z.strictObject({
  max_uses: z.int().min(1).max(1_000_000).nullable().default(null),
  expires_at: dateTime().nullable().default(null),
});

export const Member = z
  .object({
    user_id: z.string(),
    role: z.enum(ROLES),
    status: z.enum(MEMBER_STATUSES),
    answers: z.array(z.string().describe(USER_TEXT_NOTE)).nullable(),
    joined_at: z.string().nullable(),
    last_active: z.string().nullable(),
    muted_until: z.string().nullable(),
    checkins: z.number().describe('Group check-ins'),
    streak: z.number().describe('Consecutive local days checked in, up to the last check-in'),
    contribution: z.number().optional().describe('Posts + replies + check-ins in the group (member lists)'),
  })
  .meta({ id: 'CommunityMember' });

const TemplateOut = z.record(z.string(), z.object({ title: z.string(), body: z.string() }));
export const GroupOut = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    type: z.enum(GROUP_TYPES),
    capacity: z.number().nullable(),
    owner_id: z.string(),
    admin_ids: z.array(z.string()),
    rules: z.string().nullable(),
    tags: z.array(z.string()),
    time_zone: z.string(),
    questions: z.array(z.string()),
    welcome: TemplateOut.nullable(),
    leave_followup: z.object({ delay_minutes: z.number(), period_days: z.number(), message: TemplateOut }).nullable(),
    unanswered_minutes: z.number().nullable(),
    lurker_days: z.number().nullable(),
    lurker_nudge: TemplateOut.nullable(),
    working_hours: z.object({ days: z.array(z.number()), from: z.string(), to: z.string() }).nullable(),
    feed: z.object({ segment_id: z.string(), mode: z.enum(['invite', 'add']), backfilled: z.boolean() }).nullable(),
    member_count: z.number(),
    created_at: z.string(),
  })
  .meta({ id: 'CommunityGroup' });

export const InviteOut = z.object({ code: z.string(), group_id: z.string(), max_uses: z.number().nullable(), uses: z.number(), expires_at: z.string().nullable(), created_at: z.string() });

export const PostParams = GroupParams.extend({ postId: z.string().min(1).max(64) });
export const ReplyParams = PostParams.extend({ replyId: z.string().regex(/^[1-9][0-9]{0,17}$/, 'must be a reply id (digits)') });
export const ReplyReportBody = z.strictObject({
  user_id: externalId('user_id').optional().describe('Required with a secret key; a user token reports as its own user'),
  reason: z.enum(REPORT_REASONS),
  note: cleanText(0, 500).optional(),
});
export const ReplyReportOut = z.object({ report_id: z.string().nullable(), new: z.boolean().describe('False when this user had already reported it'), open_reports: z.number(), hidden: z.boolean().describe("Hidden at the app's report threshold, until a moderator decides") });
export const PostBody = z.strictObject({
  user_id: externalId('user_id').optional().describe('Required with a secret key; a user token posts as its own user'),
  kind: z.enum(['post', 'question']).default('post'),
  title: cleanText(1, 200).optional(),
  body: cleanText(1, 10_000),
});
export const ReplyBody = z.strictObject({ user_id: externalId('user_id').optional(), body: cleanText(1, 10_000) });
export const AcceptBody = z.strictObject({ user_id: externalId('user_id').optional(), reply_id: z.string().min(1).max(64) });

export const PostOut = z
  .object({
    id: z.string(),
    group_id: z.string(),
    author_id: z.string(),
    kind: z.enum(['post', 'question']),
    title: z.string().nullable().describe(USER_TEXT_NOTE),
    body: z.string().describe(USER_TEXT_NOTE),
    reply_count: z.number(),
    first_reply_at: z.string().nullable(),
    accepted_reply_id: z.string().nullable(),
    alert_level: z.number().describe('Unanswered alerts sent: 0, 1 (at N minutes) or 2 (at 2N)'),
    pinned_at: z.string().nullable().describe('Pinned as a group announcement'),
    created_at: z.string(),
  })
  .meta({ id: 'CommunityPost' });
export const ReplyOut = z.object({ id: z.string(), post_id: z.string(), author_id: z.string(), body: z.string().describe(USER_TEXT_NOTE), created_at: z.string() }).meta({ id: 'CommunityReply' });

export const HealthOut = z.object({
  window_days: z.number(),
  members: z.number(),
  active_members: z.number(),
  active_members_pct: z.number().nullable(),
  questions: z.number(),
  questions_answered: z.number(),
  questions_answered_pct: z.number().nullable(),
  median_first_answer_seconds: z.number().nullable(),
  posts_per_day: z.number(),
});

export const CheckinOut = z.object({ day: z.string().describe('The local day in the group’s time zone'), checked_in: z.boolean().describe('false: already checked in that day'), checkins: z.number(), streak: z.number() });
export const FeedOut = z.object({
  segment_id: z.string().nullable(),
  mode: z.enum(['invite', 'add']).nullable(),
  counts: z.object({ invited: z.number(), accepted: z.number(), added: z.number() }).describe('invited: still to accept; accepted: invited and joined; added: joined at once (mode add)'),
  data: z.array(z.object({ user_id: z.string(), status: z.enum(['invited', 'accepted', 'added']), at: z.string(), accepted_at: z.string().nullable() })),
  next_cursor: z.string().nullable(),
});

export const ChatBody = z.strictObject({ user_id: externalId('user_id').optional().describe('Required with a secret key; a user token chats as its own user'), text: cleanText(1, 1000) });
export const ChatOut = z.object({ id: z.string(), group_id: z.string(), user_id: z.string(), text: z.string().describe(USER_TEXT_NOTE), created_at: z.string() }).meta({ id: 'CommunityChatMessage' });
