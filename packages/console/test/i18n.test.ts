// Every string of the console is translated: both dictionaries have the same keys, and every key
// the sources use (t('…'), label: '…', and the role/kind families built at run time) exists.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ROLES } from '../../server/src/http/permissions.ts';
import { RFM_CLASS_NAMES } from '../../server/src/modules/segments/index.ts';
import { en } from '../src/i18n/en.ts';
import { zhCN } from '../src/i18n/zh-CN.ts';

const srcDir = path.resolve(import.meta.dirname, '../src');

function sources(dir: string, out: string[] = []): string[] {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) sources(p, out);
    else if (/\.(ts|tsx)$/.test(e.name) && !p.includes(`${path.sep}i18n${path.sep}`)) out.push(p);
  }
  return out;
}

test('zh-CN and en have the same keys, none empty', () => {
  const zh = Object.keys(zhCN).sort();
  const e = Object.keys(en).sort();
  assert.deepEqual(
    zh.filter((k) => !e.includes(k)),
    [],
    'keys missing in en',
  );
  assert.deepEqual(
    e.filter((k) => !zh.includes(k)),
    [],
    'keys missing in zh-CN',
  );
  for (const [k, v] of [...Object.entries(zhCN), ...Object.entries(en)]) assert.ok(String(v).trim(), `empty translation for ${k}`);
});

test('every key used in the sources exists in both languages', () => {
  const used = new Map<string, string>();
  for (const f of sources(srcDir)) {
    const text = fs.readFileSync(f, 'utf8');
    for (const m of text.matchAll(/\bt\(\s*'([^']+)'/g)) used.set(m[1]!, path.relative(srcDir, f));
    for (const m of text.matchAll(/\blabel:\s*'([a-z][\w]*\.[\w.]+)'/g)) used.set(m[1]!, path.relative(srcDir, f));
  }
  assert.ok(used.size > 50, `found only ${used.size} keys: the scan is broken`);
  // Keys built at run time from server vocabularies.
  for (const r of ROLES) used.set(`role.${r}`, 'roles');
  for (const k of ['earn', 'spend', 'adjust', 'expire', 'refund']) used.set(`points.kind.${k}`, 'points kinds');
  for (const k of RFM_CLASS_NAMES) used.set(`rfm.${k}`, 'RFM classes');
  for (const k of ['draft', 'running', 'stopped']) used.set(`experiments.${k}`, 'experiment statuses');
  for (const k of ['achieved', 'on_track', 'off_track', 'missed']) used.set(`goals.${k}`, 'goal statuses');
  const missing = [...used].filter(([k]) => !(k in zhCN) || !(k in en)).map(([k, f]) => `${k} (${f})`);
  assert.deepEqual(missing, [], 'keys used but not translated');
});

test('no source file renders raw HTML', () => {
  for (const f of sources(srcDir)) assert.doesNotMatch(fs.readFileSync(f, 'utf8'), /dangerouslySetInnerHTML|\.innerHTML\s*=/, f);
});
