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
