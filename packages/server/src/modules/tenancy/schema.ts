import { sql } from 'drizzle-orm';
import { index, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

export const apps = pgTable('tn_apps', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  settings: jsonb('settings').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
  /** Browser origins whose pages may call /v1 with this app's keys (CORS; http/cors.ts). */
  allowedOrigins: text('allowed_origins').array().notNull().default(sql`'{}'::text[]`),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

export const appKeys = pgTable(
  'tn_app_keys',
  {
    id: text('id').primaryKey(),
    appId: text('app_id').notNull().references(() => apps.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: ['secret', 'publishable'] }).notNull(),
    name: text('name').notNull().default(''),
    keyHash: text('key_hash').notNull(),
    // Secret keys also sign end-user tokens (HS256), so the key itself must be kept: sealed with
    // the server master key (lib/secrets.ts, `enc:v1:…`); publishable keys are public by design
    // and keep none. Lookups always go through key_hash.
    secret: text('secret'),
    hint: text('hint').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('tn_app_keys_hash').on(t.keyHash), index('tn_app_keys_app').on(t.appId, t.createdAt)],
);

export const operators = pgTable(
  'tn_operators',
  {
    id: text('id').primaryKey(),
    email: text('email').notNull(),
    name: text('name').notNull().default(''),
    passwordHash: text('password_hash').notNull(),
    locale: text('locale').notNull().default('zh-CN'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    disabledAt: timestamp('disabled_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('tn_operators_email').on(sql`lower(${t.email})`)],
);

export const operatorSessions = pgTable(
  'tn_operator_sessions',
  {
    id: text('id').primaryKey(),
    operatorId: text('operator_id').notNull().references(() => operators.id, { onDelete: 'cascade' }),
    tokenHash: text('token_hash').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    ip: text('ip'),
    userAgent: text('user_agent'),
  },
  (t) => [uniqueIndex('tn_operator_sessions_token').on(t.tokenHash), index('tn_operator_sessions_operator').on(t.operatorId)],
);

export const appMembers = pgTable(
  'tn_app_members',
  {
    appId: text('app_id').notNull().references(() => apps.id, { onDelete: 'cascade' }),
    operatorId: text('operator_id').notNull().references(() => operators.id, { onDelete: 'cascade' }),
    role: text('role', { enum: ['owner', 'admin', 'operator', 'moderator', 'analyst', 'agent'] }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.appId, t.operatorId] }), index('tn_app_members_operator').on(t.operatorId)],
);
