import { z } from 'zod';
import { cleanText } from '../../http/json.ts';
import { externalId } from '../../http/route.ts';
import { ConditionsSchema, UserChoiceSchema } from '../../lib/conditions.ts';
import { isTimeZone } from '../../lib/localtime.ts';
import { dateTime } from '../../http/fields.ts';

export const TypeKey = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,31}$/, 'must be 1-32 lowercase letters, digits or _, starting with a letter')
  .describe('Point type key, e.g. points, growth, makeup_card');

export const TimeZone = z.string().max(64).refine(isTimeZone, 'must be an IANA time zone such as Asia/Shanghai');

export const ExpiryPolicy = z
  .discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('never') }),
    z.strictObject({ kind: z.literal('days'), days: z.number().int().min(1).max(36_500) }),
    z.strictObject({
      kind: z.literal('end_of_year'),
      years_after: z.number().int().min(0).max(10).default(1).describe('0 = end of this year, 1 = end of next year'),
      timezone: TimeZone.default('UTC'),
    }),
  ])
  .describe('When credits of this type expire: never, N days after they are earned, or at the end of a local year');

export const IdempotencyKey = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[\x21-\x7e]+$/, 'must be 1-255 visible ASCII characters')
  .describe('Makes the change happen once: a replay returns the original entry');

/** Entry amounts: positive whole numbers; PostgreSQL bigint holds far more, these bound mistakes. */
export const Amount = z.number().int().min(1).max(1_000_000_000);

export const TypeParams = z.strictObject({ type: TypeKey });
export const UserParams = z.strictObject({ userId: externalId('userId') });
export const UserTypeParams = z.strictObject({ userId: externalId('userId'), type: TypeKey });

export const PutTypeBody = z.strictObject({
  name: cleanText(1, 100),
  description: cleanText(0, 1000).nullish(),
  expiry: ExpiryPolicy.default({ kind: 'never' }),
});
export type PutTypeInput = z.infer<typeof PutTypeBody>;

const Source = z.strictObject({
  type: cleanText(1, 64).describe('What caused the change, e.g. order, campaign, event'),
  id: cleanText(1, 255).describe("The source's id in the host app or in Canyu"),
});

export const EarnBody = z.strictObject({
  type: TypeKey,
  amount: Amount,
  idempotency_key: IdempotencyKey,
  reason: cleanText(1, 500).optional(),
  source: Source.optional(),
  expires_at: dateTime().optional().describe("Overrides the type's expiry policy for this credit"),
  expires_in_days: z.number().int().min(1).max(36_500).optional().describe("Overrides the type's expiry policy for this credit"),
});
export type EarnBodyInput = z.infer<typeof EarnBody>;

export const SpendBody = z.strictObject({
  type: TypeKey,
  amount: Amount,
  idempotency_key: IdempotencyKey,
  reason: cleanText(1, 500).optional(),
  source: Source.optional(),
});
export type SpendBodyInput = z.infer<typeof SpendBody>;

export const AdjustBody = z.strictObject({
  type: TypeKey,
  amount: z
    .number()
    .int()
    .min(-1_000_000_000)
    .max(1_000_000_000)
    .refine((n) => n !== 0, 'must not be 0')
    .describe('Positive credits, negative debits'),
  reason: cleanText(1, 500).describe('Why: kept in the ledger and the audit log'),
  idempotency_key: IdempotencyKey,
});
export type AdjustBodyInput = z.infer<typeof AdjustBody>;

export const EntryKindEnum = z.enum(['earn', 'spend', 'adjust', 'expire', 'refund']);

export const HistoryQuery = {
  type: TypeKey.optional(),
  kind: EntryKindEnum.optional(),
  source_type: z.string().min(1).max(64).optional(),
  source_id: z.string().min(1).max(255).optional(),
  rule_id: z.string().min(1).max(64).optional(),
};

const Conditions = ConditionsSchema;

const Cap = z.number().int().min(1).max(1_000_000_000);

const RuleUser = UserChoiceSchema;

const ArmKey = z.string().min(1).max(64).regex(/^[a-z0-9][a-z0-9_.-]*$/, 'an arm key of the experiment');
const RuleExperiment = z
  .strictObject({
    id: z.string().min(1).max(128).describe('The experiment (id or key, POST /v1/experiments)'),
    amounts: z.record(ArmKey, Amount).default({}).describe('Points per arm; arms not named earn the rule’s amount'),
  })
  .describe('Runs the rule as an A/B test: it grants only while the experiment runs, never to its holdout (whose users are recorded as the baseline), and each arm earns its own amount');

