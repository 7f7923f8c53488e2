// Helpers shared by this module's tests.
import assert from 'node:assert/strict';
import type { TestApp } from '../../testing/app.ts';

type Res = { statusCode: number; body: string; json: () => unknown };

/** Asserts the status (200 unless told) and returns the parsed body. */
export function ok<T = Record<string, unknown>>(res: Res, status = 200): T {
  assert.equal(res.statusCode, status, res.body.slice(0, 500));
  return res.json() as T;
}

export type Recorded = { name: string; payload: Record<string, unknown> };

/** Runs `fn` and returns the domain events of `names` it published (once the bus has drained). */
export async function recording<T>(t: TestApp, names: string[], fn: () => Promise<T>): Promise<{ result: T; events: Recorded[] }> {
  const events: Recorded[] = [];
  const offs = names.map((name) => t.services.bus.subscribe(name as never, (payload: unknown) => void events.push({ name, payload: payload as Record<string, unknown> })));
  try {
    const result = await fn();
    await t.services.bus.drain();
    return { result, events };
  } finally {
    for (const off of offs) off();
  }
}
