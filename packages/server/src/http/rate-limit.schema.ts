// Rate-limit counters shared by every server on the database (see rate-limit.ts). UNLOGGED (custom
// migration): counters are worth no WAL or fsync, and a crash that empties them only forgives a
// window's worth of requests.
import { index, integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

export const rateLimitCounters = pgTable(
  'http_rate_limits',
  {
    key: text('key').primaryKey(),
    count: integer('count').notNull(),
    /** The end of the current fixed window; a hit at or after it starts a new window. */
    resetAt: timestamp('reset_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('http_rate_limits_reset').on(t.resetAt)],
);
