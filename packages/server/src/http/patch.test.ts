// PATCH semantics for every PATCH route (issue 11 #5): a field not sent never changes, so a patch
// schema must not fill in defaults, and an empty patch is refused.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { z } from 'zod';
import { bearer, startTestApp, type TestApp } from '../testing/app.ts';
import { patchBodies, validatorCompiler } from './validation.ts';

let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(() => t.close());

type Shape = Record<string, z.ZodType>;

/** The top-level fields of a body schema (through optional/nullable wrappers and pipes). */
function shapeOf(schema: z.ZodType): Shape | null {
  let s = schema as unknown as { shape?: Shape; unwrap?: () => z.ZodType; in?: z.ZodType; def?: { type?: string; in?: z.ZodType } };
  for (let i = 0; i < 5; i++) {
    if (s.shape) return s.shape;
    if (s.def?.type === 'pipe' && s.def.in) s = s.def.in as never;
    else if (typeof s.unwrap === 'function') s = s.unwrap() as never;
    else return null;
  }
  return null;
}

/** Fields whose schema answers a missing value with a value of its own: a default. */
function defaultedFields(schema: z.ZodType): string[] {
  const shape = shapeOf(schema);
  if (!shape) return [];
  return Object.entries(shape)
    .filter(([, f]) => {
      const r = f.safeParse(undefined);
      return r.success && r.data !== undefined;
    })
    .map(([k]) => k);
}

const CANDIDATES: unknown[] = [true, false, 1, 0, 'x', 'abc', 'fz_key', null, [], {}, 'https://example.com', '2030-01-01T00:00:00Z', 'en', 'UTC'];

/** A body with exactly one field that the schema accepts, if one of the simple candidates fits. */
function oneFieldBodies(schema: z.ZodType): Record<string, unknown>[] {
  const shape = shapeOf(schema);
  if (!shape) return [];
  const out: Record<string, unknown>[] = [];
  for (const [k, f] of Object.entries(shape)) {
    const own = f.safeParse(undefined);
    const values = own.success && own.data !== undefined ? [own.data, ...CANDIDATES] : CANDIDATES;
    for (const v of values) {
      if (schema.safeParse({ [k]: v }).success) {
        out.push({ [k]: v });
        break;
      }
    }
  }
  return out;
}

describe('every PATCH route', () => {
  it('found the PATCH routes', () => {
    assert.ok(patchBodies.size >= 20, `only ${patchBodies.size} PATCH routes registered`);
  });

  it('never passes a field the client did not send to the service', () => {
    const failures: string[] = [];
    let checked = 0;
    for (const [route, schema] of patchBodies) {
      const validate = validatorCompiler({ schema, method: 'PATCH', url: route.slice(6), httpPart: 'body' }) as (d: unknown) => { value?: unknown; error?: Error };
      for (const body of oneFieldBodies(schema)) {
        checked++;
        const r = validate(body);
        if (r.error) continue;
        const extra = Object.keys(r.value as object).filter((k) => !(k in body));
        if (extra.length > 0) failures.push(`${route} ${JSON.stringify(body)} → also sets ${extra.join(', ')}`);
      }
    }
    assert.ok(checked >= 40, `only ${checked} single-field patches could be built`);
    assert.deepEqual(failures, []);
  });

  it('declares no defaults in any PATCH body schema (the API reference would promise them)', () => {
    // Badges and tasks are being fixed on the points/gamification branch (issue 11 #5); the runtime
    // guarantee above already holds for them.
    const elsewhere = new Set<string>();
    assert.deepEqual(defaultedFields(z.strictObject({ a: z.number().default(1), b: z.string().optional(), c: z.boolean().default(true).optional() })), ['a', 'c']);
    const found = [...patchBodies].filter(([route]) => !elsewhere.has(route)).flatMap(([route, schema]) => defaultedFields(schema).map((f) => `${route}: ${f}`));
    assert.deepEqual(found, []);
  });

  it('answers an empty PATCH with 400 validation_failed naming body on every route', async () => {
    const tenant = await t.newTenant();
    const op = await t.newOperator(tenant.appId, 'owner');
    for (const route of patchBodies.keys()) {
      const url = route.slice(6).replace(/:(\w+)/g, (_, name: string) => (name === 'appId' ? tenant.appId : name === 'key' ? 'k' : '1'));
      for (const payload of ['{}', 'null']) {
        let res = await t.inject({ method: 'PATCH', url, headers: { ...bearer(tenant.secretKey), 'content-type': 'application/json' }, payload });
        if (res.statusCode === 401 || res.statusCode === 403) res = await t.inject({ method: 'PATCH', url, headers: { ...bearer(op.token), 'x-canyu-app': tenant.appId, 'content-type': 'application/json' }, payload });
        assert.equal(res.statusCode, 400, `${route} ${payload}: ${res.body}`);
        assert.match(res.body, /"field":"body"/, `${route}: ${res.body}`);
      }
    }
  });
});
