ALTER TABLE "ms_sends" ADD COLUMN "experiment" jsonb;--> statement-breakpoint
ALTER TABLE "ms_sends" ADD COLUMN "held_out" integer DEFAULT 0 NOT NULL;