import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileFilter, normaliseWord } from './filter.ts';

describe('sensitive-word filter (Aho–Corasick)', () => {
  it('finds every overlapping pattern in one pass (the classic he/she/his/hers set)', () => {
    const f = compileFilter(['he', 'she', 'his', 'hers']);
    const found = f.scan('ushers').map((m) => [m.word, m.start, m.end]);
    // "ushers" contains "she" (1-4) and "he" (2-4) and "hers" (2-6); Latin words must stand alone,
    // so none of them counts inside the word…
    assert.deepEqual(found, []);
    // …but they do as words of their own.
    assert.deepEqual(
      f.scan('she said: he, his, hers').map((m) => m.word),
      ['she', 'he', 'his', 'hers'],
    );
  });

  it('matches Chinese without spaces, including overlapping and nested words', () => {
    const f = compileFilter(['法轮', '法轮功', '轮功', '傻逼']);
    assert.deepEqual(
      f.scan('他说法轮功是傻逼').map((m) => m.word),
      ['法轮', '法轮功', '轮功', '傻逼'],
    );
    assert.equal(f.mask('他说法轮功是傻逼').text, '他说***是**');
  });

  it('sees through spaces, punctuation, zero-width characters, case and full width', () => {
    const f = compileFilter(['傻逼', 'fuck']);
    for (const text of ['傻 逼', '傻-逼', '傻\u200b逼', '傻。逼', 'ＦＵＣＫ', 'F.u.c.k', 'f u c k']) assert.equal(f.scan(text).length, 1, text);
    assert.equal(f.mask('你个傻 逼!').text, '你个***!');
    assert.equal(f.mask('what the F-U-C-K').text, 'what the *******');
  });

  it('sees through emoji, variation selectors and ZWJ between characters, and still matches listed emoji', () => {
    const f = compileFilter(['敏感', 'spam', '😈', '❤️']);
    const words = (text: string) => [...new Set(f.scan(text).map((m) => m.word))].sort();
    for (const text of ['敏😀感', '敏👨‍👩‍👧感', '敏\ufe0f感', '敏🇨🇳感', '敏😀 😀感']) assert.deepEqual(words(text), ['敏感'], text);
    assert.deepEqual(words('s🙂p🙂a🙂m'), ['spam']);
    assert.deepEqual(words('敏❤️感'), ['❤', '敏感'].sort(), 'the listed emoji and the word around it');
    assert.equal(f.mask('这很敏😀感!').text, '这很***!');
    assert.deepEqual(f.scan('坏😈人').map((m) => m.word), ['😈'], 'a listed emoji is still a word');
    assert.deepEqual(f.scan('我❤你').map((m) => m.word), ['❤'], 'with or without its variation selector');
    assert.deepEqual(f.scan('敏😀钝感').map((m) => m.word), [], 'only emoji are skipped, not letters');
  });

  it('keeps Latin words whole ("class" is not "ass"), but not CJK ones', () => {
    const f = compileFilter(['ass', 'fuck', '毒品']);
    assert.deepEqual(f.scan('classic passion assassin').map((m) => m.word), []);
    assert.deepEqual(f.scan('kick ass!').map((m) => m.word), ['ass']);
    assert.deepEqual(f.scan('fuck你').map((m) => m.word), ['fuck'], 'a CJK neighbour is a boundary');
    assert.deepEqual(f.scan('买毒品吗').map((m) => m.word), ['毒品']);
  });

  it('reports distinct words, masks surrogate pairs as one character, and copes with nothing to find', () => {
    const f = compileFilter(['坏', '坏', '😈']);
    assert.equal(f.size, 2);
    assert.deepEqual(f.mask('坏坏😈!').words.sort(), ['坏', '😈'].sort());
    assert.equal(f.mask('坏坏😈!').text, '***!');
    assert.deepEqual(compileFilter([]).mask('anything'), { text: 'anything', words: [] });
    assert.deepEqual(compileFilter(['...', ' ']).scan('...'), [], 'words of only punctuation are ignored');
    assert.equal(normaliseWord('Ｆ-U c k'), 'fuck');
  });

  it('agrees with a naive search on random text over a large list', () => {
    const alphabet = ['猫', '狗', '鱼', 'a', 'b', '-', ' '];
    let seed = 7;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const words = Array.from({ length: 300 }, () => Array.from({ length: 1 + rnd(3) }, () => ['猫', '狗', '鱼'][rnd(3)]).join(''));
    const f = compileFilter(words);
    for (let k = 0; k < 200; k++) {
      const text = Array.from({ length: 30 }, () => alphabet[rnd(alphabet.length)]).join('');
      const stream = [...text].filter((c) => c !== '-' && c !== ' ').join('');
      const expected = [...new Set(words)].filter((w) => stream.includes(w)).sort();
      assert.deepEqual([...new Set(f.scan(text).map((m) => m.word))].sort(), expected, text);
    }
  });
});
