CREATE TABLE "lv_messages" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"app_id" text NOT NULL,
	"room_id" text NOT NULL,
	"user_id" text NOT NULL,
	"text" text NOT NULL,
	"masked" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "lv_rooms" (
	"app_id" text NOT NULL,
	"id" text NOT NULL,
	"title" text NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"chat_max" integer NOT NULL,
	"chat_window_s" integer NOT NULL,
	"likes" bigint DEFAULT 0 NOT NULL,
	"messages" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"closed_at" timestamp with time zone,
	CONSTRAINT "lv_rooms_app_id_id_pk" PRIMARY KEY("app_id","id")
);
--> statement-breakpoint
CREATE TABLE "ms_announcement_states" (
	"app_id" text NOT NULL,
	"announcement_id" bigint NOT NULL,
	"user_id" text NOT NULL,
	"read_at" timestamp with time zone,
	"clicked_at" timestamp with time zone,
	"deleted_at" timestamp with time zone,
	CONSTRAINT "ms_announcement_states_app_id_user_id_announcement_id_pk" PRIMARY KEY("app_id","user_id","announcement_id")
);
--> statement-breakpoint
CREATE TABLE "ms_announcements" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"app_id" text NOT NULL,
	"category" text NOT NULL,
	"title_zh" text NOT NULL,
	"body_zh" text NOT NULL,
	"title_en" text NOT NULL,
	"body_en" text NOT NULL,
	"url" text,
	"data" jsonb,
	"audience" jsonb,
	"campaign" text,
	"realtime" boolean DEFAULT true NOT NULL,
	"pushed_at" timestamp with time zone,
	"starts_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone,
	"withdrawn_at" timestamp with time zone,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ms_budget_counters" (
	"app_id" text NOT NULL,
	"user_id" text NOT NULL,
	"rule_id" text NOT NULL,
	"win" text NOT NULL,
	"used" integer NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ms_budget_counters_app_id_user_id_rule_id_win_pk" PRIMARY KEY("app_id","user_id","rule_id","win")
);
--> statement-breakpoint
CREATE TABLE "ms_cap_rules" (
	"app_id" text NOT NULL,
	"id" text NOT NULL,
	"channel" text,
	"category" text,
	"max" integer NOT NULL,
	"period" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ms_cap_rules_app_id_id_pk" PRIMARY KEY("app_id","id")
);
--> statement-breakpoint
CREATE TABLE "ms_contact_log" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"app_id" text NOT NULL,
	"user_id" text NOT NULL,
	"channel" text NOT NULL,
	"category" text NOT NULL,
	"source" text NOT NULL,
	"ref" text NOT NULL,
	"outcome" text NOT NULL,
	"retry_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ms_deliveries" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"app_id" text NOT NULL,
	"message_id" bigint NOT NULL,
	"user_id" text NOT NULL,
	"send_id" text,
	"channel" text NOT NULL,
	"status" text NOT NULL,
	"deliver_after" timestamp with time zone NOT NULL,
	"lease_until" timestamp with time zone,
	"attempts" smallint DEFAULT 0 NOT NULL,
	"last_error" text,
	"sent_at" timestamp with time zone,
	"delivered_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ms_digests" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"app_id" text NOT NULL,
	"user_id" text NOT NULL,
	"key" text NOT NULL,
	"rule_id" text NOT NULL,
	"count" integer NOT NULL,
	"actors" text[] NOT NULL,
	"data" jsonb NOT NULL,
	"flush_at" timestamp with time zone NOT NULL,
	"status" text NOT NULL,
	"send_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ms_rules" (
	"app_id" text NOT NULL,
	"id" text NOT NULL,
	"event" text NOT NULL,
	"recipient" text NOT NULL,
	"template_key" text NOT NULL,
	"channels" text[] NOT NULL,
	"transactional" boolean DEFAULT false NOT NULL,
	"data_map" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"digest" jsonb,
	"enabled" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ms_rules_app_id_id_pk" PRIMARY KEY("app_id","id")
);
--> statement-breakpoint
CREATE TABLE "ms_messages" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"app_id" text NOT NULL,
	"user_id" text NOT NULL,
	"send_id" text,
	"category" text NOT NULL,
	"title" text NOT NULL,
	"body" text NOT NULL,
	"url" text,
	"data" jsonb,
	"status" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"read_at" timestamp with time zone,
	"clicked_at" timestamp with time zone,
	"deleted_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "ms_sends" (
	"app_id" text NOT NULL,
	"id" text NOT NULL,
	"kind" text NOT NULL,
	"campaign" text,
	"audience" jsonb NOT NULL,
	"template_key" text,
	"content" jsonb,
	"data" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"category" text NOT NULL,
	"channels" text[] NOT NULL,
	"transactional" boolean DEFAULT false NOT NULL,
	"status" text NOT NULL,
	"scheduled_at" timestamp with time zone,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"lease_until" timestamp with time zone,
	"cursor" text,
	"targeted" integer DEFAULT 0 NOT NULL,
	"sent" integer DEFAULT 0 NOT NULL,
	"capped" integer DEFAULT 0 NOT NULL,
	"deferred" integer DEFAULT 0 NOT NULL,
	"suppressed" integer DEFAULT 0 NOT NULL,
	"rule_id" text,
	"dedupe_key" text,
	"error" text,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ms_sends_app_id_id_pk" PRIMARY KEY("app_id","id")
);
--> statement-breakpoint
CREATE TABLE "ms_settings" (
	"app_id" text PRIMARY KEY NOT NULL,
	"signing_secret" text NOT NULL,
	"default_locale" text DEFAULT 'zh-CN' NOT NULL,
	"default_timezone" text DEFAULT 'UTC' NOT NULL,
	"quiet_start" smallint,
	"quiet_end" smallint,
	"quiet_channels" text[] DEFAULT '{realtime,email,webhook}'::text[] NOT NULL,
	"email" jsonb,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ms_templates" (
	"app_id" text NOT NULL,
	"key" text NOT NULL,
	"category" text NOT NULL,
	"title_zh" text NOT NULL,
	"body_zh" text NOT NULL,
	"title_en" text NOT NULL,
	"body_en" text NOT NULL,
	"url" text,
	"variables" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ms_templates_app_id_key_pk" PRIMARY KEY("app_id","key")
);
--> statement-breakpoint
CREATE TABLE "ms_user_prefs" (
	"app_id" text NOT NULL,
	"user_id" text NOT NULL,
	"disabled" text[] DEFAULT '{}'::text[] NOT NULL,
	"quiet_start" smallint,
	"quiet_end" smallint,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ms_user_prefs_app_id_user_id_pk" PRIMARY KEY("app_id","user_id")
);
--> statement-breakpoint
CREATE INDEX "lv_messages_room" ON "lv_messages" USING btree ("app_id","room_id","id");--> statement-breakpoint
CREATE INDEX "ms_announcement_states_ann" ON "ms_announcement_states" USING btree ("announcement_id");--> statement-breakpoint
CREATE INDEX "ms_announcements_app" ON "ms_announcements" USING btree ("app_id","starts_at");--> statement-breakpoint
CREATE INDEX "ms_announcements_push" ON "ms_announcements" USING btree ("starts_at") WHERE "ms_announcements"."pushed_at" is null;--> statement-breakpoint
CREATE UNIQUE INDEX "ms_contact_log_ref" ON "ms_contact_log" USING btree ("app_id","source","ref");--> statement-breakpoint
CREATE INDEX "ms_contact_log_user" ON "ms_contact_log" USING btree ("app_id","user_id","id");--> statement-breakpoint
CREATE INDEX "ms_deliveries_due" ON "ms_deliveries" USING btree ("deliver_after") WHERE "ms_deliveries"."status" in ('queued', 'deferred', 'sending');--> statement-breakpoint
CREATE INDEX "ms_deliveries_message" ON "ms_deliveries" USING btree ("message_id");--> statement-breakpoint
CREATE INDEX "ms_deliveries_send" ON "ms_deliveries" USING btree ("send_id") WHERE "ms_deliveries"."send_id" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "ms_digests_open" ON "ms_digests" USING btree ("app_id","user_id","key") WHERE "ms_digests"."status" = 'open';--> statement-breakpoint
CREATE INDEX "ms_digests_due" ON "ms_digests" USING btree ("flush_at") WHERE "ms_digests"."status" in ('open', 'flushing');--> statement-breakpoint
CREATE INDEX "ms_rules_event" ON "ms_rules" USING btree ("event");--> statement-breakpoint
CREATE INDEX "ms_messages_inbox" ON "ms_messages" USING btree ("app_id","user_id","created_at","id");--> statement-breakpoint
CREATE INDEX "ms_messages_send" ON "ms_messages" USING btree ("send_id") WHERE "ms_messages"."send_id" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "ms_sends_dedupe" ON "ms_sends" USING btree ("app_id","dedupe_key");--> statement-breakpoint
CREATE INDEX "ms_sends_due" ON "ms_sends" USING btree ("status","scheduled_at");--> statement-breakpoint
CREATE INDEX "ms_sends_campaign" ON "ms_sends" USING btree ("app_id","campaign");