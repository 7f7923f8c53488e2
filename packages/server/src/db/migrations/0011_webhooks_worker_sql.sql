-- Deliveries in flight during the upgrade keep their lease: next_attempt_at is now the lease's end.
UPDATE wh_deliveries SET next_attempt_at = coalesce(lease_until, next_attempt_at) WHERE status = 'sending';
--> statement-breakpoint
-- The pg-boss jobs and schedule of the former one-job-per-delivery design: the delivery worker replaces them.
DO $$
BEGIN
  IF to_regclass('canyu_jobs.schedule') IS NOT NULL THEN
    DELETE FROM canyu_jobs.schedule WHERE name IN ('canyu.webhooks.deliver', 'canyu.webhooks.sweep');
  END IF;
  IF to_regclass('canyu_jobs.job') IS NOT NULL THEN
    DELETE FROM canyu_jobs.job WHERE name IN ('canyu.webhooks.deliver', 'canyu.webhooks.sweep');
  END IF;
END $$;
