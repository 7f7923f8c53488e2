// Assertions on HTTP answers shared by the tests: the standard error shape of ARCHITECTURE.md,
// `{ "error": { "code", "message", "details" } }`, and the field issues of validation_failed.
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';

export type ErrorBody = { code: string; message: string; details: Record<string, unknown> | null };
export type FieldIssue = { field: string; code: string; message: string; expected?: string };

/** Asserts the response is the standard error shape (any status) and returns the error. */
export function checkErrorShape(res: LightMyRequestResponse, code?: string): ErrorBody {
  assert.match(String(res.headers['content-type']), /^application\/json/, `content-type of ${res.body.slice(0, 200)}`);
  const body = res.json() as { error: ErrorBody };
  assert.deepEqual(Object.keys(body), ['error'], res.body.slice(0, 300));
  assert.deepEqual(Object.keys(body.error).sort(), ['code', 'details', 'message'], res.body.slice(0, 300));
  assert.equal(typeof body.error.code, 'string');
  assert.equal(typeof body.error.message, 'string');
  assert.ok(body.error.message.length > 0, 'message must not be empty');
  assert.ok(body.error.details === null || (typeof body.error.details === 'object' && !Array.isArray(body.error.details)), 'details is an object or null');
  if (code !== undefined) assert.equal(body.error.code, code, res.body.slice(0, 500));
  return body.error;
}

/** Asserts status, error shape and code; returns the error. */
export function expectError(res: LightMyRequestResponse, status: number, code: string): ErrorBody {
  assert.equal(res.statusCode, status, `expected ${status} ${code}, got ${res.statusCode}: ${res.body.slice(0, 500)}`);
  return checkErrorShape(res, code);
}

/** The validation issue for `field` (e.g. `body.events.0.name`); fails if there is none. */
export function findIssue(err: ErrorBody, field: string): FieldIssue {
  const issues = err.details?.issues as FieldIssue[] | undefined;
  assert.ok(Array.isArray(issues) && issues.length > 0, `validation_failed must list issues: ${JSON.stringify(err)}`);
  const issue = issues.find((i) => i.field === field);
  assert.ok(issue, `no issue for ${field} in ${JSON.stringify(err.details)}`);
  return issue;
}
