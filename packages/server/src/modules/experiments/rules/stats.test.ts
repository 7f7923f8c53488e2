// The statistics against values from tables and textbook examples (each value's source beside it).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assign, expectedShares, HOLDOUT } from './assign.ts';
import { chiSquareP, normalCdf, sampleRatio, tCdf, tQuantile, twoProportion, welch } from './stats.ts';

const near = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

describe('distribution functions', () => {
  it('normal CDF (standard normal table)', () => {
    near(normalCdf(0), 0.5, 1e-12, 'Φ(0)');
    near(normalCdf(1.959963984540054), 0.975, 1e-9, 'Φ(1.96)');
    near(normalCdf(-1), 0.15865525393145707, 1e-9, 'Φ(-1)');
    near(normalCdf(3), 0.9986501019683699, 1e-9, 'Φ(3)');
  });
  it('t CDF and quantiles (Student t table)', () => {
    near(tCdf(2.228138851986522, 10), 0.975, 1e-7, 't(0.975, 10)');
    near(tCdf(1.812461122811676, 10), 0.95, 1e-7, 't(0.95, 10)');
    near(tQuantile(0.975, 30), 2.042272456301238, 1e-6, 't quantile df 30');
    near(tQuantile(0.975, 1), 12.706204736174698, 1e-5, 't quantile df 1');
    near(tCdf(-2, 5), 0.05096973941492914, 1e-8, 't(-2, 5)');
  });
  it('chi-square upper tail (chi-square table)', () => {
    near(chiSquareP(3.841458820694124, 1), 0.05, 1e-8, 'χ²(1) 0.05');
    near(chiSquareP(5.991464547107979, 2), 0.05, 1e-8, 'χ²(2) 0.05');
    near(chiSquareP(10.827566170662733, 1), 0.001, 1e-8, 'χ²(1) 0.001');
  });
});

describe('tests', () => {
  it('two proportions: 200/1000 vs 250/1000 (z = 2.677, p = 0.0074)', () => {
    const r = twoProportion({ x: 200, n: 1000 }, { x: 250, n: 1000 })!;
    near(r.difference, 0.05, 1e-12, 'diff');
    near(r.pValue, 0.007419, 2e-6, 'p');
    // unpooled se = sqrt(.2*.8/1000 + .25*.75/1000) = 0.018641; CI = 0.05 ± 1.96 × 0.018641
    near(r.ci95[0], 0.05 - 1.959964 * 0.0186413, 1e-5, 'ci low');
    near(r.ci95[1], 0.05 + 1.959964 * 0.0186413, 1e-5, 'ci high');
    assert.equal(twoProportion({ x: 0, n: 0 }, { x: 1, n: 2 }), null);
  });
  it("Welch's t: means 20 and 22, variances 4 and 9, 10 and 12 users (t = 1.865, df = 19.19, p ≈ 0.0775)", () => {
    const r = welch({ mean: 20, variance: 4, n: 10 }, { mean: 22, variance: 9, n: 12 })!;
    // se = sqrt(0.4 + 0.75) = 1.07238; t = 1.86501; df = 1.3225 / (0.16 / 9 + 0.5625 / 11) = 19.19;
    // by the t table, t(0.95, 19) = 1.729 < 1.865 < t(0.975, 19) = 2.093, so 0.05 < p < 0.10.
    const a = 0.4;
    const b = 0.75;
    const df = (a + b) ** 2 / (a ** 2 / 9 + b ** 2 / 11);
    near(r.df, df, 1e-9, 'df');
    near(r.pValue, 2 * (1 - tCdf(2 / Math.sqrt(1.15), df)), 1e-12, 'p');
    near(r.df, 19.19, 0.01, 'df by hand');
    assert.ok(r.pValue > 0.05 && r.pValue < 0.1, 'p between the table values');
    near(r.pValue, 0.0775, 5e-4, 'p');
    assert.ok(r.ci95[0] < 0 && r.ci95[1] > 0, 'the interval spans 0 when p > 0.05');
  });
  it('sample-ratio mismatch: 5,000 / 5,000 is fine, 5,200 / 4,800 is flagged', () => {
    const shares = new Map([['a', 0.5], ['b', 0.5]]);
    assert.equal(sampleRatio(new Map([['a', 5000], ['b', 5000]]), shares).mismatch, false);
    const r = sampleRatio(new Map([['a', 5200], ['b', 4800]]), shares);
    near(r.chiSquare, 16, 1e-9, 'χ²');
    assert.equal(r.mismatch, true);
  });
});

describe('assignment', () => {
  it('is sticky, follows the weights and the holdout share on 10,000 users', () => {
    const variants = [{ key: 'control', weight: 1 }, { key: 'b', weight: 3 }];
    const counts = new Map<string, number>();
    for (let i = 0; i < 10_000; i++) {
      const v = assign('salt-1', `u${i}`, variants, 10);
      assert.equal(assign('salt-1', `u${i}`, variants, 10), v);
      counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    const srm = sampleRatio(counts, expectedShares(variants, 10));
    assert.equal(srm.mismatch, false, JSON.stringify([...counts]));
    near(counts.get(HOLDOUT)! / 10_000, 0.1, 0.015, 'holdout');
    near(counts.get('b')! / 10_000, 0.675, 0.02, 'b');
    assert.notEqual(assign('salt-2', 'u1', variants, 10) + assign('salt-2', 'u2', variants, 10) + assign('salt-2', 'u3', variants, 10), undefined);
  });
});
