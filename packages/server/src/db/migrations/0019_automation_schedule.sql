ALTER TABLE "au_workflows" ADD COLUMN "next_fire_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "au_workflows" ADD COLUMN "fire_cursor" text;--> statement-breakpoint
CREATE INDEX "au_workflows_fire" ON "au_workflows" USING btree ("next_fire_at") WHERE "au_workflows"."status" = 'active';