// Cross-origin calls from browsers (CORS): a host page on another origin may call /v1 when an app
// lists that origin (PATCH /v1/apps/:appId `allowed_origins`: `https://shop.example.com`, or
// `https://*.example.com` for its subdomains). A preflight carries no credentials, so it is answered
// for an origin some app lists; the call itself is answered to the origin only when the app its
// credentials belong to lists it. Calls from unlisted origins get no CORS headers, so the browser
// keeps their answers from the page. No cookies are involved (credentials are headers).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** What `allowed_origins` accepts: scheme, host (optionally `*.` for subdomains) and port; lowercase, no path. */
export const ORIGIN_PATTERN = /^https?:\/\/(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)*(:\d{1,5})?$/;

/** Whether a browser's Origin header matches a listed pattern (exact, or a subdomain of a `*.` pattern, same scheme and port). */
export function originMatches(pattern: string, origin: string): boolean {
  if (pattern === origin) return true;
  const star = /^(https?:\/\/)\*\.(.+)$/.exec(pattern);
  if (!star) return false;
  const [, scheme, rest] = star as unknown as [string, string, string];
  return origin.startsWith(scheme) && origin.endsWith(`.${rest}`) && /^[a-z0-9.-]+$/.test(origin.slice(scheme.length, origin.length - rest.length - 1));
}

/** Headers a cross-origin page may send and read. */
const ALLOW_HEADERS = 'authorization, content-type, idempotency-key, x-user-token, x-canyu-app, accept-language';
const EXPOSE_HEADERS = 'retry-after, x-request-id, idempotency-replayed';
const METHODS = 'GET, POST, PUT, PATCH, DELETE';

export type CorsPolicy = {
  /** Whether the origin may call: with `appId`, as that app lists it; without, as any app lists it (preflights, failed authentication). */
  allows(origin: string, appId: string | null): Promise<boolean>;
};

const isApi = (url: string) => url.startsWith('/v1/') || url === '/v1';

export function registerCors(app: FastifyInstance, policy: CorsPolicy, appIdOf: (req: FastifyRequest) => string | null): void {
  const preflight = async (req: FastifyRequest, reply: FastifyReply, origin: string) => {
    reply.header('vary', 'origin');
    if (await policy.allows(origin.toLowerCase(), null)) {
      reply.header('access-control-allow-origin', origin).header('access-control-allow-methods', METHODS).header('access-control-allow-headers', ALLOW_HEADERS).header('access-control-max-age', '600');
    }
    return reply.code(204).send();
  };
  const answer = async (req: FastifyRequest, reply: FastifyReply, origin: string) => {
    reply.header('vary', 'origin');
    if (await policy.allows(origin.toLowerCase(), appIdOf(req))) reply.header('access-control-allow-origin', origin).header('access-control-expose-headers', EXPOSE_HEADERS);
  };
  // Callback hooks: a request without an Origin (every server-to-server call) passes straight on,
  // without a promise; only browser calls wait for the policy.
  app.addHook('onRequest', (req: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => {
    const origin = req.headers.origin;
    if (req.method !== 'OPTIONS' || typeof origin !== 'string' || !isApi(req.url) || !req.headers['access-control-request-method']) return done();
    // The preflight is answered here (done is not called: the request goes no further).
    preflight(req, reply, origin).catch(done);
  });
  app.addHook('onSend', (req: FastifyRequest, reply: FastifyReply, payload: unknown, done: (err: Error | null, payload?: unknown) => void) => {
    const origin = req.headers.origin;
    if (typeof origin !== 'string' || req.method === 'OPTIONS' || !isApi(req.url)) return done(null, payload);
    answer(req, reply, origin).then(() => done(null, payload), done);
  });
}
