// @canyu/sdk/node: for the host app's backend. The typed client with the secret key, end-user
// tokens signed exactly as the server verifies them, and webhook signatures checked exactly as the
// server signs them. Uses node:crypto; never import this file into a browser bundle.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createClient, type CanyuApi, type ClientOptions } from './client.ts';
import { CanyuError } from './errors.ts';

export * from './index.ts';

export type ServerClientOptions = Omit<ClientOptions, 'authorize' | 'onUserTokenRefused'> & {
  /** `sk_…`: never ship it to a browser. */
  secretKey: string;
};

/** The typed API acting for the whole app (secret key). */
export function createServerClient(o: ServerClientOptions): CanyuApi {
  const { secretKey, ...rest } = o;
  return createClient({ ...rest, authorize: (h) => h.set('authorization', `Bearer ${secretKey}`) });
}

const b64url = (s: string) => Buffer.from(s).toString('base64url');

/**
 * An end-user token for the browser SDK (`X-User-Token`): an HS256 JWT `{ sub: userId, iat, exp }`
 * signed with the app's secret key, the form the server verifies (tenancy's verifyUserToken). The
 * server refuses lifetimes over CANYU_USER_TOKEN_MAX_TTL (default 86400 s).
 */
export function signUserToken(userId: string, secretKey: string, ttlSeconds = 3600, opts: { now?: Date; keyId?: string } = {}): string {
  if (typeof userId !== 'string' || userId.length === 0 || userId.length > 255 || /[\u0000-\u001f\u007f]/.test(userId)) {
    throw new TypeError('userId must be 1-255 characters without control characters');
  }
  if (!secretKey.startsWith('sk_')) throw new TypeError('secretKey must be the app secret key (sk_…)');
  if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0) throw new TypeError('ttlSeconds must be a positive whole number of seconds');
  const iat = Math.floor((opts.now ?? new Date()).getTime() / 1000);
  const header = b64url(JSON.stringify(opts.keyId ? { alg: 'HS256', typ: 'JWT', kid: opts.keyId } : { alg: 'HS256', typ: 'JWT' }));
  const claims = b64url(JSON.stringify({ sub: userId, iat, exp: iat + ttlSeconds }));
  const sig = createHmac('sha256', secretKey).update(`${header}.${claims}`).digest('base64url');
  return `${header}.${claims}.${sig}`;
}

/** A webhook delivery as Canyu sends it. */
export type WebhookEvent<T = Record<string, unknown>> = { id: string; type: string; app_id: string; created_at?: string; data: T; [k: string]: unknown };

type HeaderSource = Headers | Record<string, string | string[] | undefined>;

function header(h: HeaderSource, name: string): string | undefined {
  if (typeof (h as Headers).get === 'function') return (h as Headers).get(name) ?? undefined;
  const rec = h as Record<string, string | string[] | undefined>;
  const v = rec[name] ?? Object.entries(rec).find(([k]) => k.toLowerCase() === name)?.[1];
  return Array.isArray(v) ? v[0] : v;
}

const refuse = (code: string, message: string) => new CanyuError({ code, message, status: 400 });

/**
 * Checks a webhook delivery and returns its parsed body. `Canyu-Signature: t=<unix s>,v1=<hex>[,v1=…]`
 * where v1 = HMAC-SHA256(secret, `${t}.${rawBody}`); two v1 values appear while a rotated secret
 * is in its grace period. Pass the body exactly as received (before any JSON parsing). Throws
 * CanyuError `webhook.signature_malformed`, `webhook.timestamp_out_of_tolerance` or
 * `webhook.signature_mismatch`.
 */
export function verifyWebhook<T = Record<string, unknown>>(rawBody: string | Buffer | Uint8Array, headers: HeaderSource, secret: string, opts: { toleranceSeconds?: number; now?: Date } = {}): WebhookEvent<T> {
  const body = typeof rawBody === 'string' ? rawBody : Buffer.from(rawBody).toString('utf8');
  const sigHeader = header(headers, 'canyu-signature');
  if (!sigHeader) throw refuse('webhook.signature_malformed', 'The Canyu-Signature header is missing');
  let t: number | null = null;
  const sigs: string[] = [];
  for (const part of sigHeader.split(',')) {
    const [k, v] = part.trim().split('=', 2);
    if (k === 't' && v && /^\d+$/.test(v)) t = Number(v);
    else if (k === 'v1' && v && /^[0-9a-f]{64}$/.test(v)) sigs.push(v);
  }
  if (t === null || sigs.length === 0) throw refuse('webhook.signature_malformed', 'Canyu-Signature must be "t=<unix seconds>,v1=<hex>"');
  const nowS = Math.floor((opts.now ?? new Date()).getTime() / 1000);
  if (Math.abs(nowS - t) > (opts.toleranceSeconds ?? 300)) throw refuse('webhook.timestamp_out_of_tolerance', `The signature timestamp is ${nowS - t}s away from now: a replay, or a clock that is off`);
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest();
  if (!sigs.some((s) => timingSafeEqual(expected, Buffer.from(s, 'hex')))) throw refuse('webhook.signature_mismatch', 'No signature matches this secret and body');
  try {
    return JSON.parse(body) as WebhookEvent<T>;
  } catch {
    throw refuse('webhook.invalid_body', 'The body is not JSON');
  }
}
