CREATE TABLE "cs_agents" (
	"app_id" text NOT NULL,
	"operator_id" text NOT NULL,
	"status" text NOT NULL,
	"skills" text[] DEFAULT '{}' NOT NULL,
	"capacity" integer DEFAULT 5 NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "cs_agents_app_id_operator_id_pk" PRIMARY KEY("app_id","operator_id")
);
--> statement-breakpoint
CREATE TABLE "cs_canned" (
	"id" text PRIMARY KEY NOT NULL,
	"app_id" text NOT NULL,
	"title" text NOT NULL,
	"body" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "cs_conversations" (
	"id" text PRIMARY KEY NOT NULL,
	"app_id" text NOT NULL,
	"user_id" text NOT NULL,
	"channel" text NOT NULL,
	"external_id" text,
	"status" text NOT NULL,
	"skill" text,
	"agent_id" text,
	"locale" text NOT NULL,
	"low_confidence" integer DEFAULT 0 NOT NULL,
	"waiting_since" timestamp with time zone,
	"first_response_at" timestamp with time zone,
	"resolved_at" timestamp with time zone,
	"first_response_breached_at" timestamp with time zone,
	"resolution_breached_at" timestamp with time zone,
	"rating" integer,
	"rating_comment" text,
	"rated_at" timestamp with time zone,
	"last_message_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "cs_messages" (
	"seq" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "cs_messages_seq_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"id" text NOT NULL,
	"app_id" text NOT NULL,
	"conversation_id" text NOT NULL,
	"author_kind" text NOT NULL,
	"author_id" text,
	"body" text NOT NULL,
	"attachments" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"internal" boolean DEFAULT false NOT NULL,
	"sources" jsonb,
	"external_id" text,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "cs_settings" (
	"app_id" text PRIMARY KEY NOT NULL,
	"bot_enabled" boolean DEFAULT true NOT NULL,
	"threshold" real DEFAULT 0.6 NOT NULL,
	"handover_keywords" text[] NOT NULL,
	"first_response_minutes" integer,
	"resolution_minutes" integer,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE INDEX "cs_canned_app" ON "cs_canned" USING btree ("app_id","created_at","id");--> statement-breakpoint
CREATE INDEX "cs_conversations_app" ON "cs_conversations" USING btree ("app_id","last_message_at","id");--> statement-breakpoint
CREATE INDEX "cs_conversations_user" ON "cs_conversations" USING btree ("app_id","user_id","last_message_at");--> statement-breakpoint
CREATE INDEX "cs_conversations_queue" ON "cs_conversations" USING btree ("app_id","status","waiting_since");--> statement-breakpoint
CREATE INDEX "cs_conversations_agent" ON "cs_conversations" USING btree ("app_id","agent_id","status");--> statement-breakpoint
CREATE UNIQUE INDEX "cs_conversations_external" ON "cs_conversations" USING btree ("app_id","channel","external_id") WHERE external_id is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "cs_messages_id" ON "cs_messages" USING btree ("id");--> statement-breakpoint
CREATE INDEX "cs_messages_conversation" ON "cs_messages" USING btree ("conversation_id","seq");--> statement-breakpoint
CREATE UNIQUE INDEX "cs_messages_external" ON "cs_messages" USING btree ("conversation_id","external_id") WHERE external_id is not null;