CREATE TABLE "co_followups" (
	"app_id" text NOT NULL,
	"group_id" text NOT NULL,
	"user_id" text NOT NULL,
	"due_at" timestamp with time zone,
	"last_sent_at" timestamp with time zone,
	"sends" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "co_followups_group_id_user_id_pk" PRIMARY KEY("group_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "co_groups" (
	"id" text PRIMARY KEY NOT NULL,
	"app_id" text NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"type" text NOT NULL,
	"capacity" integer,
	"owner_id" text NOT NULL,
	"admin_ids" text[] DEFAULT '{}' NOT NULL,
	"rules" text,
	"tags" text[] DEFAULT '{}' NOT NULL,
	"time_zone" text NOT NULL,
	"questions" text[] DEFAULT '{}' NOT NULL,
	"welcome" jsonb,
	"leave_followup" jsonb,
	"unanswered_minutes" integer,
	"member_count" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "co_invites" (
	"id" text PRIMARY KEY NOT NULL,
	"app_id" text NOT NULL,
	"group_id" text NOT NULL,
	"max_uses" integer,
	"uses" integer DEFAULT 0 NOT NULL,
	"expires_at" timestamp with time zone,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "co_members" (
	"group_id" text NOT NULL,
	"user_id" text NOT NULL,
	"app_id" text NOT NULL,
	"role" text NOT NULL,
	"status" text NOT NULL,
	"answers" jsonb,
	"join_seq" integer DEFAULT 0 NOT NULL,
	"joined_at" timestamp with time zone,
	"last_active_at" timestamp with time zone,
	"muted_until" timestamp with time zone,
	"left_at" timestamp with time zone,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "co_members_group_id_user_id_pk" PRIMARY KEY("group_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "co_posts" (
	"id" text PRIMARY KEY NOT NULL,
	"app_id" text NOT NULL,
	"group_id" text NOT NULL,
	"author_id" text NOT NULL,
	"kind" text NOT NULL,
	"title" text,
	"body" text NOT NULL,
	"reply_count" integer DEFAULT 0 NOT NULL,
	"first_reply_at" timestamp with time zone,
	"accepted_reply_id" text,
	"alert_level" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "co_replies" (
	"id" text PRIMARY KEY NOT NULL,
	"app_id" text NOT NULL,
	"group_id" text NOT NULL,
	"post_id" text NOT NULL,
	"author_id" text NOT NULL,
	"body" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "co_followups" ADD CONSTRAINT "co_followups_group_id_co_groups_id_fk" FOREIGN KEY ("group_id") REFERENCES "public"."co_groups"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "co_invites" ADD CONSTRAINT "co_invites_group_id_co_groups_id_fk" FOREIGN KEY ("group_id") REFERENCES "public"."co_groups"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "co_members" ADD CONSTRAINT "co_members_group_id_co_groups_id_fk" FOREIGN KEY ("group_id") REFERENCES "public"."co_groups"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "co_posts" ADD CONSTRAINT "co_posts_group_id_co_groups_id_fk" FOREIGN KEY ("group_id") REFERENCES "public"."co_groups"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "co_replies" ADD CONSTRAINT "co_replies_post_id_co_posts_id_fk" FOREIGN KEY ("post_id") REFERENCES "public"."co_posts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "co_followups_due" ON "co_followups" USING btree ("due_at");--> statement-breakpoint
CREATE INDEX "co_groups_app" ON "co_groups" USING btree ("app_id","created_at","id");--> statement-breakpoint
CREATE INDEX "co_invites_group" ON "co_invites" USING btree ("group_id");--> statement-breakpoint
CREATE INDEX "co_members_list" ON "co_members" USING btree ("group_id","status","joined_at");--> statement-breakpoint
CREATE INDEX "co_members_user" ON "co_members" USING btree ("app_id","user_id");--> statement-breakpoint
CREATE INDEX "co_posts_group" ON "co_posts" USING btree ("group_id","created_at","id");--> statement-breakpoint
CREATE INDEX "co_posts_waiting" ON "co_posts" USING btree ("kind","reply_count","alert_level","created_at");--> statement-breakpoint
CREATE INDEX "co_posts_author" ON "co_posts" USING btree ("group_id","author_id");--> statement-breakpoint
CREATE INDEX "co_replies_post" ON "co_replies" USING btree ("post_id","created_at","id");--> statement-breakpoint
CREATE INDEX "co_replies_author" ON "co_replies" USING btree ("group_id","author_id");