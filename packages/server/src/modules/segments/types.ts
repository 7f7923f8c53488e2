// Inputs of the segments API: a segment is a name and a tree of rules (AND/OR groups).
import { z } from 'zod';
import { cleanText } from '../../http/json.ts';
import { ConditionsSchema } from '../../lib/conditions.ts';
import { RFM_CLASS_NAMES, type RfmClass } from './rules/rfm.ts';

const EventName = z.string().min(1).max(200).regex(/^[^\u0000-\u001f\u007f]+$/, 'no control characters');
const Path = z.string().min(1).max(200).regex(/^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*$/, 'a dot path such as amount or order.total');
const bounds = {
  min: z.number().min(-1e15).max(1e15).optional().describe('At least (inclusive)'),
  max: z.number().min(-1e15).max(1e15).optional().describe('At most (inclusive)'),
};
const withBounds = <T extends z.ZodType<{ min?: number | undefined; max?: number | undefined }>>(s: T) =>
  s.refine((r) => r.min !== undefined || r.max !== undefined, { message: 'give min, max or both', path: ['min'] }).refine((r) => r.min === undefined || r.max === undefined || r.min <= r.max, { message: 'min must not exceed max', path: ['max'] });

/** Coupon statuses as the coupons module models them (`redeemed` = used). */
export const COUPON_STATUSES = ['available', 'redeemed', 'expired', 'revoked'] as const;
const Id = z.string().min(1).max(64);
const EventNames = (what: string) => z.array(EventName).min(1).max(50).describe(`Host event names that count as ${what}`);
const LevelNumber = z.number().int().min(0).max(100_000);

export const Rule = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('traits'), conditions: ConditionsSchema.describe("Conditions on the user's traits (POST /v1/users/{id})") }),
  withBounds(
    z.strictObject({
      kind: z.literal('event_count'),
      event: EventName.describe('A host event name sent to POST /v1/events'),
      conditions: ConditionsSchema.default({}).describe("Conditions on the event's properties"),
      within_days: z.number().int().min(1).max(365).describe('Rolling window: the last N days'),
      ...bounds,
    }),
  ),
  withBounds(
    z.strictObject({
      kind: z.literal('event_sum'),
      event: EventName,
      property: Path.describe('The numeric property summed, e.g. amount'),
      conditions: ConditionsSchema.default({}),
      within_days: z.number().int().min(1).max(365),
      ...bounds,
    }),
  ),
  withBounds(z.strictObject({ kind: z.literal('points_balance'), points_type: z.string().min(1).max(64), ...bounds })),
  z.strictObject({ kind: z.literal('segment'), segment_id: z.string().min(1).max(64), member: z.boolean().default(true).describe('false: users NOT in that segment') }),
  z.strictObject({
    kind: z.literal('rfm_class'),
    classes: z.array(z.enum(RFM_CLASS_NAMES as [RfmClass, ...RfmClass[]])).min(1).max(8).describe('Users whose RFM class (at the last RFM computation) is one of these'),
  }),
  z
    .strictObject({
      kind: z.literal('level'),
      equals: LevelNumber.optional().describe('Exactly this level'),
      min: LevelNumber.optional().describe('At least this level (inclusive)'),
      max: LevelNumber.optional().describe('At most this level (inclusive)'),
    })
    .describe("The user's level in the app's gamification levels (PUT /v1/gamification/levels); a user never levelled is at the level a growth of 0 reaches")
    .refine((r) => r.equals !== undefined || r.min !== undefined || r.max !== undefined, { message: 'give equals, or min, max or both', path: ['equals'] })
    .refine((r) => r.equals === undefined || (r.min === undefined && r.max === undefined), { message: 'give equals alone, or min/max', path: ['equals'] })
    .refine((r) => r.min === undefined || r.max === undefined || r.min <= r.max, { message: 'min must not exceed max', path: ['max'] }),
  z
    .strictObject({
      kind: z.literal('badge'),
      badge_id: Id.optional().describe('The badge by id'),
      badge_key: z.string().min(1).max(100).optional().describe('Or by its key'),
      has: z.boolean().default(true).describe('false: users who do NOT have it'),
    })
    .refine((r) => (r.badge_id === undefined) !== (r.badge_key === undefined), { message: 'give badge_id or badge_key (one of them)', path: ['badge_id'] }),
  z.strictObject({
    kind: z.literal('coupon'),
    template_id: Id.describe('The coupon template'),
    status: z.enum(COUPON_STATUSES).default('available').describe('available (held, not used, not expired), redeemed (used), expired or revoked'),
    has: z.boolean().default(true).describe('false: users with NO coupon of the template in that status'),
  }),
  z.strictObject({
    kind: z.literal('lurker'),
    days: z.number().int().min(1).max(365).describe('Look back this many days'),
    visit_events: EventNames('a visit (default: any event)').optional(),
    interaction_events: z.array(EventName).max(50).default([]).describe('Host event names that count as an interaction besides Canyu’s own (likes, comments, check-ins… always count)'),
  }),
  z.strictObject({
    kind: z.literal('churn_risk'),
    recent_days: z.number().int().min(1).max(90).default(14).describe('The recent period'),
    baseline_days: z.number().int().min(1).max(365).default(56).describe('The period before it: each user’s own baseline'),
    min_baseline_days: z.number().int().min(1).max(365).default(4).describe('Only users active on at least this many days of the baseline'),
    min_drop: z.number().min(0.01).max(1).default(0.5).describe('Drop of active days against the baseline (scaled to the recent period), 0.5 = halved'),
  }),
  z.strictObject({ kind: z.literal('core_user'), core: z.boolean().default(true).describe('true: core users (the top share by the core-user score); false: the others') }),
]).meta({ id: 'SegmentRule' });
export type RuleInput = z.infer<typeof Rule>;

