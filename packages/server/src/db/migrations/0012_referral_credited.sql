DROP INDEX "cm_rf_referrals_invitee";--> statement-breakpoint
ALTER TABLE "cm_rf_referrals" ADD COLUMN "credited" jsonb;--> statement-breakpoint
CREATE INDEX "cm_rf_referrals_invitee_app" ON "cm_rf_referrals" USING btree ("app_id","invitee_user_id");