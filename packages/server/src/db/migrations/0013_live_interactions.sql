CREATE TABLE "lv_interactions" (
	"app_id" text NOT NULL,
	"id" text NOT NULL,
	"room_id" text NOT NULL,
	"kind" text NOT NULL,
	"ref" text NOT NULL,
	"title" text,
	"data" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "lv_interactions_app_id_id_pk" PRIMARY KEY("app_id","id")
);
--> statement-breakpoint
CREATE INDEX "lv_interactions_ref" ON "lv_interactions" USING btree ("app_id","kind","ref");--> statement-breakpoint
CREATE INDEX "lv_interactions_room" ON "lv_interactions" USING btree ("app_id","room_id");