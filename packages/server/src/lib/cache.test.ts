import assert from 'node:assert/strict';
import { it } from 'node:test';
import { loadCache } from './cache.ts';

it('shares one load, serves it until deleted or stale, never keeps a failure or a load older than a delete', async () => {
  const c = loadCache<number>(60_000);
  let loads = 0;
  const load = async () => ++loads;
  assert.deepEqual(await Promise.all([c.get('a', load), c.get('a', load)]), [1, 1]);
  assert.equal(c.peek('a'), 1);
  assert.equal(await c.get('a', load, { fresh: true }), 2);
  c.delete('a');
  assert.equal(c.peek('a'), undefined);
  await assert.rejects(c.get('b', () => Promise.reject(new Error('down'))));
  assert.equal(await c.get('b', load), 3, 'a failed load is not cached');
  let release!: (v: number) => void;
  const slow = c.get('c', () => new Promise<number>((r) => (release = r)));
  c.delete('c');
  release(99);
  assert.equal(await slow, 99);
  assert.equal(c.peek('c'), undefined, 'a load older than the delete is not published');
  const stale = loadCache<number>(0);
  await stale.get('x', load);
  await new Promise((r) => setTimeout(r, 5));
  assert.equal(stale.peek('x'), undefined);
});
