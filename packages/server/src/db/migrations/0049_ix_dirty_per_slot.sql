-- Hot-score marks per counter shard: writers on one subject no longer queue on a single mark row.
ALTER TABLE "ix_dirty" ADD COLUMN "slot" smallint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "ix_dirty" DROP CONSTRAINT "ix_dirty_subject_id_day_pk";--> statement-breakpoint
ALTER TABLE "ix_dirty" ADD CONSTRAINT "ix_dirty_subject_id_day_slot_pk" PRIMARY KEY("subject_id","day","slot");
