CREATE TABLE "co_checkins" (
	"group_id" text NOT NULL,
	"user_id" text NOT NULL,
	"app_id" text NOT NULL,
	"day" date NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "co_checkins_group_id_user_id_day_pk" PRIMARY KEY("group_id","user_id","day")
);
--> statement-breakpoint
CREATE TABLE "co_feed" (
	"group_id" text NOT NULL,
	"user_id" text NOT NULL,
	"app_id" text NOT NULL,
	"status" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"accepted_at" timestamp with time zone,
	CONSTRAINT "co_feed_group_id_user_id_pk" PRIMARY KEY("group_id","user_id")
);
--> statement-breakpoint
ALTER TABLE "co_groups" ADD COLUMN "feed_segment_id" text;--> statement-breakpoint
ALTER TABLE "co_groups" ADD COLUMN "feed_mode" text;--> statement-breakpoint
ALTER TABLE "co_groups" ADD COLUMN "feed_invite" text;--> statement-breakpoint
ALTER TABLE "co_groups" ADD COLUMN "feed_backfilled" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "co_groups" ADD COLUMN "feed_cursor" text;--> statement-breakpoint
ALTER TABLE "co_members" ADD COLUMN "checkins" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "co_members" ADD COLUMN "streak" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "co_members" ADD COLUMN "last_checkin_day" date;--> statement-breakpoint
ALTER TABLE "co_posts" ADD COLUMN "pinned_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "co_checkins" ADD CONSTRAINT "co_checkins_group_id_co_groups_id_fk" FOREIGN KEY ("group_id") REFERENCES "public"."co_groups"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "co_feed" ADD CONSTRAINT "co_feed_group_id_co_groups_id_fk" FOREIGN KEY ("group_id") REFERENCES "public"."co_groups"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "co_feed_status" ON "co_feed" USING btree ("group_id","status");