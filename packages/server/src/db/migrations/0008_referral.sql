CREATE TABLE "cm_rf_codes" (
	"campaign_id" text NOT NULL,
	"user_id" text NOT NULL,
	"app_id" text NOT NULL,
	"code" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "cm_rf_codes_campaign_id_user_id_pk" PRIMARY KEY("campaign_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "cm_rf_referrals" (
	"campaign_id" text NOT NULL,
	"invitee_user_id" text NOT NULL,
	"app_id" text NOT NULL,
	"inviter_user_id" text NOT NULL,
	"code" text NOT NULL,
	"status" text DEFAULT 'attributed' NOT NULL,
	"attributed_at" timestamp with time zone NOT NULL,
	"qualify_by" timestamp with time zone NOT NULL,
	"rewarded_at" timestamp with time zone,
	"inviter_rewarded" boolean,
	"event_id" text,
	CONSTRAINT "cm_rf_referrals_campaign_id_invitee_user_id_pk" PRIMARY KEY("campaign_id","invitee_user_id")
);
--> statement-breakpoint
ALTER TABLE "cm_rf_codes" ADD CONSTRAINT "cm_rf_codes_campaign_id_cm_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."cm_campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cm_rf_referrals" ADD CONSTRAINT "cm_rf_referrals_campaign_id_cm_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."cm_campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "cm_rf_codes_code" ON "cm_rf_codes" USING btree ("app_id","code");--> statement-breakpoint
CREATE INDEX "cm_rf_referrals_inviter" ON "cm_rf_referrals" USING btree ("campaign_id","inviter_user_id");--> statement-breakpoint
CREATE INDEX "cm_rf_referrals_invitee" ON "cm_rf_referrals" USING btree ("app_id","invitee_user_id") WHERE status = 'attributed';