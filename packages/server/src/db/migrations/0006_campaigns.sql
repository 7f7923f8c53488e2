CREATE TABLE "cm_bg_bargains" (
	"id" text PRIMARY KEY NOT NULL,
	"app_id" text NOT NULL,
	"campaign_id" text NOT NULL,
	"user_id" text NOT NULL,
	"original_price" bigint NOT NULL,
	"floor_price" bigint NOT NULL,
	"current_price" bigint NOT NULL,
	"cuts" integer DEFAULT 0 NOT NULL,
	"max_cuts" integer NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"order_ref" text,
	"created_at" timestamp with time zone NOT NULL,
	"closed_at" timestamp with time zone,
	CONSTRAINT "cm_bg_bargains_price" CHECK (current_price >= floor_price and current_price <= original_price and cuts <= max_cuts)
);
--> statement-breakpoint
CREATE TABLE "cm_bg_cuts" (
	"bargain_id" text NOT NULL,
	"helper_user_id" text NOT NULL,
	"amount" bigint NOT NULL,
	"new_user" boolean NOT NULL,
	"price_after" bigint NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "cm_bg_cuts_bargain_id_helper_user_id_pk" PRIMARY KEY("bargain_id","helper_user_id")
);
--> statement-breakpoint
CREATE TABLE "cm_campaigns" (
	"id" text PRIMARY KEY NOT NULL,
	"app_id" text NOT NULL,
	"kind" text NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"status" text DEFAULT 'draft' NOT NULL,
	"starts_at" timestamp with time zone NOT NULL,
	"ends_at" timestamp with time zone NOT NULL,
	"budget" bigint,
	"committed" bigint DEFAULT 0 NOT NULL,
	"per_user_limit" integer,
	"settings" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"ended_at" timestamp with time zone,
	"cancelled_at" timestamp with time zone,
	CONSTRAINT "cm_campaigns_budget" CHECK (budget is null or committed <= budget)
);
--> statement-breakpoint
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
CREATE TABLE "cm_fs_items" (
	"id" text PRIMARY KEY NOT NULL,
	"app_id" text NOT NULL,
	"campaign_id" text NOT NULL,
	"session_id" text NOT NULL,
	"product_id" text NOT NULL,
	"name" text DEFAULT '' NOT NULL,
	"original_price" bigint NOT NULL,
	"sale_price" bigint NOT NULL,
	"stock" integer NOT NULL,
	"per_user_limit" integer NOT NULL,
	"reservation_ttl_seconds" integer NOT NULL,
	"buckets" smallint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "cm_fs_reservations" (
	"id" text PRIMARY KEY NOT NULL,
	"app_id" text NOT NULL,
	"campaign_id" text NOT NULL,
	"item_id" text NOT NULL,
	"user_id" text NOT NULL,
	"qty" integer NOT NULL,
	"bucket" smallint NOT NULL,
	"status" text NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"order_ref" text,
	"created_at" timestamp with time zone NOT NULL,
	"confirmed_at" timestamp with time zone,
	"released_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "cm_fs_sessions" (
	"id" text PRIMARY KEY NOT NULL,
	"app_id" text NOT NULL,
	"campaign_id" text NOT NULL,
	"name" text DEFAULT '' NOT NULL,
	"starts_at" timestamp with time zone NOT NULL,
	"ends_at" timestamp with time zone NOT NULL,
	"token_required" boolean DEFAULT false NOT NULL,
	"token_opens_at" timestamp with time zone,
	"token_secret" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "cm_fs_stock" (
	"item_id" text NOT NULL,
	"bucket" smallint NOT NULL,
	"remaining" integer NOT NULL,
	CONSTRAINT "cm_fs_stock_item_id_bucket_pk" PRIMARY KEY("item_id","bucket"),
	CONSTRAINT "cm_fs_stock_nonnegative" CHECK (remaining >= 0)
);
--> statement-breakpoint
CREATE TABLE "cm_fs_user_counts" (
	"item_id" text NOT NULL,
	"user_id" text NOT NULL,
	"qty" integer NOT NULL,
	CONSTRAINT "cm_fs_user_counts_item_id_user_id_pk" PRIMARY KEY("item_id","user_id"),
	CONSTRAINT "cm_fs_user_counts_nonnegative" CHECK (qty >= 0)
);
--> statement-breakpoint
CREATE TABLE "cm_gb_members" (
	"team_id" text NOT NULL,
	"user_id" text NOT NULL,
	"app_id" text NOT NULL,
	"campaign_id" text NOT NULL,
	"status" text DEFAULT 'joined' NOT NULL,
	"order_ref" text,
	"joined_at" timestamp with time zone NOT NULL,
	"confirmed_at" timestamp with time zone,
	"left_at" timestamp with time zone,
	CONSTRAINT "cm_gb_members_team_id_user_id_pk" PRIMARY KEY("team_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "cm_gb_teams" (
	"id" text PRIMARY KEY NOT NULL,
	"app_id" text NOT NULL,
	"campaign_id" text NOT NULL,
	"leader_user_id" text NOT NULL,
	"share_code" text NOT NULL,
	"size" integer NOT NULL,
	"member_count" integer NOT NULL,
	"confirmed_count" integer DEFAULT 0 NOT NULL,
	"auto_filled" integer DEFAULT 0 NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"committed" bigint DEFAULT 0 NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"closed_at" timestamp with time zone,
	CONSTRAINT "cm_gb_teams_seats" CHECK (member_count >= 0 and member_count <= size and confirmed_count <= member_count)
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
CREATE TABLE "cm_user_quota" (
	"campaign_id" text NOT NULL,
	"user_id" text NOT NULL,
	"used" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "cm_user_quota_campaign_id_user_id_pk" PRIMARY KEY("campaign_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "cp_coupons" (
	"id" text PRIMARY KEY NOT NULL,
	"app_id" text NOT NULL,
	"template_id" text NOT NULL,
	"user_id" text NOT NULL,
	"status" text DEFAULT 'available' NOT NULL,
	"valid_from" timestamp with time zone NOT NULL,
	"valid_until" timestamp with time zone,
	"source" text NOT NULL,
	"issue_key" text,
	"order_ref" text,
	"discount" bigint,
	"redeemed_at" timestamp with time zone,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "cp_templates" (
	"id" text PRIMARY KEY NOT NULL,
	"app_id" text NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"kind" text NOT NULL,
	"amount" bigint DEFAULT 0 NOT NULL,
	"percent_off" integer,
	"max_discount" bigint,
	"min_spend" bigint DEFAULT 0 NOT NULL,
	"valid_from" timestamp with time zone,
	"valid_until" timestamp with time zone,
	"valid_days" integer,
	"product_ids" text[] DEFAULT '{}'::text[] NOT NULL,
	"category_ids" text[] DEFAULT '{}'::text[] NOT NULL,
	"per_user_limit" integer DEFAULT 1 NOT NULL,
	"total_quantity" integer,
	"issued" integer DEFAULT 0 NOT NULL,
	"claimable" boolean DEFAULT true NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "cp_templates_quantity" CHECK (total_quantity is null or issued <= total_quantity)
);
--> statement-breakpoint
CREATE TABLE "cp_user_counts" (
	"template_id" text NOT NULL,
	"user_id" text NOT NULL,
	"n" integer NOT NULL,
	CONSTRAINT "cp_user_counts_template_id_user_id_pk" PRIMARY KEY("template_id","user_id")
);
--> statement-breakpoint
ALTER TABLE "cm_bg_bargains" ADD CONSTRAINT "cm_bg_bargains_campaign_id_cm_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."cm_campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cm_bg_cuts" ADD CONSTRAINT "cm_bg_cuts_bargain_id_cm_bg_bargains_id_fk" FOREIGN KEY ("bargain_id") REFERENCES "public"."cm_bg_bargains"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cm_cf_pledges" ADD CONSTRAINT "cm_cf_pledges_campaign_id_cm_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."cm_campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cm_cf_tiers" ADD CONSTRAINT "cm_cf_tiers_campaign_id_cm_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."cm_campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cm_fs_items" ADD CONSTRAINT "cm_fs_items_session_id_cm_fs_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."cm_fs_sessions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cm_fs_sessions" ADD CONSTRAINT "cm_fs_sessions_campaign_id_cm_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."cm_campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cm_fs_stock" ADD CONSTRAINT "cm_fs_stock_item_id_cm_fs_items_id_fk" FOREIGN KEY ("item_id") REFERENCES "public"."cm_fs_items"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cm_gb_members" ADD CONSTRAINT "cm_gb_members_team_id_cm_gb_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."cm_gb_teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cm_gb_teams" ADD CONSTRAINT "cm_gb_teams_campaign_id_cm_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."cm_campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cm_ps_orders" ADD CONSTRAINT "cm_ps_orders_campaign_id_cm_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."cm_campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cm_rf_codes" ADD CONSTRAINT "cm_rf_codes_campaign_id_cm_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."cm_campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cm_rf_referrals" ADD CONSTRAINT "cm_rf_referrals_campaign_id_cm_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."cm_campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cp_coupons" ADD CONSTRAINT "cp_coupons_template_id_cp_templates_id_fk" FOREIGN KEY ("template_id") REFERENCES "public"."cp_templates"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "cm_bg_bargains_campaign" ON "cm_bg_bargains" USING btree ("campaign_id","status","created_at");--> statement-breakpoint
CREATE INDEX "cm_bg_bargains_user" ON "cm_bg_bargains" USING btree ("app_id","user_id");--> statement-breakpoint
CREATE INDEX "cm_bg_bargains_due" ON "cm_bg_bargains" USING btree ("expires_at") WHERE status = 'active';--> statement-breakpoint
CREATE INDEX "cm_campaigns_app" ON "cm_campaigns" USING btree ("app_id","created_at","id");--> statement-breakpoint
CREATE INDEX "cm_campaigns_due_start" ON "cm_campaigns" USING btree ("starts_at") WHERE status = 'scheduled';--> statement-breakpoint
CREATE INDEX "cm_campaigns_due_end" ON "cm_campaigns" USING btree ("ends_at") WHERE status in ('scheduled', 'running');--> statement-breakpoint
CREATE UNIQUE INDEX "cm_cf_pledges_ref" ON "cm_cf_pledges" USING btree ("campaign_id","order_ref");--> statement-breakpoint
CREATE INDEX "cm_cf_pledges_campaign" ON "cm_cf_pledges" USING btree ("campaign_id","status","created_at");--> statement-breakpoint
CREATE INDEX "cm_fs_items_session" ON "cm_fs_items" USING btree ("session_id","id");--> statement-breakpoint
CREATE INDEX "cm_fs_items_campaign" ON "cm_fs_items" USING btree ("campaign_id");--> statement-breakpoint
CREATE INDEX "cm_fs_reservations_app" ON "cm_fs_reservations" USING btree ("app_id","created_at","id");--> statement-breakpoint
CREATE INDEX "cm_fs_reservations_item" ON "cm_fs_reservations" USING btree ("item_id","status");--> statement-breakpoint
CREATE INDEX "cm_fs_reservations_campaign" ON "cm_fs_reservations" USING btree ("campaign_id","status");--> statement-breakpoint
CREATE INDEX "cm_fs_reservations_user" ON "cm_fs_reservations" USING btree ("app_id","user_id");--> statement-breakpoint
CREATE INDEX "cm_fs_reservations_due" ON "cm_fs_reservations" USING btree ("expires_at") WHERE status = 'held';--> statement-breakpoint
CREATE INDEX "cm_fs_sessions_campaign" ON "cm_fs_sessions" USING btree ("campaign_id","starts_at");--> statement-breakpoint
CREATE INDEX "cm_gb_members_user" ON "cm_gb_members" USING btree ("app_id","user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "cm_gb_teams_code" ON "cm_gb_teams" USING btree ("app_id","share_code");--> statement-breakpoint
CREATE INDEX "cm_gb_teams_campaign" ON "cm_gb_teams" USING btree ("campaign_id","status","created_at");--> statement-breakpoint
CREATE INDEX "cm_gb_teams_due" ON "cm_gb_teams" USING btree ("expires_at") WHERE status = 'open';--> statement-breakpoint
CREATE UNIQUE INDEX "cm_ps_orders_deposit_ref" ON "cm_ps_orders" USING btree ("campaign_id","deposit_order_ref");--> statement-breakpoint
CREATE INDEX "cm_ps_orders_campaign" ON "cm_ps_orders" USING btree ("campaign_id","status","created_at");--> statement-breakpoint
CREATE INDEX "cm_ps_orders_remind" ON "cm_ps_orders" USING btree ("remind_at") WHERE status = 'deposit_paid' and reminded_at is null;--> statement-breakpoint
CREATE INDEX "cm_ps_orders_forfeit" ON "cm_ps_orders" USING btree ("final_ends_at") WHERE status = 'deposit_paid';--> statement-breakpoint
CREATE UNIQUE INDEX "cm_rf_codes_code" ON "cm_rf_codes" USING btree ("app_id","code");--> statement-breakpoint
CREATE INDEX "cm_rf_referrals_inviter" ON "cm_rf_referrals" USING btree ("campaign_id","inviter_user_id");--> statement-breakpoint
CREATE INDEX "cm_rf_referrals_invitee" ON "cm_rf_referrals" USING btree ("app_id","invitee_user_id") WHERE status = 'attributed';--> statement-breakpoint
CREATE INDEX "cp_coupons_user" ON "cp_coupons" USING btree ("app_id","user_id","created_at","id");--> statement-breakpoint
CREATE INDEX "cp_coupons_template" ON "cp_coupons" USING btree ("template_id","status");--> statement-breakpoint
CREATE UNIQUE INDEX "cp_coupons_issue_key" ON "cp_coupons" USING btree ("template_id","issue_key");--> statement-breakpoint
CREATE INDEX "cp_coupons_due" ON "cp_coupons" USING btree ("valid_until") WHERE status = 'available';--> statement-breakpoint
CREATE INDEX "cp_templates_app" ON "cp_templates" USING btree ("app_id","created_at","id");