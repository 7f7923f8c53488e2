// Webhook signatures, Stripe-style: `Canyu-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>]` where
// each v1 is HMAC-SHA256(secret, `${t}.${body}`). Two v1 values appear while a rotated secret is
// still in its grace period. Pure: no I/O.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'canyu-signature';

export function sign(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

export function signatureHeader(secrets: string[], timestamp: number, body: string): string {
  return [`t=${timestamp}`, ...secrets.map((s) => `v1=${sign(s, timestamp, body)}`)].join(',');
}

export type VerifyResult = { ok: true; timestamp: number } | { ok: false; reason: 'malformed' | 'too_old' | 'mismatch' };

/**
 * What a receiver does: parse the header, refuse timestamps further than `toleranceS` from `now`
 * (replays), and compare each v1 in constant time.
 */
export function verify(secret: string, header: string, body: string, nowS: number, toleranceS = 300): VerifyResult {
  let t: number | null = null;
  const sigs: string[] = [];
  for (const part of header.split(',')) {
    const [k, v] = part.split('=', 2);
    if (k === 't' && v && /^\d+$/.test(v)) t = Number(v);
    else if (k === 'v1' && v && /^[0-9a-f]{64}$/.test(v)) sigs.push(v);
  }
  if (t === null || sigs.length === 0) return { ok: false, reason: 'malformed' };
  if (Math.abs(nowS - t) > toleranceS) return { ok: false, reason: 'too_old' };
  const expected = Buffer.from(sign(secret, t, body), 'hex');
  for (const s of sigs) if (timingSafeEqual(expected, Buffer.from(s, 'hex'))) return { ok: true, timestamp: t };
  return { ok: false, reason: 'mismatch' };
}
