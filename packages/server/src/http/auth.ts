// Who is calling, and may they call this route? Runs on every request before the body is read.
//
//   Authorization: Bearer sk_…            the host backend (secret key): acts for the whole app
//   Authorization: Bearer pk_…            a client (publishable key) …
//   X-User-Token: <JWT>                   … acting as the user the host backend signed for
//   Authorization: Bearer ops_…           an operator session (console); app from the :appId
//   X-Canyu-App: app_…                    path parameter or this header, role from membership
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Actor } from '../context.ts';
import { can, type Permission, type Role } from './permissions.ts';
import { AppError, validationError } from './errors.ts';
import type { Hit, RateLimiter } from './rate-limit.ts';

export type Principal =
  | { kind: 'anonymous' }
  | { kind: 'secret'; appId: string; keyId: string }
  | { kind: 'publishable'; appId: string; keyId: string }
  | { kind: 'user'; appId: string; keyId: string; userId: string }
  | { kind: 'operator'; operatorId: string; sessionId: string; appId: string | null; role: Role | null };

/**
 * What a route accepts. Every /v1 route declares one; a route without a policy answers 403.
 * `operator: 'self'` = any signed-in operator, no app needed; a Permission = a role in the app
 * that grants it.
 */
export type AuthPolicy = {
  public?: true;
  secret?: true;
  user?: true;
  publishable?: true;
  operator?: Permission | 'self';
};

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: AuthPolicy;
  }
  interface FastifyRequest {
    principal: Principal;
  }
}

const ANONYMOUS: Principal = { kind: 'anonymous' };

type KeyPrincipal = { appId: string; keyId: string; kind: 'secret' | 'publishable' };

/** What the auth hook needs from whoever issues credentials (the tenancy module implements it). */
export type Authenticator = {
  authenticateSession(raw: string): Promise<{ operatorId: string; sessionId: string }>;
  roleOf(appId: string, operatorId: string): Promise<Role | null>;
  /** Whether the app exists: a deleted app answers 404 to operators instead of "not a member". */
  appExists(appId: string): Promise<boolean>;
  /** These two answer without a promise when they can (cached credentials), and may then throw. */
  authenticateKey(raw: string): KeyPrincipal | Promise<KeyPrincipal>;
  verifyUserToken(appId: string, token: string): string | Promise<string>;
  /** CORS: whether a browser origin may call with the app's credentials (any app's, when null). */
  allows(origin: string, appId: string | null): Promise<boolean>;
};

export type AuthOptions = {
  tenancy: Authenticator;
  limiter: RateLimiter;
  rateLimit: { perKey: number; perUser: number; windowMs: number };
  /** Failed authentications per client IP per minute; past it, that IP gets 429 before any check. */
  authFailuresPerIp: number;
};

const FAILURE_WINDOW_MS = 60_000;
/** Errors that mean "these credentials are not valid": guessing keys, sessions or tokens. */
const AUTH_FAILURES = new Set(['auth.invalid_key', 'auth.revoked_key', 'auth.invalid_session', 'auth.invalid_token', 'auth.expired_token']);

function bearer(req: FastifyRequest): string | null {
  const h = req.headers.authorization;
  if (!h) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  if (!m) throw new AppError('auth.invalid_key', 'The Authorization header must be "Bearer <key or session token>"');
  return m[1]!;
}

function single(h: string | string[] | undefined): string | undefined {
  return Array.isArray(h) ? h[0] : h;
}

/** App ids as Canyu issues them; anything else is refused before it reaches a query. */
const APP_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** The app an operator call is about: the :appId path parameter, else the X-Canyu-App header. */
function operatorAppId(req: FastifyRequest): string | null {
  const fromPath = (req.params as Record<string, unknown> | undefined)?.appId;
  const appId = typeof fromPath === 'string' ? fromPath : single(req.headers['x-canyu-app']) || null;
  if (appId !== null && !APP_ID.test(appId)) {
    const field = typeof fromPath === 'string' ? 'params.appId' : 'headers.x-canyu-app';
    throw validationError([{ field, code: 'invalid_string', message: 'must be an app id (1-64 letters, digits, _ or -)', expected: 'app id such as app_…' }]);
  }
  return appId;
}

/**
 * Who sent the request. API keys and user tokens are nearly always cached: then the answer is a
 * plain value (or a thrown refusal), without the promise and microtask turns each `await` of the
 * chain cost on every request. Operator sessions are rarer and always go through a promise.
 */
