// OpenAPI-driven fuzzing: every operation of /openapi.json gets malformed values (wrong types, NUL
// characters, lone surrogates, year-0000 dates, huge and negative numbers, 18-digit ids, tampered
// cursors, empty PATCH bodies, deep nesting, long strings) with valid credentials, and must answer
// with a 4xx in the standard error shape (or a success), never a 5xx.
//
// Bounded and deterministic: a seeded generator and a fixed number of cases per operation. Before
// fuzzing, one pass creates a resource through every POST that a schema-built body satisfies, so
// path parameters also get ids that exist (a 404 on a made-up id would hide the code behind it).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bearer, startTestApp, type Tenant, type TestApp } from '../testing/app.ts';
import { checkErrorShape } from '../testing/http.ts';

type Schema = {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
  default?: unknown;
  additionalProperties?: boolean | Schema;
};
type Parameter = { in: 'path' | 'query' | 'header'; name: string; required?: boolean; schema: Schema };
type Operation = {
  method: string;
  path: string;
  parameters: Parameter[];
  body: Schema | null;
  security: Record<string, unknown>[];
};
type Doc = { paths: Record<string, Record<string, { parameters?: Parameter[]; requestBody?: { content: Record<string, { schema: Schema }> }; security?: Record<string, unknown>[] }>>; components: { schemas: Record<string, Schema> } };

const CASES_PER_OPERATION = 10;
/** Streaming endpoints never finish an inject(). */
const SKIP = new Set(['GET /v1/realtime', 'GET /v1/realtime/sse', 'GET /v1/realtime/operator']);
/** Would end the operator session the fuzzer signs in with. */
const NO_SIDE_EFFECTS = new Set(['POST /v1/auth/logout', 'POST /v1/auth/password']);

/** mulberry32: small, fast and deterministic. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n: number) => Math.floor(next() * n), pick: <T,>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]! };
}
type Rng = ReturnType<typeof rng>;

const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
const deep = (n: number): unknown => {
  let v: unknown = 1;
  for (let i = 0; i < n; i++) v = { a: v };
  return v;
};

const BAD_STRINGS = [
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udc00y',
  '',
  ' ',
  'x'.repeat(70_000),
  '0000-01-01T00:00:00Z',
  '0000-12-31T23:00:00-01:00',
  '0001-01-01T00:00:00+01:00',
  '10000-01-01T00:00:00Z',
  '2024-02-30T00:00:00Z',
  '0000-01',
  '0000-01-01',
  '999999999999999999',
  '9223372036854775808',
  '-1',
  '1e400',
  'NaN',
  '<img src=x onerror=alert(1)>',
  '../../etc/passwd',
  '%00',
];
const BAD_NUMBERS = [-1, -(2 ** 53), 2 ** 53, 2 ** 63, 1e308, 1.5, 0, 999999999999999999];
const BAD_ANY: unknown[] = [null, true, [], {}, { '\u0000': 1 }, { '\ud800': 1 }, [null], deep(40), Array.from({ length: 2000 }, (_, i) => i), 'string', 12];
const GARBAGE_CURSORS = [b64('garbage'), b64('[1,2]'), '!!!', b64({}), b64({ t: 'x\u0000', i: '\ud800', id: '\u0000', u: '\u0000', k: '\u0000', s: '\u0000' })];
const BAD_CURSORS = [
  b64({ t: '0000-01-01T00:00:00Z', i: 'x' }),
  b64({ t: '0000-01-01T00:00:00Z', id: 'x' }),
  b64({ t: '0000-01-01T00:00:00Z', u: 'x', s: 1 }),
  b64({ at: '0000-01-01T00:00:00Z', id: 'x' }),
  b64({ t: '2024-01-01T00:00:00.000Z', at: '2024-01-01T00:00:00.000Z', i: 'x', id: 'x', k: 'msg', u: 'x' }),
  b64({ t: '2024-01-01T00:00:00.000Z', k: 'msg', i: 1e300, id: 2 ** 63, s: 2 ** 63, r: 2 ** 63, h: 1e308, v: 1.5 }),
  b64({ id: 1e300 }),
  b64({ id: '999999999999999999' }),
  b64({ s: -1e300, l: 1.5 }),
  ...GARBAGE_CURSORS,
];
const BAD_PATH = ['%00', '999999999999999999', '99999999999999999999999', '-1', '0', 'x'.repeat(300), '%ED%A0%80', '0000-01', '%20'];

function resolve(doc: Doc, s: Schema | undefined): Schema {
  let cur = s ?? {};
  for (let i = 0; cur.$ref && i < 10; i++) cur = doc.components.schemas[cur.$ref.replace('#/components/schemas/', '')] ?? {};
  return cur;
}

function typeOf(s: Schema): string | undefined {
  return Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type;
}

/** A value the schema accepts, as far as a generator can tell (patterns are approximated). */
function valid(doc: Doc, raw: Schema | undefined, r: Rng, name = '', depth = 0): unknown {
  const s = resolve(doc, raw);
  if (s.const !== undefined) return s.const;
  if (s.enum) return s.enum[0];
  if (s.default !== undefined && r.next() < 0.5) return s.default;
  const alt = s.anyOf ?? s.oneOf;
  if (alt) return valid(doc, alt.find((a) => resolve(doc, a).type !== 'null') ?? alt[0], r, name, depth);
  if (s.allOf) return valid(doc, s.allOf[0], r, name, depth);
  switch (typeOf(s)) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(s.properties ?? {})) {
        if (s.required?.includes(k) || (depth === 0 && r.next() < 0.3)) out[k] = valid(doc, v, r, k, depth + 1);
      }
      return out;
    }
    case 'array': {
      const n = Math.max(s.minItems ?? 0, depth < 2 && r.next() < 0.5 ? 1 : 0);
      return Array.from({ length: n }, () => valid(doc, s.items, r, name, depth + 1));
    }
    case 'integer':
    case 'number': {
      const lo = s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1 : 1);
      const hi = s.maximum ?? lo + 100;
      return Math.max(lo, Math.min(hi, Math.max(1, lo)));
    }
    case 'boolean':
      return false;
    case 'string':
      return validString(s, name, r);
    default:
      return 'x';
  }
}

