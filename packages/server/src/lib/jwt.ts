// Minimal HS256 JSON Web Tokens: all Canyu needs for end-user tokens, with no dependency.
import { createHmac, timingSafeEqual } from 'node:crypto';

export type JwtClaims = { sub: string; exp: number; iat?: number; [k: string]: unknown };

const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');

export function signHs256(claims: JwtClaims, secret: string, kid?: string): string {
  const header = kid ? Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid })).toString('base64url') : HEADER;
  const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const sig = createHmac('sha256', secret).update(`${header}.${body}`).digest('base64url');
  return `${header}.${body}.${sig}`;
}

export type DecodedJwt = { header: { alg?: unknown; kid?: unknown }; claims: Record<string, unknown>; signingInput: string; signature: Buffer };

/**
 * Strict base64url (RFC 7515 §2): no padding, no characters outside the alphabet, and canonical
 * (re-encoding gives back the same text, so unused trailing bits are zero). Node's decoder alone
 * silently skips '=', '+', '/' and junk, so two different strings could carry one token.
 */
function strictBase64url(part: string): Buffer | null {
  if (!/^[A-Za-z0-9_-]*$/.test(part) || part.length % 4 === 1) return null;
  const buf = Buffer.from(part, 'base64url');
  return buf.toString('base64url') === part ? buf : null;
}

/** Parses without verifying; null when the token is not a well-formed JWT. */
export function decodeJwt(token: string): DecodedJwt | null {
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  const [h, c, s] = parts.map(strictBase64url);
  if (!h || !c || !s) return null;
  try {
    const header = JSON.parse(h.toString('utf8')) as unknown;
    const claims = JSON.parse(c.toString('utf8')) as unknown;
    if (!header || typeof header !== 'object' || !claims || typeof claims !== 'object' || Array.isArray(claims)) return null;
    return { header: header as DecodedJwt['header'], claims: claims as Record<string, unknown>, signingInput: `${parts[0]}.${parts[1]}`, signature: s };
  } catch {
    return null;
  }
}

export function hs256Matches(decoded: DecodedJwt, secret: string): boolean {
  const expected = createHmac('sha256', secret).update(decoded.signingInput).digest();
  return expected.length === decoded.signature.length && timingSafeEqual(expected, decoded.signature);
}