function identify(req: FastifyRequest, tenancy: Authenticator): Principal | Promise<Principal> {
  const token = bearer(req);
  if (!token) return ANONYMOUS;
  if (token.startsWith('ops_')) return identifyOperator(req, token, tenancy);
  const key = tenancy.authenticateKey(token);
  return key instanceof Promise ? key.then((k) => principalOfKey(req, k, tenancy)) : principalOfKey(req, key, tenancy);
}

function principalOfKey(req: FastifyRequest, key: KeyPrincipal, tenancy: Authenticator): Principal | Promise<Principal> {
  if (key.kind === 'secret') return { kind: 'secret', appId: key.appId, keyId: key.keyId };
  const userToken = single(req.headers['x-user-token']);
  if (!userToken) return { kind: 'publishable', appId: key.appId, keyId: key.keyId };
  const userId = tenancy.verifyUserToken(key.appId, userToken);
  const user = (id: string): Principal => ({ kind: 'user', appId: key.appId, keyId: key.keyId, userId: id });
  return userId instanceof Promise ? userId.then(user) : user(userId);
}

async function identifyOperator(req: FastifyRequest, token: string, tenancy: Authenticator): Promise<Principal> {
  const s = await tenancy.authenticateSession(token);
  const appId = operatorAppId(req);
  const role = appId ? await tenancy.roleOf(appId, s.operatorId) : null;
  // Not a member: a deleted (or never created) app is a 404, so a second DELETE says it is gone.
  if (appId && role === null && !(await tenancy.appExists(appId))) throw new AppError('apps.not_found', `App ${appId} does not exist`, { app_id: appId });
  return { kind: 'operator', operatorId: s.operatorId, sessionId: s.sessionId, appId, role };
}

function authorize(p: Principal, policy: AuthPolicy | undefined): void {
  if (!policy) throw new AppError('auth.forbidden', 'This route is not available');
  if (policy.public) return;
  switch (p.kind) {
    case 'anonymous':
      throw new AppError('auth.missing_credentials', 'Send "Authorization: Bearer <secret key>", a publishable key with X-User-Token, or an operator session token');
    case 'secret':
      if (policy.secret) return;
      break;
    case 'user':
      if (policy.user) return;
      break;
    case 'publishable':
      if (policy.publishable) return;
      if (policy.user) throw new AppError('auth.user_token_required', 'A publishable key must be sent with the user token (X-User-Token) of the user it acts for');
      break;
    case 'operator':
      if (policy.operator === 'self') return;
      if (policy.operator) {
        if (!p.appId) throw new AppError('auth.app_required', 'Operator calls to app data must name the app (X-Canyu-App header)');
        if (can(p.role, policy.operator)) return;
        throw new AppError('auth.forbidden', p.role ? `The ${p.role} role cannot do this (needs ${policy.operator})` : `You are not a member of app ${p.appId}`, { required: policy.operator, role: p.role });
      }
      break;
  }
  throw new AppError('auth.forbidden', `This route does not accept ${p.kind === 'user' ? 'user tokens' : p.kind === 'secret' ? 'secret keys' : p.kind === 'publishable' ? 'publishable keys' : 'operator sessions'}`);
}

