import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultBuckets, splitStock } from './stock.ts';
import { checkToken, issueToken } from './token.ts';

describe('bucketed stock', () => {
  it('splits units evenly and never loses one', () => {
    for (const [stock, buckets] of [[100, 16], [7, 3], [1, 32], [0, 4], [1000, 64], [5, 5]] as const) {
      const parts = splitStock(stock, buckets);
      assert.equal(parts.reduce((a, b) => a + b, 0), stock);
      assert.ok(Math.max(...parts) - Math.min(...parts) <= 1);
      assert.ok(parts.length <= Math.max(1, stock));
    }
    assert.deepEqual(splitStock(7, 3), [3, 2, 2]);
    assert.equal(defaultBuckets(3), 3);
    assert.equal(defaultBuckets(100_000), 32);
  });
});

describe('purchase tokens', () => {
  it('accept the user and session they were issued for, until they expire', () => {
    const tok = issueToken('s3cret', 'fss_1', 'u1', 1000);
    assert.equal(checkToken('s3cret', 'fss_1', 'u1', tok, 999), true);
    assert.equal(checkToken('s3cret', 'fss_1', 'u2', tok, 999), false);
    assert.equal(checkToken('s3cret', 'fss_2', 'u1', tok, 999), false);
    assert.equal(checkToken('other', 'fss_1', 'u1', tok, 999), false);
    assert.equal(checkToken('s3cret', 'fss_1', 'u1', tok, 1001), false);
    assert.equal(checkToken('s3cret', 'fss_1', 'u1', tok.replace(/^1000/, '9999'), 999), false);
    assert.equal(checkToken('s3cret', 'fss_1', 'u1', 'garbage', 0), false);
  });
});

describe('bargain cuts', async () => {
  const { nextCut } = await import('./bargain.ts');
  it('stay within bounds and reach the floor by the last allowed cut, whatever the dice say', () => {
    const rule = { minCut: 10, maxCut: 500, newUserMultiplier: 3 };
    for (let trial = 0; trial < 500; trial++) {
      let remaining = 4000;
      let seed = trial * 7919;
      const rnd = () => ((seed = (seed * 48271) % 2147483647) / 2147483647);
      const maxCuts = 10;
      let cuts = 0;
      while (remaining > 0) {
        const isNew = rnd() < 0.3;
        const cut = nextCut(rule, remaining, maxCuts - cuts, isNew, rnd());
        assert.ok(cut >= 1 && cut <= remaining, `cut ${cut} of ${remaining}`);
        if (maxCuts - cuts > 1) assert.ok(cut <= rule.maxCut * (isNew ? 3 : 1), `cut ${cut} above the bound`);
        remaining -= cut;
        cuts++;
        assert.ok(remaining <= rule.maxCut * (maxCuts - cuts), 'the floor stays reachable');
      }
      assert.ok(cuts <= maxCuts, `${cuts} cuts`);
    }
  });
  it('gives new users more room', () => {
    const rule = { minCut: 1, maxCut: 100, newUserMultiplier: 2 };
    assert.equal(nextCut(rule, 10_000, 200, false, 0.999), 100);
    assert.equal(nextCut(rule, 10_000, 200, true, 0.999), 200);
    assert.equal(nextCut(rule, 50, 1, false, 0), 50);
    assert.equal(nextCut(rule, 0, 3, false, 0.5), 0);
  });
});
