-- Replies to group posts become interactions comments on the post's reserved subject (kind
-- canyu.community_post, external id = the post's id); co_replies keeps one ledger row per reply,
-- whose id is now the comment's id, and loses its body.
INSERT INTO "ix_subjects" ("app_id", "kind", "external_id", "created_at", "first_seen_at", "updated_at")
SELECT p."app_id", 'canyu.community_post', p."id", p."created_at", now(), now()
FROM "co_posts" p
WHERE EXISTS (SELECT 1 FROM "co_replies" r WHERE r."post_id" = p."id")
ON CONFLICT ("app_id", "kind", "external_id") DO NOTHING;
--> statement-breakpoint
-- A comment id for every reply, in the order they were written.
CREATE TEMPORARY TABLE "co_reply_ids" AS
SELECT r."id" AS "old_id", nextval(pg_get_serial_sequence('ix_comments', 'id')) AS "new_id"
FROM (SELECT "id" FROM "co_replies" ORDER BY "created_at", "id") r;
--> statement-breakpoint
-- Visible root comments by the reply's author, in the day bucket of the app's time zone, with the
-- hot score of a comment without likes or replies (rules/hot.ts commentHot).
INSERT INTO "ix_comments" ("id", "app_id", "subject_id", "user_id", "body", "hot", "day", "created_at")
SELECT m."new_id", r."app_id", s."id", r."author_id", r."body",
  (extract(epoch from r."created_at")::float8 - 1704067200::float8) / (coalesce((st."settings"->'hot'->>'decay_hours')::float8, 12::float8) * 3600),
  (r."created_at" AT TIME ZONE coalesce(st."settings"->>'timezone', 'UTC'))::date,
  r."created_at"
FROM "co_replies" r
JOIN "co_reply_ids" m ON m."old_id" = r."id"
JOIN "ix_subjects" s ON s."app_id" = r."app_id" AND s."kind" = 'canyu.community_post' AND s."external_id" = r."post_id"
LEFT JOIN "ix_settings" st ON st."app_id" = r."app_id";
--> statement-breakpoint
-- The subjects' comment counters: totals and day buckets (shard 0).
INSERT INTO "ix_counters" AS c ("subject_id", "slot", "comments")
SELECT "subject_id", 0, count(*) FROM "ix_comments" WHERE "id" IN (SELECT "new_id" FROM "co_reply_ids") GROUP BY "subject_id"
ON CONFLICT ("subject_id", "slot") DO UPDATE SET "comments" = c."comments" + excluded."comments";
--> statement-breakpoint
INSERT INTO "ix_subject_days" AS c ("subject_id", "day", "slot", "comments")
SELECT "subject_id", "day", 0, count(*) FROM "ix_comments" WHERE "id" IN (SELECT "new_id" FROM "co_reply_ids") GROUP BY "subject_id", "day"
ON CONFLICT ("subject_id", "day", "slot") DO UPDATE SET "comments" = c."comments" + excluded."comments";
--> statement-breakpoint
-- Accepted answers and the ledger name the comments.
UPDATE "co_posts" p SET "accepted_reply_id" = m."new_id"::text FROM "co_reply_ids" m WHERE p."accepted_reply_id" = m."old_id";
--> statement-breakpoint
UPDATE "co_replies" r SET "id" = m."new_id"::text FROM "co_reply_ids" m WHERE r."id" = m."old_id";
--> statement-breakpoint
DROP TABLE "co_reply_ids";
--> statement-breakpoint
ALTER TABLE "co_replies" DROP COLUMN "body";
