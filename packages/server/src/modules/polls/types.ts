import { z } from 'zod';
import { cleanText } from '../../http/json.ts';
import { externalId } from '../../http/route.ts';
import { dateTime } from '../../http/fields.ts';

export const POLL_KINDS = ['single', 'multiple'] as const;
export const VISIBILITIES = ['always', 'after_vote', 'after_close'] as const;
export type Visibility = (typeof VISIBILITIES)[number];

export const httpUrl = z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).max(2048);

const OptionIn = z.strictObject({
  text: cleanText(1, 200),
  image_url: httpUrl.optional(),
});

export const CreatePollBody = z.strictObject({
  question: cleanText(1, 500),
  description: cleanText(1, 5000).optional(),
  kind: z.enum(POLL_KINDS).default('single'),
  max_choices: z.int().min(1).max(50).optional().describe('Multiple choice only: most options one ballot may pick (default: all)'),
  options: z.array(OptionIn).min(2).max(50),
  closes_at: dateTime().optional().describe('Deadline; votes after it are refused'),
  anonymous: z.boolean().default(false).describe('Anonymous polls never reveal who voted for what'),
  results_visibility: z.enum(VISIBILITIES).default('always').describe('When end users may see the counts; secret keys and operators always can'),
  allow_change: z.boolean().default(false).describe('Whether a voter may change or withdraw their vote before the deadline'),
  subject: z
    .strictObject({ kind: cleanText(1, 100), id: externalId('subject.id') })
    .optional()
    .describe('The host content the poll is attached to; omit for a standalone poll'),
});
export type CreatePollInput = z.infer<typeof CreatePollBody>;

export const PollIdParams = z.strictObject({ pollId: z.string().min(1).max(64) });

export const VoteBody = z.strictObject({
  user_id: externalId('user_id').optional().describe('Required with a secret key; a user token votes as its own user'),
  option_ids: z.array(z.string().min(1).max(64)).min(1).max(50),
});

export const OptionOut = z.object({
  id: z.string(),
  text: z.string(),
  image_url: z.string().nullable(),
  votes: z.number().nullable().describe('null while results are hidden from this caller'),
});

export const PollOut = z
  .object({
    id: z.string(),
    question: z.string(),
    description: z.string().nullable(),
    kind: z.enum(POLL_KINDS),
    max_choices: z.number(),
    anonymous: z.boolean(),
    results_visibility: z.enum(VISIBILITIES),
    allow_change: z.boolean(),
    subject: z.object({ kind: z.string(), id: z.string() }).nullable(),
    closes_at: z.string().nullable(),
    closed_at: z.string().nullable(),
    status: z.enum(['open', 'closed']),
    results_visible: z.boolean(),
    voters: z.number().nullable().describe('Users who voted; null while results are hidden'),
    options: z.array(OptionOut),
    my_vote: z.array(z.string()).nullable().describe('Option ids the acting user chose, when a user is known'),
    created_at: z.string(),
  })
  .meta({ id: 'Poll' });
