import { z } from 'zod';
import { appIdOf, assertActsFor } from '../../http/auth.ts';
import { decodeCursor, page, pageQuery, pageSchema } from '../../http/pagination.ts';
import { errors, type Api, type RequestCtx } from '../../http/route.ts';
import type { Users } from './service.ts';
import type { UserRow } from './store.ts';
import { IdentifyBody, UserIdParams, UserOut } from './types.ts';

const present = (u: UserRow) => ({
  user_id: u.userId,
  traits: u.traits,
  timezone: u.timezone,
  locale: u.locale,
  created_at: u.createdAt.toISOString(),
  updated_at: u.updatedAt.toISOString(),
});

const tags = ['Users'];

export function usersRoutes(api: Api, deps: { users: Users; ctx: RequestCtx }): void {
  const { users, ctx } = deps;

  api.post(
    '/v1/users/:userId',
    {
      config: { auth: { secret: true, user: true, operator: 'users.write' }, audit: 'recorded' },
      schema: {
        tags,
        summary: 'Identify a user: create the profile or merge traits, timezone and locale',
        description: 'Partial updates merge: traits are merged key by key (null removes a key); timezone and locale change only when sent. A user token may only identify its own user.',
        params: UserIdParams,
        body: IdentifyBody,
        response: { 200: UserOut.extend({ created: z.boolean() }), ...errors(400, 401, 403, 429) },
      },
    },
    async (req) => {
      assertActsFor(req, req.params.userId);
      const r = await users.identify(ctx(req), appIdOf(req), req.params.userId, req.body);
      return { ...present(r.user), created: r.created };
    },
  );

  api.get(
    '/v1/users/:userId',
    {
      config: { auth: { secret: true, user: true, operator: 'users.read' } },
      schema: { tags, summary: 'Get a user profile', params: UserIdParams, response: { 200: UserOut, ...errors(401, 403, 404) } },
    },
    async (req) => {
      assertActsFor(req, req.params.userId);
      return present(await users.get(ctx(req), appIdOf(req), req.params.userId));
    },
  );

  api.get(
    '/v1/users',
    {
      config: { auth: { secret: true, operator: 'users.read' } },
      schema: { tags, summary: 'List users, ordered by user id', querystring: z.strictObject(pageQuery), response: { 200: pageSchema(UserOut), ...errors(400, 401, 403) } },
    },
    async (req) => {
      const cur = decodeCursor(req.query.cursor, z.object({ u: z.string() }));
      const rows = await users.list(ctx(req), appIdOf(req), { limit: req.query.limit + 1, afterUserId: cur?.u });
      const p = page(rows, req.query.limit, (r) => ({ u: r.userId }));
      return { data: p.data.map(present), next_cursor: p.next_cursor };
    },
  );

  api.delete(
    '/v1/users/:userId',
    {
      config: { auth: { secret: true, operator: 'users.write' }, audit: 'recorded' },
      schema: {
        tags,
        summary: "Erase a user: the profile and the user's data in every module (events, …)",
        description: 'Idempotent: answers 204 whether or not a profile existed.',
        params: UserIdParams,
        response: { 204: z.null(), ...errors(401, 403) },
      },
    },
    async (req, reply) => {
      await users.remove(ctx(req), appIdOf(req), req.params.userId);
      return reply.code(204).send(null);
    },
  );
}
