// The only reader of process.env. Everything else receives a validated Config.
import path from 'node:path';
import { z } from 'zod';
import { NO_ALLOW, parseAllowList, type AllowList } from './lib/net-guard.ts';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

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
  CANYU_JOBS: bool.default(true),
  CANYU_BOOTSTRAP: bool.default(true),
  CANYU_DB_POOL: int(2, 200).default(10),
  CANYU_PUBLIC_URL: z.string().url().optional(),
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
  jobs: boolean;
  bootstrap: boolean;
  dbPoolSize: number;
  /** Base URL users reach this Canyu at (links in emails: unsubscribe, tracked clicks). */
  publicUrl: string;
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
    jobs: e.CANYU_JOBS,
    bootstrap: e.CANYU_BOOTSTRAP,
    dbPoolSize: e.CANYU_DB_POOL,
    publicUrl: (e.CANYU_PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    webhookAllowPrivate: e.CANYU_WEBHOOK_ALLOW_PRIVATE ?? NO_ALLOW,
    smtpRequireTls: e.CANYU_SMTP_REQUIRE_TLS,
  };
}

/** Documented in the README configuration table; kept here so docs and code share one list. */
export const CONFIG_KEYS = Object.keys(EnvSchema.shape);
