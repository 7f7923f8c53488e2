CREATE TABLE "an_active_cache" (
	"app_id" text NOT NULL,
	"day" date NOT NULL,
	"dau" integer NOT NULL,
	"wau" integer NOT NULL,
	"mau" integer NOT NULL,
	"new_users" integer NOT NULL,
	CONSTRAINT "an_active_cache_app_id_day_pk" PRIMARY KEY("app_id","day")
);
--> statement-breakpoint
CREATE TABLE "an_active_state" (
	"app_id" text PRIMARY KEY NOT NULL,
	"settings_key" text NOT NULL,
	"snapshot" text NOT NULL,
	"valid_from" date NOT NULL,
	"valid_to" date NOT NULL
);
