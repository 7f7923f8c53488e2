CREATE TABLE "cm_fs_rejections" (
	"campaign_id" text NOT NULL,
	"reason" text NOT NULL,
	"n" bigint NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "cm_fs_rejections_campaign_id_reason_pk" PRIMARY KEY("campaign_id","reason")
);
--> statement-breakpoint
ALTER TABLE "cm_fs_rejections" ADD CONSTRAINT "cm_fs_rejections_campaign_id_cm_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."cm_campaigns"("id") ON DELETE cascade ON UPDATE no action;