export type GroupInput = { all: (RuleInput | GroupInput)[] } | { any: (RuleInput | GroupInput)[] };

const node = (depth: number): z.ZodType<RuleInput | GroupInput> => (depth === 0 ? Rule : z.union([Rule, group(depth - 1)]));
const group = (depth: number): z.ZodType<GroupInput> =>
  z.union([z.strictObject({ all: z.array(node(depth)).min(1).max(20) }), z.strictObject({ any: z.array(node(depth)).min(1).max(20) })]) as z.ZodType<GroupInput>;

/** At most three levels of groups: `{ "all": [rule, { "any": [rule, rule] }] }`. */
export const Rules = group(2).describe('{ "all": [...] } (every one holds) or { "any": [...] } (at least one), of rules or nested groups, up to 3 levels and 20 items each');

export const SegmentBody = z.strictObject({
  name: cleanText(1, 200),
  description: cleanText(0, 2000).nullish(),
  rules: Rules,
});
export type SegmentInput = z.infer<typeof SegmentBody>;

export const SegmentPatch = z.strictObject({
  name: cleanText(1, 200).optional(),
  description: cleanText(0, 2000).nullish(),
  rules: Rules.optional(),
});
export type SegmentPatchInput = z.infer<typeof SegmentPatch>;

/** `traits=plan,address.city`: one CSV column per trait path (at most 50, each a dot path). */
export const MembersExportQuery = z.strictObject({
  traits: z
    .string()
    .max(4000)
    .optional()
    .transform((s, c): string[] | undefined => {
      if (s === undefined) return undefined;
      const paths = [...new Set(s.split(',').map((p) => p.trim()))];
      if (paths.length > 50) c.addIssue({ code: 'custom', message: 'at most 50 trait paths' });
      for (const p of paths) if (!Path.safeParse(p).success) c.addIssue({ code: 'custom', message: `"${p.slice(0, 60)}" is not a trait path such as plan or address.city` });
      return paths;
    })
    .describe('Comma-separated trait paths, one column each (e.g. `plan,address.city`); without it, one `traits` column holds all traits as JSON'),
});
