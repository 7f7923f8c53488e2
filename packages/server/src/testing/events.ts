// Collects the domain events a piece of work publishes: tests assert what other modules are told.
import type { DomainEvents, EventBus } from '../events.ts';
import type { Stored } from '../events/index.ts';

/** Runs `fn` and returns the `name` events appended meanwhile (once every consumer has caught up). */
export async function captureEvents<K extends keyof DomainEvents & string>(bus: EventBus, name: K, fn: () => Promise<unknown>): Promise<Stored<DomainEvents[K]>[]> {
  const got: Stored<DomainEvents[K]>[] = [];
  const off = bus.subscribe(name, (p) => void got.push(p));
  try {
    await fn();
    await bus.drain();
  } finally {
    off();
  }
  return got;
}
