// Types by operationId (`subjects.like`, `events.track`): what a call takes and what it answers,
// for code that passes API data around (widgets, host apps) without spelling out paths.
import type { operations } from './generated/openapi.ts';

type JsonOf<T> = T extends { content: { 'application/json': infer J } } ? J : never;

export type OperationId = keyof operations;

/** The JSON body an operation takes. */
export type RequestBody<K extends OperationId> = operations[K] extends { requestBody?: infer B } ? JsonOf<NonNullable<B>> : never;

/** The JSON an operation answers with the given status (default 200). */
export type ResponseBody<K extends OperationId, S extends number = 200> = operations[K]['responses'] extends { [P in S]: infer R } ? JsonOf<R> : never;

/** Its path, query and header parameters. */
export type RequestParameters<K extends OperationId> = operations[K]['parameters'];
