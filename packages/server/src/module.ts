// The module contract: what a module contributes to the server. Each module's index.ts exports a
// factory returning its Module; app.ts lists them once and wires them all in one loop: routes,
// maintenance jobs, erasure consumers, start (in list order) and stop (in reverse order). A
// module's event consumers are registered when its service is created (on the event log), and the
// event types it publishes are declared in the catalogue (events/known.ts).
import type { Ctx } from './context.ts';
import type { Erasure } from './erasure.ts';
import type { Api, RequestCtx } from './http/route.ts';
import type { Jobs } from './jobs.ts';

/** What the server hands a module when wiring it. */
export type ModuleHost = {
  /** The context of a route's request (actor, request id, audit trail). */
  ctx: RequestCtx;
  /** A context acting as the system, for jobs. */
  systemCtx: () => Ctx;
};

export type Module = {
  /** Stable name: it prefixes the module's erasure consumers (`<name>.erase_app`), whose checkpoints it keys. */
  name: string;
  routes?(api: Api, host: ModuleHost): void;
  /**
   * Its routes take WebSocket upgrades: they are registered in their own context with
   * @fastify/websocket, whose hooks then run on those routes only, not on every request.
   */
  websocket?: boolean;
  /** Defines and schedules its maintenance jobs (names must not change: schedules are keyed by them). */
  jobs?(jobs: Jobs, host: ModuleHost): void;
  /** How to delete an app's or a user's rows (see erasure.ts). */
  erasure?: Erasure;
  /** Once the server is ready, in list order, before the event log's consumers start. */
  start?(): Promise<void> | void;
  /** First when the server closes: stop taking work in and store what was accepted (before the consumers stop). */
  drain?(): Promise<void>;
  /** After the event log's consumers stopped, in reverse list order. */
  stop?(): Promise<void> | void;
};