let serial = 0;
function validString(s: Schema, name: string, r: Rng): string {
  if (s.format === 'date-time') return new Date(Date.now() + 86_400_000 * (r.int(30) + 1)).toISOString();
  if (s.format === 'date') return '2030-01-15';
  if (s.format === 'email') return `fuzz${++serial}@example.com`;
  if (s.format === 'uri' || s.format === 'url' || /url$/.test(name)) return 'https://example.com/hook';
  if (s.format === 'uuid') return '00000000-0000-4000-8000-000000000000';
  if (/month/.test(name)) return '2030-01';
  if (/date|day/.test(name)) return '2030-01-15';
  if (/timezone|^tz$/.test(name)) return 'Asia/Shanghai';
  if (/locale/.test(name)) return 'en';
  if (/color|colour/.test(name)) return '#336699';
  if (s.pattern?.startsWith('^[1-9]') || s.pattern?.startsWith('^\\d')) return String(++serial);
  const v = `fz${++serial}`;
  const min = s.minLength ?? 1;
  return v.length >= min ? v.slice(0, s.maxLength ?? 64) : v.padEnd(min, 'x');
}

/** A malformed value for a slot of this schema: of its type when possible, else anything. */
function malformed(doc: Doc, raw: Schema | undefined, r: Rng): unknown {
  const s = resolve(doc, raw);
  const t = typeOf(s) ?? (s.anyOf ?? s.oneOf ? typeOf(resolve(doc, (s.anyOf ?? s.oneOf)!.find((a) => resolve(doc, a).type !== 'null'))) : undefined);
  const roll = r.next();
  if (roll < 0.2) return r.pick(BAD_ANY);
  if (t === 'integer' || t === 'number') return roll < 0.8 ? r.pick(BAD_NUMBERS) : r.pick(BAD_STRINGS);
  if (t === 'object') {
    const inner = Object.keys(s.properties ?? {});
    if (inner.length > 0 && roll < 0.7) {
      const base = valid(doc, s, r) as Record<string, unknown>;
      const k = r.pick(inner);
      return { ...base, [k]: malformed(doc, s.properties![k], r) };
    }
    return r.pick([{ '\u0000': 1 }, { 'a\ud800': 'x' }, { k: '\u0000' }, deep(50), { k: 'x'.repeat(70_000) }, {}]);
  }
  if (t === 'array') return roll < 0.6 ? [malformed(doc, s.items, r)] : r.pick([Array.from({ length: 5000 }, () => 'x'), [[[[]]]], ['\u0000']]);
  return r.pick(BAD_STRINGS);
}

function operations(doc: Doc): Operation[] {
  const out: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const m = method.toUpperCase();
      if (SKIP.has(`${m} ${path}`)) continue;
      out.push({ method: m, path, parameters: op.parameters ?? [], body: op.requestBody?.content['application/json']?.schema ?? null, security: op.security ?? [] });
    }
  }
  return out;
}

let t: TestApp;
let tenant: Tenant;
let spare: Tenant;
let op: { token: string };
let doc: Doc;

