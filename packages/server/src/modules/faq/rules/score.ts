// Confidence of a stored phrase (an entry's question or one of its variants) as the answer to a
// query: the cosine of their IDF-weighted term vectors, 0 … 1. Identical term sets score 1; a
// phrase that shares only common terms (退, how, order) scores low, one that shares the rare terms
// the query turns on (补签, invoice) scores high. It reads the same whatever the size of the
// knowledge base, so a bot can hold it against one fixed threshold.
import { isUnigram, UNIGRAM_WEIGHT } from './tokens.ts';

/** Inverse document frequency over `n` phrases; a term no phrase has counts as the rarest. */
export function idf(n: number, df: number): number {
  return Math.log(1 + Math.max(n, 1) / Math.max(df, 1));
}

/** The weight of a term in a vector: its IDF, halved for CJK unigrams. */
export function weight(term: string, n: number, df: number): number {
  return idf(n, df) * (isUnigram(term) ? UNIGRAM_WEIGHT : 1);
}

/**
 * Query terms no stored phrase contains still count against a match (a question about something
 * the knowledge base lacks should not look answered), but only at this share of their weight:
 * people add words of their own ("please", "请问一下", typos).
 */
export const UNKNOWN_SHARE = 0.35;

export type TermWeights = ReadonlyMap<string, number>;

/** Weights of the query's terms and the squared norm of the query vector. */
export function queryVector(queryTerms: readonly string[], n: number, df: ReadonlyMap<string, number>): { weights: TermWeights; norm2: number } {
  const weights = new Map<string, number>();
  let norm2 = 0;
  for (const t of queryTerms) {
    const d = df.get(t) ?? 0;
    const w = weight(t, n, d);
    if (d > 0) weights.set(t, w);
    norm2 += d > 0 ? w * w : UNKNOWN_SHARE * UNKNOWN_SHARE * w * w;
  }
  return { weights, norm2 };
}

/** A stored phrase's terms with their weights and squared norm, computed once per index. */
export type PhraseVector = { terms: readonly string[]; weights: readonly number[]; norm2: number };

/** The vector of a phrase's terms; a term no document has counts as in one (df 1). */
export function phraseVector(terms: readonly string[], n: number, df: ReadonlyMap<string, number>): PhraseVector {
  const weights: number[] = [];
  let norm2 = 0;
  for (const t of terms) {
    const w = weight(t, n, df.get(t) ?? 1);
    weights.push(w);
    norm2 += w * w;
  }
  return { terms, weights, norm2 };
}

/** Cosine of the query and a phrase's vector. */
export function cosine(query: { weights: TermWeights; norm2: number }, phrase: PhraseVector): number {
  if (query.norm2 <= 0 || phrase.norm2 <= 0) return 0;
  let dot = 0;
  for (let i = 0; i < phrase.terms.length; i++) {
    const q = query.weights.get(phrase.terms[i]!);
    if (q !== undefined) dot += q * phrase.weights[i]!;
  }
  if (dot <= 0) return 0;
  return Math.min(1, dot / Math.sqrt(query.norm2 * phrase.norm2));
}

/**
 * An entry's confidence: mostly how close the query is to its closest question or variant, partly
 * how well the entry as a whole (answer included) covers the query's terms.
 */
export const PHRASE_SHARE = 0.7;

export function blend(phrase: number, doc: number): number {
  return PHRASE_SHARE * phrase + (1 - PHRASE_SHARE) * doc;
}

/**
 * The query terms that pick candidate entries: those in at most 1% of the entries (or 50) (and
 * never fewer than the three rarest). A term half the entries share (商品, page) would make the
 * index hand over half the knowledge base to rank; the entries that matter share a rarer term.
 * Every known term still counts in the scores.
 */
export function selectiveTerms(known: readonly string[], df: ReadonlyMap<string, number>, n: number): string[] {
  const limit = Math.max(50, n / 100);
  const byRarity = [...known].sort((a, b) => (df.get(a) ?? 0) - (df.get(b) ?? 0));
  const rare = byRarity.filter((t) => (df.get(t) ?? 0) <= limit);
  return rare.length >= 3 ? rare : byRarity.slice(0, 3);
}
