ALTER TABLE "cm_campaigns" ADD COLUMN "segment_id" text;--> statement-breakpoint
ALTER TABLE "cp_templates" ADD COLUMN "segment_id" text;--> statement-breakpoint
ALTER TABLE "gm_lotteries" ADD COLUMN "segment_id" text;