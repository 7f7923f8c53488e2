import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fill } from './template.ts';

describe('communities: welcome template', () => {
  it('fills name, group and rules once, leaving a value’s own braces alone', () => {
    assert.equal(fill('欢迎 {{name}} 加入 {{ group }}！群规：{{rules}}', { name: '小米', group: '核心用户群', rules: '友善' }), '欢迎 小米 加入 核心用户群！群规：友善');
    assert.equal(fill('Hi {{name}}', { name: '{{group}}', group: 'G', rules: '' }), 'Hi {{group}}');
    assert.equal(fill('{{unknown}}', { name: 'a', group: 'b', rules: 'c' }), '{{unknown}}');
  });
});
