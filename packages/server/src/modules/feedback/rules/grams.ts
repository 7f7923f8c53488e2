// Similar-post suggestions without a search engine and without pg_trgm: titles become "grams",
// stored in an inverted index table and compared with IDF weights.
//   Chinese, Japanese, Korean text has no spaces: each run of CJK characters becomes its
//   character bigrams (希望增加夜间模式 → 希望 望增 增加 加夜 夜间 间模 模式), a one-character run
//   stays a unigram. Latin text becomes lower-cased words (a plural "s" dropped), digits included.
// Very common filler (English stop words, bigrams made only of function characters) is dropped.

const CJK = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]/u;
const RUN = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]+|[\p{L}\p{N}]+/gu;

const EN_STOP = new Set(
  'a an and are as at be but by can could do does for from have how i if in into is it its me my no not of on or our please should so that the their them there this to us was we what when where which why will with would you your add make get want need support allow feature request'.split(' '),
);
const ZH_FUNCTION = new Set([...'的了吗呢吧啊呀和与或在是有我你他她它们这那就也都还请能否可以会要想让把被给对个么什怎样']);

function stem(w: string): string {
  if (w.length > 4 && w.endsWith('ies')) return `${w.slice(0, -3)}y`;
  if (w.length > 3 && w.endsWith('s') && !w.endsWith('ss')) return w.slice(0, -1);
  return w;
}

/** Distinct grams of a text, in first-seen order; at most `max` of them. */
export function grams(text: string, max = 64): string[] {
  const out = new Set<string>();
  for (const m of text.normalize('NFKC').toLowerCase().matchAll(RUN)) {
    const run = m[0];
    if (CJK.test(run[0]!)) {
      const chars = [...run];
      if (chars.length === 1) {
        if (!ZH_FUNCTION.has(chars[0]!)) out.add(chars[0]!);
        continue;
      }
      for (let i = 0; i + 1 < chars.length; i++) {
        if (ZH_FUNCTION.has(chars[i]!) && ZH_FUNCTION.has(chars[i + 1]!)) continue;
        out.add(chars[i]! + chars[i + 1]!);
      }
    } else {
      if (run.length < 2 && !/\d/.test(run)) continue;
      if (EN_STOP.has(run)) continue;
      out.add(stem(run));
    }
    if (out.size >= max) break;
  }
  return [...out].slice(0, max);
}

/** Inverse document frequency: rare grams say more about a post than common ones. */
export function idf(totalPosts: number, docFreq: number): number {
  return Math.log(1 + totalPosts / Math.max(1, docFreq));
}

/**
 * Score of a candidate: the IDF-weighted share of the query's grams it contains, discounted a
 * little by how much of the candidate the query does not cover (so a short exact match beats a
 * long title that merely mentions the words). 0 … 1. Query grams missing from `weights` count
 * for nothing.
 */
export function similarity(query: readonly string[], weights: ReadonlyMap<string, number>, matched: readonly string[], candidateGramCount: number): number {
  let total = 0;
  for (const g of query) total += weights.get(g) ?? 0;
  if (total === 0) return 0;
  let hit = 0;
  for (const g of matched) hit += weights.get(g) ?? 0;
  const recall = hit / total;
  const precision = candidateGramCount > 0 ? matched.length / candidateGramCount : 0;
  return recall * (0.75 + 0.25 * precision);
}
