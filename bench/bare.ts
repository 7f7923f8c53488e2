// The bare baselines: the same framework and JSON with no auth, no validation, no hooks; and, for
// database paths, the same SQL through a plain pg pool. Run as its own process by bench/run.ts
// (DATABASE_URL = Canyu's database); prints its port on stdout.
//   GET  /bare/json            a constant JSON document shaped like a Canyu user profile
//   GET  /bare/user/:app/:id   the same single-row SQL as GET /v1/users/:id, same JSON out
//   POST /bare/echo            parses a JSON body and answers its size
//   GET  /bare/bytes/:n        a constant JSON document of n bytes, serialised once (as a cached
//                              Canyu answer is): the transport cost of a bigger body
import Fastify from 'fastify';
import pg from 'pg';

const app = Fastify({ logger: false });
const pool = process.env.DATABASE_URL ? new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.CANYU_DB_POOL ?? 20) }) : null;
const user = { user_id: 'bench-user', traits: { plan: 'pro', city: '上海' }, timezone: 'Asia/Shanghai', locale: 'zh-CN', created_at: '2026-01-01T00:00:00.000Z', updated_at: '2026-01-01T00:00:00.000Z' };
app.get('/bare/json', async () => user);
app.get<{ Params: { app: string; id: string } }>('/bare/user/:app/:id', async (req, reply) => {
  if (!pool) return reply.code(503).send({ error: 'no DATABASE_URL' });
  const { rows } = await pool.query('select user_id, traits, timezone, locale, created_at, updated_at from us_users where app_id = $1 and user_id = $2', [req.params.app, req.params.id]);
  const r = rows[0];
  if (!r) return reply.code(404).send({ error: 'not found' });
  return { user_id: r.user_id, traits: r.traits, timezone: r.timezone, locale: r.locale, created_at: r.created_at.toISOString(), updated_at: r.updated_at.toISOString() };
});
const bodies = new Map<number, string>();
app.get<{ Params: { n: string } }>('/bare/bytes/:n', async (req, reply) => {
  const n = Math.max(16, Math.min(1_000_000, Number(req.params.n) || 16));
  let body = bodies.get(n);
  if (body === undefined) bodies.set(n, (body = JSON.stringify({ data: 'x'.repeat(n - 11) })));
  return reply.type('application/json; charset=utf-8').send(body);
});
app.post('/bare/echo', async (req) => ({ ok: true, size: JSON.stringify(req.body).length }));
await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
const addr = app.server.address();
process.stdout.write(`${typeof addr === 'object' && addr ? addr.port : 0}\n`);
process.on('SIGTERM', () => void app.close().then(async () => (await pool?.end(), process.exit(0))));
