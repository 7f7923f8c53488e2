// Values from raw statements (db.execute): they bypass drizzle's column mapping, so int8 may
// arrive as a string and timestamps always do. Stores coerce explicitly with these, whatever
// parsers the pg driver has installed; and pass arrays as PostgreSQL array literals.

export const num = (v: unknown): number => Number(v);
export const date = (v: unknown): Date => (v instanceof Date ? v : new Date(String(v)));
export const dateOrNull = (v: unknown): Date | null => (v === null || v === undefined ? null : date(v));

/** A PostgreSQL array literal of nullable strings, e.g. for `unnest($1::text[])`. */
export function pgArray(values: readonly (string | number | null)[]): string {
  return `{${values.map((v) => (v === null ? 'NULL' : `"${String(v).replace(/["\\]/g, (c) => `\\${c}`)}"`)).join(',')}}`;
}
