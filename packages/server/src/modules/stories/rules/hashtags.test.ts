import assert from 'node:assert/strict';
import { it } from 'node:test';
import { hashtags, normalizeTag } from './hashtags.ts';

it('reads Weibo-style closed tags and Twitter-style open tags', () => {
  assert.deepEqual(hashtags('#星巴克猫爪杯# 太可爱了'), ['星巴克猫爪杯']);
  assert.deepEqual(hashtags('Loving my #StarbucksCup! #coffee'), ['starbuckscup', 'coffee']);
  assert.deepEqual(hashtags('今天 ＃星巴克＃ 和 #拿铁 很好喝'), ['星巴克', '拿铁']);
  assert.deepEqual(hashtags('no tags here, just # and ##'), []);
  assert.deepEqual(hashtags('#a #b'), ['a', 'b']);
});

it('normalises campaign tags the same way', () => {
  assert.equal(normalizeTag('#StarbucksCup#'), 'starbuckscup');
  assert.equal(normalizeTag('＃星巴克猫爪杯'), '星巴克猫爪杯');
});
