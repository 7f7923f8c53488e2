// zod-backed request validation whose errors name each bad field and what was expected.
import type { FastifySchemaCompiler } from 'fastify';
import type { z } from 'zod';
import { safeParse, type $ZodIssue } from 'zod/v4/core';
import { validationError, type FieldIssue } from './errors.ts';
import { textProblem } from './json.ts';

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

/**
 * The issues of the one branch of a failed union that accepted the value's shape (none of its
 * issues is about the value as a whole, e.g. a rule with the right `kind` and a missing field,
 * against a group that does not know `kind`), rebased onto the union's path; undefined when no
 * branch or several did, and the union's own issue says it best.
 */
function unionBranch(issue: $ZodIssue): $ZodIssue[] | undefined {
  if (issue.code !== 'invalid_union' || !Array.isArray(issue.errors) || issue.errors.length < 2) return undefined;
  const fitting = issue.errors.filter((branch) => branch.length > 0 && branch.every((i) => i.path.length > 0));
  if (fitting.length !== 1) return undefined;
  return fitting[0]!.map((i) => ({ ...i, path: [...issue.path, ...i.path] }) as $ZodIssue);
}

export function toFieldIssues(issues: readonly $ZodIssue[], prefix: string): FieldIssue[] {
  const out: FieldIssue[] = [];
  for (const issue of issues) {
    const branch = unionBranch(issue);
    if (branch) {
      out.push(...toFieldIssues(branch, prefix));
      continue;
    }
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
 * Every string of a request ends up in SQL parameters or jsonb, and PostgreSQL refuses NUL
 * characters in text and both NUL and unpaired UTF-16 surrogates in jsonb. Refuse them here, in
 * every value and every object key of the body, query and path, once for every route, instead of
 * trusting each schema to remember. Iterative, so a deeply nested body cannot overflow the stack.
 */
function textIssues(data: unknown, part: string): FieldIssue[] {
  const out: FieldIssue[] = [];
  const stack: [unknown, string][] = [[data, part]];
  let seen = 0;
  while (stack.length > 0 && out.length < 20 && seen++ < 1_000_000) {
    const [value, at] = stack.pop()!;
    if (typeof value === 'string') {
      const problem = textProblem(value);
      if (problem) out.push({ field: at, code: 'invalid_string', message: problem, expected: 'text without NUL characters or unpaired surrogates' });
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push([value[i], `${at}.${i}`]);
    } else if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        const problem = textProblem(k);
        if (problem) out.push({ field: at, code: 'invalid_key', message: `keys ${problem}`, expected: 'keys without NUL characters or unpaired surrogates' });
        else stack.push([v, `${at}.${k}`]);
      }
    }
  }
  return out;
}

/** A PATCH changes what it names: a body naming nothing is a mistake, answered before any work. */
function isEmptyPatch(data: unknown): boolean {
  return data === null || data === undefined || (typeof data === 'object' && !Array.isArray(data) && Object.keys(data).length === 0);
}

/** The zod body schema of every PATCH route, by "METHOD url", for the tests that check them all. */
export const patchBodies = new Map<string, z.ZodType>();

/**
 * Top-level keys a PATCH schema filled in (a `.default()`) that the client did not send. A field
 * not sent never changes, so they are dropped here, once for every PATCH route.
 */
function dropUnsent(input: unknown, output: unknown): unknown {
  if (!input || typeof input !== 'object' || Array.isArray(input) || !output || typeof output !== 'object' || Array.isArray(output)) return output;
  const sent = new Set(Object.keys(input));
  return Object.fromEntries(Object.entries(output).filter(([k]) => sent.has(k)));
}

export const validatorCompiler: FastifySchemaCompiler<z.ZodType> = ({ schema, httpPart, method, url }) => {
  const patchBody = httpPart === 'body' && method === 'PATCH';
  if (patchBody) patchBodies.set(`PATCH ${url}`, schema);
  return (data) => {
    const part = httpPart === 'querystring' ? 'query' : (httpPart ?? 'body');
    const bad = textIssues(data, part);
    if (bad.length > 0) return { error: validationError(bad) };
    if (patchBody && isEmptyPatch(data)) {
      return { error: validationError([{ field: 'body', code: 'too_small', message: 'send at least one field to change', expected: 'at least one field' }]) };
    }
    const result = safeParse(schema, data);
    if (result.success) return { value: patchBody ? dropUnsent(data, result.data) : result.data };
    return { error: validationError(toFieldIssues(result.error.issues, part)) };
  };
};
