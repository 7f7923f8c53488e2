-- Funnels read each step's events of a date range from this index alone (index-only scans), not the
-- whole range of every event. INCLUDE (user_id, seq) is edited by hand: drizzle-kit does not model
-- it. Cost: about 90 bytes per event (913 MB on 10 M events) and one more B-tree per insert
-- (docs/analytics.md). On an install with events already stored, the first start after the upgrade
-- builds it while ingestion waits: about 20 s per 10 M events on a 2-core machine.
CREATE INDEX IF NOT EXISTS "ev_events_name_ts" ON "ev_events" USING btree ("app_id","name","ts") INCLUDE ("user_id","seq");
