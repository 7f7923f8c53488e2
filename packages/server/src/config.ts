// The only reader of process.env. Everything else receives a validated Config.
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { parseMasterKey } from './lib/secrets.ts';
import { NO_ALLOW, parseAllowList, type AllowList } from './lib/net-guard.ts';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** proxy-addr's named ranges, accepted by Fastify's trustProxy. */
const NAMED_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);

function validProxyEntry(entry: string): boolean {
  if (NAMED_RANGES.has(entry)) return true;
  const [addr, bits, ...rest] = entry.split('/');
  if (rest.length > 0 || !addr) return false;
  const family = net.isIP(addr);
  if (family === 0) return false;
  if (bits === undefined) return true;
  if (!/^\d{1,3}$/.test(bits)) return false;
  return Number(bits) <= (family === 4 ? 32 : 128);
}

/**
 * Which proxies in front of Canyu are trusted to say who the client is (X-Forwarded-For): a hop
 * count ("1" = the one load balancer in front), or addresses/CIDRs of the proxies. Off by default:
 * without a proxy, X-Forwarded-For is whatever the client wrote.
 */
const trustProxy = z
  .string()
  .transform((v, ctx): false | number | string[] => {
    const t = v.trim();
    if (t === 'false' || t === 'off' || t === 'no') return false;
    if (/^\d+$/.test(t)) {
      const n = Number(t);
      if (n > 100) ctx.addIssue({ code: 'custom', message: 'a hop count must be at most 100' });
      return n === 0 ? false : n;
    }
    const entries = t.split(',').map((x) => x.trim()).filter((x) => x.length > 0);
    const bad = entries.filter((x) => !validProxyEntry(x));
    if (entries.length === 0 || bad.length > 0) {
      ctx.addIssue({ code: 'custom', message: `expected a hop count or comma-separated proxy IPs/CIDRs (e.g. "1" or "10.0.0.0/8,192.168.1.7"); not valid: ${bad.join(', ') || '(empty)'}` });
      return z.NEVER;
    }
    return entries;
  });

/** Most server processes one `canyu start` runs; the default is one per core up to DEFAULT_WORKERS_CAP. */
export const MAX_WORKERS = 64;
/** One per core, but no more than this by default: PostgreSQL on the same machine needs cores too. */
export const DEFAULT_WORKERS_CAP = 16;

const masterKey = z.string().refine((v) => parseMasterKey(v) !== null, '32 random bytes as 64 hex characters (e.g. `openssl rand -hex 32`) or base64');

const EnvSchema = z.object({
  PORT: int(0, 65535).default(4000),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATABASE_URL: z.string().url().optional(),
  CANYU_DATA_DIR: z.string().min(1).default('./.canyu'),
  CANYU_PG_PORT: int(1, 65535).optional(),
  REDIS_URL: z.string().url().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  CANYU_BODY_LIMIT: int(1024, 64 * 1024 * 1024).default(1024 * 1024),
  CANYU_RATE_LIMIT_KEY: int(1, 10_000_000).default(60_000),
  CANYU_RATE_LIMIT_USER: int(1, 10_000_000).default(600),
  CANYU_RATE_LIMIT_WINDOW_MS: int(1000, 3_600_000).default(60_000),
  CANYU_USER_TOKEN_MAX_TTL: int(60, 30 * 86400).default(86400),
  CANYU_EVENT_BUFFER_MAX: int(1000, 10_000_000).default(200_000),
  CANYU_EVENT_FLUSH_MS: int(1, 10_000).default(5),
  CANYU_EVENT_FLUSH_SIZE: int(1, 50_000).default(5000),
  CANYU_EVENT_RETENTION_DAYS: int(1, 3650).default(30),
  CANYU_JOBS: bool.default(true),
  CANYU_BOOTSTRAP: bool.default(true),
  CANYU_DB_POOL: int(2, 200).default(10),
  CANYU_WORKERS: z.union([z.literal('auto'), int(1, MAX_WORKERS)]).optional(),
  CANYU_PUBLIC_URL: z.string().url().optional(),
  CANYU_TRUST_PROXY: trustProxy.default(false),
  CANYU_SECRET_KEY: masterKey.optional(),
  CANYU_SECRET_KEY_PREVIOUS: z
    .string()
    .transform((v) => v.split(',').map((x) => x.trim()).filter((x) => x.length > 0))
    .refine((keys) => keys.every((k) => parseMasterKey(k) !== null), 'comma-separated master keys (64 hex characters each)')
    .default([]),
  CANYU_AUTH_FAILURES_PER_IP: int(1, 1_000_000).default(30),
  CANYU_FLASH_SALE_SOLD_OUT_MS: int(0, 3_600_000).default(1000),
  CANYU_REALTIME_HEARTBEAT_MS: int(100, 600_000).default(25_000),
  CANYU_OPEN_APP_CREATION: bool.default(false),
  CANYU_WEBHOOK_ALLOW_PRIVATE: z
    .string()
    .transform((s, ctx) => {
      try {
        return parseAllowList(s);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return z.NEVER;
      }
    })
    .optional(),
  CANYU_SMTP_REQUIRE_TLS: bool.default(true),
});