before(async () => {
  t = await startTestApp({ config: { rateLimit: { perKey: 1_000_000, perUser: 1_000_000, windowMs: 60_000 } } });
  tenant = await t.newTenant('fuzz');
  spare = await t.newTenant('fuzz-spare');
  op = await t.newOperator(tenant.appId, 'owner');
  await t.services.tenancy.setMember(t.systemCtx({ type: 'cli', id: null }), spare.appId, { actorRole: 'owner', email: (await t.inject({ method: 'GET', url: '/v1/auth/me', headers: bearer(op.token) })).json().operator.email, role: 'owner' });
  doc = (await t.inject({ method: 'GET', url: '/openapi.json' })).json() as Doc;
});
after(() => t.close());

/** Credentials the operation accepts: the secret key where it may, else the operator session. */
function headersFor(o: Operation): Record<string, string> {
  const schemes = o.security.flatMap((s) => Object.keys(s));
  if (schemes.includes('secretKey') || schemes.length === 0) return bearer(tenant.secretKey);
  if (schemes.includes('operatorSession')) return { ...bearer(op.token), 'x-canyu-app': tenant.appId };
  return bearer(tenant.secretKey);
}

/** Ids created during the harvest, by the path template of the collection they came from. */
const known = new Map<string, string[]>();

function fillPath(o: Operation, r: Rng, bad?: string): string {
  const names = [...o.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
  const target = bad === undefined ? undefined : r.pick(names);
  return o.path.replace(/\{([^}]+)\}/g, (_, name: string, offset: number) => {
    if (name === target) return bad!;
    if (name === 'appId') return spare.appId;
    if (/^user|Id$/.test(name) && /user/i.test(name)) return 'fuzz-user';
    const ids = known.get(o.path.slice(0, offset).replace(/\/$/, ''));
    if (ids && ids.length > 0) return encodeURIComponent(r.pick(ids));
    if (name === 'kind') return 'article';
    const param = o.parameters.find((p) => p.in === 'path' && p.name === name);
    return encodeURIComponent(String(valid(doc, param?.schema, r, name)));
  });
}

function query(params: Record<string, unknown>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) q.append(k, typeof v === 'string' ? v : JSON.stringify(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

function validQuery(o: Operation, r: Rng): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const p of o.parameters) if (p.in === 'query' && p.required) out[p.name] = valid(doc, p.schema, r, p.name);
  return out;
}

type Case = { url: string; payload?: string | undefined; label: string; expect?: string };

function cases(o: Operation, seed: number): Case[] {
  const r = rng(seed);
  const out: Case[] = [];
  const queryParams = o.parameters.filter((p) => p.in === 'query');
  const pathNames = [...o.path.matchAll(/\{([^}]+)\}/g)];
  const body = o.body ? resolve(doc, o.body) : null;
  const bodyProps = Object.keys(body?.properties ?? {});
  const validBody = () => (body ? valid(doc, body, r) : undefined);
  if (o.method === 'PATCH') out.push({ url: fillPath(o, r), payload: '{}', label: 'empty PATCH' });
  // Every list endpoint gets every tampered cursor.
  if (queryParams.some((p) => p.name === 'cursor')) {
    // A tampered cursor may happen to fit the list's shape (its extra keys ignored); garbage never does.
    for (const c of BAD_CURSORS) out.push({ url: fillPath(o, r) + query({ ...validQuery(o, r), cursor: c }), label: 'query.cursor (tampered)', ...(GARBAGE_CURSORS.includes(c) ? { expect: 'invalid_cursor' } : {}) });
  }
  const total = out.length + CASES_PER_OPERATION;
  while (out.length < total) {
    const kinds = [
      ...(queryParams.length > 0 ? ['query', 'query', 'cursor'] : []),
      ...(pathNames.length > 0 ? ['path'] : []),
      ...(body ? ['body', 'body', 'body', 'bodyGarbage'] : []),
    ];
    if (kinds.length === 0) kinds.push('noise');
    const kind = r.pick(kinds);
    const payloadOf = (v: unknown) => (v === undefined ? undefined : JSON.stringify(v));
    if (kind === 'query') {
      const p = r.pick(queryParams);
      const v = malformed(doc, p.schema, r);
      out.push({ url: fillPath(o, r) + query({ ...validQuery(o, r), [p.name]: typeof v === 'string' ? v : JSON.stringify(v) }), payload: payloadOf(validBody()), label: `query.${p.name}` });
    } else if (kind === 'cursor') {
      const has = queryParams.some((p) => p.name === 'cursor');
      const p = has ? 'cursor' : r.pick(queryParams).name;
      out.push({ url: fillPath(o, r) + query({ ...validQuery(o, r), [p]: r.pick(BAD_CURSORS) }), payload: payloadOf(validBody()), label: `query.${p} (cursor-like)` });
    } else if (kind === 'path') {
      out.push({ url: fillPath(o, r, r.pick(BAD_PATH)) + query(validQuery(o, r)), payload: payloadOf(validBody()), label: 'path' });
    } else if (kind === 'body' && bodyProps.length > 0) {
      const base = validBody() as Record<string, unknown>;
      const k = r.pick(bodyProps);
      out.push({ url: fillPath(o, r) + query(validQuery(o, r)), payload: JSON.stringify({ ...base, [k]: malformed(doc, body!.properties![k], r) }), label: `body.${k}` });
    } else if (kind === 'bodyGarbage' || kind === 'body') {
      const deepText = '{"a":'.repeat(5000) + '1' + '}'.repeat(5000);
      const v = r.pick<unknown>([[], 'x', 1, null, deepText, { '\u0000': 1 }, { ...(validBody() as object), extra_field: 1 }, validBody()]);
      out.push({ url: fillPath(o, r) + query(validQuery(o, r)), payload: v === deepText ? deepText : JSON.stringify(v), label: 'body (whole)' });
    } else {
      out.push({ url: fillPath(o, r) + query({ unknown_param: r.pick(BAD_STRINGS) }), payload: payloadOf(validBody()), label: 'noise' });
    }
  }
  return out;
}

