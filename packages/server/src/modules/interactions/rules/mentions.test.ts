import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_MENTIONS, mentionsOf, parseMentions } from './mentions.ts';

describe('@mentions in text', () => {
  it('finds handles at whitespace and punctuation, ASCII and Chinese', () => {
    assert.deepEqual(parseMentions('@u_123 hi'), ['u_123']);
    assert.deepEqual(parseMentions('hi @u_1, @u_2! (@u_3) "@u_4"?'), ['u_1', 'u_2', 'u_3', 'u_4']);
    assert.deepEqual(parseMentions('你好@张三，看看这个。@李四！还有@王五？@赵六：好；@钱七、@孙八'), ['张三', '李四', '王五', '赵六', '钱七', '孙八']);
    assert.deepEqual(parseMentions('【@u_9】《@u_10》「@u_11」“@u_12”'), ['u_9', 'u_10', 'u_11', 'u_12']);
    assert.deepEqual(parseMentions('see @bob. And @carol: ok'), ['bob', 'carol']);
    assert.deepEqual(parseMentions('@john.doe. and cc:@wx:abc'), ['john.doe', 'wx:abc']);
    assert.deepEqual(parseMentions('＠全角 works'), ['全角']);
    assert.deepEqual(parseMentions('@a @a @b'), ['a', 'b'], 'once each, in order');
  });

  it('is not fooled by e-mail addresses, URLs and lone @ signs', () => {
    assert.deepEqual(parseMentions('mail a@b.com or x.y+z@example.cn'), []);
    assert.deepEqual(parseMentions('https://example.com/@someone'), []);
    assert.deepEqual(parseMentions('meet @ noon, @, @。'), []);
  });

  it('ignores handles longer than a user id may be', () => {
    assert.deepEqual(parseMentions(`@${'x'.repeat(255)} @${'y'.repeat(256)}`), ['x'.repeat(255)]);
  });

  it('merges the explicit list, drops the author and caps the count', () => {
    assert.deepEqual(mentionsOf('alice', 'hi @alice @bob @carol', ['dave', 'bob']), ['dave', 'bob', 'carol']);
    const many = Array.from({ length: 30 }, (_, i) => `@u${i}`).join(' ');
    assert.equal(mentionsOf('me', many).length, MAX_MENTIONS);
  });
});
