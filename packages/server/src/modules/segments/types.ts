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
  z.strictObject({ kind: z.literal('core_user'), core: z.boolean().default(true).describe('true: core users (the top share by the core-user score); false: the others') }),
]);
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
