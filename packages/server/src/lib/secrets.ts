// Secrets at rest: values Canyu must be able to read back (secret keys sign and verify end-user
// tokens, webhook secrets sign deliveries, an SMTP relay URL carries a password) are stored sealed
// with AES-256-GCM under the server master key (CANYU_SECRET_KEY, or a key file generated into the
// data dir on first start). Values that only need checking (API key lookups, passwords, session
// tokens) are stored as hashes and never sealed.
//
// Sealed text: `enc:v1:<key id>:<iv>:<ciphertext>:<tag>` (base64url parts). The key id names the
// master key that sealed it, so a rotation can keep the previous key for reading
// (CANYU_SECRET_KEY_PREVIOUS) while every row is re-sealed under the new one.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const PREFIX = 'enc:v1:';

export type SecretBox = {
  /** Seals with the current master key. */
  seal(plain: string): string;
  /** Opens sealed text (under the current or a previous key); plaintext from before sealing existed passes through. */
  open(stored: string): string;
  /** True when `stored` is sealed under the current key (nothing to migrate). */
  isCurrent(stored: string): boolean;
  /** Id of the current key (8 hex characters of its SHA-256), safe to log. */
  keyId: string;
  /** How text sealed under the current key starts. */
  prefix: string;
};

/** A master key as configured: 32 bytes as 64 hex characters or as base64/base64url. */
export function parseMasterKey(text: string): Buffer | null {
  const t = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(t)) return Buffer.from(t, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(t)) {
    const b = Buffer.from(t.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''), 'base64url');
    if (b.length === 32) return b;
  }
  return null;
}

const idOf = (key: Buffer) => createHash('sha256').update(key).digest('hex').slice(0, 8);

export function createSecretBox(current: Buffer, previous: Buffer[] = []): SecretBox {
  if (current.length !== 32) throw new Error('The master key must be 32 bytes');
  const keyId = idOf(current);
  const keys = new Map<string, Buffer>([[keyId, current], ...previous.map((k) => [idOf(k), k] as [string, Buffer])]);
  return {
    keyId,
    prefix: `${PREFIX}${keyId}:`,
    seal(plain) {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', current, iv);
      const ct = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
      return `${PREFIX}${keyId}:${iv.toString('base64url')}:${ct.toString('base64url')}:${c.getAuthTag().toString('base64url')}`;
    },
    open(stored) {
      if (!stored.startsWith(PREFIX)) return stored;
      const [id, iv, ct, tag] = stored.slice(PREFIX.length).split(':');
      const key = keys.get(id ?? '');
      if (!key || iv === undefined || ct === undefined || tag === undefined) {
        throw new Error(`A stored secret is sealed with master key ${id ?? '?'}, which this server does not have (set CANYU_SECRET_KEY, or CANYU_SECRET_KEY_PREVIOUS during a rotation)`);
      }
      const d = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      d.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([d.update(Buffer.from(ct, 'base64url')), d.final()]).toString('utf8');
    },
    isCurrent(stored) {
      return stored.startsWith(`${PREFIX}${keyId}:`);
    },
  };
}

export const MASTER_KEY_FILE = 'secret.key';

/**
 * The master key from CANYU_SECRET_KEY, else from `<data dir>/secret.key`, generated there (mode
 * 0600) on first start. `created` tells the caller to say where it went: losing that file means
 * losing every sealed secret, so it belongs in the backup with the database.
 */
export function loadOrCreateMasterKey(configured: string | undefined, dataDir: string): { key: string; file: string | null; created: boolean } {
  if (configured) return { key: configured, file: null, created: false };
  const file = path.join(dataDir, MASTER_KEY_FILE);
  try {
    return { key: fs.readFileSync(file, 'utf8').trim(), file, created: false };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  fs.mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32).toString('hex');
  try {
    // 'wx': two servers starting together on one data dir must not both write a key.
    fs.writeFileSync(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
    return { key, file, created: true };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return { key: fs.readFileSync(file, 'utf8').trim(), file, created: false };
  }
}

/** The box for a configured master key and its predecessors (both already validated by config.ts). */
export function secretBoxFor(current: string | undefined, previous: string[] = []): SecretBox {
  const key = current === undefined ? null : parseMasterKey(current);
  if (!key) throw new Error('No master key: set CANYU_SECRET_KEY, or start through main.ts/the CLI, which read or create <data dir>/secret.key');
  return createSecretBox(key, previous.map((k) => parseMasterKey(k)).filter((k): k is Buffer => k !== null));
}
