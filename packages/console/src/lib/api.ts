// The API client: openapi-fetch over the types the SDK generates from openapi.json
// (packages/sdk/src/generated/openapi.ts, `npm run generate:api`), so every path, parameter and
// answer is checked by the compiler and cannot drift from the server.
import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from '../../../sdk/src/generated/openapi.ts';
import { currentLocale } from '../i18n/index.tsx';
import { session } from './session.ts';

export type Schemas = components['schemas'];

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: unknown,
  ) {
    super(message);
  }
}

const MUTATING = new Set(['POST', 'PATCH', 'DELETE', 'PUT']);

const middleware: Middleware = {
  onRequest({ request }) {
    const { token, appId } = session.get();
    if (token) request.headers.set('authorization', `Bearer ${token}`);
    if (appId && !request.headers.has('x-canyu-app')) request.headers.set('x-canyu-app', appId);
    request.headers.set('accept-language', currentLocale());
    if (MUTATING.has(request.method) && !request.headers.has('idempotency-key')) request.headers.set('idempotency-key', crypto.randomUUID());
    return request;
  },
  async onResponse({ response, request }) {
    if (response.ok) return response;
    let body: { error?: { code?: string; message?: string; details?: unknown } } = {};
    try {
      body = await response.clone().json();
    } catch {
      // Not JSON (a proxy's error page): the status says enough.
    }
    // The session expired or was revoked: back to sign-in (not for the sign-in call itself).
    if (response.status === 401 && !request.url.endsWith('/v1/auth/login')) session.clear(true);
    throw new ApiError(response.status, body.error?.code ?? `http_${response.status}`, body.error?.message ?? response.statusText, body.error?.details ?? null);
  },
};

export const api = createClient<paths>({ baseUrl: typeof location === 'undefined' ? 'http://127.0.0.1:4000' : location.origin });
api.use(middleware);

/** The data of a call whose errors were thrown by the middleware. */
export async function ok<T>(call: Promise<{ data?: T; error?: unknown }>): Promise<T> {
  const r = await call;
  return r.data as T;
}
