ALTER TABLE "co_groups" ADD COLUMN "lurker_days" integer;--> statement-breakpoint
ALTER TABLE "co_groups" ADD COLUMN "lurker_nudge" jsonb;--> statement-breakpoint
ALTER TABLE "co_members" ADD COLUMN "lurk_notified_seq" integer DEFAULT 0 NOT NULL;