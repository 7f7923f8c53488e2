// The in-memory retrieval index of one app's knowledge base, and a search over it. Pure: built from
// the stored phrase rows, it answers without I/O, so a search costs microseconds instead of an
// array-overlap scan of the phrases table (which took most of a 5,000-entry search's 140 ms).
//
// Scoring is rules/score.ts's: the query's IDF-weighted terms pick candidate entries by their
// selective (rare) terms, a cheap pre-rank (summed squared weights of the shared terms) keeps the
// best `candidates`, and each of those is scored exactly (cosine of its closest phrase, blended
// with its whole document's).
import { blend, cosine, phraseVector, queryVector, selectiveTerms, type PhraseVector } from './score.ts';

/** The seq of an entry's whole-document row (question, variants and answer together). */
export const DOC_SEQ = -1;

export type IndexEntry = { id: string; question: string; answer: string; category: string | null; locale: string; enabled: boolean };
export type IndexPhrase = { entryId: string; seq: number; terms: string[] };

type Doc = IndexEntry & {
  doc: readonly string[];
  phrases: (readonly string[])[];
  /** The document's and the phrases' weighted vectors (the index's df is fixed once built). */
  docVector: PhraseVector;
  phraseVectors: PhraseVector[];
};

export type SearchIndex = {
  /** Document rows (one per entry), which the term frequencies count. */
  n: number;
  df: ReadonlyMap<string, number>;
  docs: readonly Doc[];
  /** Term → the docs (positions in `docs`) whose document contains it. */
  postings: ReadonlyMap<string, readonly number[]>;
  /** A rough size in bytes, for the cache's bound. */
  bytes: number;
  /**
   * Scratch space of searches (one per doc): a search runs without awaiting, so one at a time
   * uses it. `mark[i] === gen` says doc i was seen by the current search; `pre[i]` is then its
   * pre-rank, or NaN when it is not eligible.
   */
  scratch: { mark: Uint32Array; pre: Float64Array; gen: number };
};

export type IndexHit = { entry: IndexEntry; score: number };

export function buildIndex(entries: readonly IndexEntry[], phrases: readonly IndexPhrase[]): SearchIndex {
  const byId = new Map<string, Doc>();
  let bytes = 0;
  for (const e of entries) {
    byId.set(e.id, { ...e, doc: [], phrases: [], docVector: EMPTY, phraseVectors: [] });
    bytes += 200 + 2 * (e.id.length + e.question.length + e.answer.length + (e.category?.length ?? 0));
  }
  for (const p of phrases) {
    const d = byId.get(p.entryId);
    if (!d) continue;
    if (p.seq === DOC_SEQ) d.doc = p.terms;
    else d.phrases.push(p.terms);
    for (const t of p.terms) bytes += 16 + 2 * t.length;
  }
  const docs = [...byId.values()];
  const df = new Map<string, number>();
  const postings = new Map<string, number[]>();
  let n = 0;
  docs.forEach((d, i) => {
    if (!d.doc.length) return;
    n++;
    for (const t of d.doc) {
      df.set(t, (df.get(t) ?? 0) + 1);
      let list = postings.get(t);
      if (!list) postings.set(t, (list = []));
      list.push(i);
    }
  });
  for (const d of docs) {
    d.docVector = phraseVector(d.doc, n, df);
    d.phraseVectors = d.phrases.map((p) => phraseVector(p, n, df));
    bytes += 8 * (d.doc.length + d.phrases.reduce((a, p) => a + p.length, 0));
  }
  return { n, df, docs, postings, bytes: bytes + 20 * docs.length, scratch: { mark: new Uint32Array(docs.length), pre: new Float64Array(docs.length), gen: 0 } };
}

const EMPTY: PhraseVector = { terms: [], weights: [], norm2: 0 };

/**
 * The `limit` best entries for the query terms, best first (ties by id), with a 0…1 confidence.
 * Disabled entries and those outside `locale`/`category` (when given) are never returned.
 */
export function searchIndex(
  index: SearchIndex,
  queryTerms: readonly string[],
  opts: { limit: number; candidates: number; locale?: string | undefined; category?: string | undefined },
): IndexHit[] {
  const { n, df, docs, postings } = index;
  const query = queryVector(queryTerms, n, df);
  const known = [...query.weights.keys()];
  if (!known.length) return [];
  const eligible = (d: Doc) => d.enabled && (opts.locale === undefined || d.locale === opts.locale) && (opts.category === undefined || d.category === opts.category);
  // Candidates share a selective term; their pre-rank sums the squared weights of every known term they hold.
  const sc = index.scratch;
  if (++sc.gen === 0xffffffff) {
    sc.mark.fill(0);
    sc.gen = 1;
  }
  const { mark, pre, gen } = sc;
  const cands: number[] = [];
  for (const t of selectiveTerms(known, df, n)) {
    for (const i of postings.get(t) ?? []) {
      if (mark[i] === gen) continue;
      mark[i] = gen;
      if (eligible(docs[i]!)) {
        pre[i] = 0;
        cands.push(i);
      } else pre[i] = NaN;
    }
  }
  if (!cands.length) return [];
  for (const t of known) {
    const w = query.weights.get(t)!;
    const w2 = w * w;
    // NaN (not eligible) stays NaN.
    for (const i of postings.get(t) ?? []) if (mark[i] === gen) pre[i] = pre[i]! + w2;
  }
  const byId = (a: number, b: number) => (docs[a]!.id < docs[b]!.id ? -1 : docs[a]!.id > docs[b]!.id ? 1 : 0);
  // The best `candidates` by pre-rank (ties by id), kept sorted while scanning: no sort of them all.
  const before = (a: number, b: number) => pre[a]! > pre[b]! || (pre[a] === pre[b] && byId(a, b) < 0);
  const top: number[] = [];
  for (const i of cands) {
    if (top.length === opts.candidates && !before(i, top[top.length - 1]!)) continue;
    let lo = 0;
    let hi = top.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (before(top[mid]!, i)) lo = mid + 1;
      else hi = mid;
    }
    top.splice(lo, 0, i);
    if (top.length > opts.candidates) top.pop();
  }
  const scored = top.map((i) => {
    const d = docs[i]!;
    let phrase = 0;
    for (const p of d.phraseVectors) phrase = Math.max(phrase, cosine(query, p));
    return { i, score: blend(phrase, cosine(query, d.docVector)) };
  });
  scored.sort((a, b) => b.score - a.score || byId(a.i, b.i));
  return scored.slice(0, opts.limit).map(({ i, score }) => {
    const { doc: _doc, phrases: _phrases, docVector: _dv, phraseVectors: _pv, ...entry } = docs[i]!;
    return { entry, score };
  });
}
