// Survey analytics, pure: scale summaries, NPS and CSAT, and CSV cells.

export type Distribution = Map<number, number>;

export function scaleSummary(dist: Distribution): { count: number; average: number | null } {
  let n = 0;
  let sum = 0;
  for (const [v, c] of dist) {
    n += c;
    sum += v * c;
  }
  return { count: n, average: n ? Math.round((sum / n) * 100) / 100 : null };
}

/** Net Promoter Score: % promoters (9-10) minus % detractors (0-6), -100 … 100. */
export function nps(dist: Distribution): { promoters: number; passives: number; detractors: number; score: number | null } {
  let p = 0;
  let pa = 0;
  let d = 0;
  for (const [v, c] of dist) {
    if (v >= 9) p += c;
    else if (v >= 7) pa += c;
    else d += c;
  }
  const n = p + pa + d;
  return { promoters: p, passives: pa, detractors: d, score: n ? Math.round(((p - d) / n) * 1000) / 10 : null };
}

/** Customer satisfaction: share of 4s and 5s on the 1-5 scale, in percent. */
export function csat(dist: Distribution): { satisfied: number; percent: number | null } {
  let s = 0;
  let n = 0;
  for (const [v, c] of dist) {
    n += c;
    if (v >= 4) s += c;
  }
  return { satisfied: s, percent: n ? Math.round((s / n) * 1000) / 10 : null };
}


