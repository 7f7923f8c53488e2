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

/**
 * Path and query values end up in SQL parameters, and PostgreSQL text cannot hold NUL: refuse
 * `%00` here, once for every route, instead of trusting each schema to remember it.
 */
function nulIssues(data: unknown, part: string): FieldIssue[] {
  if (!data || typeof data !== 'object') return [];
  const out: FieldIssue[] = [];
  for (const [k, v] of Object.entries(data)) {
    const values: unknown[] = Array.isArray(v) ? v : [v];
    if (values.some((x) => typeof x === 'string' && x.includes('\u0000'))) {
      out.push({ field: `${part}.${k}`, code: 'invalid_string', message: 'must not contain NUL (%00) characters', expected: 'text without NUL characters' });
    }
  }
  return out;
}

export const validatorCompiler: FastifySchemaCompiler<z.ZodType> =
  ({ schema, httpPart }) =>
  (data) => {
    const part = httpPart === 'querystring' ? 'query' : (httpPart ?? 'body');
    if (part === 'query' || part === 'params') {
      const bad = nulIssues(data, part);
      if (bad.length > 0) return { error: validationError(bad) };
    }
    const result = safeParse(schema, data);
    if (result.success) return { value: result.data };
    return { error: validationError(toFieldIssues(result.error.issues, part)) };
  };
