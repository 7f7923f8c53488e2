-- One flash-sale purchase attempt in one statement (one round trip, one short transaction).
--   1. the campaign must be scheduled or running;
--   2. a unit comes from a stock bucket: first a random one among those not locked right now
--      (SKIP LOCKED: concurrent buyers spread over the buckets instead of queueing behind one
--      row); if every bucket with units is busy, it waits for one (PostgreSQL re-checks the row
--      after the wait); a multi-unit attempt that no single bucket can serve takes from several;
--   3. the user's count for the item must stay within p_user_limit, and their participations in
--      the campaign within p_campaign_limit (when set) - on failure the units go straight back;
--   4. the reservation is written.
-- Locks are taken in the order stock -> user count -> campaign quota, as releases take them.
CREATE OR REPLACE FUNCTION cm_fs_reserve(
  p_app text, p_campaign text, p_item text, p_user text, p_qty int,
  p_user_limit int, p_campaign_limit int, p_buckets int, p_start int,
  p_id text, p_now timestamptz, p_expires timestamptz)
RETURNS TABLE (outcome text, bucket smallint)
LANGUAGE plpgsql AS $$
DECLARE
  v_bucket smallint;
  v_total int;
  v_left int;
  v_take int;
  r record;
BEGIN
  PERFORM 1 FROM cm_campaigns c WHERE c.id = p_campaign AND c.status IN ('scheduled', 'running');
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'not_active'::text, NULL::smallint;
    RETURN;
  END IF;

  UPDATE cm_fs_stock s SET remaining = s.remaining - p_qty
   WHERE s.item_id = p_item AND s.bucket = (
     SELECT x.bucket FROM cm_fs_stock x
      WHERE x.item_id = p_item AND x.remaining >= p_qty
      ORDER BY (x.bucket - p_start + p_buckets) % p_buckets
      LIMIT 1 FOR UPDATE SKIP LOCKED)
  RETURNING s.bucket INTO v_bucket;

  IF v_bucket IS NULL AND EXISTS (SELECT 1 FROM cm_fs_stock x WHERE x.item_id = p_item AND x.remaining >= p_qty) THEN
    UPDATE cm_fs_stock s SET remaining = s.remaining - p_qty
     WHERE s.item_id = p_item AND s.bucket = (
       SELECT x.bucket FROM cm_fs_stock x
        WHERE x.item_id = p_item AND x.remaining >= p_qty
        ORDER BY (x.bucket - p_start + p_buckets) % p_buckets
        LIMIT 1 FOR UPDATE)
    RETURNING s.bucket INTO v_bucket;
  END IF;

  IF v_bucket IS NULL AND p_qty > 1 THEN
    -- No single bucket holds p_qty units: lock every bucket with units (in bucket order), then
    -- take from several if together they hold enough.
    SELECT coalesce(sum(z.remaining), 0) INTO v_total FROM (
      SELECT x.remaining FROM cm_fs_stock x WHERE x.item_id = p_item AND x.remaining > 0 ORDER BY x.bucket FOR UPDATE) z;
    IF v_total >= p_qty THEN
      v_left := p_qty;
      FOR r IN SELECT x.bucket AS b, x.remaining AS rem FROM cm_fs_stock x WHERE x.item_id = p_item AND x.remaining > 0 ORDER BY x.bucket LOOP
        EXIT WHEN v_left = 0;
        v_take := least(v_left, r.rem);
        UPDATE cm_fs_stock s SET remaining = s.remaining - v_take WHERE s.item_id = p_item AND s.bucket = r.b;
        v_left := v_left - v_take;
        IF v_bucket IS NULL THEN v_bucket := r.b; END IF;
      END LOOP;
    END IF;
  END IF;

  IF v_bucket IS NULL THEN
    RETURN QUERY SELECT 'sold_out'::text, NULL::smallint;
    RETURN;
  END IF;

  INSERT INTO cm_fs_user_counts AS u (item_id, user_id, qty) VALUES (p_item, p_user, p_qty)
  ON CONFLICT (item_id, user_id) DO UPDATE SET qty = u.qty + excluded.qty
   WHERE u.qty + excluded.qty <= p_user_limit;
  IF NOT FOUND THEN
    UPDATE cm_fs_stock s SET remaining = s.remaining + p_qty WHERE s.item_id = p_item AND s.bucket = v_bucket;
    RETURN QUERY SELECT 'limit_reached'::text, NULL::smallint;
    RETURN;
  END IF;

  IF p_campaign_limit IS NOT NULL THEN
    INSERT INTO cm_user_quota AS q (campaign_id, user_id, used) VALUES (p_campaign, p_user, p_qty)
    ON CONFLICT (campaign_id, user_id) DO UPDATE SET used = q.used + excluded.used
     WHERE q.used + excluded.used <= p_campaign_limit;
    IF NOT FOUND THEN
      UPDATE cm_fs_stock s SET remaining = s.remaining + p_qty WHERE s.item_id = p_item AND s.bucket = v_bucket;
      UPDATE cm_fs_user_counts u SET qty = u.qty - p_qty WHERE u.item_id = p_item AND u.user_id = p_user;
      RETURN QUERY SELECT 'campaign_limit_reached'::text, NULL::smallint;
      RETURN;
    END IF;
  END IF;

  INSERT INTO cm_fs_reservations (id, app_id, campaign_id, item_id, user_id, qty, bucket, status, expires_at, created_at)
  VALUES (p_id, p_app, p_campaign, p_item, p_user, p_qty, v_bucket, 'held', p_expires, p_now);
  RETURN QUERY SELECT 'reserved'::text, v_bucket;
END
$$;
