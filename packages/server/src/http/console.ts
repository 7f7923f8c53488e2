// The operator console (packages/console, a React app built by Vite into packages/console/dist)
// served at /console. Hashed assets (/console/assets/*) are immutable and cached for a year;
// index.html and any other path under /console (client-side routes such as /console/users/u1)
// answer the app shell with no-cache, so a new build is picked up on the next load. No cookies:
// the console keeps its operator token in the page and sends it as a header (no CSRF).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** packages/console/dist, from the sources (src/http) or from the bundle (dist/cli.js). */
export function consoleDistDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.resolve(here, '../../../console/dist'), path.resolve(here, '../../console/dist')];
  return candidates.find((c) => fs.existsSync(path.dirname(c)) && path.basename(path.dirname(path.dirname(c))) === 'packages') ?? candidates[0]!;
}

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Canyu console</title>
<p>The operator console is not built. Run <code>npm run build</code> (or <code>npm install</code>) and reload.</p>
<p>运营后台尚未构建。请运行 <code>npm run build</code>（或 <code>npm install</code>）后刷新。</p>`;

export async function registerConsole(app: FastifyInstance, opts: { dir?: string } = {}): Promise<void> {
  const root = opts.dir ?? consoleDistDir();
  // In a context of its own: the API docs register @fastify/static too.
  await app.register(async (scope) => consoleRoutes(scope, root));
}

async function consoleRoutes(app: FastifyInstance, root: string): Promise<void> {
  // serve: false: only reply.sendFile (with send's path checks); the routes below choose the file.
  await app.register(fastifyStatic, { root, serve: false, decorateReply: true, cacheControl: false, etag: true, lastModified: true });

  const shell = (reply: FastifyReply) => {
    if (!fs.existsSync(path.join(root, 'index.html'))) return reply.code(503).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(NOT_BUILT);
    return reply.header('cache-control', 'no-cache').sendFile('index.html');
  };

  const handler = async (req: FastifyRequest<{ Params: { '*'?: string } }>, reply: FastifyReply) => {
    const rel = (req.params['*'] ?? '').split('?')[0] ?? '';
    if (rel && !rel.split('/').includes('..')) {
      const file = path.resolve(root, rel);
      const inside = file.startsWith(root + path.sep);
      const st = inside ? fs.statSync(file, { throwIfNoEntry: false }) : undefined;
      if (st?.isFile() && rel !== 'index.html') {
        // Vite names assets by content hash: they never change under the same name.
        reply.header('cache-control', rel.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'public, max-age=300');
        return reply.sendFile(rel);
      }
      // A missing hashed asset is a 404 (an old page asking for a replaced chunk), not the shell.
      if (rel.startsWith('assets/')) return reply.callNotFound();
    }
    return shell(reply);
  };
  app.get('/console', { schema: { hide: true } }, (_req, reply) => reply.redirect('/console/', 302));
  app.get('/console/', { schema: { hide: true } }, handler);
  app.get('/console/*', { schema: { hide: true } }, handler);
}
