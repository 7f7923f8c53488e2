CREATE TABLE "ev_user_firsts" (
	"app_id" text NOT NULL,
	"user_id" text NOT NULL,
	"slot" timestamp with time zone NOT NULL,
	CONSTRAINT "ev_user_firsts_app_id_user_id_pk" PRIMARY KEY("app_id","user_id")
);
--> statement-breakpoint
CREATE INDEX "ev_user_firsts_slot" ON "ev_user_firsts" USING btree ("app_id","slot");--> statement-breakpoint
CREATE INDEX "ev_events_ts" ON "ev_events" USING brin ("ts") WITH (pages_per_range=32,autosummarize=true);
--> statement-breakpoint
INSERT INTO "ev_user_firsts" ("app_id", "user_id", "slot") SELECT "app_id", "user_id", min("slot") FROM "ev_user_slots" GROUP BY 1, 2;
