// Secrets never reach the audit log, whatever a caller passes as before/after: values under
// secret-looking names are replaced, credentials inside URLs (an SMTP relay's password) are masked,
// and strings that are Canyu credentials (sk_/pk_ keys, ops_ sessions, whsec_ signing secrets)
// keep only a hint. Pure, so the rule is tested on its own.

export const REDACTED = '[redacted]';

/** Field names whose values are credentials (snake or camel case). */
const SECRET_NAME = /(secret|password|passwd|passphrase|token|credential|private_?key|api_?key|authorization)/i;
/** Credentials Canyu issues, recognisable by their prefix. */
const CREDENTIAL = /^(sk|pk|ops|whsec)_[A-Za-z0-9_-]{8,}$/;
/** scheme://user:password@host… */
const URL_PASSWORD = /^([a-z][a-z0-9+.-]*:\/\/[^/:@\s]*):([^@/\s]+)@/i;

const MAX_DEPTH = 20;

export function redact(value: unknown, depth = 0): unknown {
  if (depth > MAX_DEPTH) return REDACTED;
  if (typeof value === 'string') {
    if (CREDENTIAL.test(value)) return `${value.slice(0, value.indexOf('_') + 1)}…${value.slice(-4)}`;
    return value.replace(URL_PASSWORD, `$1:${REDACTED}@`);
  }
  if (value instanceof Date) return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = SECRET_NAME.test(k) && v !== null && v !== undefined && typeof v !== 'boolean' ? REDACTED : redact(v, depth + 1);
    return out;
  }
  return value;
}
