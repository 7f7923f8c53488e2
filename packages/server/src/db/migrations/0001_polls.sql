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
ALTER TABLE "pl_ballots" ADD CONSTRAINT "pl_ballots_poll_id_pl_polls_id_fk" FOREIGN KEY ("poll_id") REFERENCES "public"."pl_polls"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pl_choices" ADD CONSTRAINT "pl_choices_option_id_pl_options_id_fk" FOREIGN KEY ("option_id") REFERENCES "public"."pl_options"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pl_choices" ADD CONSTRAINT "pl_choices_ballot_fk" FOREIGN KEY ("poll_id","user_id") REFERENCES "public"."pl_ballots"("poll_id","user_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pl_options" ADD CONSTRAINT "pl_options_poll_id_pl_polls_id_fk" FOREIGN KEY ("poll_id") REFERENCES "public"."pl_polls"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "pl_ballots_user" ON "pl_ballots" USING btree ("app_id","user_id");--> statement-breakpoint
CREATE INDEX "pl_choices_ballot" ON "pl_choices" USING btree ("poll_id","user_id");--> statement-breakpoint
CREATE INDEX "pl_options_poll" ON "pl_options" USING btree ("poll_id","position");--> statement-breakpoint
CREATE INDEX "pl_polls_app" ON "pl_polls" USING btree ("app_id","created_at","id");--> statement-breakpoint
CREATE INDEX "pl_polls_subject" ON "pl_polls" USING btree ("app_id","subject_kind","subject_id","created_at");