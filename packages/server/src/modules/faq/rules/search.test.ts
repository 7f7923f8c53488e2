// searchIndex against a plain reference (every candidate pre-ranked in a Map and fully sorted) on
// random knowledge bases with many ties: the bounded top-k selection and the scratch arrays must
// pick the same entries in the same order with the same scores, search after search on one index.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { blend, cosine, phraseVector, queryVector, selectiveTerms } from './score.ts';
import { buildIndex, DOC_SEQ, searchIndex, type IndexEntry, type IndexPhrase, type SearchIndex } from './search.ts';

function reference(index: SearchIndex, queryTerms: string[], opts: { limit: number; candidates: number; locale?: string }) {
  const { n, df, docs, postings } = index;
  const query = queryVector(queryTerms, n, df);
  const known = [...query.weights.keys()];
  if (!known.length) return [];
  const eligible = (i: number) => docs[i]!.enabled && (opts.locale === undefined || docs[i]!.locale === opts.locale);
  const pre = new Map<number, number>();
  for (const t of selectiveTerms(known, df, n)) for (const i of postings.get(t) ?? []) if (!pre.has(i) && eligible(i)) pre.set(i, 0);
  for (const t of known) {
    const w = query.weights.get(t)!;
    for (const i of postings.get(t) ?? []) if (pre.has(i)) pre.set(i, pre.get(i)! + w * w);
  }
  const byId = (a: number, b: number) => (docs[a]!.id < docs[b]!.id ? -1 : docs[a]!.id > docs[b]!.id ? 1 : 0);
  const top = [...pre].sort((a, b) => b[1] - a[1] || byId(a[0], b[0])).slice(0, opts.candidates);
  const scored = top.map(([i]) => {
    const d = docs[i]!;
    let phrase = 0;
    for (const p of d.phrases) phrase = Math.max(phrase, cosine(query, phraseVector(p, n, df)));
    return { i, score: blend(phrase, cosine(query, phraseVector(d.doc, n, df))) };
  });
  scored.sort((a, b) => b.score - a.score || byId(a.i, b.i));
  return scored.slice(0, opts.limit).map(({ i, score }) => ({ id: docs[i]!.id, score }));
}

describe('searchIndex', () => {
  it('picks the same entries, in the same order, as a full sort of every candidate', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    // A small vocabulary: many entries share terms, so pre-ranks tie often.
    const vocab = Array.from({ length: 40 }, (_, i) => `t${i}`);
    const pick = (k: number) => Array.from({ length: k }, () => vocab[Math.floor(rnd() * rnd() * vocab.length)]!);
    for (let round = 0; round < 20; round++) {
      const entries: IndexEntry[] = [];
      const phrases: IndexPhrase[] = [];
      for (let e = 0; e < 300; e++) {
        const id = `e${String(Math.floor(rnd() * 1e6)).padStart(6, '0')}-${e}`;
        entries.push({ id, question: id, answer: '', category: null, locale: rnd() < 0.5 ? 'en' : 'zh-CN', enabled: rnd() < 0.9 });
        const own = [pick(3), pick(4)];
        own.forEach((terms, seq) => phrases.push({ entryId: id, seq, terms }));
        phrases.push({ entryId: id, seq: DOC_SEQ, terms: [...new Set(own.flat().concat(pick(3)))] });
      }
      const index = buildIndex(entries, phrases);
      for (let q = 0; q < 30; q++) {
        const terms = [...pick(1 + Math.floor(rnd() * 5)), 'unknown-term'];
        const opts = { limit: 5, candidates: 1 + Math.floor(rnd() * 40), ...(rnd() < 0.5 ? { locale: 'en' } : {}) };
        const got = searchIndex(index, terms, opts).map((h) => ({ id: h.entry.id, score: h.score }));
        assert.deepEqual(got, reference(index, terms, opts), `round ${round}, query ${q}: ${terms.join(' ')}`);
      }
    }
  });
});
