CREATE TABLE "au_rate" (
	"workflow_id" text NOT NULL,
	"app_id" text NOT NULL,
	"hour" timestamp with time zone NOT NULL,
	"entries" integer NOT NULL,
	CONSTRAINT "au_rate_workflow_id_hour_pk" PRIMARY KEY("workflow_id","hour")
);
--> statement-breakpoint
CREATE TABLE "au_run_steps" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"app_id" text NOT NULL,
	"run_id" text NOT NULL,
	"workflow_id" text NOT NULL,
	"version" integer NOT NULL,
	"step_id" text NOT NULL,
	"outcome" text NOT NULL,
	"detail" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "au_runs" (
	"id" text PRIMARY KEY NOT NULL,
	"app_id" text NOT NULL,
	"workflow_id" text NOT NULL,
	"version" integer NOT NULL,
	"user_id" text NOT NULL,
	"trigger_key" text NOT NULL,
	"trigger" jsonb NOT NULL,
	"status" text NOT NULL,
	"exit_reason" text,
	"step" text,
	"step_at" timestamp with time zone NOT NULL,
	"wake_at" timestamp with time zone,
	"seen" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"converted_at" timestamp with time zone,
	"created_at" timestamp with time zone NOT NULL,
	"ended_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "au_versions" (
	"workflow_id" text NOT NULL,
	"app_id" text NOT NULL,
	"version" integer NOT NULL,
	"definition" jsonb NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "au_versions_workflow_id_version_pk" PRIMARY KEY("workflow_id","version")
);
--> statement-breakpoint
CREATE TABLE "au_workflows" (
	"id" text PRIMARY KEY NOT NULL,
	"app_id" text NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"status" text NOT NULL,
	"version" integer NOT NULL,
	"throttled" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE INDEX "au_run_steps_run" ON "au_run_steps" USING btree ("run_id","id");--> statement-breakpoint
CREATE INDEX "au_run_steps_workflow" ON "au_run_steps" USING btree ("workflow_id","version","step_id");--> statement-breakpoint
CREATE INDEX "au_run_steps_app" ON "au_run_steps" USING btree ("app_id");--> statement-breakpoint
CREATE UNIQUE INDEX "au_runs_trigger" ON "au_runs" USING btree ("workflow_id","trigger_key");--> statement-breakpoint
CREATE INDEX "au_runs_due" ON "au_runs" USING btree ("wake_at") WHERE "au_runs"."status" = 'active';--> statement-breakpoint
CREATE INDEX "au_runs_user" ON "au_runs" USING btree ("app_id","user_id","status");--> statement-breakpoint
CREATE INDEX "au_runs_workflow" ON "au_runs" USING btree ("workflow_id","created_at","id");--> statement-breakpoint
CREATE INDEX "au_versions_app" ON "au_versions" USING btree ("app_id");--> statement-breakpoint
CREATE INDEX "au_workflows_app" ON "au_workflows" USING btree ("app_id","created_at","id");