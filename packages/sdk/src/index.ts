// @canyu/sdk: the parts that run anywhere (browsers, Node, workers). Node-only helpers (user
// tokens, webhook verification) are in '@canyu/sdk/node'; the browser client in '@canyu/sdk/browser'.
export { createClient, type CanyuApi, type ClientOptions } from './client.ts';
export { CanyuError, isCanyuError } from './errors.ts';
export { createRealtime, type Realtime, type RealtimeEvent, type RealtimeOptions, type RealtimeState, type WebSocketConstructor } from './realtime.ts';
export { createTracker, type StorageLike, type TrackedEvent, type Tracker, type TrackerOptions } from './tracker.ts';
export { createTransport, type FetchLike, type TransportOptions } from './transport.ts';
export { backoffDelay, DEFAULT_RETRY, parseRetryAfter, type RetryOptions } from './retry.ts';
export { uuidv7 } from './uuid.ts';
export type { components, operations, paths } from './generated/openapi.ts';
export type { OperationId, RequestBody, RequestParameters, ResponseBody } from './operations.ts';
