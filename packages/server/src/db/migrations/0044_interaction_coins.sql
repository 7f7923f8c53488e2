CREATE TABLE "ix_coins" (
	"subject_id" bigint NOT NULL,
	"user_id" text NOT NULL,
	"app_id" text NOT NULL,
	"coins" integer NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "ix_coins_subject_id_user_id_pk" PRIMARY KEY("subject_id","user_id")
);
--> statement-breakpoint
CREATE INDEX "ix_coins_user" ON "ix_coins" USING btree ("app_id","user_id");