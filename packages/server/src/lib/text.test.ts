// User text escaping: what the API returns, and what clients that show text as text undo.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { escapeHtml, unescapeHtml } from './text.ts';

test('unescapeHtml gives back exactly what escapeHtml was given, entities in the input included', () => {
  const samples = ['<script>alert(1)</script>', `a & b "c" 'd' \`e\``, '&lt; is not <', '&amp;amp;', '中文 <b>粗</b>', '&#96;&#39;', ''];
  for (const s of samples) assert.equal(unescapeHtml(escapeHtml(s)), s);
  assert.equal(escapeHtml('`<&>"\''), '&#96;&lt;&amp;&gt;&quot;&#39;');
  // Only the six entities escapeHtml writes are undone.
  assert.equal(unescapeHtml('&nbsp;&#x3C;'), '&nbsp;&#x3C;');
});
