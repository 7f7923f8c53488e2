// Weighted prize selection and the published odds. Pure: the roll comes from the caller
// (node:crypto randomInt), so the mapping from roll to prize can be audited and tested.

export type Weighted = { id: string; weight: number };

export function totalWeight(prizes: readonly Weighted[]): number {
  return prizes.reduce((s, p) => s + p.weight, 0);
}

/**
 * The prize a roll in [0, total) lands on: prizes occupy consecutive ranges of their weight in
 * the given order, so P(prize) = weight / total exactly.
 */
export function pick<P extends Weighted>(prizes: readonly P[], roll: number): P {
  let acc = 0;
  for (const p of prizes) {
    acc += p.weight;
    if (roll < acc) return p;
  }
  throw new RangeError(`roll ${roll} is outside [0, ${acc})`);
}

/** The odds as configured: weight / total, also as a percentage string with two decimals. */
export function odds<P extends Weighted>(prizes: readonly P[]): (P & { probability: number; percent: string })[] {
  const total = totalWeight(prizes);
  return prizes.map((p) => {
    const probability = total === 0 ? 0 : p.weight / total;
    return { ...p, probability, percent: `${(probability * 100).toFixed(2)}%` };
  });
}
