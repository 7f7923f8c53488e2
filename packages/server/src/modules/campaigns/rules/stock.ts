// Bucketed stock: an item's units are spread over several rows so that concurrent buyers lock
// different rows instead of queueing behind one. Pure.

/** How many buckets an item gets by default: enough rows for concurrency, never more than units. */
export function defaultBuckets(stock: number): number {
  return Math.max(1, Math.min(stock, 32));
}

/** Units per bucket, as even as possible, the first buckets taking the remainder. */
export function splitStock(stock: number, buckets: number): number[] {
  const n = Math.max(1, Math.min(buckets, Math.max(stock, 1)));
  const base = Math.floor(stock / n);
  const extra = stock % n;
  return Array.from({ length: n }, (_, i) => base + (i < extra ? 1 : 0));
}
