// The client transports: GET /v1/realtime (WebSocket) and GET /v1/realtime/sse (Server-Sent Events).
//
// Browsers cannot set headers on either, so a client authenticates with query parameters: the
// app's publishable key and the user token its backend signed (`?key=pk_…&user_token=…`); a
// server-side client may send the usual Authorization + X-User-Token headers instead.
import type { Module } from '../module.ts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { z } from 'zod';
import { AppError } from '../http/errors.ts';
import { errors, type Api } from '../http/route.ts';
import type { Authenticator } from '../http/auth.ts';
import './errors.ts';
import { MAX_TOPICS, type ClientMessage, type Connection, type Realtime } from './realtime.ts';

const Query = z.strictObject({
  key: z.string().max(100).optional().describe('Publishable key pk_… (or send Authorization: Bearer pk_…)'),
  user_token: z.string().max(4096).optional().describe('The user token (or send X-User-Token)'),
  topics: z.string().max(12000).optional().describe(`Comma-separated topics to subscribe to at once (at most ${MAX_TOPICS}), e.g. live:room_… or subject:video:BV1xx`),
});

const tags = ['Realtime'];

/** Most bytes a client may have waiting to be written before it is dropped as too slow. */
const MAX_BUFFERED = 4 * 1024 * 1024;

async function identify(req: FastifyRequest, tenancy: Authenticator): Promise<{ appId: string; userId: string }> {
  const p = req.principal;
  if (p.kind === 'user') return { appId: p.appId, userId: p.userId };
  const q = req.query as z.infer<typeof Query>;
  if (!q.key || !q.user_token) throw new AppError('auth.missing_credentials', 'Connect with ?key=<publishable key>&user_token=<user token>, or the Authorization and X-User-Token headers');
  const key = await tenancy.authenticateKey(q.key);
  if (key.kind !== 'publishable') throw new AppError('auth.forbidden', 'Realtime connections use the publishable key (never ship a secret key to a client)');
  const userId = await tenancy.verifyUserToken(key.appId, q.user_token);
  return { appId: key.appId, userId };
}

function topicsOf(req: FastifyRequest): string[] {
  const t = (req.query as z.infer<typeof Query>).topics;
  return t ? [...new Set(t.split(',').map((s) => s.trim()).filter(Boolean))] : [];
}

/**
 * Answers the request with a Server-Sent Events stream: `open` starts what feeds it (given a
 * writer of serialised events and a way to end the stream) and returns how to stop it, which runs
 * once the client goes, the server shuts down, or the client is too slow to keep up.
 */
async function sseStream(
  req: FastifyRequest,
  reply: FastifyReply,
  o: { heartbeatMs: number; open: Set<() => void>; headers?: Record<string, string> },
  open: (write: (json: string) => void, end: () => void) => (() => void) | Promise<() => void>,
): Promise<void> {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no', 'x-request-id': req.id, ...o.headers });
  let closed = false;
  let stop: (() => void) | null = null;
  const end = () => res.end();
  const write = (json: string) => {
    if (closed) return;
    if (res.writableLength > MAX_BUFFERED) {
      res.end();
      return;
    }
    const type = /^\{"type":"([^"]*)"/.exec(json)?.[1] ?? 'message';
    res.write(`event: ${type}\ndata: ${json}\n\n`);
  };
  const beat = setInterval(() => !closed && res.write(': ping\n\n'), o.heartbeatMs);
  beat.unref();
  o.open.add(end);
  res.on('close', () => {
    closed = true;
    clearInterval(beat);
    o.open.delete(end);
    stop?.();
    stop = null;
  });
  const s = await open(write, end);
  if (closed) s();
  else stop = s;
}

