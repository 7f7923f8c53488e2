// Collects the domain events a piece of work publishes: tests assert what other modules are told.
import type { DomainEvents, EventBus } from '../events.ts';

/** Runs `fn` and returns the `name` events published meanwhile (once every subscriber has run). */
export async function captureEvents<K extends keyof DomainEvents & string>(bus: EventBus, name: K, fn: () => Promise<unknown>): Promise<DomainEvents[K][]> {
  const got: DomainEvents[K][] = [];
  const off = bus.subscribe(name, (p) => void got.push(p));
  try {
    await fn();
    await bus.drain();
  } finally {
    off();
  }
  return got;
}
