// The rule condition language in SQL, for stores that filter events by their properties.
import { sql, type SQL } from 'drizzle-orm';
import type { Conditions, Operator } from '../lib/conditions.ts';
import { pgArray } from './raw.ts';

/**
 * The rule condition language (lib/conditions.ts) as SQL over a jsonb column, with the same
 * semantics as matchesConditions: a missing path is "undefined" (SQL NULL), JSON null is a value,
 * equality is strict (1 is not "1"), number operators hold only on numbers, `contains` on text or
 * on a list's elements. analytics/funnel.test.ts holds it to the JavaScript matcher case by case.
 */
export function conditionsSql(conditions: Conditions, col: SQL): SQL {
  const parts: SQL[] = [];
  for (const [path, expected] of Object.entries(conditions)) {
    // readPath: each step only through objects.
    let x: SQL = col;
    for (const k of path.split('.')) x = sql`(case when jsonb_typeof(${x}) = 'object' then ${x} -> ${k}::text end)`;
    const j = (v: unknown) => sql`${JSON.stringify(v)}::jsonb`;
    if (expected === null || typeof expected !== 'object') {
      parts.push(sql`coalesce(${x} = ${j(expected)}, false)`);
      continue;
    }
    const op = expected as Operator;
    const num = (cmp: string, n: number) => sql`(case when jsonb_typeof(${x}) = 'number' then (${x})::numeric ${sql.raw(cmp)} ${String(n)}::numeric else false end)`;
    if (op.exists !== undefined) parts.push(sql`(coalesce(jsonb_typeof(${x}) <> 'null', false) = ${op.exists})`);
    if (op.eq !== undefined) parts.push(sql`coalesce(${x} = ${j(op.eq)}, false)`);
    if (op.ne !== undefined) parts.push(sql`coalesce(${x} <> ${j(op.ne)}, true)`);
    if (op.in !== undefined) parts.push(sql`coalesce(${x} = any(${pgArray(op.in.map((v) => JSON.stringify(v)))}::jsonb[]), false)`);
    if (op.nin !== undefined) parts.push(sql`not coalesce(${x} = any(${pgArray(op.nin.map((v) => JSON.stringify(v)))}::jsonb[]), false)`);
    if (op.gt !== undefined) parts.push(num('>', op.gt));
    if (op.gte !== undefined) parts.push(num('>=', op.gte));
    if (op.lt !== undefined) parts.push(num('<', op.lt));
    if (op.lte !== undefined) parts.push(num('<=', op.lte));
    if (op.contains !== undefined)
      parts.push(sql`(case jsonb_typeof(${x}) when 'string' then strpos(${x} #>> '{}', ${op.contains}::text) > 0
        when 'array' then exists (select 1 from jsonb_array_elements(${x}) y where y = ${j(op.contains)}) else false end)`);
  }
  return parts.length === 0 ? sql`true` : sql.join(parts, sql` and `);
}

