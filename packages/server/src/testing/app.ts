// An in-process Canyu on a fresh test database, plus shortcuts to create tenants and operators.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../app.ts';
import { loadConfig, type Config } from '../config.ts';
import { isAppError } from '../http/errors.ts';
import type { Clock } from '../lib/clock.ts';
import type { Role } from '../modules/tenancy/index.ts';
import { createTestDatabase, type TestDatabase } from './db.ts';

export type TestApp = Awaited<ReturnType<typeof startTestApp>>;

export type Tenant = { appId: string; secretKey: string; publishableKey: string };

let counter = 0;

/** One master key per test process, so apps built on one test database can read each other's sealed secrets. */
/** The master key of every in-process test app; server processes started by tests get it too. */
export const TEST_MASTER_KEY = randomBytes(32).toString('hex');

export async function startTestApp(opts: { config?: Partial<Config>; clock?: Clock; database?: TestDatabase; strictAudit?: boolean; extraRoutes?: (app: FastifyInstance) => void } = {}) {
  const database = opts.database ?? (await createTestDatabase());
  // Every injected request comes from one address, and tests fail authentication on purpose: the
  // per-address failure limit is tested on its own (http/security.test.ts).
  const config: Config = { ...loadConfig({}), logLevel: 'silent', jobs: false, bootstrap: false, authFailuresPerIp: 1_000_000, secretKey: TEST_MASTER_KEY, ...opts.config };
  // An operator or secret-key mutation that leaves no audit entry fails the request (http/audit.ts).
  const built = await buildApp({ config, database, logger: false, strictAudit: opts.strictAudit ?? true, ...(opts.clock ? { clock: opts.clock } : {}) });
  // The logger is off in tests; an unexpected error (a 500) still shows its stack in the output.
  built.app.addHook('onError', async (req, _reply, err: Error & { validation?: unknown; statusCode?: number }) => {
    const expected = isAppError(err) ? err.status < 500 : err.validation !== undefined || (typeof err.statusCode === 'number' && err.statusCode < 500);
    if (!expected) console.error(`[canyu test app] ${req.method} ${req.url}:`, err);
  });
  opts.extraRoutes?.(built.app);
  await built.app.ready();
  const { app, services, modules, systemCtx } = built;

  const inject = (o: InjectOptions): Promise<LightMyRequestResponse> => app.inject(o);

  return {
    app,
    services,
    modules,
    database,
    config,
    systemCtx,
    inject,
    /** A new app (tenant) with its keys, created the way the CLI does. */
    async newTenant(name = `app-${++counter}`): Promise<Tenant> {
      const r = await services.tenancy.createApp(systemCtx({ type: 'cli', id: null }), { name });
      return { appId: r.app.id, secretKey: r.secretKey, publishableKey: r.publishableKey };
    },
    /** An operator with a role in the app, signed in through the API; returns the session token. */
    async newOperator(appId: string, role: Role, email = `op${++counter}-${Date.now()}@example.com`) {
      const password = 'correct horse battery';
      const ctx = systemCtx({ type: 'cli', id: null });
      const op = await services.tenancy.createOperator(ctx, { email, password });
      await services.tenancy.setMember(ctx, appId, { actorRole: 'owner', email, role });
      // A distinct client address per sign-in, so helpers never trip the per-IP login limit.
      const n = ++counter;
      const remoteAddress = `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
      const res = await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email, password }, remoteAddress });
      if (res.statusCode !== 200) throw new Error(`login failed: ${res.body}`);
      return { operatorId: op.id, email, password, token: (res.json() as { token: string }).token };
    },
    /** Mints an end-user token through the API. */
    async userToken(tenant: Tenant, userId: string, ttlSeconds?: number): Promise<string> {
      const res = await app.inject({ method: 'POST', url: `/v1/users/${encodeURIComponent(userId)}/tokens`, headers: { authorization: `Bearer ${tenant.secretKey}` }, payload: ttlSeconds ? { ttl_seconds: ttlSeconds } : {} });
      if (res.statusCode !== 201) throw new Error(`token mint failed: ${res.body}`);
      return (res.json() as { token: string }).token;
    },
    async close() {
      await app.close();
      if (!opts.database) await database.close();
    },
  };
}

export const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

/** Calls as a tenant's secret key: `call` answers the raw response, `ok` asserts a 2xx and answers the JSON. */
export function asTenant(t: TestApp, tenant: Tenant) {
  const call = (method: Method, url: string, payload?: object) => t.inject({ method, url, headers: bearer(tenant.secretKey), ...(payload ? { payload } : {}) });
  const ok = async (method: Method, url: string, payload?: object) => {
    const r = await call(method, url, payload);
    assert.ok(r.statusCode < 300, `${method} ${url} → ${r.statusCode} ${r.body}`);
    return r.json();
  };
  return { call, ok };
}

/** Two apps over one fresh test database, both listening on 127.0.0.1: the setup of cross-server tests. */
export async function startTwoServers(opts: { config?: Partial<Config> } = {}) {
  const database = await createTestDatabase();
  const s1 = await startTestApp({ database, ...opts });
  const s2 = await startTestApp({ database, ...opts });
  const url1 = await s1.app.listen({ port: 0, host: '127.0.0.1' });
  const url2 = await s2.app.listen({ port: 0, host: '127.0.0.1' });
  return {
    database,
    s1,
    s2,
    url1,
    url2,
    async close() {
      await s2.close();
      await s1.close();
      await database.close();
    },
  };
}
