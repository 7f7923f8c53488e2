import { z } from 'zod';
import { AppError } from '../../http/errors.ts';
import { appIdOf, assertActsFor, operatorOf } from '../../http/auth.ts';
import type { RateLimiter } from '../../http/rate-limit.ts';
import { errors, externalId, iso, optionalBody, type Api, type RequestCtx } from '../../http/route.ts';
import type { Db } from '../../db/index.ts';
import { createLoginGuard } from './login-guard.ts';
import type { Tenancy, PublicKey, PublicOperator } from './service.ts';
import type { AppRow, MemberRow } from './store.ts';
import {
  AppIdParams,
  AppOut,
  ChangePasswordBody,
  CreateAppBody,
  CreateKeyBody,
  KeyOut,
  KeyParams,
  LoginBody,
  MemberOut,
  MemberParams,
  MintTokenBody,
  OperatorOut,
  RevokeKeyBody,
  SetMemberBody,
  UpdateAppBody,
} from './types.ts';

const presentApp = (a: AppRow) => ({ id: a.id, name: a.name, settings: a.settings, allowed_origins: a.allowedOrigins, created_at: a.createdAt.toISOString(), updated_at: a.updatedAt.toISOString() });
const presentKey = (k: PublicKey) => ({ id: k.id, app_id: k.appId, kind: k.kind, name: k.name, hint: k.hint, created_at: k.createdAt.toISOString(), revoked_at: iso(k.revokedAt) });
const presentOperator = (o: PublicOperator) => ({ id: o.id, email: o.email, name: o.name, locale: o.locale, created_at: o.createdAt.toISOString() });
const presentMember = (m: MemberRow) => ({ operator_id: m.operatorId, email: m.email, name: m.name, role: m.role, created_at: m.createdAt.toISOString() });

const tags = { auth: ['Operators & sessions'], apps: ['Apps & keys'], users: ['Users'] };

