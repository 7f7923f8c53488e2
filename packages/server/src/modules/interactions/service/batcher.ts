// Coalesces concurrent calls into batches: the first call starts a batch at once (no added
// latency when idle); calls arriving while `maxConcurrent` batches are in flight wait and go
// together in the next one. Each caller gets its own result, only after its batch committed.
export type Batcher<I, O> = { run(input: I): Promise<O>; idle(): Promise<void> };

type Pending<I, O> = { input: I; resolve: (o: O) => void; reject: (e: unknown) => void };

export function createBatcher<I, O>(opts: { maxBatch: number; maxConcurrent: number; flush: (inputs: I[]) => Promise<O[]> }): Batcher<I, O> {
  let queue: Pending<I, O>[] = [];
  let inFlight = 0;
  let scheduled = false;
  let idleWaiters: (() => void)[] = [];

  const start = () => {
    scheduled = false;
    while (queue.length > 0 && inFlight < opts.maxConcurrent) {
      const batch = queue.slice(0, opts.maxBatch);
      queue = queue.slice(batch.length);
      inFlight++;
      opts
        .flush(batch.map((p) => p.input))
        .then(
          (outs) => batch.forEach((p, i) => p.resolve(outs[i]!)),
          (err: unknown) => batch.forEach((p) => p.reject(err)),
        )
        .finally(() => {
          inFlight--;
          if (queue.length > 0) start();
          else if (inFlight === 0) {
            const w = idleWaiters;
            idleWaiters = [];
            for (const fn of w) fn();
          }
        });
    }
  };

  return {
    run(input) {
      return new Promise<O>((resolve, reject) => {
        queue.push({ input, resolve, reject });
        // Calls made in the same tick share a batch.
        if (!scheduled && inFlight < opts.maxConcurrent) {
          scheduled = true;
          setImmediate(start);
        }
      });
    },
    idle() {
      if (queue.length === 0 && inFlight === 0) return Promise.resolve();
      return new Promise((r) => idleWaiters.push(r));
    },
  };
}
