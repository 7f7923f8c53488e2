// The bare Fastify baseline: the same framework and JSON, no auth, no database. Run as its own
// process by bench/run.ts; prints its port on stdout.
import Fastify from 'fastify';

const app = Fastify({ logger: false });
// The same JSON shape as GET /v1/users/:userId answers in the foundation scenario.
const user = { user_id: 'bench-user', traits: { plan: 'pro', city: '上海' }, timezone: 'Asia/Shanghai', locale: 'zh-CN', created_at: '2026-01-01T00:00:00.000Z', updated_at: '2026-01-01T00:00:00.000Z' };
app.get('/bare/json', async () => user);
app.post('/bare/echo', async (req) => ({ ok: true, size: JSON.stringify(req.body).length }));
await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
const addr = app.server.address();
process.stdout.write(`${typeof addr === 'object' && addr ? addr.port : 0}\n`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
