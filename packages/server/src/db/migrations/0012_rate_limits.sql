-- UNLOGGED (edited by hand; drizzle-kit does not model it): counters need no WAL or fsync, and a crash that empties them only forgives one window.
CREATE UNLOGGED TABLE "http_rate_limits" (
	"key" text PRIMARY KEY NOT NULL,
	"count" integer NOT NULL,
	"reset_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE INDEX "http_rate_limits_reset" ON "http_rate_limits" USING btree ("reset_at");