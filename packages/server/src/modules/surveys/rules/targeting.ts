// Who a survey is for: rules over the user's traits (all must hold). Segments come through a
// provider the surveys module is given (see service.ts), not here.
export const TRAIT_OPS = ['eq', 'neq', 'in', 'gt', 'gte', 'lt', 'lte', 'exists', 'not_exists', 'contains'] as const;
export type TraitRule = { key: string; op: (typeof TRAIT_OPS)[number]; value?: unknown };

function cmp(a: unknown, b: unknown): number | null {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  return null;
}

export function traitMatches(traits: Record<string, unknown>, r: TraitRule): boolean {
  const has = Object.prototype.hasOwnProperty.call(traits, r.key);
  const v = has ? traits[r.key] : undefined;
  switch (r.op) {
    case 'exists':
      return has && v !== null;
    case 'not_exists':
      return !has || v === null;
    case 'eq':
      return has && JSON.stringify(v) === JSON.stringify(r.value);
    case 'neq':
      return !has || JSON.stringify(v) !== JSON.stringify(r.value);
    case 'in':
      return has && Array.isArray(r.value) && r.value.some((x) => JSON.stringify(x) === JSON.stringify(v));
    case 'contains':
      if (typeof v === 'string' && typeof r.value === 'string') return v.includes(r.value);
      return Array.isArray(v) && v.some((x) => JSON.stringify(x) === JSON.stringify(r.value));
    default: {
      const c = cmp(v, r.value);
      if (c === null) return false;
      return r.op === 'gt' ? c > 0 : r.op === 'gte' ? c >= 0 : r.op === 'lt' ? c < 0 : c <= 0;
    }
  }
}

export const targets = (traits: Record<string, unknown>, rules: readonly TraitRule[]) => rules.every((r) => traitMatches(traits, r));
