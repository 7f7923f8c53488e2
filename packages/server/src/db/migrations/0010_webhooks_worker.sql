ALTER TABLE "wh_endpoints" ADD COLUMN "failure_streak" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "wh_endpoints" ADD COLUMN "circuit_open_until" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "wh_endpoints" ADD COLUMN "deleted_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "wh_deliveries_endpoint_open" ON "wh_deliveries" USING btree ("endpoint_id") WHERE status in ('pending', 'retrying', 'sending');--> statement-breakpoint
CREATE INDEX "wh_endpoints_circuit" ON "wh_endpoints" USING btree ("circuit_open_until") WHERE circuit_open_until is not null;