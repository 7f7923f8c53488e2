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
CREATE TABLE "pl_ballots" (
	"poll_id" text NOT NULL,
	"user_id" text NOT NULL,
	"app_id" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "pl_ballots_poll_id_user_id_pk" PRIMARY KEY("poll_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "pl_choices" (
	"option_id" text NOT NULL,
	"user_id" text NOT NULL,
	"poll_id" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "pl_choices_option_id_user_id_pk" PRIMARY KEY("option_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "pl_options" (
	"id" text PRIMARY KEY NOT NULL,
	"poll_id" text NOT NULL,
	"position" integer NOT NULL,
	"text" text NOT NULL,
	"image_url" text,
	"vote_count" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "pl_polls" (
	"id" text PRIMARY KEY NOT NULL,
	"app_id" text NOT NULL,
	"question" text NOT NULL,
	"description" text,
	"kind" text NOT NULL,
	"max_choices" integer NOT NULL,
	"anonymous" boolean NOT NULL,
	"results_visibility" text NOT NULL,
	"allow_change" boolean NOT NULL,
	"subject_kind" text,
	"subject_id" text,
	"closes_at" timestamp with time zone,
	"closed_at" timestamp with time zone,
	"voter_count" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
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
CREATE TABLE "sv_answers" (
	"response_id" text NOT NULL,
	"survey_id" text NOT NULL,
	"question_id" text NOT NULL,
	"choice" text[],
	"num" integer,
	"text" text,
	"date" date,
	"answered_at" timestamp with time zone NOT NULL,
	CONSTRAINT "sv_answers_response_id_question_id_pk" PRIMARY KEY("response_id","question_id")
);
--> statement-breakpoint
CREATE TABLE "sv_contacts" (
	"app_id" text NOT NULL,
	"user_id" text NOT NULL,
	"last_shown_at" timestamp with time zone,
	"last_survey_id" text,
	CONSTRAINT "sv_contacts_app_id_user_id_pk" PRIMARY KEY("app_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "sv_displays" (
	"survey_id" text NOT NULL,
	"user_id" text NOT NULL,
	"app_id" text NOT NULL,
	"round" integer NOT NULL,
	"shown_at" timestamp with time zone NOT NULL,
	CONSTRAINT "sv_displays_survey_id_user_id_round_pk" PRIMARY KEY("survey_id","user_id","round")
);
--> statement-breakpoint
CREATE TABLE "sv_responses" (
	"id" text PRIMARY KEY NOT NULL,
	"survey_id" text NOT NULL,
	"app_id" text NOT NULL,
	"user_id" text NOT NULL,
	"round" integer NOT NULL,
	"status" text NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"completed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "sv_settings" (
	"app_id" text PRIMARY KEY NOT NULL,
	"recontact_days" integer NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sv_surveys" (
	"id" text PRIMARY KEY NOT NULL,
	"app_id" text NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"status" text NOT NULL,
	"questions" jsonb NOT NULL,
	"targeting" jsonb NOT NULL,
	"trigger_event" text,
	"recurrence_days" integer,
	"quota" integer,
	"completed_count" integer DEFAULT 0 NOT NULL,
	"points" integer,
	"starts_at" timestamp with time zone,
	"ends_at" timestamp with time zone,
	"created_by" text,
	"launched_at" timestamp with time zone,
	"closed_at" timestamp with time zone,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sv_triggers" (
	"survey_id" text NOT NULL,
	"user_id" text NOT NULL,
	"app_id" text NOT NULL,
	"triggered_at" timestamp with time zone NOT NULL,
	CONSTRAINT "sv_triggers_survey_id_user_id_pk" PRIMARY KEY("survey_id","user_id")
);
--> statement-breakpoint
ALTER TABLE "fb_comments" ADD CONSTRAINT "fb_comments_post_id_fb_posts_id_fk" FOREIGN KEY ("post_id") REFERENCES "public"."fb_posts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "fb_followers" ADD CONSTRAINT "fb_followers_post_id_fb_posts_id_fk" FOREIGN KEY ("post_id") REFERENCES "public"."fb_posts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "fb_grams" ADD CONSTRAINT "fb_grams_post_id_fb_posts_id_fk" FOREIGN KEY ("post_id") REFERENCES "public"."fb_posts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "fb_posts" ADD CONSTRAINT "fb_posts_board_id_fb_boards_id_fk" FOREIGN KEY ("board_id") REFERENCES "public"."fb_boards"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "fb_reads" ADD CONSTRAINT "fb_reads_post_id_fb_posts_id_fk" FOREIGN KEY ("post_id") REFERENCES "public"."fb_posts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "fb_status_changes" ADD CONSTRAINT "fb_status_changes_post_id_fb_posts_id_fk" FOREIGN KEY ("post_id") REFERENCES "public"."fb_posts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "fb_votes" ADD CONSTRAINT "fb_votes_post_id_fb_posts_id_fk" FOREIGN KEY ("post_id") REFERENCES "public"."fb_posts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pl_ballots" ADD CONSTRAINT "pl_ballots_poll_id_pl_polls_id_fk" FOREIGN KEY ("poll_id") REFERENCES "public"."pl_polls"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pl_choices" ADD CONSTRAINT "pl_choices_option_id_pl_options_id_fk" FOREIGN KEY ("option_id") REFERENCES "public"."pl_options"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pl_choices" ADD CONSTRAINT "pl_choices_ballot_fk" FOREIGN KEY ("poll_id","user_id") REFERENCES "public"."pl_ballots"("poll_id","user_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pl_options" ADD CONSTRAINT "pl_options_poll_id_pl_polls_id_fk" FOREIGN KEY ("poll_id") REFERENCES "public"."pl_polls"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "st_entries" ADD CONSTRAINT "st_entries_campaign_id_st_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."st_campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "st_likes" ADD CONSTRAINT "st_likes_entry_id_st_entries_id_fk" FOREIGN KEY ("entry_id") REFERENCES "public"."st_entries"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "st_winners" ADD CONSTRAINT "st_winners_campaign_id_st_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."st_campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "st_winners" ADD CONSTRAINT "st_winners_entry_id_st_entries_id_fk" FOREIGN KEY ("entry_id") REFERENCES "public"."st_entries"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sv_answers" ADD CONSTRAINT "sv_answers_response_id_sv_responses_id_fk" FOREIGN KEY ("response_id") REFERENCES "public"."sv_responses"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sv_displays" ADD CONSTRAINT "sv_displays_survey_id_sv_surveys_id_fk" FOREIGN KEY ("survey_id") REFERENCES "public"."sv_surveys"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sv_responses" ADD CONSTRAINT "sv_responses_survey_id_sv_surveys_id_fk" FOREIGN KEY ("survey_id") REFERENCES "public"."sv_surveys"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sv_triggers" ADD CONSTRAINT "sv_triggers_survey_id_sv_surveys_id_fk" FOREIGN KEY ("survey_id") REFERENCES "public"."sv_surveys"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
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
CREATE INDEX "fb_votes_user" ON "fb_votes" USING btree ("app_id","user_id");--> statement-breakpoint
CREATE INDEX "pl_ballots_user" ON "pl_ballots" USING btree ("app_id","user_id");--> statement-breakpoint
CREATE INDEX "pl_choices_ballot" ON "pl_choices" USING btree ("poll_id","user_id");--> statement-breakpoint
CREATE INDEX "pl_options_poll" ON "pl_options" USING btree ("poll_id","position");--> statement-breakpoint
CREATE INDEX "pl_polls_app" ON "pl_polls" USING btree ("app_id","created_at","id");--> statement-breakpoint
CREATE INDEX "pl_polls_subject" ON "pl_polls" USING btree ("app_id","subject_kind","subject_id","created_at");--> statement-breakpoint
CREATE INDEX "st_campaigns_app" ON "st_campaigns" USING btree ("app_id","created_at","id");--> statement-breakpoint
CREATE INDEX "st_campaigns_tag" ON "st_campaigns" USING btree ("app_id","status","source_event");--> statement-breakpoint
CREATE UNIQUE INDEX "st_entries_source" ON "st_entries" USING btree ("campaign_id","source_ref");--> statement-breakpoint
CREATE INDEX "st_entries_likes" ON "st_entries" USING btree ("campaign_id","status","like_count","id");--> statement-breakpoint
CREATE INDEX "st_entries_recent" ON "st_entries" USING btree ("campaign_id","status","created_at","id");--> statement-breakpoint
CREATE INDEX "st_entries_user" ON "st_entries" USING btree ("app_id","user_id");--> statement-breakpoint
CREATE INDEX "st_likes_user" ON "st_likes" USING btree ("app_id","user_id");--> statement-breakpoint
CREATE INDEX "sv_answers_question" ON "sv_answers" USING btree ("survey_id","question_id","answered_at");--> statement-breakpoint
CREATE INDEX "sv_displays_user" ON "sv_displays" USING btree ("app_id","user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "sv_responses_round" ON "sv_responses" USING btree ("survey_id","user_id","round");--> statement-breakpoint
CREATE INDEX "sv_responses_survey" ON "sv_responses" USING btree ("survey_id","status","completed_at");--> statement-breakpoint
CREATE INDEX "sv_responses_user" ON "sv_responses" USING btree ("app_id","user_id");--> statement-breakpoint
CREATE INDEX "sv_surveys_app" ON "sv_surveys" USING btree ("app_id","created_at","id");--> statement-breakpoint
CREATE INDEX "sv_surveys_trigger" ON "sv_surveys" USING btree ("app_id","trigger_event","status");--> statement-breakpoint
CREATE INDEX "sv_triggers_user" ON "sv_triggers" USING btree ("app_id","user_id");