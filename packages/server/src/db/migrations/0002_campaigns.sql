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
CREATE TABLE "cm_user_quota" (
	"campaign_id" text NOT NULL,
	"user_id" text NOT NULL,
	"used" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "cm_user_quota_campaign_id_user_id_pk" PRIMARY KEY("campaign_id","user_id")
);
--> statement-breakpoint
ALTER TABLE "cm_fs_items" ADD CONSTRAINT "cm_fs_items_session_id_cm_fs_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."cm_fs_sessions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cm_fs_sessions" ADD CONSTRAINT "cm_fs_sessions_campaign_id_cm_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."cm_campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cm_fs_stock" ADD CONSTRAINT "cm_fs_stock_item_id_cm_fs_items_id_fk" FOREIGN KEY ("item_id") REFERENCES "public"."cm_fs_items"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "cm_campaigns_app" ON "cm_campaigns" USING btree ("app_id","created_at","id");--> statement-breakpoint
CREATE INDEX "cm_campaigns_due_start" ON "cm_campaigns" USING btree ("starts_at") WHERE status = 'scheduled';--> statement-breakpoint
CREATE INDEX "cm_campaigns_due_end" ON "cm_campaigns" USING btree ("ends_at") WHERE status in ('scheduled', 'running');--> statement-breakpoint
CREATE INDEX "cm_fs_items_session" ON "cm_fs_items" USING btree ("session_id","id");--> statement-breakpoint
CREATE INDEX "cm_fs_items_campaign" ON "cm_fs_items" USING btree ("campaign_id");--> statement-breakpoint
CREATE INDEX "cm_fs_reservations_app" ON "cm_fs_reservations" USING btree ("app_id","created_at","id");--> statement-breakpoint
CREATE INDEX "cm_fs_reservations_item" ON "cm_fs_reservations" USING btree ("item_id","status");--> statement-breakpoint
CREATE INDEX "cm_fs_reservations_campaign" ON "cm_fs_reservations" USING btree ("campaign_id","status");--> statement-breakpoint
CREATE INDEX "cm_fs_reservations_user" ON "cm_fs_reservations" USING btree ("app_id","user_id");--> statement-breakpoint
CREATE INDEX "cm_fs_reservations_due" ON "cm_fs_reservations" USING btree ("expires_at") WHERE status = 'held';--> statement-breakpoint
CREATE INDEX "cm_fs_sessions_campaign" ON "cm_fs_sessions" USING btree ("campaign_id","starts_at");