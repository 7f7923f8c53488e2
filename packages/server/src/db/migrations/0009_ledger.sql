ALTER TABLE "pt_entries" ADD COLUMN "refund_of" bigint;--> statement-breakpoint
CREATE INDEX "gm_daily_rewards_budget_day" ON "gm_daily_rewards" USING btree ("app_id","budget_day");--> statement-breakpoint
CREATE UNIQUE INDEX "pt_entries_refund_of" ON "pt_entries" USING btree ("app_id","refund_of") WHERE "pt_entries"."refund_of" is not null;