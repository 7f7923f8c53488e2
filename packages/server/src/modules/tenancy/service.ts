import type pg from 'pg';
import type { Ctx } from '../../context.ts';
import type { Db } from '../../db/index.ts';
import type { EventBus } from '../../events.ts';
import { AppError } from '../../http/errors.ts';
import { originMatches } from '../../http/cors.ts';
import type { Clock } from '../../lib/clock.ts';
import { newId, sha256 } from '../../lib/ids.ts';
import { decodeJwt, hs256Matches, signHs256 } from '../../lib/jwt.ts';
import { DUMMY_HASH, hashPassword, verifyPassword } from '../../lib/password.ts';
import type { SecretBox } from '../../lib/secrets.ts';
import type { Audit } from '../audit/index.ts';
import { generateKey, generateSessionToken, keyHint, kindOfKey, type KeyKind } from './rules/keys.ts';
import { canAssignRole, type Role } from '../../http/permissions.ts';
import * as store from './store.ts';
import type { AppRow, KeyRow, MemberRow, OperatorRow } from './store.ts';

declare module '../../events.ts' {
  interface DomainEvents {
    'app.created': { appId: string; name: string };
    'app.deleted': { appId: string };
  }
}

export type KeyPrincipal = { appId: string; keyId: string; kind: KeyKind };
export type SessionPrincipal = { operatorId: string; sessionId: string };
export type PublicKey = Omit<KeyRow, 'keyHash' | 'secret'>;
export type PublicOperator = Omit<OperatorRow, 'passwordHash'>;

export type TenancyDeps = {
  db: Db;
  pool: pg.Pool;
  audit: Audit;
  bus: EventBus;
  clock: Clock;
  log: { warn(obj: object, msg: string): void };
  userTokenMaxTtl: number;
  /** Seals secret keys at rest (they must be read back to verify the user tokens they sign). */
  secrets: SecretBox;
  /** When false (the default), only an operator who owns or administers an app may create apps. */
  openAppCreation?: boolean;
  sessionTtlSeconds?: number;
  /** Upper bound on how long another server may serve a stale credential if a NOTIFY is lost. */
  cacheTtlMs?: number;
};

/** Seconds of clock skew tolerated between the host backend that signs tokens and Canyu. */
const LEEWAY = 30;

type Cached<T> = { value: T; until: number };

class TtlCache<T> {
  private readonly map = new Map<string, Cached<T>>();
  constructor(
    private readonly ttlMs: number,
    private readonly max = 50_000,
  ) {}
  get(key: string): T | undefined {
    const hit = this.map.get(key);
    if (!hit) return undefined;
    if (hit.until < Date.now()) {
      this.map.delete(key);
      return undefined;
    }
    return hit.value;
  }
  set(key: string, value: T, ttlMs = this.ttlMs): void {
    if (this.map.size >= this.max) this.map.clear();
    this.map.set(key, { value, until: Date.now() + ttlMs });
  }
  clear(): void {
    this.map.clear();
  }
}

function publicKey(k: KeyRow): PublicKey {
  const { keyHash: _h, secret: _s, ...rest } = k;
  return rest;
}

function publicOperator(o: OperatorRow): PublicOperator {
  const { passwordHash: _p, ...rest } = o;
  return rest;
}

