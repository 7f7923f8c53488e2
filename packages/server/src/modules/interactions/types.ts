// zod schemas for every input of the module (and the settings it stores), with their types.
import { z } from 'zod';
import { cleanText, jsonObject } from '../../http/json.ts';
import { externalId } from '../../http/route.ts';
import { isTimeZone } from '../users/index.ts';
import { PERIODS } from './rules/periods.ts';
import { dateTime, localDate, serialId } from '../../http/fields.ts';

// ---- settings ---------------------------------------------------------------------------------

export const Kind = z
  .string()
  .regex(/^[a-z][a-z0-9_.-]{0,39}$/, 'must be 1-40 lower-case letters, digits, "_", "." or "-", starting with a letter')
  .describe('Subject kind, e.g. video, post, article, product');

export const TRIPLE_ACTIONS = ['like', 'coin', 'favourite', 'follow_author', 'follow_subject'] as const;
export type TripleAction = (typeof TRIPLE_ACTIONS)[number];
const TripleSet = z
  .array(z.enum(TRIPLE_ACTIONS))
  .min(1)
  .max(5)
  .refine((a) => new Set(a).size === a.length, 'must not repeat an action');

const Weight = z.number().min(0).max(1000);
const Weights = z.strictObject({ like: Weight, favourite: Weight, share: Weight, comment: Weight, follow: Weight });
const Triple = z.strictObject({
  default: TripleSet.describe('Actions of 一键三连 for kinds without their own set'),
  by_kind: z.record(Kind, TripleSet).describe('Per-kind action sets; replaces the whole map when sent'),
});
const Coins = z.strictObject({
  point_type: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,31}$/, 'must be a point type key')
    .nullable()
    .describe('The point type users give as coins (投币), e.g. coin; null turns coins off. The type must exist (PUT /v1/points/types/{type})'),
  max_per_user: z.number().int().min(1).max(100).describe('Most coins one user gives one subject (Bilibili: 2)'),
  to_author: z.boolean().describe("Credit the subject's author with the coins given (not when they coin their own subject)"),
});
const Hot = z.strictObject({
  weights: Weights.describe('Weight of each interaction in hot scores and rankings'),
  decay_hours: z.number().min(1).max(24 * 365).describe('Every this many hours of age, a subject needs 10x the weighted engagement to rank level'),
});
const FeaturedRule = z.strictObject({ min_likes: z.number().int().min(1).max(1_000_000), within_hours: z.number().min(1).max(24 * 30) });
const CommentSettings = z.strictObject({
  max_length: z.number().int().min(1).max(10_000).describe('Longest comment, in characters'),
  pin_limit: z.number().int().min(0).max(20).describe('Pinned comments per subject'),
  featured_rule: FeaturedRule.nullable().describe('A comment with at least min_likes likes within within_hours of posting becomes featured (精彩点评); null turns the rule off'),
});
const PostingLimit = z.strictObject({ max: z.number().int().min(1).max(10_000), window_seconds: z.number().int().min(1).max(86_400) });
const ModerationSettings = z.strictObject({
  auto_hide_reports: z.number().int().min(1).max(10_000).nullable().describe('Hide a comment for review once this many users report it; null = never'),
  filter_mode: z.enum(['off', 'mask', 'reject']).describe('What the sensitive-word filter does with a match'),
  words: z.array(cleanText(1, 50)).max(10_000).describe('Sensitive words (Chinese or English; matched ignoring case, width, spaces and punctuation)'),
  posting_limit: PostingLimit.nullable().describe('Comments (and replies) per user per window; null = unlimited'),
});

export const SettingsSchema = z.strictObject({
  kinds: z.array(Kind).min(1).max(100).describe('Subject kinds this app uses; others are refused'),
  auto_create_subjects: z.boolean().describe('Create a subject on its first interaction instead of answering 404'),
  timezone: z.string().max(64).refine(isTimeZone, 'must be an IANA time zone such as Asia/Shanghai').describe('Day boundaries of rankings'),
  triple: Triple,
  coins: Coins,
  hot: Hot,
  comments: CommentSettings,
  moderation: ModerationSettings,
});
export type Settings = z.infer<typeof SettingsSchema>;

export const DEFAULT_SETTINGS: Settings = {
  kinds: ['video', 'post', 'article', 'product', 'image', 'audio', 'live'],
  auto_create_subjects: true,
  timezone: 'UTC',
  triple: { default: ['like', 'favourite', 'follow_author'], by_kind: {} },
  coins: { point_type: null, max_per_user: 2, to_author: true },
  hot: { weights: { like: 1, favourite: 3, share: 4, comment: 2, follow: 2 }, decay_hours: 12 },
  comments: { max_length: 2000, pin_limit: 3, featured_rule: { min_likes: 50, within_hours: 24 } },
  moderation: { auto_hide_reports: 5, filter_mode: 'mask', words: [], posting_limit: { max: 20, window_seconds: 60 } },
};

export const SettingsPatch = z.strictObject({
  kinds: SettingsSchema.shape.kinds.optional(),
  auto_create_subjects: z.boolean().optional(),
  timezone: SettingsSchema.shape.timezone.optional(),
  triple: Triple.partial().optional(),
  coins: Coins.partial().optional(),
  hot: z.strictObject({ weights: Weights.partial().optional(), decay_hours: Hot.shape.decay_hours.optional() }).optional(),
  comments: CommentSettings.partial().optional(),
  moderation: ModerationSettings.partial().optional(),
});
export type SettingsPatchInput = z.infer<typeof SettingsPatch>;

