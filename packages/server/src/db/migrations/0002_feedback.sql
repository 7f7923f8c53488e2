CREATE TABLE "fb_boards" (
	"id" text PRIMARY KEY NOT NULL,
	"app_id" text NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"visibility" text NOT NULL,
	"default_assignee" text,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "fb_comments" (
	"id" text PRIMARY KEY NOT NULL,
	"post_id" text NOT NULL,
	"app_id" text NOT NULL,
	"author_type" text NOT NULL,
	"author_id" text NOT NULL,
	"body" text NOT NULL,
	"official" boolean NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "fb_followers" (
	"post_id" text NOT NULL,
	"user_id" text NOT NULL,
	"app_id" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "fb_followers_post_id_user_id_pk" PRIMARY KEY("post_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "fb_grams" (
	"post_id" text NOT NULL,
	"app_id" text NOT NULL,
	"board_id" text NOT NULL,
	"gram" text NOT NULL,
	CONSTRAINT "fb_grams_post_id_gram_pk" PRIMARY KEY("post_id","gram")
);
--> statement-breakpoint
CREATE TABLE "fb_posts" (
	"id" text PRIMARY KEY NOT NULL,
	"app_id" text NOT NULL,
	"board_id" text NOT NULL,
	"type" text NOT NULL,
	"title" text NOT NULL,
	"body" text,
	"tags" text[] DEFAULT '{}'::text[] NOT NULL,
	"category" text,
	"bug" jsonb,
	"author_user_id" text NOT NULL,
	"status" text NOT NULL,
	"status_changed_at" timestamp with time zone,
	"vote_count" integer DEFAULT 0 NOT NULL,
	"vote_weight" integer DEFAULT 0 NOT NULL,
	"follower_count" integer DEFAULT 0 NOT NULL,
	"comment_count" integer DEFAULT 0 NOT NULL,
	"merged_into" text,
	"merged_at" timestamp with time zone,
	"response_comment_id" text,
	"first_response_at" timestamp with time zone,
	"first_responder_id" text,
	"assignee" text,
	"assigned_at" timestamp with time zone,
	"gram_count" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "fb_reads" (
	"post_id" text NOT NULL,
	"operator_id" text NOT NULL,
	"app_id" text NOT NULL,
	"read_at" timestamp with time zone NOT NULL,
	CONSTRAINT "fb_reads_post_id_operator_id_pk" PRIMARY KEY("post_id","operator_id")
);
--> statement-breakpoint
CREATE TABLE "fb_status_changes" (
	"seq" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "fb_status_changes_seq_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"post_id" text NOT NULL,
	"app_id" text NOT NULL,
	"board_id" text NOT NULL,
	"from_status" text NOT NULL,
	"to_status" text NOT NULL,
	"note" text NOT NULL,
	"actor_type" text NOT NULL,
	"actor_id" text,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "fb_votes" (
	"post_id" text NOT NULL,
	"user_id" text NOT NULL,
	"app_id" text NOT NULL,
	"weight" integer NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "fb_votes_post_id_user_id_pk" PRIMARY KEY("post_id","user_id")
);
--> statement-breakpoint
ALTER TABLE "fb_comments" ADD CONSTRAINT "fb_comments_post_id_fb_posts_id_fk" FOREIGN KEY ("post_id") REFERENCES "public"."fb_posts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "fb_followers" ADD CONSTRAINT "fb_followers_post_id_fb_posts_id_fk" FOREIGN KEY ("post_id") REFERENCES "public"."fb_posts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "fb_grams" ADD CONSTRAINT "fb_grams_post_id_fb_posts_id_fk" FOREIGN KEY ("post_id") REFERENCES "public"."fb_posts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "fb_posts" ADD CONSTRAINT "fb_posts_board_id_fb_boards_id_fk" FOREIGN KEY ("board_id") REFERENCES "public"."fb_boards"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "fb_reads" ADD CONSTRAINT "fb_reads_post_id_fb_posts_id_fk" FOREIGN KEY ("post_id") REFERENCES "public"."fb_posts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "fb_status_changes" ADD CONSTRAINT "fb_status_changes_post_id_fb_posts_id_fk" FOREIGN KEY ("post_id") REFERENCES "public"."fb_posts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "fb_votes" ADD CONSTRAINT "fb_votes_post_id_fb_posts_id_fk" FOREIGN KEY ("post_id") REFERENCES "public"."fb_posts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "fb_boards_app" ON "fb_boards" USING btree ("app_id","created_at","id");--> statement-breakpoint
CREATE INDEX "fb_comments_post" ON "fb_comments" USING btree ("post_id","created_at","id");--> statement-breakpoint
CREATE INDEX "fb_comments_author" ON "fb_comments" USING btree ("app_id","author_type","author_id","created_at");--> statement-breakpoint
CREATE INDEX "fb_followers_user" ON "fb_followers" USING btree ("app_id","user_id");--> statement-breakpoint
CREATE INDEX "fb_grams_lookup" ON "fb_grams" USING btree ("app_id","gram","board_id");--> statement-breakpoint
CREATE INDEX "fb_posts_board_new" ON "fb_posts" USING btree ("board_id","created_at","id");--> statement-breakpoint
CREATE INDEX "fb_posts_board_top" ON "fb_posts" USING btree ("board_id","vote_count","id");--> statement-breakpoint
CREATE INDEX "fb_posts_app_status" ON "fb_posts" USING btree ("app_id","status","vote_count");--> statement-breakpoint
CREATE INDEX "fb_posts_author" ON "fb_posts" USING btree ("app_id","author_user_id");--> statement-breakpoint
CREATE INDEX "fb_posts_assignee" ON "fb_posts" USING btree ("app_id","assignee","assigned_at");--> statement-breakpoint
CREATE INDEX "fb_posts_merged" ON "fb_posts" USING btree ("merged_into");--> statement-breakpoint
CREATE INDEX "fb_reads_operator" ON "fb_reads" USING btree ("app_id","operator_id","read_at");--> statement-breakpoint
CREATE INDEX "fb_status_changes_post" ON "fb_status_changes" USING btree ("post_id","seq");--> statement-breakpoint
CREATE INDEX "fb_status_changes_app" ON "fb_status_changes" USING btree ("app_id","to_status","seq");--> statement-breakpoint
CREATE INDEX "fb_votes_user" ON "fb_votes" USING btree ("app_id","user_id");