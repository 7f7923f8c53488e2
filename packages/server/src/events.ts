// Typed in-process domain event bus. Modules add their events by augmenting DomainEvents:
//   declare module '../../events.ts' { interface DomainEvents { 'comment.created': {...} } }
// Publishing never waits for subscribers and a failing subscriber never affects the publisher or
// other subscribers: its error is logged with the event name.

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface DomainEvents {}

export type EventName = keyof DomainEvents & string;
export type Handler<K extends EventName> = (payload: DomainEvents[K]) => void | Promise<void>;

export type EventBus = {
  publish<K extends EventName>(name: K, payload: DomainEvents[K]): void;
  subscribe<K extends EventName>(name: K, handler: Handler<K>): () => void;
  hasSubscribers(name: EventName): boolean;
  /** Resolves when every handler started so far has settled (graceful shutdown, tests). */
  drain(): Promise<void>;
};

type Logger = { error(obj: object, msg: string): void };

export function createEventBus(log: Logger): EventBus {
  const handlers = new Map<string, Set<Handler<EventName>>>();
  const inFlight = new Set<Promise<void>>();

  const runOne = (name: string, handler: Handler<EventName>, payload: unknown) => {
    const p = (async () => {
      try {
        await handler(payload as never);
      } catch (err) {
        log.error({ err, event: name }, 'domain event subscriber failed');
      }
    })();
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  };

  return {
    publish(name, payload) {
      const set = handlers.get(name);
      if (!set) return;
      for (const h of set) runOne(name, h as Handler<EventName>, payload);
    },
    subscribe(name, handler) {
      let set = handlers.get(name);
      if (!set) handlers.set(name, (set = new Set()));
      set.add(handler as Handler<EventName>);
      return () => void set.delete(handler as Handler<EventName>);
    },
    hasSubscribers(name) {
      return (handlers.get(name)?.size ?? 0) > 0;
    },
    async drain() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
}
