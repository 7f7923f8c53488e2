CREATE TABLE "ix_blocks" (
	"app_id" text NOT NULL,
	"user_id" text NOT NULL,
	"reason" text,
	"until" timestamp with time zone,
	"created_by" text,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "ix_blocks_app_id_user_id_pk" PRIMARY KEY("app_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "ix_comment_likes" (
	"comment_id" bigint NOT NULL,
	"user_id" text NOT NULL,
	"app_id" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "ix_comment_likes_comment_id_user_id_pk" PRIMARY KEY("comment_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "ix_comments" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"app_id" text NOT NULL,
	"subject_id" bigint NOT NULL,
	"root_id" bigint,
	"parent_id" bigint,
	"user_id" text NOT NULL,
	"reply_to_user_id" text,
	"body" text NOT NULL,
	"mentions" text[] DEFAULT '{}'::text[] NOT NULL,
	"status" text DEFAULT 'visible' NOT NULL,
	"official" text,
	"operator_id" text,
	"likes" integer DEFAULT 0 NOT NULL,
	"replies" integer DEFAULT 0 NOT NULL,
	"hot" double precision NOT NULL,
	"pinned_at" timestamp with time zone,
	"featured_at" timestamp with time zone,
	"featured_by" text,
	"open_reports" integer DEFAULT 0 NOT NULL,
	"moderation" text DEFAULT 'none' NOT NULL,
	"day" date NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"edited_at" timestamp with time zone,
	"deleted_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "ix_counters" (
	"subject_id" bigint NOT NULL,
	"slot" smallint NOT NULL,
	"likes" bigint DEFAULT 0 NOT NULL,
	"favourites" bigint DEFAULT 0 NOT NULL,
	"shares" bigint DEFAULT 0 NOT NULL,
	"comments" bigint DEFAULT 0 NOT NULL,
	"follows" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "ix_counters_subject_id_slot_pk" PRIMARY KEY("subject_id","slot")
);
--> statement-breakpoint
CREATE TABLE "ix_dirty" (
	"subject_id" bigint NOT NULL,
	"day" date NOT NULL,
	CONSTRAINT "ix_dirty_subject_id_day_pk" PRIMARY KEY("subject_id","day")
);
--> statement-breakpoint
CREATE TABLE "ix_folder_items" (
	"folder_id" bigint NOT NULL,
	"subject_id" bigint NOT NULL,
	"app_id" text NOT NULL,
	"user_id" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "ix_folder_items_folder_id_subject_id_pk" PRIMARY KEY("folder_id","subject_id")
);
--> statement-breakpoint
CREATE TABLE "ix_folders" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"app_id" text NOT NULL,
	"user_id" text NOT NULL,
	"name" text NOT NULL,
	"is_default" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ix_rankings" (
	"subject_id" bigint NOT NULL,
	"app_id" text NOT NULL,
	"kind" text NOT NULL,
	"period" text NOT NULL,
	"period_start" date NOT NULL,
	"score" double precision NOT NULL,
	CONSTRAINT "ix_rankings_subject_id_period_period_start_pk" PRIMARY KEY("subject_id","period","period_start")
);
--> statement-breakpoint
CREATE TABLE "ix_reactions" (
	"subject_id" bigint NOT NULL,
	"type" text NOT NULL,
	"user_id" text NOT NULL,
	"app_id" text NOT NULL,
	"day" date NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "ix_reactions_subject_id_type_user_id_pk" PRIMARY KEY("subject_id","type","user_id")
);
--> statement-breakpoint
CREATE TABLE "ix_reports" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"app_id" text NOT NULL,
	"comment_id" bigint NOT NULL,
	"reporter_id" text NOT NULL,
	"reason" text NOT NULL,
	"note" text,
	"created_at" timestamp with time zone NOT NULL,
	"resolved_at" timestamp with time zone,
	"resolution" text
);
--> statement-breakpoint
CREATE TABLE "ix_settings" (
	"app_id" text PRIMARY KEY NOT NULL,
	"settings" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ix_shares" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"app_id" text NOT NULL,
	"subject_id" bigint NOT NULL,
	"user_id" text NOT NULL,
	"channel" text NOT NULL,
	"day" date NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ix_slot_items" (
	"slot_id" bigint NOT NULL,
	"subject_id" bigint NOT NULL,
	"position" integer NOT NULL,
	"starts_at" timestamp with time zone,
	"ends_at" timestamp with time zone,
	"note" text,
	CONSTRAINT "ix_slot_items_slot_id_subject_id_pk" PRIMARY KEY("slot_id","subject_id")
);
--> statement-breakpoint
CREATE TABLE "ix_slots" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"app_id" text NOT NULL,
	"key" text NOT NULL,
	"title" text NOT NULL,
	"description" text,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ix_subject_days" (
	"subject_id" bigint NOT NULL,
	"day" date NOT NULL,
	"slot" smallint NOT NULL,
	"likes" bigint DEFAULT 0 NOT NULL,
	"favourites" bigint DEFAULT 0 NOT NULL,
	"shares" bigint DEFAULT 0 NOT NULL,
	"comments" bigint DEFAULT 0 NOT NULL,
	"follows" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "ix_subject_days_subject_id_day_slot_pk" PRIMARY KEY("subject_id","day","slot")
);
--> statement-breakpoint
CREATE TABLE "ix_subjects" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"app_id" text NOT NULL,
	"kind" text NOT NULL,
	"external_id" text NOT NULL,
	"title" text,
	"author_id" text,
	"tags" text[] DEFAULT '{}'::text[] NOT NULL,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"first_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"hot_score" double precision
);
--> statement-breakpoint
CREATE TABLE "ix_triples" (
	"subject_id" bigint NOT NULL,
	"user_id" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "ix_triples_subject_id_user_id_pk" PRIMARY KEY("subject_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "ix_user_counters" (
	"app_id" text NOT NULL,
	"user_id" text NOT NULL,
	"slot" smallint NOT NULL,
	"followers" bigint DEFAULT 0 NOT NULL,
	"following" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "ix_user_counters_app_id_user_id_slot_pk" PRIMARY KEY("app_id","user_id","slot")
);
--> statement-breakpoint
CREATE TABLE "ix_user_follows" (
	"app_id" text NOT NULL,
	"follower_id" text NOT NULL,
	"followee_id" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "ix_user_follows_app_id_follower_id_followee_id_pk" PRIMARY KEY("app_id","follower_id","followee_id")
);
--> statement-breakpoint
ALTER TABLE "ix_comment_likes" ADD CONSTRAINT "ix_comment_likes_comment_id_ix_comments_id_fk" FOREIGN KEY ("comment_id") REFERENCES "public"."ix_comments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ix_folder_items" ADD CONSTRAINT "ix_folder_items_folder_id_ix_folders_id_fk" FOREIGN KEY ("folder_id") REFERENCES "public"."ix_folders"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ix_reports" ADD CONSTRAINT "ix_reports_comment_id_ix_comments_id_fk" FOREIGN KEY ("comment_id") REFERENCES "public"."ix_comments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ix_slot_items" ADD CONSTRAINT "ix_slot_items_slot_id_ix_slots_id_fk" FOREIGN KEY ("slot_id") REFERENCES "public"."ix_slots"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "ix_comment_likes_user" ON "ix_comment_likes" USING btree ("app_id","user_id");--> statement-breakpoint
CREATE INDEX "ix_comments_new" ON "ix_comments" USING btree ("subject_id","id" DESC NULLS LAST) WHERE "ix_comments"."root_id" is null;--> statement-breakpoint
CREATE INDEX "ix_comments_top" ON "ix_comments" USING btree ("subject_id","likes" DESC NULLS LAST,"id" DESC NULLS LAST) WHERE "ix_comments"."root_id" is null;--> statement-breakpoint
CREATE INDEX "ix_comments_hot" ON "ix_comments" USING btree ("subject_id","hot" DESC NULLS LAST,"id" DESC NULLS LAST) WHERE "ix_comments"."root_id" is null;--> statement-breakpoint
CREATE INDEX "ix_comments_replies" ON "ix_comments" USING btree ("root_id","id");--> statement-breakpoint
CREATE INDEX "ix_comments_user" ON "ix_comments" USING btree ("app_id","user_id","created_at");--> statement-breakpoint
CREATE INDEX "ix_comments_queue" ON "ix_comments" USING btree ("app_id","open_reports" DESC NULLS LAST,"id" DESC NULLS LAST) WHERE "ix_comments"."open_reports" > 0;--> statement-breakpoint
CREATE INDEX "ix_folder_items_user" ON "ix_folder_items" USING btree ("app_id","user_id","subject_id");--> statement-breakpoint
CREATE INDEX "ix_folder_items_list" ON "ix_folder_items" USING btree ("folder_id","created_at" DESC NULLS LAST,"subject_id" DESC NULLS LAST);--> statement-breakpoint
CREATE UNIQUE INDEX "ix_folders_name" ON "ix_folders" USING btree ("app_id","user_id","name");--> statement-breakpoint
CREATE UNIQUE INDEX "ix_folders_default" ON "ix_folders" USING btree ("app_id","user_id") WHERE "ix_folders"."is_default";--> statement-breakpoint
CREATE INDEX "ix_rankings_read" ON "ix_rankings" USING btree ("app_id","kind","period","period_start","score" DESC NULLS LAST,"subject_id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "ix_reactions_user" ON "ix_reactions" USING btree ("app_id","user_id","type","created_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "ix_reactions_subject" ON "ix_reactions" USING btree ("subject_id","type","created_at" DESC NULLS LAST);--> statement-breakpoint
CREATE UNIQUE INDEX "ix_reports_once" ON "ix_reports" USING btree ("comment_id","reporter_id");--> statement-breakpoint
CREATE INDEX "ix_reports_app" ON "ix_reports" USING btree ("app_id","id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "ix_shares_subject" ON "ix_shares" USING btree ("subject_id","channel");--> statement-breakpoint
CREATE INDEX "ix_shares_user" ON "ix_shares" USING btree ("app_id","user_id");--> statement-breakpoint
CREATE INDEX "ix_slot_items_order" ON "ix_slot_items" USING btree ("slot_id","position");--> statement-breakpoint
CREATE UNIQUE INDEX "ix_slots_key" ON "ix_slots" USING btree ("app_id","key");--> statement-breakpoint
CREATE UNIQUE INDEX "ix_subjects_ref" ON "ix_subjects" USING btree ("app_id","kind","external_id");--> statement-breakpoint
CREATE INDEX "ix_subjects_hot" ON "ix_subjects" USING btree ("app_id","kind","hot_score" DESC NULLS LAST,"id" DESC NULLS LAST) WHERE "ix_subjects"."hot_score" is not null;--> statement-breakpoint
CREATE INDEX "ix_subjects_author" ON "ix_subjects" USING btree ("app_id","author_id","created_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "ix_subjects_list" ON "ix_subjects" USING btree ("app_id","kind","id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "ix_subjects_tags" ON "ix_subjects" USING gin ("tags");--> statement-breakpoint
CREATE INDEX "ix_user_follows_followee" ON "ix_user_follows" USING btree ("app_id","followee_id","created_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "ix_user_follows_follower" ON "ix_user_follows" USING btree ("app_id","follower_id","created_at" DESC NULLS LAST);