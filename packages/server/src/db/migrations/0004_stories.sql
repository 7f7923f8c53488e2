CREATE TABLE "st_campaigns" (
	"id" text PRIMARY KEY NOT NULL,
	"app_id" text NOT NULL,
	"kind" text NOT NULL,
	"title" text NOT NULL,
	"description" text,
	"hashtag" text,
	"source_event" text,
	"moderation" text NOT NULL,
	"status" text NOT NULL,
	"ends_at" timestamp with time zone,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "st_entries" (
	"id" text PRIMARY KEY NOT NULL,
	"campaign_id" text NOT NULL,
	"app_id" text NOT NULL,
	"user_id" text NOT NULL,
	"text" text NOT NULL,
	"image_urls" text[] NOT NULL,
	"source" text NOT NULL,
	"source_ref" text,
	"status" text NOT NULL,
	"featured" boolean DEFAULT false NOT NULL,
	"like_count" integer DEFAULT 0 NOT NULL,
	"moderated_at" timestamp with time zone,
	"moderated_by" text,
	"reject_reason" text,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "st_likes" (
	"entry_id" text NOT NULL,
	"user_id" text NOT NULL,
	"app_id" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "st_likes_entry_id_user_id_pk" PRIMARY KEY("entry_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "st_winners" (
	"campaign_id" text NOT NULL,
	"entry_id" text NOT NULL,
	"user_id" text NOT NULL,
	"rank" integer NOT NULL,
	"prize" text NOT NULL,
	"picked_by" text NOT NULL,
	"awarded_at" timestamp with time zone NOT NULL,
	CONSTRAINT "st_winners_campaign_id_entry_id_pk" PRIMARY KEY("campaign_id","entry_id")
);
--> statement-breakpoint
ALTER TABLE "st_entries" ADD CONSTRAINT "st_entries_campaign_id_st_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."st_campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "st_likes" ADD CONSTRAINT "st_likes_entry_id_st_entries_id_fk" FOREIGN KEY ("entry_id") REFERENCES "public"."st_entries"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "st_winners" ADD CONSTRAINT "st_winners_campaign_id_st_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."st_campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "st_winners" ADD CONSTRAINT "st_winners_entry_id_st_entries_id_fk" FOREIGN KEY ("entry_id") REFERENCES "public"."st_entries"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "st_campaigns_app" ON "st_campaigns" USING btree ("app_id","created_at","id");--> statement-breakpoint
CREATE INDEX "st_campaigns_tag" ON "st_campaigns" USING btree ("app_id","status","source_event");--> statement-breakpoint
CREATE UNIQUE INDEX "st_entries_source" ON "st_entries" USING btree ("campaign_id","source_ref");--> statement-breakpoint
CREATE INDEX "st_entries_likes" ON "st_entries" USING btree ("campaign_id","status","like_count","id");--> statement-breakpoint
CREATE INDEX "st_entries_recent" ON "st_entries" USING btree ("campaign_id","status","created_at","id");--> statement-breakpoint
CREATE INDEX "st_entries_user" ON "st_entries" USING btree ("app_id","user_id");--> statement-breakpoint
CREATE INDEX "st_likes_user" ON "st_likes" USING btree ("app_id","user_id");