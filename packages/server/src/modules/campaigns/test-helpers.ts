// Shared by the campaign tests: a controllable clock and API shortcuts.
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import { bearer, type Tenant, type TestApp } from '../../testing/app.ts';

export type TestClock = { t: number; now(): Date; set(iso: string): void; advance(ms: number): void };

export function testClock(iso = '2030-06-01T00:00:00Z'): TestClock {
  return {
    t: Date.parse(iso),
    now() {
      return new Date(this.t);
    },
    set(s) {
      this.t = Date.parse(s);
    },
    advance(ms) {
      this.t += ms;
    },
  };
}

export const iso = (ms: number) => new Date(ms).toISOString();

export function ok<T = Record<string, unknown>>(res: LightMyRequestResponse, status = 200): T {
  assert.equal(res.statusCode, status, res.body.slice(0, 800));
  return res.json() as T;
}

export function api(t: TestApp, tenant: Tenant) {
  const h = bearer(tenant.secretKey);
  return {
    post: (url: string, payload?: object) => t.inject({ method: 'POST', url, headers: h, ...(payload ? { payload } : {}) }),
    get: (url: string) => t.inject({ method: 'GET', url, headers: h }),
    patch: (url: string, payload: object) => t.inject({ method: 'PATCH', url, headers: h, payload }),
    async campaign(body: Record<string, unknown>): Promise<{ id: string; status: string }> {
      return ok(await this.post('/v1/campaigns', body), 201);
    },
  };
}
