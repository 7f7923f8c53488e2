import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { grams, idf, similarity } from './grams.ts';
import { allowedNext, canMove } from './status.ts';

describe('grams', () => {
  it('splits Chinese into character bigrams and English into words', () => {
    assert.deepEqual(grams('夜间模式'), ['夜间', '间模', '模式']);
    assert.deepEqual(grams('Dark mode, please!'), ['dark', 'mode']);
    assert.deepEqual(grams('支持 Dark Modes 吗'), ['支持', 'dark', 'mode']);
    assert.deepEqual(grams('卡'), ['卡']);
    assert.deepEqual(grams('iOS 17 闪退'), ['ios', '17', '闪退']);
  });

  it('drops filler: stop words and bigrams of function characters', () => {
    assert.deepEqual(grams('the app is slow'), ['app', 'slow']);
    assert.ok(!grams('能不能可以的吗').includes('可以'));
  });

  it('normalises full-width letters and case', () => {
    assert.deepEqual(grams('ＤＡＲＫ Ｍｏｄｅ'), ['dark', 'mode']);
  });

  it('scores a paraphrase above an unrelated title, in Chinese and in English', () => {
    const w = new Map<string, number>();
    const q = grams('希望增加夜间模式');
    for (const g of q) w.set(g, idf(100, g === '希望' || g === '增加' || g === '望增' ? 40 : 2));
    const para = grams('能不能加个夜间模式').filter((g) => q.includes(g));
    const other = grams('希望增加导出功能').filter((g) => q.includes(g));
    assert.ok(similarity(q, w, para, 6) > similarity(q, w, other, 7), 'the night-mode post ranks above the export post');

    const eq = grams('dark mode for the editor');
    const ew = new Map(eq.map((g) => [g, idf(10, 1)]));
    const s1 = similarity(eq, ew, ['dark', 'mode'], 3);
    const s2 = similarity(eq, ew, ['editor'], 4);
    assert.ok(s1 > s2);
    assert.equal(similarity([], ew, [], 0), 0);
  });
});

describe('status transitions', () => {
  it('moves forward, allows realistic steps back, and never stays in place', () => {
    assert.equal(canMove('open', 'planned'), true);
    assert.equal(canMove('done', 'in_progress'), true);
    assert.equal(canMove('declined', 'open'), true);
    assert.equal(canMove('done', 'open'), false);
    for (const s of ['open', 'planned', 'done'] as const) assert.ok(!allowedNext(s).includes(s));
  });
});
