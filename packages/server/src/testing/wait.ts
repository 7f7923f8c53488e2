// Waiting on a condition instead of sleeping: tests synchronise on what they expect to see.

/**
 * Resolves with the first truthy value `probe` returns, asking again every `everyMs` until
 * `timeoutMs`; then rejects naming `what` and the last value seen.
 */
export async function waitFor<T>(what: string, probe: () => T | Promise<T>, opts: { timeoutMs?: number; everyMs?: number } = {}): Promise<NonNullable<T>> {
  const until = Date.now() + (opts.timeoutMs ?? 10_000);
  for (;;) {
    const v = await probe();
    if (v) return v as NonNullable<T>;
    if (Date.now() >= until) throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(v)})`);
    await new Promise((r) => setTimeout(r, opts.everyMs ?? 20));
  }
}
