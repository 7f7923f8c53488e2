import type { FastifyBaseLogger, FastifyInstance, FastifyRequest, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Ctx } from '../context.ts';
import { sharedSchema } from './shared-schema.ts';

/** The Fastify instance every module's routes register on: zod schemas in, typed handlers out. */
export type Api = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, ZodTypeProvider>;

/** Builds the use-case context (db, actor, request id, ip) for a request. */
export type RequestCtx = (req: FastifyRequest) => Ctx;

export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string().describe('Stable machine-readable code, e.g. auth.invalid_key'),
      message: z.string().describe('Human-readable; Chinese when Accept-Language prefers zh'),
      details: z.record(z.string(), z.unknown()).nullable().describe('Specifics; for validation_failed, `issues` lists each bad field'),
    }),
  })
  .meta({ id: 'Error' });

/** Standard error responses to document on a route, besides its success response. */
export const errors = (...statuses: (400 | 401 | 403 | 404 | 409 | 413 | 429 | 503)[]) =>
  Object.fromEntries(statuses.map((s) => [s, ErrorBody])) as Record<number, typeof ErrorBody>;

/** Fastify validates a missing request body as null, so an optional body must accept null too. */
export const optionalBody = <T extends z.ZodType>(schema: T) => schema.nullish();

export const iso = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);

/** Host-app ids (users, subjects, events): 1-255 characters, no control characters. */
export const externalId = sharedSchema((what: string) =>
  z
    .string()
    .min(1)
    .max(255)
    .regex(/^[^\u0000-\u001f\u007f]+$/, `${what} must not contain control characters`),
);
