import { z } from 'zod';
import { cleanText, jsonObject } from '../../http/json.ts';
import { externalId } from '../../http/route.ts';
import { STATUSES } from './rules/status.ts';
import { USER_TEXT_NOTE } from '../../lib/text.ts';

export const POST_TYPES = ['idea', 'bug', 'question'] as const;
export type PostType = (typeof POST_TYPES)[number];
export const VISIBILITIES = ['public', 'private'] as const;

const httpUrl = z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).max(2048);
const tag = cleanText(1, 50).regex(/^[^,\s][^,]*$/, 'a tag must not contain commas or start with a space');
const operatorId = z.string().min(1).max(64);

export const BoardIdParams = z.strictObject({ boardId: z.string().min(1).max(64) });
export const PostIdParams = z.strictObject({ postId: z.string().min(1).max(64) });

export const CreateBoardBody = z.strictObject({
  name: cleanText(1, 200),
  description: cleanText(1, 5000).optional(),
  visibility: z.enum(VISIBILITIES).default('public').describe('private: only operators see the posts (each author still sees their own)'),
  default_assignee: operatorId.optional().describe('Operator id new posts are assigned to'),
});
export type CreateBoardInput = z.infer<typeof CreateBoardBody>;

export const UpdateBoardBody = z.strictObject({
  name: cleanText(1, 200).optional(),
  description: cleanText(1, 5000).nullable().optional(),
  visibility: z.enum(VISIBILITIES).optional(),
  default_assignee: operatorId.nullable().optional(),
});
export type UpdateBoardInput = z.infer<typeof UpdateBoardBody>;

export const BugIn = z.strictObject({
  steps: cleanText(1, 10_000).optional().describe('Steps to reproduce'),
  app_version: cleanText(1, 100).optional(),
  device: jsonObject({ maxBytes: 4096, what: 'device' }).optional().describe('Device info, e.g. {"os":"iOS 17.4","model":"iPhone 15"}'),
  attachment_urls: z.array(httpUrl).max(20).optional(),
});

export const CreatePostBody = z.strictObject({
  user_id: externalId('user_id').optional().describe('The author; required with a secret key'),
  type: z.enum(POST_TYPES).default('idea'),
  title: cleanText(1, 300),
  body: cleanText(1, 20_000).optional(),
  tags: z.array(tag).max(20).optional(),
  category: cleanText(1, 100).optional(),
  bug: BugIn.optional().describe('Bug reports only: steps, app version, device info, attachments'),
});
export type CreatePostInput = Omit<z.infer<typeof CreatePostBody>, 'user_id'>;

export const UpdatePostBody = z.strictObject({
  title: cleanText(1, 300).optional(),
  body: cleanText(1, 20_000).nullable().optional(),
  tags: z.array(tag).max(20).optional(),
  category: cleanText(1, 100).nullable().optional(),
  assignee: operatorId.nullable().optional().describe('Operator id responsible for the post'),
});
export type UpdatePostInput = z.infer<typeof UpdatePostBody>;

export const StatusBody = z.strictObject({
  status: z.enum(STATUSES),
  note: cleanText(1, 5000).describe('Why; shown in the post history, the changelog and the notification'),
});

export const UserBody = z.strictObject({ user_id: externalId('user_id').optional().describe('Required with a secret key') });

export const CommentBody = z.strictObject({
  user_id: externalId('user_id').optional().describe('The commenting user; required with a secret key. Operator sessions comment officially.'),
  body: cleanText(1, 10_000),
});
export const ResponseBody = z.strictObject({ body: cleanText(1, 10_000) });
export const MergeBody = z.strictObject({ into_post_id: z.string().min(1).max(64).describe('The post that is kept') });

export const ListPostsQuery = {
  status: z.enum(STATUSES).optional(),
  type: z.enum(POST_TYPES).optional(),
  tag: z.string().min(1).max(50).optional(),
  category: z.string().min(1).max(100).optional(),
  author_id: externalId('author_id').optional(),
  assignee: operatorId.optional(),
  sort: z.enum(['top', 'new']).default('top').describe('top: most votes first; new: newest first'),
};

export const CommentOut = z
  .object({ id: z.string(), post_id: z.string(), author_type: z.string(), author_id: z.string(), official: z.boolean(), body: z.string().describe(USER_TEXT_NOTE), created_at: z.string() })
  .meta({ id: 'FeedbackComment' });

export const BoardOut = z
  .object({ id: z.string(), name: z.string(), description: z.string().nullable(), visibility: z.enum(VISIBILITIES), default_assignee: z.string().nullable(), created_at: z.string(), updated_at: z.string() })
  .meta({ id: 'FeedbackBoard' });

export const PostOut = z
  .object({
    id: z.string(),
    board_id: z.string(),
    type: z.enum(POST_TYPES),
    title: z.string().describe(USER_TEXT_NOTE),
    body: z.string().nullable().describe(USER_TEXT_NOTE),
    tags: z.array(z.string()),
    category: z.string().nullable(),
    bug: z.object({ steps: z.string().optional(), app_version: z.string().optional(), device: z.record(z.string(), z.unknown()).optional(), attachment_urls: z.array(z.string()).optional() }).nullable(),
    author_id: z.string(),
    status: z.enum(STATUSES),
    status_changed_at: z.string().nullable(),
    votes: z.number(),
    vote_weight: z.number().describe('Sum of vote weights (1 per vote unless a weight provider is configured)'),
    followers: z.number(),
    comments: z.number(),
    merged_into: z.string().nullable(),
    response: CommentOut.nullable().describe('The official response, pinned'),
    assignee: z.string().nullable(),
    first_response_at: z.string().nullable(),
    my_vote: z.boolean().nullable().describe('Whether the acting user voted; null when no user is known'),
    following: z.boolean().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'FeedbackPost' });

export const StatusChangeOut = z
  .object({ post_id: z.string(), board_id: z.string(), title: z.string(), from: z.enum(STATUSES), to: z.enum(STATUSES), note: z.string(), created_at: z.string() })
  .meta({ id: 'FeedbackStatusChange' });
