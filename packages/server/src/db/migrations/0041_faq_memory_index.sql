CREATE TABLE "faq_versions" (
	"app_id" text PRIMARY KEY NOT NULL,
	"stamp" text NOT NULL
);
--> statement-breakpoint
INSERT INTO "faq_versions" ("app_id", "stamp") SELECT DISTINCT "app_id", gen_random_uuid()::text FROM "faq_entries";--> statement-breakpoint
DROP TABLE "faq_terms" CASCADE;--> statement-breakpoint
DROP INDEX "faq_phrases_docs";
