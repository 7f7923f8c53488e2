CREATE TABLE "ev_consumers" (
	"consumer" text NOT NULL,
	"shard" smallint NOT NULL,
	"txid" "xid8" DEFAULT '0'::xid8 NOT NULL,
	"last_id" bigint DEFAULT 0 NOT NULL,
	"handled" bigint DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ev_consumers_consumer_shard_pk" PRIMARY KEY("consumer","shard")
);
--> statement-breakpoint
CREATE TABLE "ev_failures" (
	"consumer" text NOT NULL,
	"event_id" bigint NOT NULL,
	"app_id" text NOT NULL,
	"name" text NOT NULL,
	"error" text NOT NULL,
	"attempts" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ev_failures_consumer_event_id_pk" PRIMARY KEY("consumer","event_id")
);
--> statement-breakpoint
CREATE TABLE "ev_interest" (
	"app_id" text NOT NULL,
	"owner" text NOT NULL,
	"ref" text NOT NULL,
	"pattern" text NOT NULL,
	CONSTRAINT "ev_interest_app_id_owner_ref_pattern_pk" PRIMARY KEY("app_id","owner","ref","pattern")
);
--> statement-breakpoint
CREATE TABLE "ev_log" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "ev_log_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"txid" "xid8" DEFAULT pg_current_xact_id() NOT NULL,
	"app_id" text NOT NULL,
	"shard" smallint NOT NULL,
	"kind" text NOT NULL,
	"name" text NOT NULL,
	"version" smallint DEFAULT 1 NOT NULL,
	"actor_id" text,
	"user_ids" text[] DEFAULT '{}'::text[] NOT NULL,
	"key" text NOT NULL,
	"payload" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "ev_failures_app" ON "ev_failures" USING btree ("app_id","created_at");--> statement-breakpoint
CREATE INDEX "ev_interest_pattern" ON "ev_interest" USING btree ("app_id","pattern");--> statement-breakpoint
CREATE INDEX "ev_log_read" ON "ev_log" USING btree ("shard","txid","id");--> statement-breakpoint
CREATE INDEX "ev_log_app" ON "ev_log" USING btree ("app_id","id");--> statement-breakpoint
CREATE INDEX "ev_log_created" ON "ev_log" USING btree ("created_at");