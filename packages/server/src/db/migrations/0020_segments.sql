CREATE TABLE "sg_members" (
	"segment_id" text NOT NULL,
	"app_id" text NOT NULL,
	"user_id" text NOT NULL,
	"entered_at" timestamp with time zone NOT NULL,
	CONSTRAINT "sg_members_segment_id_user_id_pk" PRIMARY KEY("segment_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "sg_segments" (
	"id" text PRIMARY KEY NOT NULL,
	"app_id" text NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"rules" jsonb NOT NULL,
	"size" integer DEFAULT 0 NOT NULL,
	"computed_at" timestamp with time zone,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sg_sizes" (
	"segment_id" text NOT NULL,
	"app_id" text NOT NULL,
	"day" date NOT NULL,
	"size" integer NOT NULL,
	CONSTRAINT "sg_sizes_segment_id_day_pk" PRIMARY KEY("segment_id","day")
);
--> statement-breakpoint
CREATE INDEX "sg_members_user" ON "sg_members" USING btree ("app_id","user_id");--> statement-breakpoint
CREATE INDEX "sg_segments_app" ON "sg_segments" USING btree ("app_id","created_at","id");--> statement-breakpoint
CREATE INDEX "sg_sizes_app" ON "sg_sizes" USING btree ("app_id");