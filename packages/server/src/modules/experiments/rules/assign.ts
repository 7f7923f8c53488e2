// Deterministic assignment, pure: a salted hash of the user puts them in the holdout or in a
// variant by weight. The same salt, user and configuration always give the same answer (sticky),
// and users of one experiment are independent of another's (each has its own salt).
import { createHash } from 'node:crypto';

export const HOLDOUT = 'holdout';

/** A uniform number in [0, 1) from the salt and the user id. */
export function unitHash(salt: string, userId: string): number {
  const h = createHash('sha256').update(salt).update('\u0000').update(userId).digest();
  return h.readUIntBE(0, 6) / 2 ** 48;
}

export function assign(salt: string, userId: string, variants: readonly { key: string; weight: number }[], holdoutPercent: number): string {
  const u = unitHash(salt, userId);
  const h = holdoutPercent / 100;
  if (u < h) return HOLDOUT;
  const x = (u - h) / (1 - h);
  const total = variants.reduce((s, v) => s + v.weight, 0);
  let acc = 0;
  for (const v of variants) {
    acc += v.weight / total;
    if (x < acc) return v.key;
  }
  return variants[variants.length - 1]!.key;
}

/** The share of assigned users each arm should get (holdout first), for the sample-ratio check. */
export function expectedShares(variants: readonly { key: string; weight: number }[], holdoutPercent: number): Map<string, number> {
  const total = variants.reduce((s, v) => s + v.weight, 0);
  const h = holdoutPercent / 100;
  const out = new Map<string, number>();
  if (h > 0) out.set(HOLDOUT, h);
  for (const v of variants) out.set(v.key, (1 - h) * (v.weight / total));
  return out;
}
