CREATE TABLE "co_chat" (
	"id" text PRIMARY KEY NOT NULL,
	"app_id" text NOT NULL,
	"group_id" text NOT NULL,
	"user_id" text NOT NULL,
	"text" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "co_chat" ADD CONSTRAINT "co_chat_group_id_co_groups_id_fk" FOREIGN KEY ("group_id") REFERENCES "public"."co_groups"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "co_chat_group" ON "co_chat" USING btree ("group_id","created_at","id");--> statement-breakpoint
CREATE INDEX "co_chat_user" ON "co_chat" USING btree ("app_id","user_id");