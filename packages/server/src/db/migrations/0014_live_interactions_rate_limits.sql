CREATE TABLE "lv_interactions" (
	"app_id" text NOT NULL,
	"id" text NOT NULL,
	"room_id" text NOT NULL,
	"kind" text NOT NULL,
	"ref" text NOT NULL,
	"title" text,
	"data" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "lv_interactions_app_id_id_pk" PRIMARY KEY("app_id","id")
);
--> statement-breakpoint
-- UNLOGGED (edited by hand; drizzle-kit does not model it): counters need no WAL or fsync, and a crash that empties them only forgives one window.
CREATE UNLOGGED TABLE "http_rate_limits" (
	"key" text PRIMARY KEY NOT NULL,
	"count" integer NOT NULL,
	"reset_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE INDEX "lv_interactions_ref" ON "lv_interactions" USING btree ("app_id","kind","ref");--> statement-breakpoint
CREATE INDEX "lv_interactions_room" ON "lv_interactions" USING btree ("app_id","room_id");--> statement-breakpoint
CREATE INDEX "http_rate_limits_reset" ON "http_rate_limits" USING btree ("reset_at");