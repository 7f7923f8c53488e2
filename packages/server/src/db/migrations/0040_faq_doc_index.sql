DROP INDEX "faq_phrases_terms";--> statement-breakpoint
CREATE INDEX "faq_phrases_docs" ON "faq_phrases" USING gin ("terms") WHERE "faq_phrases"."seq" = -1;