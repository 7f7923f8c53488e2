// Security headers on every response (including errors and 404s). API answers are JSON that no
// browser should render or frame; the API docs (/docs) and the console (/console) are pages that
// load only their own assets: the Swagger UI bundle is served from this server (it works offline)
// and needs no inline script, only inline styles (React style attributes) and data: images.
import type { FastifyInstance } from 'fastify';
import { AppError } from './errors.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route takes WebSocket upgrades (registered with @fastify/websocket, see app.ts). */
    websocket?: boolean;
  }
}

const PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

// Small server-rendered pages (the unsubscribe confirmation) use an inline <style> and post a form to themselves.
const API_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const isPage = (url: string) => /^\/(docs|console)(\/|$|\?)/.test(url);

const COMMON = { 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer', 'x-frame-options': 'DENY' } as const;
const PAGE_HEADERS = { ...COMMON, 'content-security-policy': PAGE_CSP };
const API_HEADERS = { ...COMMON, 'content-security-policy': API_CSP };

/**
 * The request id and the security headers on every answer. A plain (callback) hook: it awaits
 * nothing, and a promise per request for it would be pure overhead on the hottest path.
 */
export function registerSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onRequest', (req, reply, done) => {
    reply.header('x-request-id', req.id).headers(isPage(req.url) ? PAGE_HEADERS : API_HEADERS);
    // An Upgrade request reaches Fastify through @fastify/websocket, on the socket it took over
    // from the HTTP server; on a route that takes no WebSocket it is refused and that socket
    // closed once the answer is written (nobody else would close it).
    if ((req.raw as { upgrade?: boolean }).upgrade === true && req.routeOptions.config?.websocket !== true) {
      reply.raw.once('finish', () => req.raw.socket?.destroy());
      done(new AppError('realtime.no_websocket', `${req.method} ${req.url.split('?')[0]} does not take WebSocket connections; connect to GET /v1/realtime`));
      return;
    }
    done();
  });
}
