ALTER TABLE "co_groups" ADD COLUMN "working_hours" jsonb;--> statement-breakpoint
ALTER TABLE "co_posts" ADD COLUMN "alert_due_at" timestamp with time zone;