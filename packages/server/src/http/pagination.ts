// Cursor pagination shared by every list endpoint: `?limit=&cursor=` in, `next_cursor` out.
// Cursors are opaque base64url JSON; a tampered cursor is a 400, never a 500.
import { z } from 'zod';
import { AppError } from './errors.ts';
import { dateTime } from './fields.ts';
import { textProblem } from './json.ts';

export const pageQuery = {
  limit: z.coerce.number().int().min(1).max(200).default(50).describe('Page size (1-200, default 50)'),
  cursor: z.string().max(500).optional().describe('`next_cursor` from the previous page'),
};

export function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** Cursor values become SQL parameters: text PostgreSQL cannot hold makes a cursor invalid. */
function hasBadText(v: unknown): boolean {
  if (typeof v === 'string') return textProblem(v) !== null;
  if (v && typeof v === 'object') return Object.entries(v).some(([k, x]) => textProblem(k) !== null || hasBadText(x));
  return false;
}

/**
 * The time field of a cursor: the same bounded date-time as every input (a tampered cursor with
 * year 0000 is invalid_cursor, not a 500 from PostgreSQL).
 */
export const cursorTime = () => dateTime();

export function decodeCursor<T extends z.ZodType>(cursor: string | undefined, shape: T): z.infer<T> | undefined {
  if (cursor === undefined) return undefined;
  try {
    const parsed = shape.safeParse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    if (parsed.success && !hasBadText(parsed.data)) return parsed.data;
  } catch {
    // fall through
  }
  throw new AppError('invalid_cursor', 'The cursor is not valid for this list; start again without it', { field: 'query.cursor' });
}

/** Fetch limit+1 rows, return limit, and a cursor if there were more. */
export function page<R, C>(rows: R[], limit: number, cursorOf: (last: R) => C): { data: R[]; next_cursor: string | null } {
  const more = rows.length > limit;
  const data = more ? rows.slice(0, limit) : rows;
  const last = data[data.length - 1];
  return { data, next_cursor: more && last !== undefined ? encodeCursor(cursorOf(last)) : null };
}

export const pageSchema = <T extends z.ZodType>(item: T) =>
  z.object({ data: z.array(item), next_cursor: z.string().nullable().describe('Pass as `cursor` to get the next page; null on the last page') });
