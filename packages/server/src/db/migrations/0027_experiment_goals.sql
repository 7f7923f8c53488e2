CREATE TABLE "ex_goal_progress" (
	"goal_id" text NOT NULL,
	"app_id" text NOT NULL,
	"day" date NOT NULL,
	"value" double precision,
	"recorded_at" timestamp with time zone NOT NULL,
	CONSTRAINT "ex_goal_progress_goal_id_day_pk" PRIMARY KEY("goal_id","day")
);
--> statement-breakpoint
CREATE TABLE "ex_goals" (
	"id" text PRIMARY KEY NOT NULL,
	"app_id" text NOT NULL,
	"name" text NOT NULL,
	"metric" jsonb NOT NULL,
	"baseline" double precision NOT NULL,
	"target" double precision NOT NULL,
	"start_day" date NOT NULL,
	"due_day" date NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE INDEX "ex_goal_progress_app" ON "ex_goal_progress" USING btree ("app_id");--> statement-breakpoint
CREATE INDEX "ex_goals_app" ON "ex_goals" USING btree ("app_id","created_at","id");