export function tenancyRoutes(api: Api, deps: { tenancy: Tenancy; ctx: RequestCtx; limiter: RateLimiter; db: Db }): void {
  const { tenancy, ctx } = deps;
  const loginGuard = createLoginGuard({ db: deps.db, limiter: deps.limiter });

  api.post(
    '/v1/auth/login',
    {
      config: { auth: { public: true }, audit: { exempt: 'Signing in starts a session; it changes no app data' } },
      schema: {
        tags: tags.auth,
        summary: 'Sign in as an operator',
        description: 'Returns a session token for `Authorization: Bearer ops_…`. Limited to 30 attempts a minute per client address; after 10 wrong passwords a minute (30 an hour) for one email from one address, that address waits (429), except that the right password still works from an address the operator has signed in from before.',
        body: LoginBody,
        response: { 200: z.object({ token: z.string(), expires_at: z.string(), operator: OperatorOut }), ...errors(400, 401, 429) },
      },
    },
    async (req) => {
      const s = await loginGuard.guard(req.body.email, req.ip, () => tenancy.login(ctx(req), { email: req.body.email, password: req.body.password, userAgent: req.headers['user-agent'] }));
      return { token: s.token, expires_at: s.expiresAt.toISOString(), operator: presentOperator(s.operator) };
    },
  );

  api.post(
    '/v1/auth/logout',
    { config: { auth: { operator: 'self' }, audit: { exempt: "Ends the caller's own session" } }, schema: { tags: tags.auth, summary: 'Sign out (revokes this session everywhere at once)', response: { 204: z.null(), ...errors(401) } } },
    async (req, reply) => {
      await tenancy.logout(ctx(req), operatorOf(req).sessionId);
      return reply.code(204).send(null);
    },
  );

  api.get(
    '/v1/auth/me',
    {
      config: { auth: { operator: 'self' } },
      schema: {
        tags: tags.auth,
        summary: 'The signed-in operator and their apps',
        response: { 200: z.object({ operator: OperatorOut, apps: z.array(z.object({ id: z.string(), name: z.string(), role: z.string() })) }), ...errors(401) },
      },
    },
    async (req) => {
      const op = operatorOf(req);
      const [operator, apps] = await Promise.all([tenancy.getOperator(ctx(req), op.operatorId), tenancy.listAppsOfOperator(ctx(req), op.operatorId)]);
      return { operator: presentOperator(operator), apps: apps.map((a) => ({ id: a.id, name: a.name, role: a.role })) };
    },
  );

  api.post(
    '/v1/auth/password',
    {
      config: { auth: { operator: 'self' }, audit: 'recorded' },
      schema: { tags: tags.auth, summary: 'Change my password (signs out every session)', body: ChangePasswordBody, response: { 204: z.null(), ...errors(400, 401) } },
    },
    async (req, reply) => {
      await tenancy.changePassword(ctx(req), operatorOf(req).operatorId, { currentPassword: req.body.current_password, newPassword: req.body.new_password });
      return reply.code(204).send(null);
    },
  );

  api.get(
    '/v1/me',
    {
      config: { auth: { secret: true, user: true, publishable: true, operator: 'self' } },
      schema: {
        tags: tags.apps,
        summary: 'Who am I? Describes the credentials of this request',
        response: {
          200: z.object({
            kind: z.enum(['secret', 'publishable', 'user', 'operator']),
            app_id: z.string().nullable(),
            key_id: z.string().nullable(),
            user_id: z.string().nullable(),
            operator_id: z.string().nullable(),
            role: z.string().nullable(),
          }),
          ...errors(401),
        },
      },
    },
    async (req) => {
      const p = req.principal;
      if (p.kind === 'anonymous') throw new AppError('auth.missing_credentials', 'Authentication required');
      return {
        kind: p.kind,
        app_id: p.appId,
        key_id: 'keyId' in p ? p.keyId : null,
        user_id: p.kind === 'user' ? p.userId : null,
        operator_id: p.kind === 'operator' ? p.operatorId : null,
        role: p.kind === 'operator' ? p.role : null,
      };
    },
  );

  // ---- apps ---------------------------------------------------------------------------------
  api.get(
    '/v1/apps',
    { config: { auth: { operator: 'self' } }, schema: { tags: tags.apps, summary: 'Apps I am a member of', response: { 200: z.object({ data: z.array(AppOut.extend({ role: z.string() })) }), ...errors(401) } } },
    async (req) => ({ data: (await tenancy.listAppsOfOperator(ctx(req), operatorOf(req).operatorId)).map((a) => ({ ...presentApp(a), role: a.role })) }),
  );

  const CreatedApp = z.object({
    app: AppOut,
    secret_key: z.string().describe('Shown once. Server-to-server only; never ship it to clients'),
    publishable_key: z.string().describe('Safe to embed in web/mobile clients'),
  });
  api.post(
    '/v1/apps',
    { config: { auth: { operator: 'self' }, audit: 'recorded' }, schema: { tags: tags.apps, summary: 'Create an app (I become its owner)', description: 'Only operators who are owner or admin of at least one app may create apps, unless the instance sets CANYU_OPEN_APP_CREATION=true.', body: CreateAppBody, response: { 201: CreatedApp, ...errors(400, 401, 403) } } },
    async (req, reply) => {
      const r = await tenancy.createApp(ctx(req), { name: req.body.name, ownerOperatorId: operatorOf(req).operatorId });
      return reply.code(201).send({ app: presentApp(r.app), secret_key: r.secretKey, publishable_key: r.publishableKey });
    },
  );

  api.get(
    '/v1/apps/:appId',
    { config: { auth: { operator: 'app.read' } }, schema: { tags: tags.apps, summary: 'Get an app', params: AppIdParams, response: { 200: AppOut, ...errors(401, 403, 404) } } },
    async (req) => presentApp(await tenancy.getApp(ctx(req), req.params.appId)),
  );

  api.patch(
    '/v1/apps/:appId',
    { config: { auth: { operator: 'app.manage' }, audit: 'recorded' }, schema: { tags: tags.apps, summary: 'Rename an app or change its settings', params: AppIdParams, body: UpdateAppBody, response: { 200: AppOut, ...errors(400, 401, 403, 404) } } },
    async (req) => presentApp(await tenancy.updateApp(ctx(req), req.params.appId, req.body)),
  );

  api.delete(
    '/v1/apps/:appId',
    { config: { auth: { operator: 'app.delete' }, audit: 'recorded' }, schema: { tags: tags.apps, summary: 'Delete an app and its keys and memberships (owner only)', params: AppIdParams, response: { 204: z.null(), ...errors(401, 403, 404) } } },
    async (req, reply) => {
      await tenancy.deleteApp(ctx(req), req.params.appId);
      return reply.code(204).send(null);
    },
  );

  // ---- keys ---------------------------------------------------------------------------------
  api.get(
    '/v1/apps/:appId/keys',
    { config: { auth: { operator: 'keys.read' } }, schema: { tags: tags.apps, summary: 'List API keys (hints only)', params: AppIdParams, response: { 200: z.object({ data: z.array(KeyOut) }), ...errors(401, 403, 404) } } },
    async (req) => ({ data: (await tenancy.listKeys(ctx(req), req.params.appId)).map(presentKey) }),
  );

  const IssuedKey = z.object({ key: KeyOut, plaintext: z.string().describe('The full key, shown once') });
  api.post(
    '/v1/apps/:appId/keys',
    { config: { auth: { operator: 'keys.manage' }, audit: 'recorded' }, schema: { tags: tags.apps, summary: 'Create an API key', params: AppIdParams, body: CreateKeyBody, response: { 201: IssuedKey, ...errors(400, 401, 403, 404) } } },
    async (req, reply) => {
      const r = await tenancy.createKey(ctx(req), req.params.appId, req.body);
      return reply.code(201).send({ key: presentKey(r.key), plaintext: r.plaintext });
    },
  );

  api.post(
    '/v1/apps/:appId/keys/:keyId/revoke',
    {
      config: { auth: { operator: 'keys.manage' }, audit: 'recorded' },
      schema: { tags: tags.apps, summary: 'Revoke a key now or after a grace period', params: KeyParams, body: optionalBody(RevokeKeyBody), response: { 200: KeyOut, ...errors(400, 401, 403, 404, 409) } },
    },
    async (req) => presentKey(await tenancy.revokeKey(ctx(req), req.params.appId, req.params.keyId, { graceSeconds: req.body?.grace_seconds })),
  );

  api.post(
    '/v1/apps/:appId/keys/:keyId/rotate',
    {
      config: { auth: { operator: 'keys.manage' }, audit: 'recorded' },
      schema: {
        tags: tags.apps,
        summary: 'Replace a key: issues a new one of the same kind and revokes the old (optionally after a grace period)',
        params: KeyParams,
        body: optionalBody(RevokeKeyBody),
        response: { 201: IssuedKey.extend({ revoked: KeyOut }), ...errors(400, 401, 403, 404) },
      },
    },
    async (req, reply) => {
      const r = await tenancy.rotateKey(ctx(req), req.params.appId, req.params.keyId, { graceSeconds: req.body?.grace_seconds });
      return reply.code(201).send({ key: presentKey(r.key), plaintext: r.plaintext, revoked: presentKey(r.revoked) });
    },
  );

  // ---- members ------------------------------------------------------------------------------
  api.get(
    '/v1/apps/:appId/members',
    { config: { auth: { operator: 'members.read' } }, schema: { tags: tags.auth, summary: 'Operators of an app and their roles', params: AppIdParams, response: { 200: z.object({ data: z.array(MemberOut) }), ...errors(401, 403, 404) } } },
    async (req) => ({ data: (await tenancy.listMembers(ctx(req), req.params.appId)).map(presentMember) }),
  );

  api.post(
    '/v1/apps/:appId/members',
    {
      config: { auth: { operator: 'members.manage' }, audit: 'recorded' },
      schema: {
        tags: tags.auth,
        summary: 'Add an operator to the app or change their role',
        description: 'If no operator has this email and `password` is given, the account is created first. Admins cannot grant or remove ownership.',
        params: AppIdParams,
        body: SetMemberBody,
        response: { 200: MemberOut, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (req) => {
      const member = await tenancy.setMember(ctx(req), req.params.appId, {
        actorRole: operatorOf(req).role!,
        email: req.body.email,
        role: req.body.role,
        newAccount: req.body.password ? { password: req.body.password, name: req.body.name, locale: req.body.locale } : undefined,
      });
      return presentMember(member);
    },
  );

  api.delete(
    '/v1/apps/:appId/members/:operatorId',
    { config: { auth: { operator: 'members.manage' }, audit: 'recorded' }, schema: { tags: tags.auth, summary: 'Remove an operator from the app', params: MemberParams, response: { 204: z.null(), ...errors(401, 403, 404, 409) } } },
    async (req, reply) => {
      await tenancy.removeMember(ctx(req), req.params.appId, { actorRole: operatorOf(req).role!, operatorId: req.params.operatorId });
      return reply.code(204).send(null);
    },
  );

  // ---- end-user tokens ----------------------------------------------------------------------
  api.post(
    '/v1/users/:userId/tokens',
    {
      config: { auth: { secret: true }, audit: { exempt: 'Issues a short-lived end-user token, which the host can equally sign itself' } },
      schema: {
        tags: tags.users,
        summary: 'Mint a short-lived end-user token (convenience; hosts can sign their own)',
        description: 'An HS256 JWT with `sub` = userId, signed with the app\'s secret key. Clients send it as `X-User-Token` together with the publishable key.',
        params: z.strictObject({ userId: externalId('userId') }),
        body: optionalBody(MintTokenBody),
        response: { 201: z.object({ token: z.string(), user_id: z.string(), expires_at: z.string() }), ...errors(400, 401, 403) },
      },
    },
    async (req, reply) => {
      assertActsFor(req, req.params.userId);
      const t = await tenancy.mintUserToken(ctx(req), appIdOf(req), req.params.userId, req.body?.ttl_seconds);
      return reply.code(201).send({ token: t.token, user_id: req.params.userId, expires_at: t.expiresAt.toISOString() });
    },
  );
}
