// The statistics of an experiment report, pure, in double precision:
// - conversion: two-proportion z-test (pooled standard error for the test, unpooled for the 95%
//   interval of the difference);
// - means: Welch's t-test (unequal variances, Welch–Satterthwaite degrees of freedom; the interval
//   uses the t quantile of those degrees of freedom);
// - sample-ratio mismatch: Pearson's chi-square of the assigned counts against the configured
//   shares, flagged below p = 0.001.
// Distribution functions come from the regularized incomplete gamma and beta functions (series
// and Lentz continued fractions, as in Numerical Recipes), accurate to about 1e-10 here.

function logGamma(x: number): number {
  // Lanczos approximation (g = 7, n = 9).
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  x -= 1;
  let a = c[0]!;
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Regularized lower incomplete gamma P(a, x). */
export function gammaP(a: number, x: number): number {
  if (x <= 0) return 0;
  if (x < a + 1) {
    let sum = 1 / a;
    let term = sum;
    for (let n = 1; n < 1000; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-15) break;
    }
    return sum * Math.exp(-x + a * Math.log(x) - logGamma(a));
  }
  return 1 - gammaQcf(a, x);
}

function gammaQcf(a: number, x: number): number {
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 1000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return Math.exp(-x + a * Math.log(x) - logGamma(a)) * h;
}

/** Regularized incomplete beta I_x(a, b). */
export function betaI(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  if (x < (a + 1) / (a + b + 2)) return (front * betaCf(x, a, b)) / a;
  return 1 - (front * betaCf(1 - x, b, a)) / b;
}

function betaCf(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m < 1000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return h;
}

/** Standard normal CDF. */
export function normalCdf(z: number): number {
  const p = 0.5 * gammaP(0.5, (z * z) / 2);
  return z >= 0 ? 0.5 + p : 0.5 - p;
}

/** Student's t CDF with `df` degrees of freedom. */
export function tCdf(t: number, df: number): number {
  const tail = 0.5 * betaI(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** The t quantile (by bisection on the CDF). */
export function tQuantile(p: number, df: number): number {
  let lo = -1e3;
  let hi = 1e3;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (tCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Upper tail of the chi-square distribution. */
export const chiSquareP = (stat: number, df: number) => 1 - gammaP(df / 2, stat / 2);

export type Comparison = { difference: number; ci95: [number, number]; pValue: number } | null;

/** Treatment vs control conversion: x conversions of n users each. Null when a side has no users. */
export function twoProportion(control: { x: number; n: number }, treatment: { x: number; n: number }): Comparison {
  if (control.n === 0 || treatment.n === 0) return null;
  const p1 = control.x / control.n;
  const p2 = treatment.x / treatment.n;
  const pooled = (control.x + treatment.x) / (control.n + treatment.n);
  const sePooled = Math.sqrt(pooled * (1 - pooled) * (1 / control.n + 1 / treatment.n));
  const seDiff = Math.sqrt((p1 * (1 - p1)) / control.n + (p2 * (1 - p2)) / treatment.n);
  const diff = p2 - p1;
  const z = sePooled === 0 ? 0 : diff / sePooled;
  const zc = 1.959963984540054;
  return { difference: diff, ci95: [diff - zc * seDiff, diff + zc * seDiff], pValue: sePooled === 0 ? 1 : 2 * (1 - normalCdf(Math.abs(z))) };
}

/** Treatment vs control means (Welch): mean, sample variance and count of each side. Null below 2 users a side. */
export function welch(control: { mean: number; variance: number; n: number }, treatment: { mean: number; variance: number; n: number }): (NonNullable<Comparison> & { df: number }) | null {
  if (control.n < 2 || treatment.n < 2) return null;
  const a = control.variance / control.n;
  const b = treatment.variance / treatment.n;
  const se = Math.sqrt(a + b);
  const diff = treatment.mean - control.mean;
  if (se === 0) return { difference: diff, ci95: [diff, diff], pValue: diff === 0 ? 1 : 0, df: control.n + treatment.n - 2 };
  const df = (a + b) ** 2 / (a ** 2 / (control.n - 1) + b ** 2 / (treatment.n - 1));
  const t = diff / se;
  const q = tQuantile(0.975, df);
  return { difference: diff, ci95: [diff - q * se, diff + q * se], pValue: 2 * (1 - tCdf(Math.abs(t), df)), df };
}

/** Sample-ratio mismatch: observed counts per arm against expected shares (summing to 1). */
export function sampleRatio(observed: Map<string, number>, shares: Map<string, number>): { chiSquare: number; pValue: number; mismatch: boolean } {
  const n = [...observed.values()].reduce((s, x) => s + x, 0);
  if (n === 0 || shares.size < 2) return { chiSquare: 0, pValue: 1, mismatch: false };
  let stat = 0;
  for (const [k, share] of shares) {
    const e = n * share;
    const o = observed.get(k) ?? 0;
    stat += (o - e) ** 2 / e;
  }
  const p = chiSquareP(stat, shares.size - 1);
  return { chiSquare: stat, pValue: p, mismatch: p < 0.001 };
}
