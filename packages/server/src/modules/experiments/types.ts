// Inputs of the experiments API.
import { z } from 'zod';
import { cleanText } from '../../http/json.ts';
import { ConditionsSchema } from '../../lib/conditions.ts';

const EventName = z.string().min(1).max(200).regex(/^[^\u0000-\u001f\u007f]+$/, 'no control characters');
const Key = z.string().min(1).max(64).regex(/^[a-z0-9][a-z0-9_.-]*$/, 'lowercase letters, digits, _ . -');
const Path = z.string().min(1).max(200).regex(/^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*$/, 'a dot path such as amount');

const Variants = z
  .array(z.strictObject({ key: Key.refine((k) => k !== 'holdout', 'holdout is reserved'), weight: z.number().int().min(1).max(1000).default(1) }))
  .min(2)
  .max(10)
  .refine((v) => new Set(v.map((x) => x.key)).size === v.length, 'variant keys must differ')
  .describe('The first variant is the control the others are compared with');

const Goal = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('conversion'), event: EventName, conditions: ConditionsSchema.default({}), within_days: z.number().int().min(1).max(90).default(7) }).describe('Converted: did the event within N days of exposure'),
  z.strictObject({ kind: z.literal('mean'), event: EventName, property: Path, conditions: ConditionsSchema.default({}), within_days: z.number().int().min(1).max(90).default(7) }).describe('Per exposed user: the sum of the numeric property over the event within N days (0 when none)'),
]);

export const ExperimentBody = z.strictObject({
  key: Key.describe('Stable key, unique in the app'),
  name: cleanText(1, 200),
  description: cleanText(0, 2000).nullish(),
  variants: Variants,
  holdout_percent: z.number().int().min(0).max(50).default(0).describe('Users never exposed to any variant, measured as a baseline'),
  target: z
    .strictObject({ kind: z.enum(['campaign', 'earn_rule', 'message', 'workflow', 'other']), id: z.string().min(1).max(128).nullish() })
    .default({ kind: 'other' })
    .describe('What the variants change, for the record; the host or the feature asks for the assignment'),
  goal: Goal,
});
export type ExperimentInput = z.infer<typeof ExperimentBody>;

export const ExperimentPatch = z.strictObject({
  name: cleanText(1, 200).optional(),
  description: cleanText(0, 2000).nullish(),
  variants: Variants.optional(),
  holdout_percent: z.number().int().min(0).max(50).optional(),
  goal: Goal.optional(),
});
export type ExperimentPatchInput = z.infer<typeof ExperimentPatch>;