export function realtimeRoutes(api: Api, deps: { realtime: Realtime; tenancy: Authenticator; heartbeatMs?: number }): { closeAll(): void } {
  const { realtime, tenancy } = deps;
  const heartbeatMs = deps.heartbeatMs ?? 25_000;
  const open = new Set<() => void>();

  api.route({
    method: 'GET',
    url: '/v1/realtime',
    config: { auth: { public: true }, websocket: true },
    schema: {
      tags,
      summary: 'WebSocket: live inbox messages, announcements and live-room events for one user',
      description:
        'Upgrade to a WebSocket (101). Server → client: JSON events with a `type` (hello, message, announcement, live.*, error). Client → server: ' +
        '`{"type":"subscribe","topic":"live:<roomId>"}`, `unsubscribe`, `ping`, `ack` (`{"type":"ack","delivery_id":…}` marks a realtime delivery delivered), ' +
        'live-room messages (`live.chat`, `live.like`). Optional `id` on a client message is echoed as `re` on its reply. ' +
        'Without an Upgrade header the same URL checks the credentials and answers how to connect.',
      querystring: Query,
      security: [{ publishableKey: [], userToken: [] }],
      response: {
        200: z.object({ app_id: z.string(), user_id: z.string(), websocket: z.string(), sse: z.string() }).describe('Credentials are good (no Upgrade header was sent)'),
        ...errors(400, 401, 403),
      },
    },
    preValidation: async (req) => {
      (req as FastifyRequest & { rtUser?: { appId: string; userId: string } }).rtUser = await identify(req, tenancy);
    },
    handler: async (req) => {
      const who = (req as FastifyRequest & { rtUser?: { appId: string; userId: string } }).rtUser!;
      return { app_id: who.appId, user_id: who.userId, websocket: 'GET /v1/realtime with Upgrade: websocket', sse: 'GET /v1/realtime/sse' };
    },
    wsHandler: (socket: WebSocket, req: FastifyRequest) => {
      const who = (req as FastifyRequest & { rtUser?: { appId: string; userId: string } }).rtUser!;
      let alive = true;
      const conn: Connection = realtime.register({
        appId: who.appId,
        userId: who.userId,
        transport: 'ws',
        sendRaw: (json) => {
          if (socket.readyState !== 1) return;
          if (socket.bufferedAmount > MAX_BUFFERED) {
            socket.close(1013, 'client too slow');
            return;
          }
          socket.send(json);
        },
        close: (code, reason) => socket.close(code ?? 1000, reason),
      });
      const ping = setInterval(() => {
        if (!alive) {
          socket.terminate();
          return;
        }
        alive = false;
        socket.ping();
      }, heartbeatMs);
      ping.unref();
      const closeThis = () => socket.close(1001, 'server shutting down');
      open.add(closeThis);
      socket.on('pong', () => (alive = true));
      socket.on('close', () => {
        clearInterval(ping);
        open.delete(closeThis);
        realtime.unregister(conn);
      });
      socket.on('message', (data, isBinary) => {
        alive = true;
        void (async () => {
          let msg: ClientMessage;
          try {
            const parsed: unknown = JSON.parse(isBinary ? Buffer.from(data as Buffer).toString('utf8') : String(data));
            if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed) || typeof (parsed as { type?: unknown }).type !== 'string') throw new Error('not an object with a type');
            msg = parsed as ClientMessage;
          } catch (err) {
            conn.send(realtime.errorEvent(new AppError('realtime.bad_message', `Send JSON objects with a "type": ${(err as Error).message}`)));
            return;
          }
          const re = typeof msg.id === 'string' || typeof msg.id === 'number' ? msg.id : undefined;
          try {
            if (msg.type === 'ping') conn.send({ type: 'pong', ...(re !== undefined ? { re } : {}) });
            else if (msg.type === 'subscribe' || msg.type === 'unsubscribe') {
              if (typeof msg.topic !== 'string' || msg.topic.length === 0 || msg.topic.length > 200) throw new AppError('realtime.bad_message', `${msg.type} needs a "topic"`);
              if (msg.type === 'subscribe') await realtime.join(conn, msg.topic);
              else realtime.leave(conn, msg.topic);
              conn.send({ type: `${msg.type}d`, topic: msg.topic, ...(re !== undefined ? { re } : {}) });
            } else {
              const reply = await realtime.handleClientMessage(conn, msg);
              if (reply) conn.send({ ...reply, ...(re !== undefined ? { re } : {}) });
            }
          } catch (err) {
            conn.send(realtime.errorEvent(err, re));
          }
        })();
      });
      conn.send({ type: 'hello', connection_id: conn.id, user_id: who.userId });
      void (async () => {
        for (const t of topicsOf(req)) {
          try {
            await realtime.join(conn, t);
            conn.send({ type: 'subscribed', topic: t });
          } catch (err) {
            conn.send(realtime.errorEvent(err));
          }
        }
      })();
    },
  });

  api.get(
    '/v1/realtime/sse',
    {
      config: { auth: { public: true } },
      schema: {
        tags,
        summary: 'Server-Sent Events: the same events as the WebSocket, one way',
        description: 'A text/event-stream; each event has `event: <type>` and `data: <JSON>`. Subscribe to topics with `?topics=`. Clients acknowledge and chat over the REST endpoints instead.',
        querystring: Query,
        security: [{ publishableKey: [], userToken: [] }],
        response: { 200: z.string().describe('text/event-stream'), ...errors(400, 401, 403) },
      },
    },
    async (req, reply) => {
      const who = await identify(req, tenancy);
      const topics = topicsOf(req);
      // The stream is written past Fastify's hooks: a page on an origin the app allows (http/cors.ts) may read it.
      const origin = req.headers.origin;
      const cors: Record<string, string> = typeof origin === 'string' && (await tenancy.allows(origin.toLowerCase(), who.appId)) ? { 'access-control-allow-origin': origin, vary: 'origin' } : {};
      await sseStream(req, reply, { heartbeatMs, open, headers: cors }, async (write, end) => {
        const conn = realtime.register({ appId: who.appId, userId: who.userId, transport: 'sse', sendRaw: write, close: end });
        conn.send({ type: 'hello', connection_id: conn.id, user_id: who.userId });
        for (const t of topics) {
          try {
            await realtime.join(conn, t);
            conn.send({ type: 'subscribed', topic: t });
          } catch (err) {
            conn.send(realtime.errorEvent(err));
          }
        }
        return () => realtime.unregister(conn);
      });
    },
  );

  api.get(
    '/v1/realtime/operator',
    {
      config: { auth: { operator: 'app.read' } },
      schema: {
        tags,
        summary: "Server-Sent Events for the console: the app's live events an operator's role may read",
        description:
          'A text/event-stream for a signed-in operator (Authorization: Bearer <session token>, X-Canyu-App: <app id>), read with fetch (EventSource cannot send the header). ' +
          'Each event has `event: <type>` and `data: <JSON>`: `hello` first, then what modules publish to operators — for customer service `service.conversation` ' +
          '(a conversation opened, waiting, assigned, resolved, rated or past its SLA, with the conversation) and `service.message` (a new message, internal notes included), ' +
          'each only to roles that may read conversations (service.read). The stream ends when the session is revoked or the operator loses the role.',
        response: { 200: z.string().describe('text/event-stream'), ...errors(401, 403, 404) },
      },
    },
    async (req, reply) => {
      const p = req.principal;
      if (p.kind !== 'operator' || !p.appId || !p.role) throw new AppError('auth.forbidden', 'Sign in as an operator of the app');
      const { operatorId, appId } = p;
      const raw = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '';
      await sseStream(req, reply, { heartbeatMs, open }, (write, end) => {
        const stream = { appId, operatorId, role: p.role!, sendRaw: write };
        const unregister = realtime.registerOperator(stream);
        write(JSON.stringify({ type: 'hello', operator_id: operatorId, app_id: appId, role: stream.role }));
        // Revocation and role changes: checked at every heartbeat (both lookups are cached and dropped on change).
        const check = setInterval(() => {
          void (async () => {
            try {
              const s = await tenancy.authenticateSession(raw);
              const role = s.operatorId === operatorId ? await tenancy.roleOf(appId, operatorId) : null;
              if (!role) end();
              else stream.role = role;
            } catch {
              end();
            }
          })();
        }, heartbeatMs);
        check.unref();
        return () => {
          clearInterval(check);
          unregister();
        };
      });
    },
  );

  return {
    closeAll() {
      for (const close of [...open]) close();
    },
  };
}

/** Realtime as a module: the WebSocket and SSE routes (their streams close before the server does) and the cross-server hub. */
export function realtimeModule(realtime: Realtime, deps: { tenancy: Authenticator; heartbeatMs?: number }): Module {
  let transports: { closeAll(): void } | null = null;
  return {
    name: 'realtime',
    websocket: true,
    routes(api) {
      transports = realtimeRoutes(api, { realtime, tenancy: deps.tenancy, ...(deps.heartbeatMs !== undefined ? { heartbeatMs: deps.heartbeatMs } : {}) });
      // Open WebSocket/SSE streams would keep the server from closing.
      api.addHook('preClose', async () => transports?.closeAll());
    },
    start: () => realtime.hub.start(),
    stop: () => realtime.hub.stop(),
  };
}
