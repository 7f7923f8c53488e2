// Presenters and helpers shared by the module's routes.
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError, validationError } from '../../../http/errors.ts';
import { cursorTime } from '../../../http/pagination.ts';
import type { Interactions } from '../service/index.ts';
import type { SubjectView } from '../service/subjects.ts';

export type Deps = { interactions: Interactions };

/**
 * The user an interaction is by: implied by a user token (a different user_id is refused), named
 * by `user_id` for a secret key or an operator.
 */
export function actingUser(req: FastifyRequest, given: string | undefined, field = 'body.user_id'): string {
  const p = req.principal;
  if (p.kind === 'user') {
    if (given !== undefined && given !== p.userId) throw new AppError('auth.wrong_user', `This user token belongs to "${p.userId}" and cannot act for "${given}"`, { field, token_user_id: p.userId });
    return p.userId;
  }
  if (given === undefined) throw validationError([{ field, code: 'invalid_type', message: 'user_id is required when calling with a secret key or an operator session', expected: 'string' }]);
  return given;
}

/**
 * The user whose own state to show (liked? favourited?): a user token's user, or `user_id` for a
 * secret key or an operator. A publishable key alone shows no one's state: anyone can hold it, so
 * naming a user would read their likes and favourites (issue 11 #18).
 */
export function viewerOf(req: FastifyRequest, given: string | undefined): string | undefined {
  const p = req.principal;
  if (p.kind === 'user') {
    if (given !== undefined && given !== p.userId) throw new AppError('auth.wrong_user', `This user token belongs to "${p.userId}" and cannot read the state of "${given}"`, { field: 'query.user_id', token_user_id: p.userId });
    return p.userId;
  }
  if (p.kind === 'publishable' && given !== undefined) {
    throw new AppError('auth.forbidden', "A user's own state (viewer) needs their user token (X-User-Token) or the secret key; a publishable key alone cannot name a user", { field: 'query.user_id' });
  }
  return given;
}

export const CountsOut = z.object({ likes: z.number(), favourites: z.number(), shares: z.number(), comments: z.number(), follows: z.number(), coins: z.number().describe('Coins (投币) given in all') }).meta({ id: 'InteractionCounts' });
export const SubjectRefOut = z.object({ kind: z.string(), id: z.string() });

export const SubjectOut = z
  .object({
    kind: z.string(),
    id: z.string().describe("The host's id"),
    title: z.string().nullable(),
    author_id: z.string().nullable(),
    tags: z.array(z.string()),
    metadata: z.record(z.string(), z.unknown()),
    created_at: z.string(),
    counts: CountsOut,
    hot_score: z.number().nullable(),
    viewer: z.object({ liked: z.boolean(), favourited: z.boolean(), following: z.boolean(), coins: z.number().int().describe('Coins this user gave the subject') }).optional().describe("The acting user's own state (user tokens, or user_id with a secret key)"),
  })
  .meta({ id: 'Subject' });

export const presentSubject = (v: SubjectView): z.infer<typeof SubjectOut> => ({
  kind: v.row.kind,
  id: v.row.externalId,
  title: v.row.title,
  author_id: v.row.authorId,
  tags: v.row.tags,
  metadata: v.row.metadata,
  created_at: v.row.createdAt.toISOString(),
  counts: v.counts,
  hot_score: v.row.hotScore,
  ...(v.viewer ? { viewer: { liked: v.viewer.has('like'), favourited: v.viewer.has('favourite'), following: v.viewer.has('follow'), coins: v.viewerCoins ?? 0 } } : {}),
});

/** Cursors of lists ordered by (time desc, user id desc) and (time desc, subject id desc). */
export const UserTimeCursor = z.object({ t: cursorTime(), u: z.string().max(255) });
export const SubjectTimeCursor = z.object({ t: cursorTime(), s: z.number().int().positive() });
/** Built once: a zod schema built per request costs more than the query it guards. */
export const IdCursor = z.object({ id: z.number().int().positive() });
export const ScoreCursor = z.object({ s: z.number(), id: z.number().int().positive() });
