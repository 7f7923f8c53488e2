// `Idempotency-Key` on mutating requests: the first request with a key runs and its response is
// stored; a retry with the same key and body gets the stored response (header
// `Idempotent-Replayed: true`); the same key with a different body is a 409. Keys are scoped to
// the caller (app for secret keys, user for user tokens, operator and app for sessions) and kept 24 h.
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Db } from '../db/index.ts';
import { AppError, validationError } from './errors.ts';
import * as store from './idempotency.store.ts';

export const IDEMPOTENCY_TTL_HOURS = 24;
const ABANDONED_AFTER_S = 120;

declare module 'fastify' {
  interface FastifyRequest {
    idem: { scope: string; key: string } | null;
  }
}

function scopeOf(req: FastifyRequest): string | null {
  const p = req.principal;
  switch (p.kind) {
    case 'secret':
      return `app:${p.appId}`;
    case 'publishable':
      return `pk:${p.appId}`;
    case 'user':
      return `user:${p.appId}:${p.userId}`;
    case 'operator':
      // Per app too: the same URL and body sent to another app (X-Canyu-App) is another request.
      return `op:${p.operatorId}:${p.appId ?? '-'}`;
    default:
      return null;
  }
}

export function registerIdempotency(app: FastifyInstance, db: Db): void {
  app.decorateRequest('idem', null);

  // Callback hooks: a request without an Idempotency-Key passes on without a promise.
  app.addHook('preHandler', (req: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => {
    if ((req.method !== 'POST' && req.method !== 'PATCH' && req.method !== 'DELETE' && req.method !== 'PUT') || req.headers['idempotency-key'] === undefined) return done();
    reserve(req, reply).then((sent) => {
      if (!sent) done();
    }, done);
  });

  /** Reserves the key for this request, or answers with the stored response (true: answered). */
  const reserve = async (req: FastifyRequest, reply: FastifyReply): Promise<boolean> => {
    const raw = req.headers['idempotency-key']!;
    const key = Array.isArray(raw) ? raw[0] : raw;
    if (!key || key.length > 255 || !/^[\x21-\x7e]+$/.test(key)) {
      throw validationError([{ field: 'headers.idempotency-key', code: 'invalid_string', message: 'Must be 1-255 visible ASCII characters', expected: 'string of 1-255 visible ASCII characters' }]);
    }
    const scope = scopeOf(req);
    if (!scope) return false;
    const fingerprint = createHash('sha256')
      .update(`${req.method} ${req.url}\n${JSON.stringify(req.body ?? null)}`)
      .digest('hex');
    for (let attempt = 0; attempt < 2; attempt++) {
      if (await store.reserve(db, scope, key, fingerprint)) {
        req.idem = { scope, key };
        return false;
      }
      const existing = await store.find(db, scope, key);
      if (!existing) continue; // released between our insert and select: try again
      if (existing.fingerprint !== fingerprint) {
        throw new AppError('idempotency.key_reused', 'This Idempotency-Key was already used with a different request; use a new key for a new request', { field: 'headers.idempotency-key' });
      }
      if (existing.statusCode === null) {
        if (await store.releaseAbandoned(db, scope, key, ABANDONED_AFTER_S)) continue;
        throw new AppError('idempotency.in_progress', 'A request with this Idempotency-Key is still being processed; retry shortly', { field: 'headers.idempotency-key' }, { retryAfter: 1 });
      }
      // Stored as the original text (see store.complete); rows written as parsed JSON are re-serialised.
      const body = typeof existing.response === 'string' ? existing.response : JSON.stringify(existing.response);
      reply.code(existing.statusCode).header('idempotent-replayed', 'true').type('application/json; charset=utf-8').send(body);
      return true;
    }
    throw new AppError('idempotency.in_progress', 'A request with this Idempotency-Key is still being processed; retry shortly', { field: 'headers.idempotency-key' }, { retryAfter: 1 });
  };

  app.addHook('onSend', (req: FastifyRequest, reply: FastifyReply, payload: unknown, done: (err: Error | null, payload?: unknown) => void) => {
    if (!req.idem) return done(null, payload);
    settle(req, reply, payload).then((p) => done(null, p), done);
  });

  const settle = async (req: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    const idem = req.idem!;
    req.idem = null;
    if (reply.statusCode >= 500 || typeof payload !== 'string') {
      // Nothing durable to replay: let the client retry with the same key.
      await store.release(db, idem.scope, idem.key);
    } else {
      await store.complete(db, idem.scope, idem.key, reply.statusCode, payload);
    }
    return payload;
  };
}

export function purgeIdempotencyKeys(db: Db): Promise<number> {
  return store.purgeOlderThan(db, IDEMPOTENCY_TTL_HOURS);
}
