import { z } from 'zod';
import { cleanText } from '../../http/json.ts';
import { externalId } from '../../http/route.ts';
import { dateTime } from '../../http/fields.ts';
import { USER_TEXT_NOTE } from '../../lib/text.ts';

const httpUrl = z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).max(2048);
const id = z.string().min(1).max(64);

export const CampaignIdParams = z.strictObject({ campaignId: id });
export const EntryIdParams = z.strictObject({ entryId: id });

export const CreateCampaignBody = z
  .strictObject({
    kind: z.enum(['story', 'hashtag']).describe('story: users submit stories (用户故事征集); hashtag: host posts carrying the hashtag are collected'),
    title: cleanText(1, 200),
    description: cleanText(1, 5000).optional(),
    hashtag: cleanText(1, 52).optional().describe('hashtag campaigns: e.g. "#星巴克猫爪杯#" or "#StarbucksCup" (case and # do not matter)'),
    source_event: z.string().min(1).max(200).default('post.created').describe('hashtag campaigns: the ingested event carrying a host post (properties: text, image_urls, post_id)'),
    moderation: z.enum(['pre', 'post']).default('pre').describe('pre: entries wait for approval; post: shown at once, may be rejected later'),
    ends_at: dateTime().optional(),
  })
  .refine((b) => b.kind !== 'hashtag' || b.hashtag !== undefined, { path: ['hashtag'], message: 'a hashtag campaign needs its hashtag' });
export type CreateCampaignInput = z.infer<typeof CreateCampaignBody>;

export const UpdateCampaignBody = z.strictObject({
  title: cleanText(1, 200).optional(),
  description: cleanText(1, 5000).nullable().optional(),
  status: z.enum(['open', 'closed']).optional(),
  moderation: z.enum(['pre', 'post']).optional(),
  ends_at: dateTime().nullable().optional(),
});
export type UpdateCampaignInput = z.infer<typeof UpdateCampaignBody>;

export const SubmitBody = z.strictObject({
  user_id: externalId('user_id').optional().describe('Required with a secret key'),
  text: cleanText(1, 10_000),
  image_urls: z.array(httpUrl).max(20).default([]),
  source_ref: z.string().min(1).max(255).optional().describe('Your own id for the story or post; a repeat with the same id returns the same entry'),
});

export const ModerateBody = z.strictObject({ decision: z.enum(['approve', 'reject']), reason: cleanText(1, 1000).optional() });
export const FeatureBody = z.strictObject({ featured: z.boolean() });
export const UserBody = z.strictObject({ user_id: externalId('user_id').optional().describe('Required with a secret key') });

export const WinnersBody = z
  .strictObject({
    prize: cleanText(1, 200).describe('What the winners get, e.g. "星巴克星礼卡 100 元"'),
    entry_ids: z.array(id).min(1).max(100).optional().describe('Picked by an operator, in rank order'),
    top_likes: z.int().min(1).max(100).optional().describe('Or by rule: the N most liked approved entries (earlier entries win ties)'),
  })
  .refine((b) => (b.entry_ids === undefined) !== (b.top_likes === undefined), { path: ['entry_ids'], message: 'send either entry_ids or top_likes' });

export const CampaignOut = z
  .object({
    id: z.string(),
    kind: z.enum(['story', 'hashtag']),
    title: z.string(),
    description: z.string().nullable(),
    hashtag: z.string().nullable(),
    source_event: z.string().nullable(),
    moderation: z.enum(['pre', 'post']),
    status: z.enum(['open', 'closed']),
    ends_at: z.string().nullable(),
    created_at: z.string(),
  })
  .meta({ id: 'StoryCampaign' });

export const EntryOut = z
  .object({
    id: z.string(),
    campaign_id: z.string(),
    user_id: z.string(),
    text: z.string().describe(USER_TEXT_NOTE),
    image_urls: z.array(z.string()),
    source: z.enum(['submission', 'hashtag']),
    source_ref: z.string().nullable(),
    status: z.enum(['pending', 'approved', 'rejected']),
    featured: z.boolean(),
    likes: z.number(),
    liked: z.boolean().nullable().describe('Whether the acting user liked it; null when no user is known'),
    reject_reason: z.string().nullable(),
    created_at: z.string(),
  })
  .meta({ id: 'StoryEntry' });

export const WinnerOut = z.object({ entry_id: z.string(), user_id: z.string(), rank: z.number(), prize: z.string(), picked_by: z.string(), awarded_at: z.string() }).meta({ id: 'StoryWinner' });
