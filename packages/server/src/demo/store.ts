// SQL of the demo data generator: realistic host events written straight into ev_events (and user
// profiles into us_users), one local day per statement, set-based, so ten million events take
// minutes rather than hours. Every user has a stable engagement level (most users low, a few high:
// the 2/8 shape the seeds describe), a join day, and fading activity after it; an active day holds
// a visit, a session with its duration, item views, and by chance likes, comments, a check-in,
// carts and purchases with amounts. Ids are deterministic per (day, user, event), so a second run
// over the same days adds nothing.
import { sql } from 'drizzle-orm';
import type { Db } from '../db/index.ts';

/** A user's stable uniform in [0, 1) from their number and a salt (no randomness: reruns agree). */
const unit = (n: string, salt: number) => `((hashint8(${n}::bigint * 7919 + ${salt}) & 2147483647)::float8 / 2147483648.0)`;

export async function insertUsers(db: Db, appId: string, users: number, days: number, firstDay: string): Promise<void> {
  await db.execute(sql`
    insert into us_users (app_id, user_id, traits, created_at, updated_at)
    select ${appId}::text, 'demo-' || lpad(n::text, 6, '0'),
      jsonb_build_object(
        'name', 'Demo ' || n,
        'country', (array['CN', 'CN', 'CN', 'US', 'DE', 'JP', 'SG', 'IN'])[1 + floor(${sql.raw(unit('n', 11))} * 8)::int],
        'plan', case when ${sql.raw(unit('n', 1))} > 0.85 then 'pro' else 'free' end,
        'channel', (array['organic', 'ads', 'referral', 'wechat'])[1 + floor(${sql.raw(unit('n', 13))} * 4)::int]),
      ${firstDay}::date + floor(${sql.raw(unit('n', 2))} * ${days}::int * 1.2)::int - floor(${days}::int * 0.2)::int, now()
    from generate_series(1, ${users}::int) n
    on conflict (app_id, user_id) do nothing`);
}

/** One day's events (day index `d` of the range starting `firstDay`, local midnight in `tz`); returns how many were stored. */
export async function insertDay(db: Db, appId: string, users: number, days: number, firstDay: string, d: number, tz: string): Promise<number> {
  const r = await db.execute(sql`
    with u as (
      select n, 'demo-' || lpad(n::text, 6, '0') as user_id,
        ${sql.raw(unit('n', 1))} as level,
        floor(${sql.raw(unit('n', 2))} * ${days}::int * 1.2)::int - floor(${days}::int * 0.2)::int as joined
      from generate_series(1, ${users}::int) n
    ),
    act as materialized (
      select n, user_id, level,
        -- The session starts between 07:00 and 23:00 local; lasts 1 to 40 minutes (longer for engaged users).
        ((${firstDay}::date + ${d}::int)::timestamp at time zone ${tz}::text) + make_interval(secs => 25200 + floor(random() * 57600)) as t0,
        (60 + floor(random() * 600 + level * 1800))::int as dur,
        floor(random() * (2 + level * 6))::int as views,
        random() < 0.25 + 0.5 * level as likes,
        random() < 0.05 + 0.3 * level as comments,
        random() < 0.1 + 0.7 * level as checkin,
        random() < 0.08 + 0.3 * level as cart,
        random() < 0.03 + 0.2 * level as purchase
      from u
      where u.joined <= ${d}::int
        and (u.joined = ${d}::int or random() < (0.025 + 0.85 * power(u.level, 2)) * (0.4 + 0.6 * exp(-(${d}::int - u.joined) / 45.0)))
    ),
    ins as (
      insert into ev_events (app_id, event_id, user_id, name, properties, ts)
      select ${appId}::text, 'demo-' || ${d}::int || '-' || a.n || '-' || x.k, a.user_id, x.name, x.props, a.t0 + make_interval(secs => x.off)
      from act a
      cross join lateral (
        select 'open' as k, 'app.opened' as name, '{}'::jsonb as props, 0 as off
        union all select 'ss', 'session.start', '{}'::jsonb, 1
        union all select 'v' || g, 'product.viewed', jsonb_build_object('item', 'sku-' || (1 + (a.n * 31 + g * 17) % 200)), 5 + g * 20 from generate_series(1, a.views) g
        union all select 'l' || g, 'post.liked', jsonb_build_object('post', 'p-' || (1 + (a.n + g * 7) % 500)), 30 + g * 9 from generate_series(1, 3) g where a.likes and g <= 1 + a.n % 3
        union all select 'c', 'comment.posted', jsonb_build_object('post', 'p-' || (1 + a.n % 500)), 90 where a.comments
        union all select 'ck', 'checkin.done', '{}'::jsonb, 3 where a.checkin
        union all select 'cart', 'cart.added', jsonb_build_object('item', 'sku-' || (1 + (a.n * 31) % 200)), least(a.dur - 2, 5 + a.views * 20 + 10) where a.cart or a.purchase
        union all select 'buy', 'order.paid', jsonb_build_object('amount', round((19 + random() * 480 * (0.5 + a.level))::numeric, 2), 'currency', 'CNY'), a.dur - 1 where a.purchase
        union all select 'se', 'session.end', jsonb_build_object('duration_s', a.dur), a.dur
      ) x
      on conflict (app_id, event_id) do nothing
      returning 1
    )
    select count(*)::int as n from ins`);
  return Number((r.rows[0] as { n: number }).n);
}
