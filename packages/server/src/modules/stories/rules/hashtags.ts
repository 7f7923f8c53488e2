// Hashtags in user posts, as Chinese and Western apps write them:
//   Weibo style, closed:   #星巴克猫爪杯# 太可爱了     → 星巴克猫爪杯
//   Twitter style, open:   Loving my #StarbucksCup!    → starbuckscup
// Full-width ＃ counts (NFKC), letters are lower-cased, so "#StarbucksCup" and "#starbuckscup" match.

const WORD = /^[\p{L}\p{N}_]+/u;
const MAX = 50;

export function normalizeTag(tag: string): string {
  return tag.normalize('NFKC').replace(/^#+|#+$/g, '').trim().toLowerCase();
}

export function hashtags(text: string): string[] {
  const s = text.normalize('NFKC');
  const out = new Set<string>();
  let i = s.indexOf('#');
  while (i !== -1 && i < s.length - 1) {
    const close = s.indexOf('#', i + 1);
    const inner = close === -1 ? null : s.slice(i + 1, close);
    if (inner && inner.length <= MAX && !/\s/.test(inner)) {
      out.add(normalizeTag(inner));
      i = s.indexOf('#', close + 1);
      continue;
    }
    const m = WORD.exec(s.slice(i + 1));
    if (m && m[0].length <= MAX) out.add(m[0].toLowerCase());
    i = close;
  }
  return [...out];
}
