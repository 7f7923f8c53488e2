import { randomBase62 } from '../../../lib/ids.ts';

export type KeyKind = 'secret' | 'publishable';
export const KEY_PREFIX: Record<KeyKind, string> = { secret: 'sk_', publishable: 'pk_' };
export const SESSION_PREFIX = 'ops_';

export function generateKey(kind: KeyKind): string {
  return `${KEY_PREFIX[kind]}${randomBase62(kind === 'secret' ? 40 : 32)}`;
}

export function generateSessionToken(): string {
  return `${SESSION_PREFIX}${randomBase62(40)}`;
}

/** What a key looks like in lists: enough to recognise it, useless to an attacker. */
export function keyHint(key: string): string {
  return `${key.slice(0, 7)}…${key.slice(-4)}`;
}

export function kindOfKey(raw: string): KeyKind | null {
  if (raw.startsWith('sk_')) return 'secret';
  if (raw.startsWith('pk_')) return 'publishable';
  return null;
}
