CREATE TABLE "pt_balances" (
	"app_id" text NOT NULL,
	"user_id" text NOT NULL,
	"type" text NOT NULL,
	"balance" bigint NOT NULL,
	"earned" bigint DEFAULT 0 NOT NULL,
	"spent" bigint DEFAULT 0 NOT NULL,
	"expired" bigint DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "pt_balances_app_id_user_id_type_pk" PRIMARY KEY("app_id","user_id","type"),
	CONSTRAINT "pt_balances_non_negative" CHECK ("pt_balances"."balance" >= 0)
);
--> statement-breakpoint
CREATE TABLE "pt_entries" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"app_id" text NOT NULL,
	"user_id" text NOT NULL,
	"type" text NOT NULL,
	"kind" text NOT NULL,
	"amount" bigint NOT NULL,
	"balance_after" bigint NOT NULL,
	"idem_key" text NOT NULL,
	"fingerprint" text NOT NULL,
	"reason" text,
	"source_type" text,
	"source_id" text,
	"rule_id" text,
	"actor_type" text NOT NULL,
	"actor_id" text,
	"expires_at" timestamp with time zone,
	"lots" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "pt_entries_amount_nonzero" CHECK ("pt_entries"."amount" <> 0)
);
--> statement-breakpoint
CREATE TABLE "pt_lots" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"app_id" text NOT NULL,
	"user_id" text NOT NULL,
	"type" text NOT NULL,
	"entry_id" bigint NOT NULL,
	"amount" bigint NOT NULL,
	"remaining" bigint NOT NULL,
	"expires_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "pt_lots_remaining" CHECK ("pt_lots"."remaining" >= 0 and "pt_lots"."remaining" <= "pt_lots"."amount")
);
--> statement-breakpoint
CREATE TABLE "pt_types" (
	"app_id" text NOT NULL,
	"key" text NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"expiry" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "pt_types_app_id_key_pk" PRIMARY KEY("app_id","key")
);
--> statement-breakpoint
CREATE TABLE "pt_rule_usage" (
	"app_id" text NOT NULL,
	"rule_id" text NOT NULL,
	"user_id" text NOT NULL,
	"period" text NOT NULL,
	"amount" bigint DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "pt_rule_usage_app_id_rule_id_user_id_period_pk" PRIMARY KEY("app_id","rule_id","user_id","period")
);
--> statement-breakpoint
CREATE TABLE "pt_rules" (
	"id" text PRIMARY KEY NOT NULL,
	"app_id" text NOT NULL,
	"name" text NOT NULL,
	"source" text NOT NULL,
	"event" text NOT NULL,
	"conditions" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"type" text NOT NULL,
	"amount" bigint NOT NULL,
	"daily_cap" bigint,
	"weekly_cap" bigint,
	"total_cap" bigint,
	"timezone" text DEFAULT 'UTC' NOT NULL,
	"expires_in_days" integer,
	"active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "pt_balances" ADD CONSTRAINT "pt_balances_type_fk" FOREIGN KEY ("app_id","type") REFERENCES "public"."pt_types"("app_id","key") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pt_rules" ADD CONSTRAINT "pt_rules_type_fk" FOREIGN KEY ("app_id","type") REFERENCES "public"."pt_types"("app_id","key") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "pt_entries_idem" ON "pt_entries" USING btree ("app_id","idem_key");--> statement-breakpoint
CREATE INDEX "pt_entries_user" ON "pt_entries" USING btree ("app_id","user_id","type","id");--> statement-breakpoint
CREATE INDEX "pt_entries_app" ON "pt_entries" USING btree ("app_id","id");--> statement-breakpoint
CREATE INDEX "pt_lots_open" ON "pt_lots" USING btree ("app_id","user_id","type","expires_at","id") WHERE "pt_lots"."remaining" > 0;--> statement-breakpoint
CREATE INDEX "pt_lots_due" ON "pt_lots" USING btree ("expires_at") WHERE "pt_lots"."remaining" > 0 and "pt_lots"."expires_at" is not null;--> statement-breakpoint
CREATE INDEX "pt_rules_app" ON "pt_rules" USING btree ("app_id","source","event");