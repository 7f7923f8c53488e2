// The typed client: openapi-fetch over the types generated from the API document, so every
// operation's path, parameters, body and answer are checked by the compiler. On top of it:
// an Idempotency-Key on every mutating call (so retries never do the work twice), CanyuError for
// every failure, and the transport's retries and token refresh.
import createFetchClient, { type Client, type Middleware } from 'openapi-fetch';
import { CanyuError } from './errors.ts';
import type { paths } from './generated/openapi.ts';
import { createTransport, type TransportOptions } from './transport.ts';
import { uuidv7 } from './uuid.ts';

export type CanyuApi = Client<paths>;

export type ClientOptions = TransportOptions & {
  /** Where Canyu is, e.g. https://canyu.example.com (no /v1). */
  baseUrl: string;
  /**
   * Add an Idempotency-Key to POST, PATCH and DELETE calls that have none (default true). PUT
   * sets a state (like, follow) and is safe to repeat as it is; the server would store its answer
   * for nothing.
   */
  idempotencyKeys?: boolean;
  /** Sent on every call, e.g. { 'accept-language': 'zh-CN' } for Chinese error messages. */
  headers?: Record<string, string>;
};

const NEEDS_KEY = new Set(['POST', 'PATCH', 'DELETE']);

export function createClient(o: ClientOptions): CanyuApi {
  const client = createFetchClient<paths>({ baseUrl: o.baseUrl.replace(/\/+$/, ''), fetch: createTransport(o), ...(o.headers ? { headers: o.headers } : {}) });
  const idem = o.idempotencyKeys !== false;
  const middleware: Middleware = {
    onRequest({ request }) {
      // Set once, before the transport's retries: every attempt carries the same key.
      if (idem && NEEDS_KEY.has(request.method) && !request.headers.has('idempotency-key')) request.headers.set('idempotency-key', uuidv7());
      return request;
    },
    async onResponse({ response }) {
      if (!response.ok) throw await CanyuError.fromResponse(response);
      return response;
    },
    onError({ error }) {
      return error instanceof CanyuError ? error : CanyuError.network(error);
    },
  };
  client.use(middleware);
  return client;
}
