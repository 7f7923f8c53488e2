import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { languageOf, parseTemplate, render, renderText, TemplateSyntaxError, undeclaredVariables } from './template.ts';

describe('templates', () => {
  it('parses and renders with data, traits, built-ins and fallbacks in that order', () => {
    const segs = parseTemplate('{{ nickname }}，你有 {{points}} 积分，等级 {{level}}{{missing}}');
    assert.equal(render(segs, { data: { points: 5 }, traits: { points: 9, level: 'Lv3' }, builtins: { nickname: 'u1' }, specs: { missing: { sample: 'x', fallback: '!' } } }), 'u1，你有 5 积分，等级 Lv3!');
    assert.equal(renderText('no placeholders', {}), 'no placeholders');
    assert.equal(renderText('{{a}}{{a}}', { a: { x: 1 } }), '{"x":1}{"x":1}');
  });

  it('rejects malformed placeholders and finds undeclared ones', () => {
    assert.throws(() => parseTemplate('hi {{name'), TemplateSyntaxError);
    assert.throws(() => parseTemplate('hi {{na me}}'), TemplateSyntaxError);
    assert.deepEqual(undeclaredVariables('{{a}} {{b}} {{a}}', { a: 1 }), ['b']);
  });

  it('picks Chinese for any zh locale', () => {
    assert.equal(languageOf('zh-TW', 'en'), 'zh');
    assert.equal(languageOf('en-US', 'zh-CN'), 'en');
    assert.equal(languageOf(null, 'zh-CN'), 'zh');
  });
});
