// A sensitive-word matcher (Aho–Corasick) that handles Chinese text: one pass over the message
// finds every listed word, however many words there are. Matching ignores case, full-width forms
// (NFKC) and anything that is not a letter or digit between the characters of a word, so "傻 *逼"
// and "ＢＡＤ" are caught; the span found in the original text is masked. Pure.

type Node = { next: Map<string, number>; fail: number; /** lengths (in normalised chars) of words ending here */ out: number[] };

const LETTER = /[\p{L}\p{N}]/u;

/** The normalised characters of `text` and, for each, its index in the original's code points. */
function normalise(text: string): { chars: string[]; at: number[]; points: string[] } {
  const points = Array.from(text);
  const chars: string[] = [];
  const at: number[] = [];
  points.forEach((p, i) => {
    for (const c of Array.from(p.normalize('NFKC').toLowerCase())) {
      if (!LETTER.test(c)) continue;
      chars.push(c);
      at.push(i);
    }
  });
  return { chars, at, points };
}

export const normaliseWord = (w: string): string => normalise(w).chars.join('');

export type Match = { start: number; end: number };

export class WordMatcher {
  private readonly nodes: Node[] = [{ next: new Map(), fail: 0, out: [] }];
  readonly size: number;

  constructor(words: Iterable<string>) {
    let n = 0;
    for (const w of words) {
      const chars = Array.from(normaliseWord(w));
      if (chars.length === 0) continue;
      let s = 0;
      for (const c of chars) {
        let t = this.nodes[s]!.next.get(c);
        if (t === undefined) {
          t = this.nodes.length;
          this.nodes.push({ next: new Map(), fail: 0, out: [] });
          this.nodes[s]!.next.set(c, t);
        }
        s = t;
      }
      if (!this.nodes[s]!.out.includes(chars.length)) this.nodes[s]!.out.push(chars.length);
      n++;
    }
    this.size = n;
    // Breadth-first: each node's failure link is the longest proper suffix that is also a prefix.
    const queue: number[] = [];
    for (const t of this.nodes[0]!.next.values()) queue.push(t);
    while (queue.length > 0) {
      const s = queue.shift()!;
      for (const [c, t] of this.nodes[s]!.next) {
        let f = this.nodes[s]!.fail;
        while (f !== 0 && !this.nodes[f]!.next.has(c)) f = this.nodes[f]!.fail;
        const g = this.nodes[f]!.next.get(c);
        this.nodes[t]!.fail = g !== undefined && g !== t ? g : 0;
        this.nodes[t]!.out.push(...this.nodes[this.nodes[t]!.fail]!.out);
        queue.push(t);
      }
    }
  }

  /** Every occurrence, as code-point spans [start, end] (inclusive) of the original text. */
  find(text: string): Match[] {
    if (this.size === 0) return [];
    const { chars, at } = normalise(text);
    const out: Match[] = [];
    let s = 0;
    for (let i = 0; i < chars.length; i++) {
      const c = chars[i]!;
      while (s !== 0 && !this.nodes[s]!.next.has(c)) s = this.nodes[s]!.fail;
      s = this.nodes[s]!.next.get(c) ?? 0;
      for (const len of this.nodes[s]!.out) out.push({ start: at[i - len + 1]!, end: at[i]! });
    }
    return out;
  }

  /** The text with every match masked (letters and digits in the span become `mask`). */
  mask(text: string, mask = '*'): { text: string; matched: boolean } {
    const matches = this.find(text);
    if (matches.length === 0) return { text, matched: false };
    const points = Array.from(text);
    for (const m of matches) for (let i = m.start; i <= m.end; i++) if (LETTER.test(points[i]!.normalize('NFKC'))) points[i] = mask;
    return { text: points.join(''), matched: true };
  }
}
