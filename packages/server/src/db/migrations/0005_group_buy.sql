CREATE TABLE "cm_gb_members" (
	"team_id" text NOT NULL,
	"user_id" text NOT NULL,
	"app_id" text NOT NULL,
	"campaign_id" text NOT NULL,
	"status" text DEFAULT 'joined' NOT NULL,
	"order_ref" text,
	"joined_at" timestamp with time zone NOT NULL,
	"confirmed_at" timestamp with time zone,
	"left_at" timestamp with time zone,
	CONSTRAINT "cm_gb_members_team_id_user_id_pk" PRIMARY KEY("team_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "cm_gb_teams" (
	"id" text PRIMARY KEY NOT NULL,
	"app_id" text NOT NULL,
	"campaign_id" text NOT NULL,
	"leader_user_id" text NOT NULL,
	"share_code" text NOT NULL,
	"size" integer NOT NULL,
	"member_count" integer NOT NULL,
	"confirmed_count" integer DEFAULT 0 NOT NULL,
	"auto_filled" integer DEFAULT 0 NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"committed" bigint DEFAULT 0 NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"closed_at" timestamp with time zone,
	CONSTRAINT "cm_gb_teams_seats" CHECK (member_count >= 0 and member_count <= size and confirmed_count <= member_count)
);
--> statement-breakpoint
ALTER TABLE "cm_gb_members" ADD CONSTRAINT "cm_gb_members_team_id_cm_gb_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."cm_gb_teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cm_gb_teams" ADD CONSTRAINT "cm_gb_teams_campaign_id_cm_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."cm_campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "cm_gb_members_user" ON "cm_gb_members" USING btree ("app_id","user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "cm_gb_teams_code" ON "cm_gb_teams" USING btree ("app_id","share_code");--> statement-breakpoint
CREATE INDEX "cm_gb_teams_campaign" ON "cm_gb_teams" USING btree ("campaign_id","status","created_at");--> statement-breakpoint
CREATE INDEX "cm_gb_teams_due" ON "cm_gb_teams" USING btree ("expires_at") WHERE status = 'open';