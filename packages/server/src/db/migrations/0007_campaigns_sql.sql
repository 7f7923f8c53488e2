-- Flash-sale purchase attempts in one PostgreSQL function (drizzle cannot express functions).
-- Flash-sale purchase attempts in batches: a server coalesces the attempts that arrive for one
-- item while its earlier calls are in flight and sends them as one call, so a burst costs one
-- transaction (one commit, one WAL flush) per batch instead of one per buyer. Each attempt of the
-- batch, in order:
--   1. a unit from stock: first the bucket this batch already holds, then a random bucket nobody
--      holds (SKIP LOCKED), then - nearly sold out - waiting for one (PostgreSQL re-checks the row
--      after the wait), and for a multi-unit attempt no single bucket can serve, several buckets;
--   2. the user's count for the item within p_user_limit and their participations in the campaign
--      within p_campaign_limit (when set), else the units go straight back;
--   3. the reservation.
-- Locks are taken in the order stock -> user count -> campaign quota, as releases take them.
-- It replaces the one-attempt cm_fs_reserve().
--> statement-breakpoint
CREATE OR REPLACE FUNCTION cm_fs_reserve_batch(
  p_app text, p_campaign text, p_item text, p_users text[], p_qtys int[], p_ids text[],
  p_user_limit int, p_campaign_limit int, p_buckets int, p_start int, p_now timestamptz, p_expires timestamptz)
RETURNS TABLE (idx int, outcome text, bucket smallint)
LANGUAGE plpgsql AS $$
DECLARE
  i int;
  q int;
  u text;
  v_cur smallint := NULL;
  v_bucket smallint;
  v_empty boolean := false;
  v_total int;
  v_left int;
  v_take int;
  r record;
BEGIN
  PERFORM 1 FROM cm_campaigns c WHERE c.id = p_campaign AND c.status IN ('scheduled', 'running');
  IF NOT FOUND THEN
    RETURN QUERY SELECT g::int, 'not_active'::text, NULL::smallint FROM generate_subscripts(p_users, 1) g;
    RETURN;
  END IF;

  FOR i IN 1 .. coalesce(array_length(p_users, 1), 0) LOOP
    u := p_users[i];
    q := p_qtys[i];
    idx := i;
    bucket := NULL;
    v_bucket := NULL;

    IF NOT v_empty THEN
      IF v_cur IS NOT NULL THEN
        UPDATE cm_fs_stock s SET remaining = s.remaining - q
         WHERE s.item_id = p_item AND s.bucket = v_cur AND s.remaining >= q
        RETURNING s.bucket INTO v_bucket;
      END IF;
      IF v_bucket IS NULL THEN
        UPDATE cm_fs_stock s SET remaining = s.remaining - q
         WHERE s.item_id = p_item AND s.bucket = (
           SELECT x.bucket FROM cm_fs_stock x
            WHERE x.item_id = p_item AND x.remaining >= q
            ORDER BY (x.bucket - p_start + p_buckets) % p_buckets
            LIMIT 1 FOR UPDATE SKIP LOCKED)
        RETURNING s.bucket INTO v_bucket;
      END IF;
      IF v_bucket IS NULL AND EXISTS (SELECT 1 FROM cm_fs_stock x WHERE x.item_id = p_item AND x.remaining >= q) THEN
        UPDATE cm_fs_stock s SET remaining = s.remaining - q
         WHERE s.item_id = p_item AND s.bucket = (
           SELECT x.bucket FROM cm_fs_stock x
            WHERE x.item_id = p_item AND x.remaining >= q
            ORDER BY (x.bucket - p_start + p_buckets) % p_buckets
            LIMIT 1 FOR UPDATE)
        RETURNING s.bucket INTO v_bucket;
      END IF;
      IF v_bucket IS NULL AND q > 1 THEN
        SELECT coalesce(sum(z.remaining), 0) INTO v_total FROM (
          SELECT x.remaining FROM cm_fs_stock x WHERE x.item_id = p_item AND x.remaining > 0 ORDER BY x.bucket FOR UPDATE) z;
        IF v_total >= q THEN
          v_left := q;
          FOR r IN SELECT x.bucket AS b, x.remaining AS rem FROM cm_fs_stock x WHERE x.item_id = p_item AND x.remaining > 0 ORDER BY x.bucket LOOP
            EXIT WHEN v_left = 0;
            v_take := least(v_left, r.rem);
            UPDATE cm_fs_stock s SET remaining = s.remaining - v_take WHERE s.item_id = p_item AND s.bucket = r.b;
            v_left := v_left - v_take;
            IF v_bucket IS NULL THEN v_bucket := r.b; END IF;
          END LOOP;
        END IF;
      END IF;
    END IF;

    IF v_bucket IS NULL THEN
      -- Nothing left for this attempt; once no bucket has a unit at all, the rest are answered at once.
      IF NOT v_empty AND NOT EXISTS (SELECT 1 FROM cm_fs_stock x WHERE x.item_id = p_item AND x.remaining > 0) THEN
        v_empty := true;
      END IF;
      outcome := 'sold_out';
      RETURN NEXT;
      CONTINUE;
    END IF;

    INSERT INTO cm_fs_user_counts AS uc (item_id, user_id, qty) VALUES (p_item, u, q)
    ON CONFLICT (item_id, user_id) DO UPDATE SET qty = uc.qty + excluded.qty
     WHERE uc.qty + excluded.qty <= p_user_limit;
    IF NOT FOUND THEN
      UPDATE cm_fs_stock s SET remaining = s.remaining + q WHERE s.item_id = p_item AND s.bucket = v_bucket;
      outcome := 'limit_reached';
      RETURN NEXT;
      CONTINUE;
    END IF;

    IF p_campaign_limit IS NOT NULL THEN
      INSERT INTO cm_user_quota AS cq (campaign_id, user_id, used) VALUES (p_campaign, u, q)
      ON CONFLICT (campaign_id, user_id) DO UPDATE SET used = cq.used + excluded.used
       WHERE cq.used + excluded.used <= p_campaign_limit;
      IF NOT FOUND THEN
        UPDATE cm_fs_stock s SET remaining = s.remaining + q WHERE s.item_id = p_item AND s.bucket = v_bucket;
        UPDATE cm_fs_user_counts uc SET qty = uc.qty - q WHERE uc.item_id = p_item AND uc.user_id = u;
        outcome := 'campaign_limit_reached';
        RETURN NEXT;
        CONTINUE;
      END IF;
    END IF;

    v_cur := v_bucket;
    INSERT INTO cm_fs_reservations (id, app_id, campaign_id, item_id, user_id, qty, bucket, status, expires_at, created_at)
    VALUES (p_ids[i], p_app, p_campaign, p_item, u, q, v_bucket, 'held', p_expires, p_now);
    outcome := 'reserved';
    bucket := v_bucket;
    RETURN NEXT;
  END LOOP;
END
$$;
