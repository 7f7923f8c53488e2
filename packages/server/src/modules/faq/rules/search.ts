// The in-memory retrieval index of one app's knowledge base, and a search over it. Pure: built from
// the stored phrase rows, it answers without I/O, so a search costs microseconds instead of an
// array-overlap scan of the phrases table (which took most of a 5,000-entry search's 140 ms).
//
// Scoring is rules/score.ts's: the query's IDF-weighted terms pick candidate entries by their
// selective (rare) terms, a cheap pre-rank (summed squared weights of the shared terms) keeps the
// best `candidates`, and each of those is scored exactly (cosine of its closest phrase, blended
// with its whole document's).
import { blend, cosine, queryVector, selectiveTerms } from './score.ts';

/** The seq of an entry's whole-document row (question, variants and answer together). */
export const DOC_SEQ = -1;

export type IndexEntry = { id: string; question: string; answer: string; category: string | null; locale: string; enabled: boolean };
export type IndexPhrase = { entryId: string; seq: number; terms: string[] };

type Doc = IndexEntry & { doc: readonly string[]; phrases: (readonly string[])[] };

export type SearchIndex = {
  /** Document rows (one per entry), which the term frequencies count. */
  n: number;
  df: ReadonlyMap<string, number>;
  docs: readonly Doc[];
  /** Term → the docs (positions in `docs`) whose document contains it. */
  postings: ReadonlyMap<string, readonly number[]>;
  /** A rough size in bytes, for the cache's bound. */
  bytes: number;
};

export type IndexHit = { entry: IndexEntry; score: number };

export function buildIndex(entries: readonly IndexEntry[], phrases: readonly IndexPhrase[]): SearchIndex {
  const byId = new Map<string, Doc>();
  let bytes = 0;
  for (const e of entries) {
    byId.set(e.id, { ...e, doc: [], phrases: [] });
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
  return { n, df, docs, postings, bytes: bytes + 8 * docs.length };
}

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
  const pre = new Map<number, number>();
  for (const t of selectiveTerms(known, df, n)) for (const i of postings.get(t) ?? []) if (!pre.has(i) && eligible(docs[i]!)) pre.set(i, 0);
  if (!pre.size) return [];
  for (const t of known) {
    const w = query.weights.get(t)!;
    for (const i of postings.get(t) ?? []) {
      const s = pre.get(i);
      if (s !== undefined) pre.set(i, s + w * w);
    }
  }
  const byId = (a: number, b: number) => (docs[a]!.id < docs[b]!.id ? -1 : docs[a]!.id > docs[b]!.id ? 1 : 0);
  const top = [...pre].sort((a, b) => b[1] - a[1] || byId(a[0], b[0])).slice(0, opts.candidates);
  const weighed = (ts: readonly string[]) => ts.map((term) => ({ term, df: df.get(term) ?? 1 }));
  const scored = top.map(([i]) => {
    const d = docs[i]!;
    let phrase = 0;
    for (const p of d.phrases) phrase = Math.max(phrase, cosine(query, weighed(p), n));
    return { i, score: blend(phrase, cosine(query, weighed(d.doc), n)) };
  });
  scored.sort((a, b) => b.score - a.score || byId(a.i, b.i));
  return scored.slice(0, opts.limit).map(({ i, score }) => {
    const { doc: _doc, phrases: _phrases, ...entry } = docs[i]!;
    return { entry, score };
  });
}
