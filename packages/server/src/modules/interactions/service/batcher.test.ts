import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createBatcher } from './batcher.ts';

it('coalesces concurrent calls into batches, each caller getting its own result', async () => {
  const batches: number[][] = [];
  let release: () => void = () => {};
  const gate = new Promise<void>((r) => (release = r));
  const b = createBatcher<number, number>({
    maxBatch: 3,
    maxConcurrent: 1,
    async flush(xs) {
      batches.push(xs);
      if (batches.length === 1) await gate;
      return xs.map((x) => x * 10);
    },
  });
  const first = b.run(1);
  await new Promise((r) => setImmediate(r));
  // While the first batch is in flight, seven more calls queue up: batches of at most 3 follow.
  const rest = [2, 3, 4, 5, 6, 7, 8].map((x) => b.run(x));
  release();
  assert.deepEqual(await Promise.all([first, ...rest]), [10, 20, 30, 40, 50, 60, 70, 80]);
  assert.deepEqual(batches, [[1], [2, 3, 4], [5, 6, 7], [8]]);
  await b.idle();
});

it('rejects every caller of a failed batch and keeps serving the next ones', async () => {
  let fail = true;
  const b = createBatcher<string, string>({
    maxBatch: 10,
    maxConcurrent: 2,
    async flush(xs) {
      if (fail) throw new Error('boom');
      return xs.map((x) => x.toUpperCase());
    },
  });
  const results = await Promise.allSettled([b.run('a'), b.run('b')]);
  assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected']);
  fail = false;
  assert.equal(await b.run('c'), 'C');
});
