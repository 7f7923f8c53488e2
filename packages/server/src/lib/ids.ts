import { randomBytes, createHash } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Uniform base62 string from a CSPRNG (rejection sampling avoids modulo bias). */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const b of randomBytes(length * 2)) {
      if (b < 248) out += ALPHABET[b % 62];
      if (out.length === length) break;
    }
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
