CREATE TABLE "faq_entries" (
	"id" text PRIMARY KEY NOT NULL,
	"app_id" text NOT NULL,
	"external_key" text,
	"question" text NOT NULL,
	"variants" text[] DEFAULT '{}' NOT NULL,
	"answer" text NOT NULL,
	"category" text,
	"locale" text NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "faq_phrases" (
	"entry_id" text NOT NULL,
	"seq" integer NOT NULL,
	"app_id" text NOT NULL,
	"terms" text[] NOT NULL,
	CONSTRAINT "faq_phrases_entry_id_seq_pk" PRIMARY KEY("entry_id","seq")
);
--> statement-breakpoint
CREATE TABLE "faq_settings" (
	"app_id" text PRIMARY KEY NOT NULL,
	"generative" boolean DEFAULT false NOT NULL,
	"endpoint_url" text,
	"model" text,
	"api_key" text,
	"timeout_ms" integer DEFAULT 5000 NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "faq_terms" (
	"app_id" text NOT NULL,
	"term" text NOT NULL,
	"df" integer NOT NULL,
	CONSTRAINT "faq_terms_app_id_term_pk" PRIMARY KEY("app_id","term")
);
--> statement-breakpoint
ALTER TABLE "faq_phrases" ADD CONSTRAINT "faq_phrases_entry_id_faq_entries_id_fk" FOREIGN KEY ("entry_id") REFERENCES "public"."faq_entries"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "faq_entries_app" ON "faq_entries" USING btree ("app_id","created_at","id");--> statement-breakpoint
CREATE UNIQUE INDEX "faq_entries_key" ON "faq_entries" USING btree ("app_id","external_key") WHERE "faq_entries"."external_key" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "faq_phrases_terms" ON "faq_phrases" USING gin ("terms");--> statement-breakpoint
CREATE INDEX "faq_phrases_app" ON "faq_phrases" USING btree ("app_id");