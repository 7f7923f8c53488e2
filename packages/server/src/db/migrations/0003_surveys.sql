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
ALTER TABLE "sv_answers" ADD CONSTRAINT "sv_answers_response_id_sv_responses_id_fk" FOREIGN KEY ("response_id") REFERENCES "public"."sv_responses"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sv_displays" ADD CONSTRAINT "sv_displays_survey_id_sv_surveys_id_fk" FOREIGN KEY ("survey_id") REFERENCES "public"."sv_surveys"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sv_responses" ADD CONSTRAINT "sv_responses_survey_id_sv_surveys_id_fk" FOREIGN KEY ("survey_id") REFERENCES "public"."sv_surveys"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sv_triggers" ADD CONSTRAINT "sv_triggers_survey_id_sv_surveys_id_fk" FOREIGN KEY ("survey_id") REFERENCES "public"."sv_surveys"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "sv_answers_question" ON "sv_answers" USING btree ("survey_id","question_id","answered_at");--> statement-breakpoint
CREATE INDEX "sv_displays_user" ON "sv_displays" USING btree ("app_id","user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "sv_responses_round" ON "sv_responses" USING btree ("survey_id","user_id","round");--> statement-breakpoint
CREATE INDEX "sv_responses_survey" ON "sv_responses" USING btree ("survey_id","status","completed_at");--> statement-breakpoint
CREATE INDEX "sv_responses_user" ON "sv_responses" USING btree ("app_id","user_id");--> statement-breakpoint
CREATE INDEX "sv_surveys_app" ON "sv_surveys" USING btree ("app_id","created_at","id");--> statement-breakpoint
CREATE INDEX "sv_surveys_trigger" ON "sv_surveys" USING btree ("app_id","trigger_event","status");--> statement-breakpoint
CREATE INDEX "sv_triggers_user" ON "sv_triggers" USING btree ("app_id","user_id");