// A zod schema for free-form JSON objects (traits, event properties, settings) that PostgreSQL's
// jsonb will always accept: no NUL characters and no unpaired UTF-16 surrogates (jsonb rejects
// both "\u0000" and a lone "\ud800"), bounded depth (deep nesting would overflow the stack when
// serialised) and bounded size.
import { z } from 'zod';
import { sharedSchema } from './shared-schema.ts';

const MAX_DEPTH = 32;

/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why PostgreSQL could not store `s` as text or inside jsonb, or null when it can. */
export function textProblem(s: string): string | null {
  if (s.includes('\u0000')) return 'must not contain NUL (\\u0000) characters';
  if (LONE_SURROGATE.test(s)) return 'must not contain unpaired UTF-16 surrogates (\\ud800-\\udfff)';
  return null;
}

function check(value: unknown, depth: number): string | null {
  if (typeof value === 'string') return textProblem(value);
  if (value === null || typeof value !== 'object') return null;
  if (depth > MAX_DEPTH) return `must not nest deeper than ${MAX_DEPTH} levels`;
  if (Array.isArray(value)) {
    for (const v of value) {
      const e = check(v, depth + 1);
      if (e) return e;
    }
    return null;
  }
  for (const [k, v] of Object.entries(value)) {
    const keyProblem = textProblem(k);
    if (keyProblem) return `keys ${keyProblem}`;
    const e = check(v, depth + 1);
    if (e) return e;
  }
  return null;
}

const sharedJsonObject = sharedSchema((maxBytes: number, what: string) =>
  z.record(z.string(), z.unknown()).superRefine((obj, ctx) => {
    const problem = check(obj, 1);
    if (problem) {
      ctx.addIssue({ code: 'custom', message: `${what} ${problem}` });
      return;
    }
    const size = Buffer.byteLength(JSON.stringify(obj));
    if (size > maxBytes) ctx.addIssue({ code: 'too_big', origin: 'string', maximum: maxBytes, message: `${what} must be at most ${maxBytes} bytes as JSON (got ${size})` } as never);
  }),
);

/** A free-form JSON object of at most `maxBytes` as JSON; `what` names it in errors. */
export function jsonObject(opts: { maxBytes: number; what: string }) {
  return sharedJsonObject(opts.maxBytes, opts.what);
}

/** Plain text the database accepts: no NUL characters, no unpaired surrogates. */
export const cleanText = sharedSchema((min: number, max: number) =>
  z
    .string()
    .min(min)
    .max(max)
    .superRefine((s, ctx) => {
      const problem = textProblem(s);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
);
