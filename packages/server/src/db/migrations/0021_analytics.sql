CREATE TABLE "an_engagement" (
	"app_id" text NOT NULL,
	"log_id" bigint NOT NULL,
	"family" text NOT NULL,
	"name" text NOT NULL,
	"user_id" text NOT NULL,
	"ts" timestamp with time zone NOT NULL,
	CONSTRAINT "an_engagement_app_id_log_id_pk" PRIMARY KEY("app_id","log_id")
);
--> statement-breakpoint
CREATE TABLE "an_settings" (
	"app_id" text PRIMARY KEY NOT NULL,
	"timezone" text NOT NULL,
	"active_events" text[],
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE INDEX "an_engagement_day" ON "an_engagement" USING btree ("app_id","family","ts");--> statement-breakpoint
CREATE INDEX "an_engagement_user" ON "an_engagement" USING btree ("app_id","user_id");