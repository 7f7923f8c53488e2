CREATE TABLE "cm_cf_pledges" (
	"id" text PRIMARY KEY NOT NULL,
	"app_id" text NOT NULL,
	"campaign_id" text NOT NULL,
	"user_id" text NOT NULL,
	"tier_id" text NOT NULL,
	"amount" bigint NOT NULL,
	"status" text DEFAULT 'pledged' NOT NULL,
	"order_ref" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"closed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "cm_cf_tiers" (
	"campaign_id" text NOT NULL,
	"tier_id" text NOT NULL,
	"taken" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "cm_cf_tiers_campaign_id_tier_id_pk" PRIMARY KEY("campaign_id","tier_id")
);
--> statement-breakpoint
CREATE TABLE "cm_ps_orders" (
	"id" text PRIMARY KEY NOT NULL,
	"app_id" text NOT NULL,
	"campaign_id" text NOT NULL,
	"user_id" text NOT NULL,
	"status" text DEFAULT 'deposit_paid' NOT NULL,
	"deposit" bigint NOT NULL,
	"deposit_value" bigint NOT NULL,
	"final_amount" bigint NOT NULL,
	"deposit_order_ref" text NOT NULL,
	"final_order_ref" text,
	"final_starts_at" timestamp with time zone NOT NULL,
	"final_ends_at" timestamp with time zone NOT NULL,
	"remind_at" timestamp with time zone NOT NULL,
	"reminded_at" timestamp with time zone,
	"created_at" timestamp with time zone NOT NULL,
	"closed_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "cm_cf_pledges" ADD CONSTRAINT "cm_cf_pledges_campaign_id_cm_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."cm_campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cm_cf_tiers" ADD CONSTRAINT "cm_cf_tiers_campaign_id_cm_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."cm_campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cm_ps_orders" ADD CONSTRAINT "cm_ps_orders_campaign_id_cm_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."cm_campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "cm_cf_pledges_ref" ON "cm_cf_pledges" USING btree ("campaign_id","order_ref");--> statement-breakpoint
CREATE INDEX "cm_cf_pledges_campaign" ON "cm_cf_pledges" USING btree ("campaign_id","status","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "cm_ps_orders_deposit_ref" ON "cm_ps_orders" USING btree ("campaign_id","deposit_order_ref");--> statement-breakpoint
CREATE INDEX "cm_ps_orders_campaign" ON "cm_ps_orders" USING btree ("campaign_id","status","created_at");--> statement-breakpoint
CREATE INDEX "cm_ps_orders_remind" ON "cm_ps_orders" USING btree ("remind_at") WHERE status = 'deposit_paid' and reminded_at is null;--> statement-breakpoint
CREATE INDEX "cm_ps_orders_forfeit" ON "cm_ps_orders" USING btree ("final_ends_at") WHERE status = 'deposit_paid';