async function send(o: Operation, c: { url: string; payload?: string | undefined }) {
  const headers: Record<string, string> = { ...headersFor(o) };
  if (c.payload !== undefined) headers['content-type'] = 'application/json';
  const res = await t.inject({ method: o.method as 'GET', url: c.url, headers, ...(c.payload !== undefined && o.method !== 'GET' && o.method !== 'DELETE' ? { payload: c.payload } : {}) });
  if (res.statusCode === 401 || res.statusCode === 403) {
    // An operator-only action, or a user-token route: try as the operator.
    return t.inject({ method: o.method as 'GET', url: c.url, headers: { ...headers, ...bearer(op.token), 'x-canyu-app': tenant.appId }, ...(c.payload !== undefined && o.method !== 'GET' && o.method !== 'DELETE' ? { payload: c.payload } : {}) });
  }
  return res;
}

describe('fuzz every operation of /openapi.json', () => {
  it('creates one resource through every POST it can, to get real ids for path parameters', async () => {
    const posts = operations(doc)
      .filter((o) => o.method === 'POST' && !NO_SIDE_EFFECTS.has(`POST ${o.path}`))
      .sort((a, b) => a.path.split('/').length - b.path.split('/').length);
    for (const [i, o] of posts.entries()) {
      const r = rng(1000 + i);
      for (let attempt = 0; attempt < 2; attempt++) {
        const res = await send(o, { url: fillPath(o, r) + query(validQuery(o, r)), payload: o.body ? JSON.stringify(valid(doc, o.body, r)) : undefined });
        assert.ok(res.statusCode < 500, `${o.method} ${o.path}: ${res.statusCode} ${res.body.slice(0, 300)}`);
        if (res.statusCode >= 300) continue;
        const id = (res.json() as { id?: unknown }).id;
        if (typeof id === 'string' || typeof id === 'number') known.set(o.path, [...(known.get(o.path) ?? []), String(id)]);
        break;
      }
    }
    assert.ok(known.size > 10, `only ${known.size} collections gave an id: ${[...known.keys()].join(', ')}`);
  });

  it('answers every malformed request with a 4xx in the standard shape, never a 5xx', async () => {
    const failures: string[] = [];
    let count = 0;
    const ops = operations(doc).filter((o) => !NO_SIDE_EFFECTS.has(`${o.method} ${o.path}`));
    // Deletions last, so the resources they remove serve the other operations first.
    ops.sort((a, b) => Number(a.method === 'DELETE') - Number(b.method === 'DELETE'));
    for (const [i, o] of ops.entries()) {
      for (const c of cases(o, 7919 * (i + 1))) {
        count++;
        const res = await send(o, c);
        const where = `${o.method} ${o.path} [${c.label}] ${c.url.slice(0, 120)} ${(c.payload ?? '').slice(0, 120)} → ${res.statusCode} ${res.body.slice(0, 200)}`;
        if (res.statusCode >= 500) {
          failures.push(where);
          continue;
        }
        if (c.label === 'empty PATCH' && res.statusCode !== 400) failures.push(`${where} (an empty PATCH must be a 400)`);
        if (c.expect === 'invalid_cursor' && res.statusCode < 300) {
          failures.push(`${where} (a tampered cursor must be a 400 naming cursor)`);
        }
        if (res.statusCode >= 400) {
          try {
            checkErrorShape(res);
          } catch (e) {
            failures.push(`${where} (${(e as Error).message.split('\n')[0]})`);
          }
        }
      }
    }
    assert.deepEqual(failures, [], `${failures.length} of ${count} requests failed:\n${failures.join('\n')}`);
  });

  it('is still healthy afterwards', async () => {
    const health = await t.inject({ method: 'GET', url: '/health' });
    assert.equal(health.statusCode, 200);
  });
});
