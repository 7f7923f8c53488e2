// Does an event satisfy a rule's property conditions? Pure.

/** Reads `a.b.c` from nested objects; undefined when any step is missing. */
export function readPath(obj: Record<string, unknown>, path: string): unknown {
  let v: unknown = obj;
  for (const k of path.split('.')) {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
    v = (v as Record<string, unknown>)[k];
  }
  return v;
}

/** Every condition key must be present and strictly equal (no coercion: "1" is not 1). */
export function matchesConditions(conditions: Record<string, string | number | boolean>, properties: Record<string, unknown>): boolean {
  for (const [path, expected] of Object.entries(conditions)) {
    if (readPath(properties, path) !== expected) return false;
  }
  return true;
}
