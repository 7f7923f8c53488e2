// zod-backed request validation whose errors name each bad field and what was expected.
import type { FastifySchemaCompiler } from 'fastify';
import type { z } from 'zod';
import { safeParse, type $ZodIssue } from 'zod/v4/core';
import { validationError, type FieldIssue } from './errors.ts';

function expectedOf(issue: $ZodIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      return issue.expected;
    case 'invalid_value':
      return `one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'too_small':
      return `${issue.origin === 'string' ? 'length' : issue.origin === 'array' ? 'item count' : 'value'} >= ${String(issue.minimum)}`;
    case 'too_big':
      return `${issue.origin === 'string' ? 'length' : issue.origin === 'array' ? 'item count' : 'value'} <= ${String(issue.maximum)}`;
    case 'invalid_format':
      return issue.format;
    case 'unrecognized_keys':
      return 'no other fields';
    default:
      return undefined;
  }
}

export function toFieldIssues(issues: readonly $ZodIssue[], prefix: string): FieldIssue[] {
  const out: FieldIssue[] = [];
  for (const issue of issues) {
    const base = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push({ field: base ? `${base}.${key}` : key, code: 'unknown_field', message: 'Unknown field', expected: 'no other fields' });
      continue;
    }
    const expected = expectedOf(issue);
    out.push({ field: base || prefix, code: issue.code, message: issue.message, ...(expected ? { expected } : {}) });
  }
  return out;
}

export const validatorCompiler: FastifySchemaCompiler<z.ZodType> =
  ({ schema, httpPart }) =>
  (data) => {
    const result = safeParse(schema, data);
    if (result.success) return { value: result.data };
    const part = httpPart === 'querystring' ? 'query' : (httpPart ?? 'body');
    return { error: validationError(toFieldIssues(result.error.issues, part)) };
  };
