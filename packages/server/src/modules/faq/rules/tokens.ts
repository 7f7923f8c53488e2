// Retrieval terms of a question, for Chinese without spaces and for English.
//   CJK runs become their characters (unigrams) and character bigrams: 怎么申请退款 → 申 请 退 款
//   申请 请退 退款 (question words and function characters like 怎 么 的 吗 are dropped as
//   unigrams, and bigrams made only of them). Unigrams let 退钱 meet 退款 on 退; bigrams reward
//   word order. A bigram is stored as itself; a unigram is prefixed with "1" so the two never mix.
//   Latin runs become lower-cased words with light stemming (plurals, -ing, -ed), stop words dropped.
// Known equivalents are folded to one term (rules/synonyms.ts).
// Terms are computed here, in one place, for both the stored phrases and the query: PostgreSQL
// then only compares arrays of terms (GIN), so its text-search parser and the cluster's locale
// (which may not classify CJK characters as letters) never get a say.
import { canonical } from './synonyms.ts';

const CJK = '\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af';
const CJK_CHAR = new RegExp(`[${CJK}]`, 'u');
const RUN = new RegExp(`[${CJK}]+|(?:(?![${CJK}])[\\p{L}\\p{N}])+`, 'gu');

const EN_STOP = new Set(
  (
    'a an and are as at be been but by can could did do does doing for from had has have how i if in into is it its me my no not of on or our ' +
    'please should so that the their them then there these this those to us was we were what when where which who why will with would you your ' +
    'am get got im i\'m any some just there\'s wanna want need know tell hi hello hey thanks thank'
  ).split(' '),
);
/** Characters that carry grammar or the act of asking, not the topic. */
const ZH_FUNCTION = new Set([...'的了吗呢吧啊呀哦嘛和与或在是有我你他她它们这那就也都还请能否可以会要想让把被给对个么什怎样如何为啥哪里儿些得地着过吧么呐']);

/** Light English stemming: enough for refunds/refunded/refunding → refund. */
export function stem(word: string): string {
  const w = suffixless(word);
  // arrive, arrives, arrived → arriv (as Porter does)
  return w.length > 4 && w.endsWith('e') && !/\d/.test(w) ? w.slice(0, -1) : w;
}
function suffixless(w: string): string {
  if (w.length <= 3 || /\d/.test(w)) return w;
  if (w.endsWith('ies') && w.length > 4) return `${w.slice(0, -3)}y`;
  if (w.endsWith('sses')) return w.slice(0, -2);
  if (w.endsWith('ing') && w.length > 5) return undouble(w.slice(0, -3));
  if (w.endsWith('ed') && w.length > 4) return undouble(w.endsWith('ied') ? `${w.slice(0, -3)}y` : w.slice(0, -2));
  if (w.endsWith('s') && !w.endsWith('ss') && !w.endsWith('us')) return w.slice(0, -1);
  return w;
}
function undouble(w: string): string {
  return w.length > 2 && w.at(-1) === w.at(-2) && !/[lsz]/.test(w.at(-1)!) ? w.slice(0, -1) : w;
}

/** Prefix marking a CJK unigram term (bigrams and words are stored as written). */
export const UNIGRAM = '1';
/** How much a CJK unigram counts relative to a bigram or a word. */
export const UNIGRAM_WEIGHT = 0.5;

export const isUnigram = (term: string) => term.startsWith(UNIGRAM) && term.length <= 3 && CJK_CHAR.test(term.slice(1));

/** Distinct terms of a text, in first-seen order; at most `max` of them. */
export function terms(text: string, max = 128): string[] {
  const out = new Set<string>();
  for (const m of text.normalize('NFKC').toLowerCase().matchAll(RUN)) {
    const run = m[0];
    if (CJK_CHAR.test(run[0]!)) {
      const chars = [...run];
      for (let i = 0; i < chars.length; i++) {
        const c = chars[i]!;
        if (!ZH_FUNCTION.has(c)) out.add(UNIGRAM + c);
        const d = chars[i + 1];
        if (d !== undefined && !(ZH_FUNCTION.has(c) && ZH_FUNCTION.has(d))) out.add(canonical(c + d));
      }
    } else {
      if (run.length < 2 && !/\d/.test(run)) continue;
      if (EN_STOP.has(run)) continue;
      out.add(canonical(stem(run)));
    }
    if (out.size >= max) break;
  }
  return [...out].slice(0, max);
}
