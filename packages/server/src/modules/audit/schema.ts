import { bigserial, index, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

export const auditLog = pgTable(
  'au_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    // Null for actions outside any app (creating an operator account, for instance).
    appId: text('app_id'),
    actorType: text('actor_type', { enum: ['operator', 'secret_key', 'user', 'system', 'cli'] }).notNull(),
    actorId: text('actor_id'),
    action: text('action').notNull(),
    targetType: text('target_type').notNull(),
    targetId: text('target_id'),
    before: jsonb('before'),
    after: jsonb('after'),
    requestId: text('request_id'),
    ip: text('ip'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('au_log_app').on(t.appId, t.id), index('au_log_target').on(t.appId, t.targetType, t.targetId)],
);
