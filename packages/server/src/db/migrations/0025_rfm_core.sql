CREATE TABLE "sg_core" (
	"app_id" text NOT NULL,
	"user_id" text NOT NULL,
	"active_days" integer NOT NULL,
	"active_seconds" integer NOT NULL,
	"spend" double precision NOT NULL,
	"score" double precision NOT NULL,
	"rank" integer NOT NULL,
	"core" boolean NOT NULL,
	"computed_at" timestamp with time zone NOT NULL,
	CONSTRAINT "sg_core_app_id_user_id_pk" PRIMARY KEY("app_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "sg_core_settings" (
	"app_id" text PRIMARY KEY NOT NULL,
	"window_days" integer NOT NULL,
	"top_percent" double precision NOT NULL,
	"w_frequency" double precision NOT NULL,
	"w_duration" double precision NOT NULL,
	"w_spend" double precision NOT NULL,
	"spend_event" text NOT NULL,
	"amount_path" text NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sg_rfm" (
	"app_id" text NOT NULL,
	"user_id" text NOT NULL,
	"recency_days" double precision NOT NULL,
	"frequency" integer NOT NULL,
	"monetary" double precision NOT NULL,
	"r_score" integer NOT NULL,
	"f_score" integer NOT NULL,
	"m_score" integer NOT NULL,
	"class" text NOT NULL,
	"computed_at" timestamp with time zone NOT NULL,
	CONSTRAINT "sg_rfm_app_id_user_id_pk" PRIMARY KEY("app_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "sg_rfm_runs" (
	"app_id" text PRIMARY KEY NOT NULL,
	"recency_days" double precision,
	"frequency" double precision,
	"monetary" double precision,
	"users" integer NOT NULL,
	"computed_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sg_rfm_settings" (
	"app_id" text PRIMARY KEY NOT NULL,
	"event" text NOT NULL,
	"amount_path" text NOT NULL,
	"window_days" integer NOT NULL,
	"method" text NOT NULL,
	"quantile" double precision,
	"recency_days" double precision,
	"frequency" double precision,
	"monetary" double precision,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE INDEX "sg_core_rank" ON "sg_core" USING btree ("app_id","rank");--> statement-breakpoint
CREATE INDEX "sg_rfm_class" ON "sg_rfm" USING btree ("app_id","class","user_id");