// Sensitive-word filter: Aho–Corasick multi-pattern matching, one pass over the text whatever the
// size of the word list.
//
// Text and words are compared after normalisation, one code point at a time: NFKC (full-width
// "ＡＢＣ" → "abc", compatibility forms), lower case, and with punctuation, spaces, zero-width
// characters and math/currency symbols skipped, so "敏 感 词", "敏-感-词" and "s.h.i.t" match "敏感词" and "shit".
// Emoji (and their variation selectors, ZWJ and tags) are skipped between the characters of a word,
// so "敏😀感" matches "敏感"; an emoji listed as a word of its own still matches (a second pass keeps them).
// Chinese needs no word boundaries (there are no spaces to find them by). Words written in Latin
// letters and digits match only as whole words, so "ass" does not flag "class" or "passion".
// Masking replaces every character of the matched span (skipped ones included) with "*".

type Unit = { ch: string; start: number; end: number };

// Punctuation, separators, controls, zero-width/format characters and math/currency/modifier
// symbols are skipped; other symbols (emoji among them) are significant, so they can be listed.
const NOISE = /^[\p{P}\p{Z}\p{Cc}\p{Cf}\p{Sm}\p{Sc}\p{Sk}]+$/u;
const LATIN = /^[\p{Script=Latin}\p{Nd}]$/u;
// Variation selectors, the keycap mark and tag characters decorate emoji: never significant.
const DECORATION = /^[\uFE00-\uFE0F\u20E3\u{E0020}-\u{E007F}\u{E0100}-\u{E01EF}]$/u;
// Emoji proper: significant when listed, skipped when they sit between a word's characters.
const EMOJI = /^[\p{Extended_Pictographic}\p{Regional_Indicator}]$/u;

/** The text as normalised units, each remembering its range in the original string. */
function units(text: string, skipEmoji = false): Unit[] {
  const out: Unit[] = [];
  let i = 0;
  for (const cp of text) {
    const start = i;
    i += cp.length;
    const norm = cp.normalize('NFKC').toLowerCase();
    if (norm === '' || NOISE.test(norm)) continue;
    for (const ch of norm) if (!NOISE.test(ch) && !DECORATION.test(ch) && !(skipEmoji && EMOJI.test(ch))) out.push({ ch, start, end: i });
  }
  return out;
}

const hasEmoji = (text: string) => /[\p{Extended_Pictographic}\p{Regional_Indicator}]/u.test(text);

export function normaliseWord(word: string): string {
  return units(word)
    .map((u) => u.ch)
    .join('');
}

type Node = { next: Map<string, number>; fail: number; out: number[] };
type Pattern = { word: string; length: number; wholeWord: boolean };

export type FilterMatch = { word: string; start: number; end: number };

export type WordFilter = {
  readonly size: number;
  /** Every occurrence, with its [start, end) range in the original text. */
  scan(text: string): FilterMatch[];
  /** The text with each matched span replaced by "*" per character, and the distinct words found. */
  mask(text: string): { text: string; words: string[] };
};

export function compileFilter(words: readonly string[]): WordFilter {
  const nodes: Node[] = [{ next: new Map(), fail: 0, out: [] }];
  const patterns: Pattern[] = [];
  const seen = new Set<string>();
  for (const raw of words) {
    const chars = [...normaliseWord(raw)];
    const word = chars.join('');
    if (chars.length === 0 || seen.has(word)) continue;
    seen.add(word);
    let n = 0;
    for (const ch of chars) {
      let to = nodes[n]!.next.get(ch);
      if (to === undefined) {
        to = nodes.length;
        nodes.push({ next: new Map(), fail: 0, out: [] });
        nodes[n]!.next.set(ch, to);
      }
      n = to;
    }
    nodes[n]!.out.push(patterns.length);
    patterns.push({ word, length: chars.length, wholeWord: chars.every((c) => LATIN.test(c)) });
  }

  // Failure links, breadth first; each node's outputs include those of its failure chain.
  const queue: number[] = [];
  for (const to of nodes[0]!.next.values()) queue.push(to);
  for (let qi = 0; qi < queue.length; qi++) {
    const n = queue[qi]!;
    for (const [ch, to] of nodes[n]!.next) {
      let f = nodes[n]!.fail;
      while (f !== 0 && !nodes[f]!.next.has(ch)) f = nodes[f]!.fail;
      const target = nodes[f]!.next.get(ch);
      nodes[to]!.fail = target !== undefined && target !== to ? target : 0;
      nodes[to]!.out.push(...nodes[nodes[to]!.fail]!.out);
      queue.push(to);
    }
  }

  const isLatinNeighbour = (u: Unit | undefined, adjacentAt: number, before: boolean) => u !== undefined && LATIN.test(u.ch) && (before ? u.end === adjacentAt : u.start === adjacentAt);

  function scan(text: string): FilterMatch[] {
    if (patterns.length === 0) return [];
    const found = scanUnits(units(text));
    if (!hasEmoji(text)) return found;
    // Again with emoji skipped, for words spelt around them; a match both passes find counts once.
    const seenAt = new Set(found.map((m) => `${m.word}\u0000${m.start}\u0000${m.end}`));
    for (const m of scanUnits(units(text, true))) {
      const k = `${m.word}\u0000${m.start}\u0000${m.end}`;
      if (!seenAt.has(k)) {
        seenAt.add(k);
        found.push(m);
      }
    }
    return found;
  }

  function scanUnits(us: Unit[]): FilterMatch[] {
    const found: FilterMatch[] = [];
    let n = 0;
    for (let i = 0; i < us.length; i++) {
      const ch = us[i]!.ch;
      while (n !== 0 && !nodes[n]!.next.has(ch)) n = nodes[n]!.fail;
      n = nodes[n]!.next.get(ch) ?? 0;
      for (const p of nodes[n]!.out) {
        const pat = patterns[p]!;
        const first = us[i - pat.length + 1]!;
        const last = us[i]!;
        // A Latin word must not continue into adjacent letters ("class" is not "ass").
        if (pat.wholeWord && (isLatinNeighbour(us[i - pat.length], first.start, true) || isLatinNeighbour(us[i + 1], last.end, false))) continue;
        found.push({ word: pat.word, start: first.start, end: last.end });
      }
    }
    return found;
  }

  return {
    size: patterns.length,
    scan,
    mask(text) {
      const matches = scan(text);
      if (matches.length === 0) return { text, words: [] };
      const masked = new Uint8Array(text.length);
      for (const m of matches) masked.fill(1, m.start, m.end);
      let out = '';
      let i = 0;
      for (const cp of text) {
        out += masked[i] ? '*' : cp;
        i += cp.length;
      }
      return { text: out, words: [...new Set(matches.map((m) => m.word))] };
    },
  };
}
