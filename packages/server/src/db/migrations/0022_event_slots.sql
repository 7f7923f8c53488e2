CREATE TABLE "ev_slot_changes" (
	"app_id" text NOT NULL,
	"slot" timestamp with time zone NOT NULL,
	"txid" "xid8" DEFAULT pg_current_xact_id() NOT NULL,
	CONSTRAINT "ev_slot_changes_app_id_slot_pk" PRIMARY KEY("app_id","slot")
);
--> statement-breakpoint
CREATE TABLE "ev_slots" (
	"app_id" text NOT NULL,
	"slot" timestamp with time zone NOT NULL,
	"user_id" text NOT NULL,
	"name" text NOT NULL,
	"n" integer NOT NULL,
	CONSTRAINT "ev_slots_app_id_slot_user_id_name_pk" PRIMARY KEY("app_id","slot","user_id","name")
);
--> statement-breakpoint
CREATE INDEX "ev_slots_user" ON "ev_slots" USING btree ("app_id","user_id","slot");--> statement-breakpoint
-- Backfill: the roll-up of every event stored before this migration.
INSERT INTO "ev_slots" ("app_id", "slot", "user_id", "name", "n")
SELECT "app_id", date_bin('30 minutes', "ts", timestamptz '2000-01-01 00:00:00+00'), "user_id", "name", count(*)::int FROM "ev_events" GROUP BY 1, 2, 3, 4;
