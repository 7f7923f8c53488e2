// A save the server refused, shown on the edit form: each field the server names in its
// validation issues (`body.name`, `body.rewards.0.amount`) goes under the matching form field, and
// the toast keeps the server's message, which names the field too (`Invalid body.name: …`).
import type { FormInstance } from 'antd';
import { ApiError } from '../lib/api.ts';
import { errorText } from './states.tsx';

type Issue = { field?: unknown; message?: unknown };
export type FieldMap = Record<string, string | (string | number)[]>;

/** Puts the server's field issues on `form` (renamed by `map`, else `body.` stripped) and returns the toast text. */
export function showFieldErrors(form: FormInstance, error: unknown, map: FieldMap = {}): string {
  const issues = error instanceof ApiError ? ((error.details as { issues?: Issue[] } | null)?.issues ?? []) : [];
  const fields: { name: (string | number)[]; errors: string[] }[] = [];
  for (const issue of issues) {
    if (typeof issue.field !== 'string') continue;
    const bare = issue.field.replace(/^body\./, '');
    const mapped = map[issue.field] ?? map[bare];
    if (mapped === undefined && bare.includes('.')) continue;
    const name = mapped === undefined ? [bare] : Array.isArray(mapped) ? mapped : [mapped];
    fields.push({ name, errors: [`${issue.field}: ${String(issue.message ?? '')}`] });
  }
  if (fields.length) form.setFields(fields);
  return errorText(error);
}
