import { createHash, randomFillSync } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

// CSPRNG bytes drawn 4 KiB at a time and each used once (as crypto.randomUUID does with its own
// cache): an id no longer costs a call into OpenSSL, which profiles showed on every reservation.
const pool = Buffer.alloc(4096);
let at = pool.length;

/** Uniform base62 string from a CSPRNG (rejection sampling avoids modulo bias). */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    if (at === pool.length) {
      randomFillSync(pool);
      at = 0;
    }
    const b = pool[at++]!;
    if (b < 248) out += ALPHABET[b % 62];
  }
  return out;
}

/** Prefixed, sortable-enough opaque id: `app_3kF…`. */
export function newId(prefix: string): string {
  return `${prefix}_${randomBase62(20)}`;
}

export function sha256(input: string): string {
  return createHash('sha256').update(input).digest('hex');
}
