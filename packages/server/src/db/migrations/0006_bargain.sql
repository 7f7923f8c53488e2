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
ALTER TABLE "cm_bg_bargains" ADD CONSTRAINT "cm_bg_bargains_campaign_id_cm_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."cm_campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cm_bg_cuts" ADD CONSTRAINT "cm_bg_cuts_bargain_id_cm_bg_bargains_id_fk" FOREIGN KEY ("bargain_id") REFERENCES "public"."cm_bg_bargains"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "cm_bg_bargains_campaign" ON "cm_bg_bargains" USING btree ("campaign_id","status","created_at");--> statement-breakpoint
CREATE INDEX "cm_bg_bargains_user" ON "cm_bg_bargains" USING btree ("app_id","user_id");--> statement-breakpoint
CREATE INDEX "cm_bg_bargains_due" ON "cm_bg_bargains" USING btree ("expires_at") WHERE status = 'active';