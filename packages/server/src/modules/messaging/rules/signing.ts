// Signed, login-free links: unsubscribe and click tracking. A token is base64url(JSON) + "." +
// HMAC-SHA256 over it with the app's messaging signing secret. Pure.
import { createHmac, timingSafeEqual } from 'node:crypto';

const mac = (body: string, secret: string) => createHmac('sha256', secret).update(body).digest('base64url');

export function signToken(payload: Record<string, unknown>, secret: string): string {
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${body}.${mac(body, secret)}`;
}

/** The payload without checking the signature (to find the app whose secret verifies it), or null. */
export function peekToken(token: string): Record<string, unknown> | null {
  const dot = token.indexOf('.');
  if (dot <= 0 || token.length > 2048) return null;
  try {
    const v: unknown = JSON.parse(Buffer.from(token.slice(0, dot), 'base64url').toString('utf8'));
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

export function verifyToken(token: string, secret: string): boolean {
  const dot = token.indexOf('.');
  if (dot <= 0) return false;
  const expected = Buffer.from(mac(token.slice(0, dot), secret));
  const given = Buffer.from(token.slice(dot + 1));
  return expected.length === given.length && timingSafeEqual(expected, given);
}
