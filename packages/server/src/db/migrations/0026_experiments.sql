CREATE TABLE "ex_assignments" (
	"experiment_id" text NOT NULL,
	"app_id" text NOT NULL,
	"user_id" text NOT NULL,
	"variant" text NOT NULL,
	"assigned_at" timestamp with time zone NOT NULL,
	CONSTRAINT "ex_assignments_experiment_id_user_id_pk" PRIMARY KEY("experiment_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "ex_experiments" (
	"id" text PRIMARY KEY NOT NULL,
	"app_id" text NOT NULL,
	"key" text NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"status" text NOT NULL,
	"variants" jsonb NOT NULL,
	"holdout_percent" integer NOT NULL,
	"salt" text NOT NULL,
	"target_kind" text NOT NULL,
	"target_id" text,
	"goal" jsonb NOT NULL,
	"started_at" timestamp with time zone,
	"stopped_at" timestamp with time zone,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE INDEX "ex_assignments_user" ON "ex_assignments" USING btree ("app_id","user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "ex_experiments_key" ON "ex_experiments" USING btree ("app_id","key");--> statement-breakpoint
CREATE INDEX "ex_experiments_app" ON "ex_experiments" USING btree ("app_id","created_at","id");