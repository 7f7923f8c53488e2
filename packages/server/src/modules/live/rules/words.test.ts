import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WordMatcher } from './words.ts';

describe('WordMatcher (Aho–Corasick)', () => {
  const m = new WordMatcher(['傻瓜', '垃圾', 'bad', 'he', 'she', 'hers', '𠮷野']);

  it('finds overlapping words in one pass, with positions in the original text', () => {
    assert.deepEqual(m.find('ushers'), [
      { start: 1, end: 3 },
      { start: 2, end: 3 },
      { start: 2, end: 5 },
    ]);
    assert.deepEqual(m.find('你这个傻瓜'), [{ start: 3, end: 4 }]);
  });

  it('sees through case, full-width letters and separators inserted between characters', () => {
    assert.equal(m.mask('真是个傻 * 瓜！').text, '真是个* * *！');
    assert.equal(m.mask('ＢＡＤ news').text, '*** news');
    assert.equal(m.mask('B.a.D').text, '*.*.*');
    assert.equal(m.mask('都是垃垃圾').text, '都是垃**');
  });

  it('handles characters outside the BMP and leaves clean text alone', () => {
    assert.equal(m.mask('𠮷野家').text, '**家');
    assert.deepEqual(m.mask('今天天气不错'), { text: '今天天气不错', matched: false });
    assert.deepEqual(new WordMatcher([]).mask('anything'), { text: 'anything', matched: false });
    assert.equal(new WordMatcher(['  ', '!!']).size, 0, 'words with no letters are ignored');
  });

  it('stays linear on a large dictionary', () => {
    const big = new WordMatcher(Array.from({ length: 20_000 }, (_, i) => `词${i}号`));
    assert.equal(big.size, 20_000);
    assert.deepEqual(big.find('前面词19999号后面'), [{ start: 2, end: 8 }]);
  });
});