export function createTenancy(deps: TenancyDeps) {
  const ttl = deps.cacheTtlMs ?? 60_000;
  const sessionTtl = deps.sessionTtlSeconds ?? 7 * 86400;
  type KeyEntry = { appId: string; keyId: string; kind: KeyKind; revokedAt: number | null } | null;
  const keyCache = new TtlCache<KeyEntry>(ttl);
  const secretsCache = new TtlCache<{ id: string; secret: string; revokedAt: number | null }[]>(ttl);
  const sessionCache = new TtlCache<(SessionPrincipal & { expiresAt: number }) | null>(ttl);
  const memberCache = new TtlCache<Role | null>(ttl);
  /** User tokens whose signature was checked (app + token → the key that signed it and the claims):
   * a browser sends the same token with every call, and the HMAC was a tenth of a request's cost.
   * Only the signature is remembered; expiry and the key still being active are checked each time. */
  type Verified = { keyId: string; sub: string; exp: number; iat: unknown; nbf: unknown };
  const verifiedTokens = new TtlCache<Verified>(ttl, 20_000);
  /** Allowed browser origins per app, and under ALL_APPS those of every app (CORS preflights). */
  const originsCache = new TtlCache<string[]>(ttl);
  const ALL_APPS = '\u0000all';
  let unlisten: (() => Promise<void>) | null = null;
  let stopped = false;

  const invalidate = (type: string) => {
    if (type === 'key' || type === 'app') {
      keyCache.clear();
      secretsCache.clear();
      verifiedTokens.clear();
    }
    if (type === 'session' || type === 'app') sessionCache.clear();
    if (type === 'member' || type === 'app' || type === 'session') memberCache.clear();
    if (type === 'origins' || type === 'app') originsCache.clear();
  };

  const listen = async (): Promise<void> => {
    unlisten = await store.listenAuthChanges(
      deps.pool,
      (payload) => {
        try {
          invalidate((JSON.parse(payload) as { type: string }).type);
        } catch {
          invalidate('app');
        }
      },
      (err) => {
        // Missed notifications are possible while reconnecting: drop every cached credential.
        deps.log.warn({ err }, 'auth change listener lost its connection; reconnecting');
        invalidate('app');
        unlisten = null;
        const retry = () => {
          if (stopped) return;
          listen().catch(() => setTimeout(retry, 1000).unref());
        };
        setTimeout(retry, 200).unref();
      },
    );
  };

  const changed = async (db: Db, type: 'key' | 'session' | 'member' | 'app' | 'origins', appId?: string) => {
    await store.notifyAuthChange(db, { type, ...(appId ? { appId } : {}) });
    invalidate(type);
  };

  const tx = <T>(ctx: Ctx, fn: (c: Ctx) => Promise<T>): Promise<T> => ctx.db.transaction((t) => fn({ ...ctx, db: t }));

  async function requireApp(ctx: Ctx, appId: string): Promise<AppRow> {
    const app = await store.findApp(ctx.db, appId);
    if (!app) throw new AppError('apps.not_found', `App ${appId} does not exist`, { app_id: appId });
    return app;
  }

  async function issueKey(ctx: Ctx, appId: string, kind: KeyKind, name: string): Promise<{ key: PublicKey; plaintext: string }> {
    const plaintext = generateKey(kind);
    const row = await store.insertKey(ctx.db, {
      id: newId('key'),
      appId,
      kind,
      name,
      // Lookups go through the hash. A SHA-256 of 190+ random bits cannot be reversed or guessed,
      // so no pepper is needed (and none to re-hash on a master-key rotation).
      keyHash: sha256(plaintext),
      secret: kind === 'secret' ? deps.secrets.seal(plaintext) : null,
      hint: keyHint(plaintext),
    });
    return { key: publicKey(row), plaintext };
  }

  /**
   * An operator's role, read again under the members lock: the role checked when the request
   * arrived may have changed since (a concurrent demotion), and must not grant what it no longer has.
   */
  async function actorRoleNow(c: Ctx, appId: string, claimed: Role): Promise<Role> {
    if (c.actor.type !== 'operator') return claimed;
    const role = await store.findMemberRole(c.db, appId, c.actor.id);
    if (!role) throw new AppError('auth.forbidden', `You are no longer a member of app ${appId}`);
    return role;
  }

  type Secret = { id: string; secret: string; revokedAt: number | null };
  const activeSecrets = (secrets: Secret[]): Secret[] => {
    const now = deps.clock.now().getTime();
    return secrets.filter((s) => s.secret && (s.revokedAt === null || s.revokedAt > now));
  };
  /** The app's usable secret keys; from memory (no promise) when they are cached, as on nearly every request. */
  function secretsFor(appId: string): Secret[] | Promise<Secret[]> {
    const cached = secretsCache.get(appId);
    if (cached) return activeSecrets(cached);
    return store.activeSecretKeys(deps.db, appId).then((rows) => {
      const secrets = rows.map((r) => ({ id: r.id, secret: r.secret ? deps.secrets.open(r.secret) : '', revokedAt: r.revokedAt?.getTime() ?? null }));
      secretsCache.set(appId, secrets);
      return activeSecrets(secrets);
    });
  }

  const checkKey = (entry: KeyEntry): KeyPrincipal => {
    if (!entry) throw new AppError('auth.invalid_key', 'The API key is not valid');
    if (entry.revokedAt !== null && entry.revokedAt <= deps.clock.now().getTime()) {
      throw new AppError('auth.revoked_key', 'The API key has been revoked', { key_id: entry.keyId });
    }
    return { appId: entry.appId, keyId: entry.keyId, kind: entry.kind };
  };

  /** A user token checked against the given secret keys: the signature once (then remembered), the times on every call. */
  function checkUserToken(appId: string, token: string, keys: Secret[]): string {
    const invalid = (why: string) => new AppError('auth.invalid_token', `The user token is not valid: ${why}`);
    const cacheKey = `${appId}\u0000${token}`;
    let v = verifiedTokens.get(cacheKey);
    if (v && !keys.some((k) => k.id === v!.keyId)) v = undefined;
    if (!v) {
      const decoded = decodeJwt(token);
      if (!decoded) throw invalid('not a JWT');
      if (decoded.header.alg !== 'HS256') throw invalid('alg must be HS256');
      const { sub, exp, iat, nbf } = decoded.claims;
      // Same rule as user ids in paths and bodies: the id ends up in SQL text (no NUL) and logs.
      if (typeof sub !== 'string' || sub.length === 0 || sub.length > 255 || /[\u0000-\u001f\u007f]/.test(sub)) throw invalid('sub must be the user id (1-255 characters, no control characters)');
      if (typeof exp !== 'number' || !Number.isFinite(exp)) throw invalid('exp (expiry, seconds since epoch) is required');
      const candidates = typeof decoded.header.kid === 'string' ? keys.filter((k) => k.id === decoded.header.kid) : keys;
      const signer = candidates.find((k) => hs256Matches(decoded, k.secret));
      if (!signer) throw invalid('signature does not match any active secret key of this app');
      v = { keyId: signer.id, sub, exp, iat, nbf };
      verifiedTokens.set(cacheKey, v);
    }
    const { sub, exp, iat, nbf } = v;
    const now = deps.clock.now().getTime() / 1000;
    if (exp < now - LEEWAY) {
      const at = new Date(exp * 1000);
      // exp may be far outside what a Date can hold (exp: -1e20): report null rather than throw.
      throw new AppError('auth.expired_token', 'The user token has expired', { expired_at: Number.isNaN(at.getTime()) ? null : at.toISOString() });
    }
    if (typeof iat === 'number' && iat > now + LEEWAY) throw invalid('iat is in the future');
    if (nbf !== undefined && (typeof nbf !== 'number' || !Number.isFinite(nbf))) throw invalid('nbf must be seconds since epoch');
    if (typeof nbf === 'number' && nbf > now + LEEWAY) throw invalid('not valid yet (nbf is in the future)');
    if (exp - now > deps.userTokenMaxTtl + LEEWAY) throw invalid(`lifetime exceeds the maximum of ${deps.userTokenMaxTtl} seconds`);
    return sub;
  }

  const service = {
    async start(): Promise<void> {
      stopped = false;
      await service.sealSecrets();
      await listen();
    },

    /**
     * Seals secret keys stored before sealing existed, and re-seals those sealed under a previous
     * master key (rotation). Idempotent and safe with several servers starting at once: each row
     * is replaced only if it still holds what was read.
     */
    async sealSecrets(): Promise<number> {
      let n = 0;
      for (const row of await store.storedSecrets(deps.db, deps.secrets.prefix)) {
        if (deps.secrets.isCurrent(row.secret)) continue;
        if (await store.replaceSecret(deps.db, row.id, row.secret, deps.secrets.seal(deps.secrets.open(row.secret)))) n++;
      }
      if (n > 0) secretsCache.clear();
      return n;
    },
    async stop(): Promise<void> {
      stopped = true;
      await unlisten?.();
      unlisten = null;
    },

    // ---- apps ---------------------------------------------------------------------------
    async countApps(ctx: Ctx): Promise<number> {
      return store.countApps(ctx.db);
    },

    async createApp(ctx: Ctx, input: { name: string; ownerOperatorId?: string | undefined }) {
      // An analyst or moderator of one app must not be able to mint a tenant (and its keys) of
      // their own; the CLI and first start act as the instance itself and are not limited.
      if (ctx.actor.type === 'operator' && !deps.openAppCreation && !(await store.managesAnyApp(ctx.db, ctx.actor.id))) {
        throw new AppError('apps.create_forbidden', 'Only an operator who is owner or admin of an app may create apps (or set CANYU_OPEN_APP_CREATION=true)');
      }
      const result = await tx(ctx, async (c) => {
        const app = await store.insertApp(c.db, { id: newId('app'), name: input.name });
        const secret = await issueKey(c, app.id, 'secret', 'Default secret key');
        const publishable = await issueKey(c, app.id, 'publishable', 'Default publishable key');
        if (input.ownerOperatorId) {
          const op = await store.findOperator(c.db, input.ownerOperatorId);
          if (!op) throw new AppError('operators.not_found', `Operator ${input.ownerOperatorId} does not exist`);
          await store.upsertMember(c.db, app.id, op.id, 'owner');
        }
        await deps.audit.record(c, { appId: app.id, action: 'app.create', targetType: 'app', targetId: app.id, after: { name: app.name, owner: input.ownerOperatorId ?? null } });
        await deps.bus.emit(c.db, 'app.created', { appId: app.id, name: app.name });
        return { app, secretKey: secret.plaintext, publishableKey: publishable.plaintext, keys: [secret.key, publishable.key] };
      });
      return result;
    },

    getApp: requireApp,

    async updateApp(ctx: Ctx, appId: string, patch: { name?: string | undefined; settings?: Record<string, unknown> | undefined; allowed_origins?: string[] | undefined }) {
      return tx(ctx, async (c) => {
        const before = await requireApp(c, appId);
        const after = await store.updateApp(c.db, appId, {
          ...(patch.name !== undefined ? { name: patch.name } : {}),
          ...(patch.settings !== undefined ? { settings: { ...before.settings, ...patch.settings } } : {}),
          ...(patch.allowed_origins !== undefined ? { allowedOrigins: [...new Set(patch.allowed_origins)] } : {}),
        });
        await deps.audit.record(c, { appId, action: 'app.update', targetType: 'app', targetId: appId, before: { name: before.name, settings: before.settings, allowed_origins: before.allowedOrigins }, after: { name: after!.name, settings: after!.settings, allowed_origins: after!.allowedOrigins } });
        // Every server's CORS answers follow at once.
        if (patch.allowed_origins !== undefined) await changed(c.db, 'origins', appId);
        return after!;
      });
    },

    async deleteApp(ctx: Ctx, appId: string): Promise<void> {
      await tx(ctx, async (c) => {
        const before = await requireApp(c, appId);
        await store.deleteApp(c.db, appId);
        await deps.audit.record(c, { appId, action: 'app.delete', targetType: 'app', targetId: appId, before: { name: before.name } });
        await changed(c.db, 'app', appId);
        await deps.bus.emit(c.db, 'app.deleted', { appId });
      });
    },

    async listAppsOfOperator(ctx: Ctx, operatorId: string) {
      return store.listAppsOfOperator(ctx.db, operatorId);
    },

    // ---- keys ---------------------------------------------------------------------------
    async listKeys(ctx: Ctx, appId: string): Promise<PublicKey[]> {
      await requireApp(ctx, appId);
      return (await store.listKeys(ctx.db, appId)).map(publicKey);
    },

    async createKey(ctx: Ctx, appId: string, input: { kind: KeyKind; name?: string | undefined }) {
      return tx(ctx, async (c) => {
        await requireApp(c, appId);
        const issued = await issueKey(c, appId, input.kind, input.name ?? '');
        await deps.audit.record(c, { appId, action: 'key.create', targetType: 'key', targetId: issued.key.id, after: { kind: input.kind, hint: issued.key.hint, name: issued.key.name } });
        await changed(c.db, 'key', appId);
        return issued;
      });
    },

    /**
     * Revokes now, or after a grace period so a deployment can switch keys without downtime.
     * At least one secret key must stay usable: it is the only way in for the host backend.
     */
    async revokeKey(ctx: Ctx, appId: string, keyId: string, opts: { graceSeconds?: number | undefined } = {}): Promise<PublicKey> {
      return tx(ctx, async (c) => {
        await requireApp(c, appId);
        await store.lockApp(c.db, appId, 'keys');
        const before = await store.findKey(c.db, appId, keyId);
        if (!before) throw new AppError('apps.key_not_found', `Key ${keyId} does not exist in app ${appId}`, { key_id: keyId });
        const now = deps.clock.now();
        if (before.revokedAt && before.revokedAt <= now) {
          // Revoked already: nothing changes, and the entry says the operator asked.
          await deps.audit.record(c, { appId, action: 'key.revoke', targetType: 'key', targetId: keyId, before: { revoked_at: before.revokedAt }, after: { revoked_at: before.revokedAt } });
          return publicKey(before);
        }
        const at = new Date(now.getTime() + (opts.graceSeconds ?? 0) * 1000);
        if (before.kind === 'secret') {
          // Another key scheduled to stop later does not count: once it stops, none would be left.
          const others = (await store.activeSecretKeys(c.db, appId)).filter((k) => k.id !== keyId && !k.revokedAt);
          if (others.length === 0) {
            throw new AppError('apps.last_secret_key', 'Cannot revoke the last active secret key; create or rotate to a new one first', { key_id: keyId });
          }
        }
        const after = await store.setKeyRevokedAt(c.db, appId, keyId, at);
        await deps.audit.record(c, { appId, action: 'key.revoke', targetType: 'key', targetId: keyId, before: { revoked_at: before.revokedAt }, after: { revoked_at: at } });
        await changed(c.db, 'key', appId);
        return publicKey(after!);
      });
    },

    /** Issues a replacement of the same kind and revokes the old key (optionally after a grace period). */
    async rotateKey(ctx: Ctx, appId: string, keyId: string, opts: { graceSeconds?: number | undefined } = {}) {
      return tx(ctx, async (c) => {
        await requireApp(c, appId);
        const old = await store.findKey(c.db, appId, keyId);
        if (!old) throw new AppError('apps.key_not_found', `Key ${keyId} does not exist in app ${appId}`, { key_id: keyId });
        const issued = await issueKey(c, appId, old.kind, old.name);
        const revoked = await service.revokeKey(c, appId, keyId, opts);
        // The key's public shape (hint, never the key) before and after, and what replaced it.
        await deps.audit.record(c, { appId, action: 'key.rotate', targetType: 'key', targetId: keyId, before: publicKey(old), after: { ...revoked, replacement: issued.key.id, grace_seconds: opts.graceSeconds ?? 0 } });
        return { ...issued, revoked };
      });
    },

    /**
     * Hot path: every API call. Cached; revocations reach every server through NOTIFY. Answers
     * without a promise when the key is cached (a refusal is then thrown, not a rejection): an
     * `await` per step of the auth chain was a measurable part of a request.
     */
    authenticateKey(raw: string): KeyPrincipal | Promise<KeyPrincipal> {
      if (!kindOfKey(raw) || raw.length > 100) throw new AppError('auth.invalid_key', 'The API key is not valid');
      // Cached by the key as sent (in memory only, as the request held it): hashing it first cost
      // a SHA-256 on every request. The database holds only the hash.
      const entry = keyCache.get(raw);
      if (entry !== undefined) return checkKey(entry);
      return store.findKeyByHash(deps.db, sha256(raw)).then((row) => {
        const loaded: KeyEntry = row ? { appId: row.appId, keyId: row.id, kind: row.kind, revokedAt: row.revokedAt?.getTime() ?? null } : null;
        keyCache.set(raw, loaded, loaded ? ttl : 5_000);
        return checkKey(loaded);
      });
    },

    /**
     * Verifies an end-user token against the app's active secret keys; returns the user id (`sub`).
     * Like authenticateKey, without a promise when the app's keys are cached.
     */
    verifyUserToken(appId: string, token: string): string | Promise<string> {
      if (token.length > 4096) throw new AppError('auth.invalid_token', 'The user token is not valid: too long');
      const keys = secretsFor(appId);
      return Array.isArray(keys) ? checkUserToken(appId, token, keys) : keys.then((k) => checkUserToken(appId, token, k));
    },

    async mintUserToken(ctx: Ctx, appId: string, userId: string, ttlSeconds?: number) {
      const ttlS = Math.min(ttlSeconds ?? 3600, deps.userTokenMaxTtl);
      const [key] = await secretsFor(appId);
      if (!key) throw new AppError('apps.key_not_found', 'The app has no active secret key to sign with');
      const iat = Math.floor(deps.clock.now().getTime() / 1000);
      const exp = iat + ttlS;
      return { token: signHs256({ sub: userId, iat, exp }, key.secret, key.id), expiresAt: new Date(exp * 1000) };
    },

    // ---- operators ----------------------------------------------------------------------
    async createOperator(ctx: Ctx, input: { email: string; password: string; name?: string | undefined; locale?: string | undefined }): Promise<PublicOperator> {
      return tx(ctx, async (c) => {
        const row = await store.insertOperator(c.db, {
          id: newId('op'),
          email: input.email.trim(),
          name: input.name ?? '',
          passwordHash: await hashPassword(input.password),
          locale: input.locale ?? 'zh-CN',
        });
        if (!row) throw new AppError('operators.email_taken', `An operator with email ${input.email} already exists`, { field: 'email' });
        await deps.audit.record(c, { appId: null, action: 'operator.create', targetType: 'operator', targetId: row.id, after: { email: row.email, name: row.name } });
        return publicOperator(row);
      });
    },

    async getOperator(ctx: Ctx, operatorId: string): Promise<PublicOperator> {
      const row = await store.findOperator(ctx.db, operatorId);
      if (!row) throw new AppError('operators.not_found', `Operator ${operatorId} does not exist`);
      return publicOperator(row);
    },

    async findOperatorByEmail(ctx: Ctx, email: string): Promise<PublicOperator | null> {
      const row = await store.findOperatorByEmail(ctx.db, email);
      return row ? publicOperator(row) : null;
    },

    async login(ctx: Ctx, input: { email: string; password: string; userAgent?: string | undefined }) {
      const row = await store.findOperatorByEmail(ctx.db, input.email);
      // Verify against a dummy hash for unknown emails so timing does not reveal which exist.
      const ok = await verifyPassword(input.password, row?.passwordHash ?? DUMMY_HASH);
      if (!row || !ok || row.disabledAt) throw new AppError('auth.invalid_login', 'Email or password is incorrect');
      const token = generateSessionToken();
      const session = await store.insertSession(ctx.db, {
        id: newId('ses'),
        operatorId: row.id,
        tokenHash: sha256(token),
        expiresAt: new Date(deps.clock.now().getTime() + sessionTtl * 1000),
        ip: ctx.ip ?? null,
        userAgent: input.userAgent?.slice(0, 500) ?? null,
      });
      return { token, expiresAt: session.expiresAt, operator: publicOperator(row) };
    },

    async logout(ctx: Ctx, sessionId: string): Promise<void> {
      await tx(ctx, async (c) => {
        await store.revokeSession(c.db, sessionId);
        await changed(c.db, 'session');
      });
    },

    async changePassword(ctx: Ctx, operatorId: string, input: { currentPassword: string; newPassword: string }): Promise<void> {
      await tx(ctx, async (c) => {
        const row = await store.findOperator(c.db, operatorId);
        if (!row || !(await verifyPassword(input.currentPassword, row.passwordHash))) {
          throw new AppError('auth.invalid_login', 'The current password is incorrect', { field: 'current_password' });
        }
        await store.updateOperatorPassword(c.db, operatorId, await hashPassword(input.newPassword));
        await store.revokeOperatorSessions(c.db, operatorId);
        await deps.audit.record(c, { appId: null, action: 'operator.password_change', targetType: 'operator', targetId: operatorId });
        await changed(c.db, 'session');
      });
    },

    async authenticateSession(raw: string): Promise<SessionPrincipal> {
      if (raw.length > 100) throw new AppError('auth.invalid_session', 'The session token is not valid');
      const hash = sha256(raw);
      let entry = sessionCache.get(hash);
      if (entry === undefined) {
        const row = await store.findLiveSession(deps.db, hash);
        entry = row && !row.disabled ? { operatorId: row.operatorId, sessionId: row.id, expiresAt: row.expiresAt.getTime() } : null;
        sessionCache.set(hash, entry, entry ? ttl : 5_000);
      }
      if (!entry || entry.expiresAt <= deps.clock.now().getTime()) throw new AppError('auth.invalid_session', 'The session has expired or was signed out; sign in again');
      return { operatorId: entry.operatorId, sessionId: entry.sessionId };
    },

    /** Whether the app exists (a deleted app's id answers false). */
    async appExists(appId: string): Promise<boolean> {
      return (await store.findApp(deps.db, appId)) !== undefined;
    },

    /** CORS (http/cors.ts): whether `origin` may call with the app's credentials, or (appId null) with any app's. */
    async allows(origin: string, appId: string | null): Promise<boolean> {
      const k = appId ?? ALL_APPS;
      let patterns = originsCache.get(k);
      if (patterns === undefined) {
        patterns = appId === null ? await store.allOrigins(deps.db) : await store.originsOf(deps.db, appId);
        originsCache.set(k, patterns);
      }
      return patterns.some((p) => originMatches(p, origin));
    },

    async roleOf(appId: string, operatorId: string): Promise<Role | null> {
      const k = `${appId}\u0000${operatorId}`;
      let role = memberCache.get(k);
      if (role === undefined) {
        role = await store.findMemberRole(deps.db, appId, operatorId);
        memberCache.set(k, role);
      }
      return role;
    },

    async listMembers(ctx: Ctx, appId: string): Promise<MemberRow[]> {
      await requireApp(ctx, appId);
      return store.listMembers(ctx.db, appId);
    },

    /**
     * Adds an operator to an app or changes their role; with `newAccount`, creates the operator
     * first if no account has the email. Only owners grant or take ownership.
     */
    async setMember(
      ctx: Ctx,
      appId: string,
      input: { actorRole: Role; email: string; role: Role; newAccount?: { password: string; name?: string | undefined; locale?: string | undefined } | undefined },
    ): Promise<MemberRow> {
      return tx(ctx, async (c) => {
        await requireApp(c, appId);
        await store.lockApp(c.db, appId, 'members');
        const actorRole = await actorRoleNow(c, appId, input.actorRole);
        if (!canAssignRole(actorRole, input.role)) {
          throw new AppError('operators.role_not_allowed', `A ${actorRole} cannot assign the role ${input.role}`, { field: 'role' });
        }
        let op = await store.findOperatorByEmail(c.db, input.email);
        if (!op && input.newAccount) {
          await service.createOperator(c, { email: input.email, ...input.newAccount });
          op = await store.findOperatorByEmail(c.db, input.email);
        }
        if (!op) throw new AppError('operators.not_found', `No operator account has email ${input.email}; send a password to create one`, { field: 'email' });
        const current = await store.findMemberRole(c.db, appId, op.id);
        if (current && !canAssignRole(actorRole, current)) {
          throw new AppError('operators.role_not_allowed', `A ${actorRole} cannot change the role of a ${current}`, { field: 'role' });
        }
        if (current === 'owner' && input.role !== 'owner' && (await store.countOwners(c.db, appId)) <= 1) {
          throw new AppError('operators.last_owner', 'An app must keep at least one owner', { operator_id: op.id });
        }
        await store.upsertMember(c.db, appId, op.id, input.role);
        await deps.audit.record(c, { appId, action: current ? 'member.update' : 'member.add', targetType: 'operator', targetId: op.id, before: current ? { role: current } : null, after: { role: input.role } });
        await changed(c.db, 'member', appId);
        const members = await store.listMembers(c.db, appId);
        return members.find((m) => m.operatorId === op.id)!;
      });
    },

    async removeMember(ctx: Ctx, appId: string, input: { actorRole: Role; operatorId: string }): Promise<void> {
      await tx(ctx, async (c) => {
        await requireApp(c, appId);
        await store.lockApp(c.db, appId, 'members');
        const actorRole = await actorRoleNow(c, appId, input.actorRole);
        const current = await store.findMemberRole(c.db, appId, input.operatorId);
        if (!current) throw new AppError('operators.member_not_found', `Operator ${input.operatorId} is not a member of app ${appId}`);
        if (!canAssignRole(actorRole, current)) throw new AppError('operators.role_not_allowed', `A ${actorRole} cannot remove a ${current}`);
        if (current === 'owner' && (await store.countOwners(c.db, appId)) <= 1) {
          throw new AppError('operators.last_owner', 'An app must keep at least one owner', { operator_id: input.operatorId });
        }
        await store.deleteMember(c.db, appId, input.operatorId);
        await deps.audit.record(c, { appId, action: 'member.remove', targetType: 'operator', targetId: input.operatorId, before: { role: current } });
        await changed(c.db, 'member', appId);
      });
    },

    /**
     * First start on an empty database: one owner operator and one app. Returns null when any
     * app exists already (so it runs once, even with several servers starting together).
     */
    async bootstrapIfEmpty(ctx: Ctx, input: { email: string; password: string; appName: string }) {
      return tx(ctx, async (c) => {
        await store.lockBootstrap(c.db);
        if ((await store.countApps(c.db)) > 0) return null;
        const existing = await store.findOperatorByEmail(c.db, input.email);
        const operator = existing ? publicOperator(existing) : await service.createOperator(c, { email: input.email, password: input.password, name: 'Owner', locale: 'zh-CN' });
        const created = await service.createApp(c, { name: input.appName, ownerOperatorId: operator.id });
        return { operator, operatorCreated: !existing, ...created };
      });
    },

    async purgeExpiredSessions(ctx: Ctx): Promise<number> {
      return store.deleteExpiredSessions(ctx.db, 30);
    },
  };
  return service;
}

export type Tenancy = ReturnType<typeof createTenancy>;
