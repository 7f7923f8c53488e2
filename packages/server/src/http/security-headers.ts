// Security headers on every response (including errors and 404s). API answers are JSON that no
// browser should render or frame; the API docs (/docs) and the console (/console) are pages that
// load only their own assets: the Swagger UI bundle is served from this server (it works offline)
// and needs no inline script, only inline styles (React style attributes) and data: images.
import type { FastifyInstance } from 'fastify';

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

export function registerSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onRequest', async (req, reply) => {
    reply
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('x-frame-options', 'DENY')
      .header('content-security-policy', isPage(req.url) ? PAGE_CSP : API_CSP);
  });
}
