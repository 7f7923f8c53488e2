-- cm_fs_reserve_batch: no deadlocks between batches, and no "sold out" while units are left.
--
-- Before, an attempt that found every bucket with room held by other batches waited for one of
-- them (FOR UPDATE) while its own batch could already hold other buckets: two batches could wait
-- for each other. PostgreSQL finds such a cycle only after deadlock_timeout (1 s), then aborts one
-- batch, which starts over: under a spike buyers waited a second or more, and more buckets meant
-- more cycles (32 buckets sold slower than one row). Locks taken while scanning add to this: a
-- row locked by FOR UPDATE that fails its recheck (emptied meanwhile) stays locked to the end of
-- the transaction. And a wait could come back empty (FOR UPDATE ... LIMIT 1 returning no row when
-- the bucket ran out meanwhile): the attempt was refused as sold out although units were left.
--
-- Now only one batch per item at a time may wait for a bucket: the one holding a transaction
-- advisory lock, taken with pg_try_advisory_xact_lock (never waited for). Every other batch that
-- finds all buckets with room held answers its remaining attempts 'busy', and the server sends
-- them again after one of its batches for the item ends. The waiter waits only for batches that
-- never wait, so no cycle can form. After an empty-handed wait it looks again.
CREATE OR REPLACE FUNCTION cm_fs_reserve_batch(
  p_app text, p_campaign text, p_item text, p_users text[], p_qtys int[], p_ids text[],
  p_user_limit int, p_campaign_limit int, p_buckets int, p_start int, p_now timestamptz, p_expires timestamptz)
RETURNS TABLE (idx int, outcome text, bucket smallint)
LANGUAGE plpgsql AS $$
DECLARE
  i int;
  k int;
  q int;
  u text;
  v_cur smallint := NULL;
  v_bucket smallint;
  v_empty boolean := false;
  v_busy boolean := false;
  v_waiter boolean := false;
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

    IF v_busy THEN
      outcome := 'busy';
      RETURN NEXT;
      CONTINUE;
    END IF;

    IF NOT v_empty THEN
      -- The bucket this batch took from last (its lock is already held).
      IF v_cur IS NOT NULL THEN
        UPDATE cm_fs_stock s SET remaining = s.remaining - q
         WHERE s.item_id = p_item AND s.bucket = v_cur AND s.remaining >= q
        RETURNING s.bucket INTO v_bucket;
      END IF;
      -- A bucket with room that no other batch holds; when all are held, wait for one (if this
      -- batch is the item's one waiter), and look again if the wait comes back empty.
      FOR k IN 1 .. 2 * p_buckets + 2 LOOP
        EXIT WHEN v_bucket IS NOT NULL;
        UPDATE cm_fs_stock s SET remaining = s.remaining - q
         WHERE s.item_id = p_item AND s.bucket = (
           SELECT x.bucket FROM cm_fs_stock x
            WHERE x.item_id = p_item AND x.remaining >= q
            ORDER BY (x.bucket - p_start + p_buckets) % p_buckets
            LIMIT 1 FOR UPDATE SKIP LOCKED)
        RETURNING s.bucket INTO v_bucket;
        EXIT WHEN v_bucket IS NOT NULL;
        EXIT WHEN NOT EXISTS (SELECT 1 FROM cm_fs_stock x WHERE x.item_id = p_item AND x.remaining >= q);
        -- Only one batch per item may wait for a bucket (the others answer 'busy' below), so a
        -- batch that waits only ever waits for batches that never wait.
        IF NOT v_waiter THEN
          EXIT WHEN NOT pg_try_advisory_xact_lock(hashtext('cm_fs_wait:' || p_item));
          v_waiter := true;
        END IF;
        UPDATE cm_fs_stock s SET remaining = s.remaining - q
         WHERE s.item_id = p_item AND s.bucket = (
           SELECT x.bucket FROM cm_fs_stock x
            WHERE x.item_id = p_item AND x.remaining >= q
            ORDER BY (x.bucket - p_start + p_buckets) % p_buckets
            LIMIT 1 FOR UPDATE)
        RETURNING s.bucket INTO v_bucket;
      END LOOP;
      -- Several units that no single bucket has: from several buckets, those no other batch holds.
      IF v_bucket IS NULL AND q > 1 THEN
        SELECT coalesce(sum(z.remaining), 0) INTO v_total FROM (
          SELECT x.remaining FROM cm_fs_stock x WHERE x.item_id = p_item AND x.remaining > 0 ORDER BY x.bucket FOR UPDATE SKIP LOCKED) z;
        IF v_total >= q THEN
          v_left := q;
          FOR r IN SELECT x.bucket AS b, x.remaining AS rem FROM cm_fs_stock x WHERE x.item_id = p_item AND x.remaining > 0 ORDER BY x.bucket FOR UPDATE SKIP LOCKED LOOP
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
      IF NOT v_empty AND NOT EXISTS (SELECT 1 FROM cm_fs_stock x WHERE x.item_id = p_item AND x.remaining > 0) THEN
        -- No unit left anywhere: the rest of the batch is answered at once.
        v_empty := true;
      ELSIF NOT v_empty AND (SELECT coalesce(sum(x.remaining), 0) FROM cm_fs_stock x WHERE x.item_id = p_item) >= q THEN
        -- Units are left, but other batches hold them right now: this attempt and the rest of
        -- the batch go again in the next batch.
        v_busy := true;
        outcome := 'busy';
        RETURN NEXT;
        CONTINUE;
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