export const RuleBody = z.strictObject({
  name: cleanText(1, 200),
  event: z.string().min(1).max(200).describe('Event name the rule reacts to'),
  source: z.enum(['event', 'domain']).default('event').describe('`event`: events tracked through POST /v1/events; `domain`: Canyu domain events (e.g. checkin.completed)'),
  conditions: Conditions.default({}),
  user: RuleUser.default('actor'),
  type: TypeKey,
  amount: Amount,
  daily_cap: Cap.nullish().describe('Most points one user gets from this rule per day (in `timezone`)'),
  weekly_cap: Cap.nullish().describe('Most points one user gets from this rule per ISO week'),
  total_cap: Cap.nullish().describe('Most points the rule grants in total, across users'),
  timezone: TimeZone.default('UTC'),
  expires_in_days: z.number().int().min(1).max(36_500).nullish().describe("Overrides the type's expiry policy"),
  active: z.boolean().default(true),
  experiment: RuleExperiment.nullish(),
});
export type RuleInput = z.infer<typeof RuleBody>;

export const RulePatch = z.strictObject({
  name: cleanText(1, 200).optional(),
  conditions: Conditions.optional(),
  user: RuleUser.optional(),
  amount: Amount.optional(),
  daily_cap: Cap.nullable().optional(),
  weekly_cap: Cap.nullable().optional(),
  total_cap: Cap.nullable().optional(),
  timezone: TimeZone.optional(),
  expires_in_days: z.number().int().min(1).max(36_500).nullable().optional(),
  active: z.boolean().optional(),
  experiment: RuleExperiment.nullable().optional().describe('null takes the rule out of its experiment (e.g. to roll the winning amount out to everyone)'),
});
export type RulePatchInput = z.infer<typeof RulePatch>;

export const RuleParams = z.strictObject({ ruleId: z.string().min(1).max(64) });

// ---- outputs ------------------------------------------------------------------------------------

export const EntryOut = z
  .object({
    id: z.string().describe('Ledger entry id'),
    user_id: z.string(),
    type: z.string(),
    kind: EntryKindEnum,
    amount: z.number().describe('Signed: credits positive, debits negative'),
    balance_after: z.number(),
    reason: z.string().nullable(),
    source: z.object({ type: z.string(), id: z.string().nullable() }).nullable().describe('What caused the entry'),
    rule_id: z.string().nullable(),
    idempotency_key: z.string(),
    actor: z.object({ type: z.string(), id: z.string().nullable() }),
    expires_at: z.string().nullable().describe('Credits: when these points expire'),
    lots: z.array(z.object({ lot_id: z.string(), amount: z.number(), expires_at: z.string().nullable() })).nullable().describe('Debits: the credits consumed, soonest-expiring first'),
    refund_of: z.string().nullable().describe('Refunds: the id of the debit entry given back (each debit at most once)'),
    created_at: z.string(),
  })
  .meta({ id: 'PointsEntry' });

export const EntryResultOut = EntryOut.extend({ replayed: z.boolean().describe('True when the idempotency key was used before: this is the original entry') });

export const ExpiringOut = z.object({ expires_at: z.string(), amount: z.number() });

export const BalanceOut = z
  .object({
    type: z.string(),
    balance: z.number(),
    earned: z.number().describe('Lifetime credits (earn and positive adjustments)'),
    spent: z.number(),
    expired: z.number(),
    expiring: z.array(ExpiringOut).describe('Upcoming expiries, soonest first'),
  })
  .meta({ id: 'PointsBalance' });

export const TypeOut = z
  .object({
    key: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    expiry: z.unknown(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'PointsType' });

export const RuleOut = z
  .object({
    id: z.string(),
    name: z.string(),
    source: z.enum(['event', 'domain']),
    event: z.string(),
    conditions: z.record(z.string(), z.unknown()),
    user: z.string(),
    type: z.string(),
    amount: z.number(),
    daily_cap: z.number().nullable(),
    weekly_cap: z.number().nullable(),
    total_cap: z.number().nullable(),
    timezone: z.string(),
    expires_in_days: z.number().nullable(),
    active: z.boolean(),
    experiment: z.object({ id: z.string(), amounts: z.record(z.string(), z.number()) }).nullable().describe('The A/B test the rule belongs to, if any'),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'PointsRule' });

export const LeaderboardQuery = z.strictObject({
  type: TypeKey.describe('The point type ranked'),
  period: z.enum(['day', 'week', 'month', 'all']).default('week').describe('The current calendar day, ISO week (Monday first) or month in `timezone`, or all time'),
  timezone: TimeZone.default('UTC').describe('Where the period\'s days begin and end, e.g. Asia/Shanghai'),
  rank_by: z.enum(['earned', 'balance']).default('earned').describe('Points earned (earn entries and positive adjustments) in the period, or the current balance (period=all only)'),
  limit: z.coerce.number().int().min(1).max(100).default(10),
  user_id: externalId('user_id').optional().describe("Also answer this user's exact rank (with a user token: defaults to the token's user)"),
});
