import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_SETTINGS } from '../types.ts';
import { commentHot, hotScore, weighted } from './hot.ts';
import { dayIn, isDate, periodWindow } from './periods.ts';
import { rank, signalScore, tagAffinity, type Signal } from './recommend.ts';
import { mergeSettings, tripleActions } from './settings.ts';
import { escapeHtml } from '../../../lib/text.ts';

describe('hot score', () => {
  const t0 = new Date('2024-05-01T00:00:00Z');
  const later = (h: number) => new Date(t0.getTime() + h * 3600_000);
  it('grows with engagement and with recency; decay_hours of age cost a factor of 10', () => {
    assert.ok(hotScore(10, t0, 12) > hotScore(9, t0, 12));
    assert.ok(hotScore(10, later(1), 12) > hotScore(10, t0, 12));
    // 99 interactions 12 hours older equal 9 fresh ones: log10(100) - 1 = log10(10).
    assert.ok(Math.abs(hotScore(99, t0, 12) - hotScore(9, later(12), 12)) < 1e-12);
    assert.equal(hotScore(0, t0, 12), hotScore(-5, t0, 12));
  });
  it('weighs counts and counts a reply as two likes', () => {
    const w = DEFAULT_SETTINGS.hot.weights;
    assert.equal(weighted({ likes: 2, favourites: 1, shares: 1, comments: 1, follows: 1, coins: 9 }, w), 2 + 3 + 4 + 2 + 2);
    assert.equal(commentHot(1, 1, t0, 12), hotScore(3, t0, 12));
  });
});

describe('ranking windows', () => {
  it('uses ISO weeks (Monday first), calendar months and a fixed all-time window', () => {
    assert.deepEqual(periodWindow('week', '2024-05-12'), { start: '2024-05-06', end: '2024-05-13' }); // Sunday
    assert.deepEqual(periodWindow('week', '2024-05-06'), { start: '2024-05-06', end: '2024-05-13' }); // Monday
    assert.deepEqual(periodWindow('week', '2024-01-01'), { start: '2024-01-01', end: '2024-01-08' });
    assert.deepEqual(periodWindow('week', '2023-01-01'), { start: '2022-12-26', end: '2023-01-02' }); // across a year
    assert.deepEqual(periodWindow('month', '2024-02-29'), { start: '2024-02-01', end: '2024-03-01' });
    assert.deepEqual(periodWindow('month', '2024-12-31'), { start: '2024-12-01', end: '2025-01-01' });
    assert.deepEqual(periodWindow('day', '2024-12-31'), { start: '2024-12-31', end: '2025-01-01' });
    assert.equal(periodWindow('all', '2024-05-01').start, '1970-01-01');
  });
  it('finds the calendar day in a timezone and validates dates', () => {
    assert.equal(dayIn(new Date('2024-05-06T20:00:00Z'), 'Asia/Shanghai'), '2024-05-07');
    assert.equal(dayIn(new Date('2024-05-06T20:00:00Z'), 'UTC'), '2024-05-06');
    assert.equal(dayIn(new Date('2024-05-06T02:00:00Z'), 'America/Los_Angeles'), '2024-05-05');
    for (const ok of ['2024-02-29', '1999-12-31']) assert.equal(isDate(ok), true, ok);
    for (const bad of ['2023-02-29', '2024-13-01', '2024-1-01', 'today', '2024-05-06T00:00:00Z']) assert.equal(isDate(bad), false, bad);
  });
});

describe('recommendation ranking', () => {
  it('sums signals, keeps the strongest as the reason, and breaks ties by hot score then id', () => {
    const signals = new Map<number, Signal[]>([
      [1, [{ type: 'hot', rank: 0 }]],
      [2, [{ type: 'tag', tag: '猫', seed: 9, affinity: 1 }, { type: 'hot', rank: 3 }]],
      [3, [{ type: 'co_liked', seed: 9, n: 7 }]],
      [4, [{ type: 'curated', slotKey: 'k', slotTitle: 'K', position: 0 }]],
      [5, [{ type: 'hot', rank: 0 }]],
    ]);
    const r = rank(signals, new Map([[5, 30], [1, 1]]));
    assert.deepEqual(r.map((x) => x.subjectId), [3, 2, 4, 5, 1]);
    assert.equal(r[1]!.reason.type, 'tag');
    assert.ok(signalScore({ type: 'followed_author', authorId: 'a' }) > signalScore({ type: 'liked_author', authorId: 'a', seed: 1 }));
  });
  it('derives tag affinity from the share of seeds carrying each tag', () => {
    const a = tagAffinity(
      [
        { subjectId: 1, tags: ['猫', 'cute'] },
        { subjectId: 2, tags: ['猫'] },
        { subjectId: 3, tags: ['dog', 'dog'] },
      ],
      2,
    );
    assert.deepEqual(a, [
      { tag: '猫', affinity: 2 / 3, seed: 1 },
      { tag: 'cute', affinity: 1 / 3, seed: 1 },
    ]);
  });
});

describe('settings merge', () => {
  it('merges nested objects key by key and replaces arrays and by_kind whole', () => {
    const a = mergeSettings(DEFAULT_SETTINGS, { hot: { weights: { like: 9 } }, kinds: ['video'], triple: { by_kind: { video: ['like'] } } });
    assert.equal(a.hot.weights.like, 9);
    assert.equal(a.hot.weights.share, DEFAULT_SETTINGS.hot.weights.share);
    assert.deepEqual(a.kinds, ['video']);
    assert.deepEqual(tripleActions(a, 'video'), ['like']);
    assert.deepEqual(tripleActions(a, 'post'), DEFAULT_SETTINGS.triple.default);
    const b = mergeSettings(a, { triple: { by_kind: {} }, comments: { featured_rule: null } });
    assert.deepEqual(tripleActions(b, 'video'), DEFAULT_SETTINGS.triple.default);
    assert.equal(b.comments.featured_rule, null);
    assert.equal(b.comments.pin_limit, DEFAULT_SETTINGS.comments.pin_limit);
  });
});

it('escapes every character that can open markup or an attribute', () => {
  assert.equal(escapeHtml(`<a href="x" onclick='y'>&\`</a>`), '&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&#96;&lt;/a&gt;');
  assert.equal(escapeHtml('纯文本 plain'), '纯文本 plain');
});
