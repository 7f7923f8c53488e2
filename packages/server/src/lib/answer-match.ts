// A survey branch's condition on an answer (equals / one of / at least / at most): pure, shared by
// the surveys module, which walks a survey with it, and <canyu-survey>, which picks the next
// question in the browser the same way.

export type Condition = { equals?: string | number | undefined; in?: (string | number)[] | undefined; gte?: number | undefined; lte?: number | undefined };

/** Whether an answer (one value, or the options picked) meets the condition. */
export function matches(c: Condition, v: string | number | string[]): boolean {
  const vals = Array.isArray(v) ? v : [v];
  const set = [...(c.equals !== undefined ? [c.equals] : []), ...(c.in ?? [])];
  if (set.length && !vals.some((x) => set.includes(x))) return false;
  if (c.gte !== undefined && !(typeof v === 'number' && v >= c.gte)) return false;
  if (c.lte !== undefined && !(typeof v === 'number' && v <= c.lte)) return false;
  return true;
}
