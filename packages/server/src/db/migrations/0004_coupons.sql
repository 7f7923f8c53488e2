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
ALTER TABLE "cp_coupons" ADD CONSTRAINT "cp_coupons_template_id_cp_templates_id_fk" FOREIGN KEY ("template_id") REFERENCES "public"."cp_templates"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "cp_coupons_user" ON "cp_coupons" USING btree ("app_id","user_id","created_at","id");--> statement-breakpoint
CREATE INDEX "cp_coupons_template" ON "cp_coupons" USING btree ("template_id","status");--> statement-breakpoint
CREATE UNIQUE INDEX "cp_coupons_issue_key" ON "cp_coupons" USING btree ("template_id","issue_key");--> statement-breakpoint
CREATE INDEX "cp_coupons_due" ON "cp_coupons" USING btree ("valid_until") WHERE status = 'available';--> statement-breakpoint
CREATE INDEX "cp_templates_app" ON "cp_templates" USING btree ("app_id","created_at","id");