// ---- shared pieces ----------------------------------------------------------------------------

export const UserId = externalId('user_id');
const Tag = cleanText(1, 50);
const NumericId = serialId;

export const SubjectParams = z.strictObject({ kind: Kind, subjectId: externalId('subjectId') });
export const CommentParams = z.strictObject({ commentId: NumericId('commentId') });
export const UserParams = z.strictObject({ userId: externalId('userId') });
export const FolderParams = z.strictObject({ userId: externalId('userId'), folderId: NumericId('folderId') });
export const FollowParams = z.strictObject({ userId: externalId('userId'), targetId: externalId('targetId') });
export const SlotKey = z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,63}$/, 'must be 1-64 lower-case letters, digits, "_", "." or "-"');
export const SlotParams = z.strictObject({ key: SlotKey });

/** For a user token the user is implied; with a secret key (or operator) it must be named. */
export const ActingUser = z.strictObject({ user_id: UserId.optional().describe('The acting user; required with a secret key, implied by a user token') });

// ---- subjects ---------------------------------------------------------------------------------

export const UpsertSubjectBody = z.strictObject({
  title: cleanText(0, 500).nullable().optional(),
  author_id: UserId.nullable().optional().describe("The host's user id of the author: followed by 一键三连, badge on their comments"),
  tags: z.array(Tag).max(50).optional(),
  created_at: dateTime().optional().describe('When the host published it; hot scores decay from this time. Defaults to first sight.'),
  metadata: jsonObject({ maxBytes: 16 * 1024, what: 'metadata' }).optional(),
});
export type UpsertSubjectInput = z.infer<typeof UpsertSubjectBody>;

// ---- reactions --------------------------------------------------------------------------------

export const FavouriteBody = ActingUser.extend({
  folder_ids: z.array(NumericId('folder_id')).min(1).max(20).optional().describe("The user's folders to keep it in (replaces the current set); default: the default folder"),
});
export const ShareBody = ActingUser.extend({
  channel: z
    .string()
    .regex(/^[a-z][a-z0-9_.-]{0,31}$/, 'must be 1-32 lower-case letters, digits, "_", "." or "-"')
    .describe('wechat, weibo, qq, link, …'),
});
export const FolderBody = ActingUser.extend({ name: cleanText(1, 50) });
export const FolderPatch = z.strictObject({ name: cleanText(1, 50) });

// ---- comments ---------------------------------------------------------------------------------

export const COMMENT_HARD_MAX = 10_000;
const Body = cleanText(1, COMMENT_HARD_MAX).refine((s) => s.trim().length > 0, 'must not be blank');
export const CommentBody = ActingUser.extend({
  body: Body.describe('Plain text, stored as written and HTML-escaped in every answer'),
  mentions: z
    .array(UserId)
    .max(20)
    .optional()
    .describe('Users mentioned besides the `@user_id` handles written in body (those are found by themselves); together at most 20, the author excluded; each gets a comment.mentioned event'),
  official: z.boolean().optional().describe('Secret key or operator only: post as an official reply (badge "operator")'),
});
export type CommentInput = z.infer<typeof CommentBody>;
export const EditCommentBody = z.strictObject({
  body: Body,
  mentions: z.array(UserId).max(20).optional().describe('Replaces the explicit list (omitted: kept); the @handles of the new body are read again. Only users not mentioned before get comment.mentioned'),
});

export const REPORT_REASONS = ['spam', 'abuse', 'porn', 'violence', 'illegal', 'misinformation', 'copyright', 'other'] as const;
export const ReportBody = ActingUser.extend({ reason: z.enum(REPORT_REASONS), note: cleanText(0, 500).optional() });
export const DecisionBody = z.strictObject({ action: z.enum(['approve', 'hide', 'delete']), note: cleanText(0, 500).optional() });
export const BlockBody = z.strictObject({
  reason: cleanText(0, 500).optional(),
  until: dateTime().optional().describe('Lift the block at this time; absent = until unblocked'),
});

export const CommentSort = z.enum(['hot', 'new', 'top']);

// ---- discovery --------------------------------------------------------------------------------

export const Period = z.enum(PERIODS as ['day', 'week', 'month', 'all']);
export const DateString = localDate();

export const SlotBody = z.strictObject({ key: SlotKey, title: cleanText(1, 100), description: cleanText(0, 500).nullable().optional() });
export const SlotPatch = z.strictObject({ title: cleanText(1, 100).optional(), description: cleanText(0, 500).nullable().optional() });
export const SlotItemsBody = z.strictObject({
  items: z
    .array(
      z.strictObject({
        kind: Kind,
        subject_id: externalId('subject_id'),
        starts_at: dateTime().nullable().optional(),
        ends_at: dateTime().nullable().optional(),
        note: cleanText(0, 200).nullable().optional(),
      }),
    )
    .max(200)
    .describe('The whole ordered list (replaces the current one); subjects must exist'),
});
export type SlotItemsInput = z.infer<typeof SlotItemsBody>['items'];
