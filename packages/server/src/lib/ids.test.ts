// Ids: base62 of the requested length, unique, and every character about equally likely (the
// random pool is refilled many times over in this test).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newId, randomBase62 } from './ids.ts';

test('randomBase62 gives uniform base62 strings of the asked length, across pool refills', () => {
  const counts = new Map<string, number>();
  const seen = new Set<string>();
  for (let i = 0; i < 20_000; i++) {
    const s = randomBase62(20);
    assert.match(s, /^[0-9A-Za-z]{20}$/);
    seen.add(s);
    for (const c of s) counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  assert.equal(seen.size, 20_000, 'no id twice');
  assert.equal(counts.size, 62, 'every character appears');
  const expected = (20_000 * 20) / 62;
  for (const [c, n] of counts) assert.ok(Math.abs(n - expected) < expected * 0.06, `${c} appears ${n} times, expected about ${expected.toFixed(0)}`);
  assert.equal(randomBase62(1).length, 1);
  assert.equal(randomBase62(5000).length, 5000, 'longer than the pool');
  assert.match(newId('fsr'), /^fsr_[0-9A-Za-z]{20}$/);
});