export function createAuthHook(opts: AuthOptions) {
  const { perKey, perUser, windowMs } = opts.rateLimit;
  // The limiter answers from memory most of the time (leases, peek cache): a plain value is used
  // as it is, without the promise and microtask turns an `await` costs on every request.
  const admit = (reply: FastifyReply, hit: Hit, max: number) => {
    if (!hit.ok) throw new AppError('rate_limited', `Rate limit of ${max} requests per ${windowMs / 1000}s exceeded; retry after ${hit.retryAfterS}s`, { limit: max, window_seconds: windowMs / 1000 }, { retryAfter: hit.retryAfterS });
    reply.header('x-ratelimit-limit', max).header('x-ratelimit-remaining', hit.remaining);
  };
  const limit = (reply: FastifyReply, key: string, max: number): Promise<void> | undefined => {
    const h = opts.limiter.hit(key, max, windowMs);
    if (h instanceof Promise) return h.then((hit) => admit(reply, hit, max));
    admit(reply, h, max);
    return undefined;
  };
  // Forged keys are refused cheaply, but refusing is not enough: an IP that keeps failing is
  // slowed down before its next guess is even looked at.
  const countFailure = async (key: string, err: unknown): Promise<never> => {
    if (err instanceof AppError && AUTH_FAILURES.has(err.code)) await opts.limiter.hit(key, opts.authFailuresPerIp, FAILURE_WINDOW_MS);
    throw err;
  };
  const identifyUnlessBlocked = (req: FastifyRequest, key: string, failures: number): Principal | Promise<Principal> => {
    if (failures >= opts.authFailuresPerIp) {
      throw new AppError('rate_limited', 'Too many failed authentications from this address; retry in a minute', { limit: opts.authFailuresPerIp, window_seconds: FAILURE_WINDOW_MS / 1000 }, { retryAfter: FAILURE_WINDOW_MS / 1000 });
    }
    let p: Principal | Promise<Principal>;
    try {
      p = identify(req, opts.tenancy);
    } catch (err) {
      return countFailure(key, err);
    }
    return p instanceof Promise ? p.catch((err: unknown) => countFailure(key, err)) : p;
  };
  const identifyLimited = (req: FastifyRequest): Principal | Promise<Principal> => {
    const key = `authfail:${req.ip}`;
    const failures = opts.limiter.peek(key);
    return typeof failures === 'number' ? identifyUnlessBlocked(req, key, failures) : failures.then((n) => identifyUnlessBlocked(req, key, n));
  };
  const admitted = (req: FastifyRequest, reply: FastifyReply, policy: AuthPolicy | undefined, p: Principal): Promise<void> | undefined => {
    req.principal = p;
    authorize(p, policy);
    switch (p.kind) {
      case 'secret':
      case 'publishable':
        return limit(reply, `k:${p.keyId}`, perKey);
      case 'user': {
        const perUserLimit = () => limit(reply, `u:${p.appId}:${p.userId}`, perUser);
        const first = limit(reply, `k:${p.keyId}`, perKey);
        return first ? first.then(perUserLimit) : perUserLimit();
      }
      case 'operator':
        // Per operator, not per session: signing in again must not reset the counter.
        return limit(reply, `o:${p.operatorId}`, perKey);
      default:
        return undefined;
    }
  };
  /**
   * Identifies, authorizes and rate-limits a request. Returns undefined when all of it was done from
   * memory, a promise when something had to wait; a refusal is thrown or rejected (AppError).
   */
  return function authHook(req: FastifyRequest, reply: FastifyReply): Promise<void> | undefined {
    const policy = req.routeOptions.config.auth;
    if (policy?.public && !req.headers.authorization) return admitted(req, reply, policy, ANONYMOUS);
    const p = identifyLimited(req);
    return p instanceof Promise ? p.then((principal) => admitted(req, reply, policy, principal)) : admitted(req, reply, policy, p);
  };
}

// ---- helpers for route handlers -------------------------------------------------------------

export function appIdOf(req: FastifyRequest): string {
  const p = req.principal;
  if (p.kind === 'anonymous') throw new AppError('auth.missing_credentials', 'Authentication required');
  if (p.kind === 'operator') {
    if (!p.appId) throw new AppError('auth.app_required', 'Operator calls to app data must name the app (X-Canyu-App header)');
    return p.appId;
  }
  return p.appId;
}

export function actorOf(p: Principal): Actor {
  switch (p.kind) {
    case 'secret':
      return { type: 'secret_key', id: p.keyId };
    case 'operator':
      return { type: 'operator', id: p.operatorId };
    case 'user':
      return { type: 'user', id: p.userId };
    default:
      return { type: 'system', id: null };
  }
}

/** A user token may only act for its own user; secret keys and operators act for anyone. */
export function assertActsFor(req: FastifyRequest, userId: string): void {
  const p = req.principal;
  if (p.kind === 'user' && p.userId !== userId) {
    throw new AppError('auth.wrong_user', `This user token belongs to "${p.userId}" and cannot act for "${userId}"`, { token_user_id: p.userId });
  }
}

export function operatorOf(req: FastifyRequest): Extract<Principal, { kind: 'operator' }> {
  const p = req.principal;
  if (p.kind !== 'operator') throw new AppError('auth.forbidden', 'Only operators can do this');
  return p;
}

/**
 * The end user a call acts for, when the user id travels in the body or query (votes, responses):
 * a user token acts for its own user (a different `given` id is refused); a secret key or an
 * operator session must name the user.
 */
export function actingUserId(req: FastifyRequest, given: string | undefined, field = 'body.user_id'): string {
  const p = req.principal;
  if (p.kind === 'user') {
    if (given !== undefined && given !== p.userId) {
      throw new AppError('auth.wrong_user', `${field} is "${given}" but the user token is for "${p.userId}"`, { field, token_user_id: p.userId });
    }
    return p.userId;
  }
  if (given === undefined) {
    throw validationError([{ field, code: 'invalid_type', message: 'user_id is required when calling with a secret key or operator session', expected: 'string' }]);
  }
  return given;
}
