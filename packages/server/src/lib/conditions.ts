// The one condition language of every rule (earn rules, tasks, messaging rules, automation):
// `{ "<dot.path>": <expected> }`, all of which must hold. `<expected>` is a value the property must
// equal (strictly: "1" is not 1), or an operator object:
//   { "eq": v } { "ne": v } { "in": [v…] } { "nin": [v…] } { "gt": n } { "gte": n } { "lt": n }
//   { "lte": n } { "exists": true|false } { "contains": "text" }
// Several operators in one object must all hold ({ "gte": 10, "lt": 100 }). Pure, no I/O.
import { z } from 'zod';

type Scalar = string | number | boolean;
export type Operator = { eq?: Scalar; ne?: Scalar; in?: Scalar[]; nin?: Scalar[]; gt?: number; gte?: number; lt?: number; lte?: number; exists?: boolean; contains?: string };
export type Conditions = Record<string, Scalar | Operator>;

const scalar = z.union([z.string().max(500), z.number(), z.boolean()]);
const OperatorSchema = z
  .strictObject({
    eq: scalar.optional(),
    ne: scalar.optional(),
    in: z.array(scalar).min(1).max(100).optional(),
    nin: z.array(scalar).min(1).max(100).optional(),
    gt: z.number().optional(),
    gte: z.number().optional(),
    lt: z.number().optional(),
    lte: z.number().optional(),
    exists: z.boolean().optional(),
    contains: z.string().min(1).max(500).optional(),
  })
  .refine((o) => Object.keys(o).length > 0, 'give at least one operator: eq, ne, in, nin, gt, gte, lt, lte, exists or contains');

/** The zod schema of a conditions object, for every rule's input. */
export const ConditionsSchema = z
  .record(z.string().min(1).max(200), z.union([scalar, OperatorSchema]))
  .refine((o) => Object.keys(o).length <= 20, 'at most 20 conditions')
  .describe(
    'Event properties that must hold, all of them. A value means "equals" (strictly); an object applies operators: eq, ne, in, nin, gt, gte, lt, lte (numbers), exists (true/false), contains (text or list). Dot paths reach nested properties, e.g. {"amount": {"gte": 100}, "channel": {"in": ["app", "web"]}}',
  );

/** Reads `a.b.c` from nested objects; undefined when any step is missing. */
export function readPath(obj: Record<string, unknown>, path: string): unknown {
  let v: unknown = obj;
  for (const k of path.split('.')) {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
    v = (v as Record<string, unknown>)[k];
  }
  return v;
}

function holds(op: Operator, v: unknown): boolean {
  if (op.exists !== undefined && (v !== undefined && v !== null) !== op.exists) return false;
  if (op.eq !== undefined && v !== op.eq) return false;
  if (op.ne !== undefined && v === op.ne) return false;
  if (op.in !== undefined && !op.in.some((x) => x === v)) return false;
  if (op.nin !== undefined && op.nin.some((x) => x === v)) return false;
  const n = typeof v === 'number' && Number.isFinite(v) ? v : null;
  if (op.gt !== undefined && !(n !== null && n > op.gt)) return false;
  if (op.gte !== undefined && !(n !== null && n >= op.gte)) return false;
  if (op.lt !== undefined && !(n !== null && n < op.lt)) return false;
  if (op.lte !== undefined && !(n !== null && n <= op.lte)) return false;
  if (op.contains !== undefined) {
    const c = op.contains;
    if (typeof v === 'string' ? !v.includes(c) : Array.isArray(v) ? !v.includes(c) : true) return false;
  }
  return true;
}

/** Does every condition hold on these properties? */
export function matchesConditions(conditions: Conditions, properties: Record<string, unknown>): boolean {
  for (const [path, expected] of Object.entries(conditions)) {
    const v = readPath(properties, path);
    if (expected !== null && typeof expected === 'object') {
      if (!holds(expected, v)) return false;
    } else if (v !== expected) return false;
  }
  return true;
}

/** Who a rule's effect goes to: "actor", or the property path of a user id or a list of user ids. */
export const UserChoiceSchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[^\u0000-\u001f\u007f]+$/, 'no control characters')
  .describe('Who it is for: "actor" (who did the event, the default) or the property path of a user id or of a list of user ids, e.g. "commentAuthorId" (the author of the liked comment) or "recipients" (each one; up to 1,000)');

/** The user ids at `path`: one id, or each id of a list (distinct, valid ids only, at most `max`). */
export function usersAt(properties: Record<string, unknown>, path: string, max = 1000): string[] {
  const v = readPath(properties, path);
  const ids = (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === 'string' && x.length > 0 && x.length <= 255);
  return [...new Set(ids)].slice(0, max);
}
