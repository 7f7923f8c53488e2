// Anti-bot purchase tokens: issued to one user for one session before it starts, checked at the
// moment of buying. Stateless (HMAC with the session's own secret), so every server can check
// them without a lookup. Pure.
import { createHmac, timingSafeEqual } from 'node:crypto';

const mac = (secret: string, sessionId: string, userId: string, exp: number) => createHmac('sha256', secret).update(`${sessionId}\n${userId}\n${exp}`).digest('base64url');

export function issueToken(secret: string, sessionId: string, userId: string, expiresAtS: number): string {
  return `${expiresAtS}.${mac(secret, sessionId, userId, expiresAtS)}`;
}

export function checkToken(secret: string, sessionId: string, userId: string, token: string, nowS: number): boolean {
  const m = /^(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!m) return false;
  const exp = Number(m[1]);
  if (exp < nowS) return false;
  const a = Buffer.from(mac(secret, sessionId, userId, exp));
  const b = Buffer.from(m[2]!);
  return a.length === b.length && timingSafeEqual(a, b);
}
