CREATE TABLE "gm_badges" (
	"id" text PRIMARY KEY NOT NULL,
	"app_id" text NOT NULL,
	"key" text NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"icon_url" text,
	"criteria" jsonb NOT NULL,
	"rewards" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"sort" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "gm_blocks" (
	"app_id" text NOT NULL,
	"user_id" text NOT NULL,
	"reason" text NOT NULL,
	"flag_id" bigint,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "gm_blocks_app_id_user_id_pk" PRIMARY KEY("app_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "gm_checkin_state" (
	"app_id" text NOT NULL,
	"user_id" text NOT NULL,
	"last_date" date,
	"streak" integer DEFAULT 0 NOT NULL,
	"longest" integer DEFAULT 0 NOT NULL,
	"total" integer DEFAULT 0 NOT NULL,
	"makeup_month" text,
	"makeups" integer DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "gm_checkin_state_app_id_user_id_pk" PRIMARY KEY("app_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "gm_checkins" (
	"app_id" text NOT NULL,
	"user_id" text NOT NULL,
	"local_date" date NOT NULL,
	"kind" text NOT NULL,
	"streak" integer NOT NULL,
	"reward" integer DEFAULT 0 NOT NULL,
	"paid_with" text,
	"timezone" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "gm_checkins_app_id_user_id_local_date_pk" PRIMARY KEY("app_id","user_id","local_date")
);
--> statement-breakpoint
CREATE TABLE "gm_config" (
	"app_id" text PRIMARY KEY NOT NULL,
	"config" jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "gm_counters" (
	"app_id" text NOT NULL,
	"user_id" text NOT NULL,
	"name" text NOT NULL,
	"value" bigint NOT NULL,
	CONSTRAINT "gm_counters_app_id_user_id_name_pk" PRIMARY KEY("app_id","user_id","name")
);
--> statement-breakpoint
CREATE TABLE "gm_daily_budget" (
	"app_id" text NOT NULL,
	"day" date NOT NULL,
	"spent" bigint NOT NULL,
	CONSTRAINT "gm_daily_budget_app_id_day_pk" PRIMARY KEY("app_id","day")
);
--> statement-breakpoint
CREATE TABLE "gm_daily_rewards" (
	"app_id" text NOT NULL,
	"user_id" text NOT NULL,
	"local_date" date NOT NULL,
	"amount" integer NOT NULL,
	"budget_day" date NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "gm_daily_rewards_app_id_user_id_local_date_pk" PRIMARY KEY("app_id","user_id","local_date")
);
--> statement-breakpoint
CREATE TABLE "gm_devices" (
	"app_id" text NOT NULL,
	"device_id" text NOT NULL,
	"user_id" text NOT NULL,
	"first_seen" timestamp with time zone NOT NULL,
	CONSTRAINT "gm_devices_app_id_device_id_user_id_pk" PRIMARY KEY("app_id","device_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "gm_draw_counts" (
	"app_id" text NOT NULL,
	"lottery_id" text NOT NULL,
	"user_id" text NOT NULL,
	"local_date" date NOT NULL,
	"n" integer NOT NULL,
	CONSTRAINT "gm_draw_counts_app_id_lottery_id_user_id_local_date_pk" PRIMARY KEY("app_id","lottery_id","user_id","local_date")
);
--> statement-breakpoint
CREATE TABLE "gm_draws" (
	"id" text PRIMARY KEY NOT NULL,
	"app_id" text NOT NULL,
	"lottery_id" text NOT NULL,
	"user_id" text NOT NULL,
	"request_key" text,
	"cost" integer NOT NULL,
	"roll" integer NOT NULL,
	"total_weight" integer NOT NULL,
	"weights" jsonb NOT NULL,
	"picked_prize_id" text NOT NULL,
	"prize_id" text,
	"fallback" text,
	"local_date" date NOT NULL,
	"ip" text,
	"device_id" text,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "gm_flags" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"app_id" text NOT NULL,
	"kind" text NOT NULL,
	"subject" text NOT NULL,
	"user_ids" jsonb NOT NULL,
	"details" jsonb NOT NULL,
	"hits" integer DEFAULT 1 NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"note" text,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "gm_levels" (
	"app_id" text NOT NULL,
	"level" integer NOT NULL,
	"name" text NOT NULL,
	"threshold" bigint NOT NULL,
	"benefits" jsonb NOT NULL,
	CONSTRAINT "gm_levels_app_id_level_pk" PRIMARY KEY("app_id","level")
);
--> statement-breakpoint
CREATE TABLE "gm_limit_counters" (
	"app_id" text NOT NULL,
	"action" text NOT NULL,
	"dim" text NOT NULL,
	"key" text NOT NULL,
	"window_start" timestamp with time zone NOT NULL,
	"n" integer NOT NULL,
	CONSTRAINT "gm_limit_counters_app_id_action_dim_key_window_start_pk" PRIMARY KEY("app_id","action","dim","key","window_start")
);
--> statement-breakpoint
CREATE TABLE "gm_lotteries" (
	"id" text PRIMARY KEY NOT NULL,
	"app_id" text NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"status" text NOT NULL,
	"cost_type" text,
	"cost_amount" integer DEFAULT 0 NOT NULL,
	"daily_limit" integer,
	"budget" bigint,
	"budget_used" bigint DEFAULT 0 NOT NULL,
	"starts_at" timestamp with time zone,
	"ends_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "gm_lotteries_budget" CHECK ("gm_lotteries"."budget" is null or "gm_lotteries"."budget_used" <= "gm_lotteries"."budget")
);
--> statement-breakpoint
CREATE TABLE "gm_mall_items" (
	"id" text PRIMARY KEY NOT NULL,
	"app_id" text NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"image_url" text,
	"kind" text NOT NULL,
	"price_type" text NOT NULL,
	"price" integer NOT NULL,
	"stock" integer,
	"per_user_limit" integer,
	"grant" jsonb,
	"active" boolean DEFAULT true NOT NULL,
	"sold" integer DEFAULT 0 NOT NULL,
	"sort" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "gm_mall_items_stock" CHECK ("gm_mall_items"."stock" is null or "gm_mall_items"."stock" >= 0)
);
--> statement-breakpoint
CREATE TABLE "gm_orders" (
	"id" text PRIMARY KEY NOT NULL,
	"app_id" text NOT NULL,
	"user_id" text NOT NULL,
	"item_id" text NOT NULL,
	"item_name" text NOT NULL,
	"quantity" integer NOT NULL,
	"price_type" text NOT NULL,
	"total" integer NOT NULL,
	"status" text NOT NULL,
	"shipping" jsonb,
	"tracking" text,
	"request_key" text,
	"ip" text,
	"device_id" text,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "gm_prizes" (
	"id" text PRIMARY KEY NOT NULL,
	"app_id" text NOT NULL,
	"lottery_id" text NOT NULL,
	"name" text NOT NULL,
	"kind" text NOT NULL,
	"reward_type" text,
	"reward_amount" integer,
	"weight" integer NOT NULL,
	"stock" integer,
	"value" bigint DEFAULT 0 NOT NULL,
	"awarded" integer DEFAULT 0 NOT NULL,
	"sort" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "gm_prizes_stock" CHECK ("gm_prizes"."stock" is null or "gm_prizes"."stock" >= 0),
	CONSTRAINT "gm_prizes_weight" CHECK ("gm_prizes"."weight" >= 0)
);
--> statement-breakpoint
CREATE TABLE "gm_purchases" (
	"app_id" text NOT NULL,
	"item_id" text NOT NULL,
	"user_id" text NOT NULL,
	"count" integer NOT NULL,
	CONSTRAINT "gm_purchases_app_id_item_id_user_id_pk" PRIMARY KEY("app_id","item_id","user_id"),
	CONSTRAINT "gm_purchases_count" CHECK ("gm_purchases"."count" >= 0)
);
--> statement-breakpoint
CREATE TABLE "gm_seen" (
	"app_id" text NOT NULL,
	"source_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "gm_seen_app_id_source_id_pk" PRIMARY KEY("app_id","source_id")
);
--> statement-breakpoint
CREATE TABLE "gm_task_progress" (
	"app_id" text NOT NULL,
	"user_id" text NOT NULL,
	"task_id" text NOT NULL,
	"period_key" text NOT NULL,
	"progress" integer NOT NULL,
	"completed_at" timestamp with time zone,
	"claimed_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "gm_task_progress_app_id_user_id_task_id_period_key_pk" PRIMARY KEY("app_id","user_id","task_id","period_key")
);
--> statement-breakpoint
CREATE TABLE "gm_tasks" (
	"id" text PRIMARY KEY NOT NULL,
	"app_id" text NOT NULL,
	"key" text NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"period" text NOT NULL,
	"event" text NOT NULL,
	"conditions" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"target" integer NOT NULL,
	"rewards" jsonb NOT NULL,
	"group" text,
	"sort" integer DEFAULT 0 NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "gm_user_badges" (
	"app_id" text NOT NULL,
	"user_id" text NOT NULL,
	"badge_id" text NOT NULL,
	"awarded_at" timestamp with time zone NOT NULL,
	"via" text NOT NULL,
	CONSTRAINT "gm_user_badges_app_id_user_id_badge_id_pk" PRIMARY KEY("app_id","user_id","badge_id")
);
--> statement-breakpoint
CREATE TABLE "gm_user_levels" (
	"app_id" text NOT NULL,
	"user_id" text NOT NULL,
	"level" integer NOT NULL,
	"changed_at" timestamp with time zone NOT NULL,
	"reviewed_at" timestamp with time zone NOT NULL,
	CONSTRAINT "gm_user_levels_app_id_user_id_pk" PRIMARY KEY("app_id","user_id")
);
--> statement-breakpoint
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
CREATE UNIQUE INDEX "gm_badges_key" ON "gm_badges" USING btree ("app_id","key");--> statement-breakpoint
CREATE UNIQUE INDEX "gm_draws_request" ON "gm_draws" USING btree ("app_id","user_id","lottery_id","request_key");--> statement-breakpoint
CREATE INDEX "gm_draws_lottery" ON "gm_draws" USING btree ("lottery_id","id");--> statement-breakpoint
CREATE INDEX "gm_draws_user" ON "gm_draws" USING btree ("app_id","user_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "gm_flags_open" ON "gm_flags" USING btree ("app_id","kind","subject") WHERE "gm_flags"."status" = 'open';--> statement-breakpoint
CREATE INDEX "gm_flags_app" ON "gm_flags" USING btree ("app_id","id");--> statement-breakpoint
CREATE INDEX "gm_limit_counters_window" ON "gm_limit_counters" USING btree ("window_start");--> statement-breakpoint
CREATE INDEX "gm_lotteries_app" ON "gm_lotteries" USING btree ("app_id","id");--> statement-breakpoint
CREATE INDEX "gm_mall_items_app" ON "gm_mall_items" USING btree ("app_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "gm_orders_request" ON "gm_orders" USING btree ("app_id","user_id","request_key");--> statement-breakpoint
CREATE INDEX "gm_orders_user" ON "gm_orders" USING btree ("app_id","user_id","id");--> statement-breakpoint
CREATE INDEX "gm_orders_app" ON "gm_orders" USING btree ("app_id","id");--> statement-breakpoint
CREATE INDEX "gm_prizes_lottery" ON "gm_prizes" USING btree ("lottery_id","sort");--> statement-breakpoint
CREATE INDEX "gm_seen_created" ON "gm_seen" USING btree ("created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "gm_tasks_key" ON "gm_tasks" USING btree ("app_id","key");--> statement-breakpoint
CREATE INDEX "gm_user_levels_review" ON "gm_user_levels" USING btree ("app_id","reviewed_at");--> statement-breakpoint
CREATE UNIQUE INDEX "pt_entries_idem" ON "pt_entries" USING btree ("app_id","idem_key");--> statement-breakpoint
CREATE INDEX "pt_entries_user" ON "pt_entries" USING btree ("app_id","user_id","type","id");--> statement-breakpoint
CREATE INDEX "pt_entries_app" ON "pt_entries" USING btree ("app_id","id");--> statement-breakpoint
CREATE INDEX "pt_lots_open" ON "pt_lots" USING btree ("app_id","user_id","type","expires_at","id") WHERE "pt_lots"."remaining" > 0;--> statement-breakpoint
CREATE INDEX "pt_lots_due" ON "pt_lots" USING btree ("expires_at") WHERE "pt_lots"."remaining" > 0 and "pt_lots"."expires_at" is not null;--> statement-breakpoint
CREATE INDEX "pt_rules_app" ON "pt_rules" USING btree ("app_id","source","event");