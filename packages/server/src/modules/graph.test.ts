// The module graph has no cycles (ARCHITECTURE.md, Boundaries 3): a module that reaches another
// (through its index.ts) is never reached back, directly or through others.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = path.dirname(fileURLToPath(import.meta.url));
const modules = readdirSync(root).filter((n) => statSync(path.join(root, n)).isDirectory());

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    if (statSync(p).isDirectory()) return sources(p);
    return n.endsWith('.ts') && !n.endsWith('.test.ts') ? [p] : [];
  });
}

/** module → the other modules its non-test code imports (type-only imports count too: they couple contracts). */
function edges(): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const m of modules) {
    const deps = new Set<string>();
    for (const file of sources(path.join(root, m))) {
      for (const match of readFileSync(file, 'utf8').matchAll(/(?:from|import)\s*\(?\s*'(\.[^']+)'/g)) {
        const target = path.relative(root, path.resolve(path.dirname(file), match[1]!));
        const other = target.split(path.sep)[0]!;
        if (!target.startsWith('..') && other !== m && modules.includes(other)) deps.add(other);
      }
    }
    out.set(m, deps);
  }
  return out;
}

describe('module graph', () => {
  it('has no cycle', () => {
    const g = edges();
    const state = new Map<string, 'open' | 'done'>();
    const visit = (m: string, trail: string[]): void => {
      if (state.get(m) === 'done') return;
      assert.notEqual(state.get(m), 'open', `module cycle: ${[...trail.slice(trail.indexOf(m)), m].join(' → ')}`);
      state.set(m, 'open');
      for (const d of g.get(m) ?? []) visit(d, [...trail, m]);
      state.set(m, 'done');
    };
    for (const m of modules) visit(m, []);
    // Guards against a scan that silently finds nothing.
    assert.ok(g.get('surveys')?.has('messaging'), 'surveys reaches messaging (the contact budget)');
  });
});

describe('layers', () => {
  it('the shared layers (http, lib, events, db, realtime) never import a module: modules build on them, not the reverse', () => {
    const src = path.dirname(root);
    const offenders: string[] = [];
    for (const layer of ['http', 'lib', 'events', 'db', 'realtime']) {
      for (const file of sources(path.join(src, layer))) {
        for (const match of readFileSync(file, 'utf8').matchAll(/(?:from|import)\s*\(?\s*'(\.[^']+)'/g)) {
          const target = path.relative(src, path.resolve(path.dirname(file), match[1]!));
          if (target.split(path.sep)[0] === 'modules') offenders.push(`${path.relative(src, file)} → ${target}`);
        }
      }
    }
    assert.deepEqual(offenders, []);
  });
});
