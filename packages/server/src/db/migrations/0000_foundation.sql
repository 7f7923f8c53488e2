CREATE TABLE "au_log" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"app_id" text,
	"actor_type" text NOT NULL,
	"actor_id" text,
	"action" text NOT NULL,
	"target_type" text NOT NULL,
	"target_id" text,
	"before" jsonb,
	"after" jsonb,
	"request_id" text,
	"ip" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ev_events" (
	"app_id" text NOT NULL,
	"event_id" text NOT NULL,
	"seq" bigint GENERATED ALWAYS AS IDENTITY (sequence name "ev_events_seq_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1000),
	"user_id" text NOT NULL,
	"name" text NOT NULL,
	"properties" jsonb NOT NULL,
	"ts" timestamp with time zone NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ev_events_app_id_event_id_pk" PRIMARY KEY("app_id","event_id")
);
--> statement-breakpoint
CREATE TABLE "tn_app_keys" (
	"id" text PRIMARY KEY NOT NULL,
	"app_id" text NOT NULL,
	"kind" text NOT NULL,
	"name" text DEFAULT '' NOT NULL,
	"key_hash" text NOT NULL,
	"secret" text,
	"hint" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "tn_app_members" (
	"app_id" text NOT NULL,
	"operator_id" text NOT NULL,
	"role" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "tn_app_members_app_id_operator_id_pk" PRIMARY KEY("app_id","operator_id")
);
--> statement-breakpoint
CREATE TABLE "tn_apps" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"settings" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tn_operator_sessions" (
	"id" text PRIMARY KEY NOT NULL,
	"operator_id" text NOT NULL,
	"token_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"revoked_at" timestamp with time zone,
	"ip" text,
	"user_agent" text
);
--> statement-breakpoint
CREATE TABLE "tn_operators" (
	"id" text PRIMARY KEY NOT NULL,
	"email" text NOT NULL,
	"name" text DEFAULT '' NOT NULL,
	"password_hash" text NOT NULL,
	"locale" text DEFAULT 'zh-CN' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"disabled_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "us_users" (
	"app_id" text NOT NULL,
	"user_id" text NOT NULL,
	"traits" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"timezone" text,
	"locale" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "us_users_app_id_user_id_pk" PRIMARY KEY("app_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "http_idempotency" (
	"scope" text NOT NULL,
	"key" text NOT NULL,
	"fingerprint" text NOT NULL,
	"status_code" integer,
	"response" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "http_idempotency_scope_key_pk" PRIMARY KEY("scope","key")
);
--> statement-breakpoint
ALTER TABLE "tn_app_keys" ADD CONSTRAINT "tn_app_keys_app_id_tn_apps_id_fk" FOREIGN KEY ("app_id") REFERENCES "public"."tn_apps"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tn_app_members" ADD CONSTRAINT "tn_app_members_app_id_tn_apps_id_fk" FOREIGN KEY ("app_id") REFERENCES "public"."tn_apps"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tn_app_members" ADD CONSTRAINT "tn_app_members_operator_id_tn_operators_id_fk" FOREIGN KEY ("operator_id") REFERENCES "public"."tn_operators"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tn_operator_sessions" ADD CONSTRAINT "tn_operator_sessions_operator_id_tn_operators_id_fk" FOREIGN KEY ("operator_id") REFERENCES "public"."tn_operators"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "au_log_app" ON "au_log" USING btree ("app_id","id");--> statement-breakpoint
CREATE INDEX "au_log_target" ON "au_log" USING btree ("app_id","target_type","target_id");--> statement-breakpoint
CREATE INDEX "ev_events_user" ON "ev_events" USING btree ("app_id","user_id","seq");--> statement-breakpoint
CREATE INDEX "ev_events_seq" ON "ev_events" USING btree ("app_id","seq");--> statement-breakpoint
CREATE UNIQUE INDEX "tn_app_keys_hash" ON "tn_app_keys" USING btree ("key_hash");--> statement-breakpoint
CREATE INDEX "tn_app_keys_app" ON "tn_app_keys" USING btree ("app_id","created_at");--> statement-breakpoint
CREATE INDEX "tn_app_members_operator" ON "tn_app_members" USING btree ("operator_id");--> statement-breakpoint
CREATE UNIQUE INDEX "tn_operator_sessions_token" ON "tn_operator_sessions" USING btree ("token_hash");--> statement-breakpoint
CREATE INDEX "tn_operator_sessions_operator" ON "tn_operator_sessions" USING btree ("operator_id");--> statement-breakpoint
CREATE UNIQUE INDEX "tn_operators_email" ON "tn_operators" USING btree (lower("email"));--> statement-breakpoint
CREATE INDEX "us_users_created" ON "us_users" USING btree ("app_id","created_at","user_id");