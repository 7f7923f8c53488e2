// Fastify gives every request a child logger bound to its request id. Making one (pino's child:
// its bindings serialised up front) showed in profiles of the busiest routes, although most
// requests never log a line. This factory hands out a small stand-in that makes the real child the
// first time the request logs, and forwards everything to it from then on.
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';

type ChildLoggerFactory = Parameters<FastifyInstance['setChildLoggerFactory']>[0];
type Bindings = Parameters<FastifyBaseLogger['child']>[0];
type ChildOptions = Parameters<FastifyBaseLogger['child']>[1];
type Args = Parameters<FastifyBaseLogger['info']>;

class LazyChild {
  #real: FastifyBaseLogger | undefined;
  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Bindings,
    private readonly opts: ChildOptions,
  ) {}
  /** The request's child logger, made on first use. */
  get real(): FastifyBaseLogger {
    return (this.#real ??= this.parent.child(this.bindings, this.opts));
  }
  get level(): string {
    return this.#real ? this.#real.level : this.opts?.level || this.parent.level;
  }
  set level(v: string) {
    this.real.level = v;
  }
  child(b: Bindings, o?: ChildOptions): FastifyBaseLogger {
    return this.real.child(b, o);
  }
  fatal(...a: Args): void {
    this.real.fatal(...a);
  }
  error(...a: Args): void {
    this.real.error(...a);
  }
  warn(...a: Args): void {
    this.real.warn(...a);
  }
  info(...a: Args): void {
    this.real.info(...a);
  }
  debug(...a: Args): void {
    this.real.debug(...a);
  }
  trace(...a: Args): void {
    this.real.trace(...a);
  }
  silent(...a: Args): void {
    this.real.silent(...a);
  }
}

export const lazyChildLogger: ChildLoggerFactory = (logger, bindings, opts) => new LazyChild(logger, bindings, opts) as unknown as FastifyBaseLogger;
