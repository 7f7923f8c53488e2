CREATE TABLE "ev_user_slots" (
	"app_id" text NOT NULL,
	"user_id" text NOT NULL,
	"slot" timestamp with time zone NOT NULL,
	CONSTRAINT "ev_user_slots_app_id_user_id_slot_pk" PRIMARY KEY("app_id","user_id","slot")
);
--> statement-breakpoint
CREATE INDEX "ev_user_slots_slot" ON "ev_user_slots" USING btree ("app_id","slot");--> statement-breakpoint
-- Backfill from the events stored before this migration.
INSERT INTO "ev_user_slots" ("app_id", "user_id", "slot")
SELECT DISTINCT "app_id", "user_id", date_bin('30 minutes', "ts", timestamptz '2000-01-01 00:00:00+00') FROM "ev_events";