export type Config = {
  port: number;
  host: string;
  databaseUrl: string | undefined;
  dataDir: string;
  embeddedPgPort: number | undefined;
  redisUrl: string | undefined;
  logLevel: z.infer<typeof EnvSchema>['LOG_LEVEL'];
  bodyLimit: number;
  rateLimit: { perKey: number; perUser: number; windowMs: number };
  userTokenMaxTtl: number;
  events: { bufferMax: number; flushMs: number; flushSize: number };
  /** Days handled rows stay in the domain event log (replay, analytics backfill). */
  eventRetentionDays: number;
  jobs: boolean;
  bootstrap: boolean;
  /** PostgreSQL connections per server process (the primary lowers it so that workers × pool fits the database). */
  dbPoolSize: number;
  /** Server processes sharing the port (node:cluster); 1 = a single process, no cluster. */
  workers: number;
  /** Base URL users reach this Canyu at (links in emails: unsubscribe, tracked clicks). */
  publicUrl: string;
  /** Fastify's trustProxy: false, a hop count, or the trusted proxies' addresses/CIDRs. */
  trustProxy: false | number | string[];
  /** Master key sealing secrets at rest; when unset, main.ts reads or creates `<dataDir>/secret.key`. */
  secretKey: string | undefined;
  /** Earlier master keys, still accepted for reading while rows are re-sealed (rotation). */
  secretKeyPrevious: string[];
  /** Failed authentications (bad keys, sessions, tokens) per client IP per minute before 429. */
  authFailuresPerIp: number;
  /** How long a server answers "sold out" for a flash-sale item from memory (stock coming back anywhere clears it on every server); 0: always ask the database. */
  flashSaleSoldOutMs: number;
  /** Realtime streams: how often a keep-alive is sent and an operator stream's session and role are checked again. */
  realtimeHeartbeatMs: number;
  /** When true any signed-in operator may create apps; else only owners/admins of an app. */
  openAppCreation: boolean;
  /** Private/loopback destinations webhooks and SMTP relays may still reach (everything else local is refused). */
  webhookAllowPrivate: AllowList;
  /** Refuse to send SMTP credentials or mail without TLS (STARTTLS or smtps://). */
  smtpRequireTls: boolean;
};

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty strings mean "unset", as they do in most .env tooling.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = EnvSchema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir: path.resolve(e.CANYU_DATA_DIR),
    embeddedPgPort: e.CANYU_PG_PORT,
    redisUrl: e.REDIS_URL,
    logLevel: e.LOG_LEVEL,
    bodyLimit: e.CANYU_BODY_LIMIT,
    rateLimit: { perKey: e.CANYU_RATE_LIMIT_KEY, perUser: e.CANYU_RATE_LIMIT_USER, windowMs: e.CANYU_RATE_LIMIT_WINDOW_MS },
    userTokenMaxTtl: e.CANYU_USER_TOKEN_MAX_TTL,
    events: { bufferMax: e.CANYU_EVENT_BUFFER_MAX, flushMs: e.CANYU_EVENT_FLUSH_MS, flushSize: e.CANYU_EVENT_FLUSH_SIZE },
    eventRetentionDays: e.CANYU_EVENT_RETENTION_DAYS,
    jobs: e.CANYU_JOBS,
    bootstrap: e.CANYU_BOOTSTRAP,
    dbPoolSize: e.CANYU_DB_POOL,
    workers: e.CANYU_WORKERS === undefined || e.CANYU_WORKERS === 'auto' ? Math.min(os.availableParallelism(), DEFAULT_WORKERS_CAP) : e.CANYU_WORKERS,
    publicUrl: (e.CANYU_PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    trustProxy: e.CANYU_TRUST_PROXY,
    secretKey: e.CANYU_SECRET_KEY,
    secretKeyPrevious: e.CANYU_SECRET_KEY_PREVIOUS,
    authFailuresPerIp: e.CANYU_AUTH_FAILURES_PER_IP,
    flashSaleSoldOutMs: e.CANYU_FLASH_SALE_SOLD_OUT_MS,
    realtimeHeartbeatMs: e.CANYU_REALTIME_HEARTBEAT_MS,
    openAppCreation: e.CANYU_OPEN_APP_CREATION,
    webhookAllowPrivate: e.CANYU_WEBHOOK_ALLOW_PRIVATE ?? NO_ALLOW,
    smtpRequireTls: e.CANYU_SMTP_REQUIRE_TLS,
  };
}

/** Documented in the README configuration table; kept here so docs and code share one list. */
export const CONFIG_KEYS = Object.keys(EnvSchema.shape);
