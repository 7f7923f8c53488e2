import { z } from 'zod';
import { cleanText } from '../../http/json.ts';
import { externalId } from '../../http/route.ts';
import { QUESTION_TYPES } from './rules/questions.ts';
import { TRAIT_OPS } from './rules/targeting.ts';
import { dateTime } from '../../http/fields.ts';

const ref = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, _ or -');
const scalar = z.union([z.string().max(64), z.number()]);

const Condition = z.strictObject({
  equals: scalar.optional(),
  in: z.array(scalar).min(1).max(50).optional(),
  gte: z.number().optional(),
  lte: z.number().optional(),
});

export const QuestionIn = z
  .strictObject({
    id: ref.describe('Stable id, used by answers, branches and the CSV header'),
    type: z.enum(QUESTION_TYPES).describe('single, multiple, text, rating (1-5), nps (0-10), csat (1-5), date (YYYY-MM-DD)'),
    title: cleanText(1, 500),
    description: cleanText(1, 2000).optional(),
    required: z.boolean().default(true),
    options: z
      .array(z.strictObject({ id: ref, text: cleanText(1, 200) }))
      .min(2)
      .max(50)
      .optional()
      .describe('single / multiple only'),
    max_choices: z.int().min(1).max(50).optional().describe('multiple only'),
    branches: z
      .array(z.strictObject({ when: Condition, goto: ref.describe('A later question id, or "end"') }))
      .max(20)
      .optional()
      .describe('After this question: the first branch whose condition matches the answer jumps forward; otherwise the next question'),
  })
  .meta({ id: 'SurveyQuestion' });

const TraitRuleIn = z.strictObject({ key: z.string().min(1).max(100), op: z.enum(TRAIT_OPS), value: z.union([z.string().max(500), z.number(), z.boolean(), z.array(z.union([z.string().max(500), z.number(), z.boolean()])).max(100)]).optional() });

export const TargetingIn = z
  .strictObject({
    traits: z.array(TraitRuleIn).max(20).optional().describe('All must hold for the user’s traits'),
    segment_id: z.string().min(1).max(64).optional().describe('Only members of this segment (needs the segments capability)'),
  })
  .meta({ id: 'SurveyTargeting' });

const when = dateTime();

export const CreateSurveyBody = z.strictObject({
  name: cleanText(1, 200),
  description: cleanText(1, 5000).optional(),
  status: z.enum(['draft', 'active']).default('draft'),
  questions: z.array(QuestionIn).min(1).max(100),
  targeting: TargetingIn.optional(),
  trigger_event: z.string().min(1).max(200).optional().describe('Show only after the user did this event'),
  recurrence_days: z.int().min(1).max(3650).optional().describe('Ask again every N days; omit to ask once per user'),
  quota: z.int().min(1).max(10_000_000).optional().describe('Stop after this many completed responses'),
  points: z.int().min(1).max(1_000_000).optional().describe('Points for completing (announced in the survey.completed event)'),
  starts_at: when.optional(),
  ends_at: when.optional(),
});
export type CreateSurveyInput = z.infer<typeof CreateSurveyBody>;

export const UpdateSurveyBody = z.strictObject({
  name: cleanText(1, 200).optional(),
  description: cleanText(1, 5000).nullable().optional(),
  status: z.enum(['draft', 'active', 'paused', 'closed']).optional(),
  questions: z.array(QuestionIn).min(1).max(100).optional().describe('Only while the survey has no responses'),
  targeting: TargetingIn.optional(),
  trigger_event: z.string().min(1).max(200).nullable().optional(),
  recurrence_days: z.int().min(1).max(3650).nullable().optional(),
  quota: z.int().min(1).max(10_000_000).nullable().optional(),
  points: z.int().min(1).max(1_000_000).nullable().optional(),
  starts_at: when.nullable().optional(),
  ends_at: when.nullable().optional(),
});
export type UpdateSurveyInput = z.infer<typeof UpdateSurveyBody>;

export const SettingsBody = z.strictObject({ recontact_days: z.int().min(0).max(3650).describe('Days between two surveys shown to one user, across all surveys (0 = no wait)') });

export const NextBody = z.strictObject({
  user_id: externalId('user_id').optional().describe('Required with a secret key'),
  event: z.string().min(1).max(200).optional().describe('The event the user just did, for surveys triggered by it'),
});

export const AnswerIn = z.strictObject({
  question_id: z.string().min(1).max(64),
  value: z.union([z.string().max(5000), z.number(), z.array(z.string().max(64)).max(50), z.null()]).describe('Option id (single), option ids (multiple), number (rating/nps/csat), text, or YYYY-MM-DD; null clears an optional answer'),
});

export const RespondBody = z.strictObject({
  user_id: externalId('user_id').optional().describe('Required with a secret key'),
  answers: z.array(AnswerIn).max(100).default([]),
  complete: z.boolean().default(false).describe('false saves a partial response; true completes it (all required questions on the path answered)'),
});

export const SurveyIdParams = z.strictObject({ surveyId: z.string().min(1).max(64) });

export const SurveyOut = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    status: z.enum(['draft', 'active', 'paused', 'closed']),
    questions: z.array(z.record(z.string(), z.unknown())),
    targeting: z.record(z.string(), z.unknown()),
    trigger_event: z.string().nullable(),
    recurrence_days: z.number().nullable(),
    quota: z.number().nullable(),
    completed: z.number(),
    points: z.number().nullable(),
    starts_at: z.string().nullable(),
    ends_at: z.string().nullable(),
    created_by: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'Survey' });

export const ResponseOut = z
  .object({
    id: z.string(),
    survey_id: z.string(),
    user_id: z.string(),
    round: z.number(),
    status: z.enum(['partial', 'completed']),
    answers: z.record(z.string(), z.union([z.string(), z.number(), z.array(z.string())])),
    next_question_id: z.string().nullable().describe('The next required question on the branching path; null when the path is complete'),
    started_at: z.string(),
    completed_at: z.string().nullable(),
  })
  .meta({ id: 'SurveyResponse' });
