// Gamification figures: daily check-in, points earn and a lottery draw through the Canyu server,
// each beside the SAME SQL (the statements the server runs for that request, copied from
// modules/points/store.ts, modules/gamification/store/*.ts and events/store.ts, in the same
// transactions) driven directly with pg at the same concurrency, in the same run. Every change
// also appends its domain events to ev_log in its transaction, so the baseline does too.
import os from 'node:os';
import { apiCall, appendEvent, caughtUp, inTx, type BenchEnv, type Scenario } from '../lib.ts';

const CONNECTIONS = 50;
// The target for every DB path: >= 50% of the same SQL driven directly. The absolute floor
// (3,000 req/s, p99 <= 60 ms) only where there are >= 4 cores: on 2, PostgreSQL, both servers and
// the load generator share them.
const TARGET = os.cpus().length >= 4 ? { min: 3000, minRatio: 0.5, maxP99: 60 } : { minRatio: 0.5 };

const call = apiCall;

// ---- the statements the server runs ------------------------------------------------------------

const TIMEZONE_OF = `select app_id, user_id, traits, timezone, locale, created_at, updated_at from us_users where app_id = $1 and user_id = $2`;

const CHECK_IN = `
  with st as (
    insert into gm_checkin_state as s (app_id, user_id, last_date, streak, longest, total, updated_at)
    values ($1, $2, $3::date, 1, 1, 1, $4::timestamptz)
    on conflict (app_id, user_id) do update set
      streak = case when s.last_date = $3::date - 1 then s.streak + 1 else 1 end,
      longest = greatest(s.longest, case when s.last_date = $3::date - 1 then s.streak + 1 else 1 end),
      total = s.total + 1, last_date = $3::date, updated_at = excluded.updated_at
    where s.last_date is null or s.last_date < $3::date
    returning streak, longest, total
  ), ins as (
    insert into gm_checkins (app_id, user_id, local_date, kind, streak, reward, timezone, created_at)
    select $1, $2, $3::date, 'normal', st.streak, ($5::int[])[((st.streak - 1) % $6) + 1], $7, $4::timestamptz from st
    returning streak, reward
  )
  select ins.streak, ins.reward, st.longest, st.total from ins, st`;

const CREDIT = `
  with dup as (
    select id from pt_entries where app_id = $1 and idem_key = $5
  ), bal as (
    insert into pt_balances as b (app_id, user_id, type, balance, earned, updated_at)
    select $1, $2, $3, $4::bigint, $4::bigint, $9::timestamptz where not exists (select 1 from dup)
    on conflict (app_id, user_id, type) do update
      set balance = b.balance + excluded.balance, earned = b.earned + excluded.earned, updated_at = excluded.updated_at
    returning balance
  ), ins as (
    insert into pt_entries (app_id, user_id, type, kind, amount, balance_after, idem_key, fingerprint, reason, source_type, source_id, rule_id, actor_type, actor_id, expires_at, created_at)
    select $1, $2, $3, 'earn', $4::bigint, bal.balance, $5, $6, $7, $8, null, null, 'secret_key', 'bench', null, $9::timestamptz from bal
    returning *
  ), lot as (
    insert into pt_lots (app_id, user_id, type, entry_id, amount, remaining, expires_at, created_at)
    select app_id, user_id, type, id, amount, amount, expires_at, created_at from ins
  )
  select ins.*, false as replayed from ins
  union all
  select e.*, true as replayed from pt_entries e where e.app_id = $1 and e.id = (select id from dup)`;

const LOCK_BALANCE = `
  select b.balance, (select id from pt_entries where app_id = $1 and idem_key = $4) as dup_id,
         exists (select 1 from pt_lots l where l.app_id = b.app_id and l.user_id = b.user_id and l.type = b.type and l.remaining > 0 and l.expires_at <= $5::timestamptz) as due
  from pt_balances b where b.app_id = $1 and b.user_id = $2 and b.type = $3
  for update of b`;

const DEBIT = `
  with pick as (
    select id, expires_at, least(remaining, greatest(0, $4::bigint - (sum(remaining) over w - remaining)))::bigint as take
    from pt_lots where app_id = $1 and user_id = $2 and type = $3 and remaining > 0
    window w as (order by expires_at nulls last, id)
  ), used as (
    update pt_lots l set remaining = l.remaining - p.take from pick p where l.id = p.id and p.take > 0
    returning l.id, p.take, l.expires_at
  ), bal as (
    update pt_balances set balance = balance - $4::bigint, spent = spent + $4::bigint, updated_at = $7::timestamptz
    where app_id = $1 and user_id = $2 and type = $3 returning balance
  ), ins as (
    insert into pt_entries (app_id, user_id, type, kind, amount, balance_after, idem_key, fingerprint, reason, source_type, source_id, rule_id, actor_type, actor_id, lots, created_at)
    select $1, $2, $3, 'spend', -$4::bigint, bal.balance, $5, $6, 'Lottery draw', 'lottery_draw', $5, null, 'secret_key', 'bench',
           (select jsonb_agg(jsonb_build_array(u.id, u.take, u.expires_at) order by u.expires_at nulls last, u.id) from used u), $7::timestamptz
    from bal returning *
  )
  select ins.*, false as replayed from ins`;

const TAKE_PRIZE = `update gm_prizes set stock = case when stock is null then null else stock - 1 end, awarded = awarded + 1 where id = $1 and (stock is null or stock > 0) returning id`;
const INSERT_DRAW = `insert into gm_draws (id, app_id, lottery_id, user_id, request_key, cost, roll, total_weight, weights, picked_prize_id, prize_id, fallback, local_date, ip, device_id, created_at)
  values ($1, $2, $3, $4, null, $5, $6, $7, $8::jsonb, $9, $10, null, $11::date, '127.0.0.1', null, $12::timestamptz) returning *`;
const FIND_LOTTERY = `select * from gm_lotteries where app_id = $1 and id = $2`;
const PRIZES_OF = `select * from gm_prizes where lottery_id = $1 order by sort, created_at, id`;
const RECENT_DRAWS = `select count(*)::int as n from gm_draws where app_id = $1 and user_id = $2 and created_at >= $3::timestamptz`;

const POINTS_CHANGED = { type: 'points', kind: 'earn', amount: 10, balance: 10, entryId: 1, sourceType: 'order', sourceId: '1' };


const today = () => new Date().toISOString().slice(0, 10);
const REWARDS = '{10,10,15,15,20,20,50}';

// ---- scenarios ----------------------------------------------------------------------------------

async function checkin(env: BenchEnv, run: string) {
  const app = env.tenant.appId;
  const canyu = await env.http({ method: 'POST', path: (i) => `/v1/users/ci-${run}-${i}/checkins`, headers: env.auth.secret, connections: CONNECTIONS });
  const ok = canyu.status['201'] ?? 0;
  if (canyu.errors > 0 || canyu.non2xx > 0) env.log(`check-in: ${canyu.non2xx} non-2xx, ${canyu.errors} errors: ${JSON.stringify(canyu.status)}`);
  const rows = (await env.pool.query<{ n: number }>(`select count(*)::int as n from gm_checkins where app_id = $1 and user_id like $2`, [app, `ci-${run}-%`])).rows[0]!.n;
  // Requests still in flight when the load stops complete unseen: stored may exceed answered, never trail it.
  if (rows < ok) throw new Error(`check-ins: ${ok} answered 201 but ${rows} stored`);
  await caughtUp(env);
  const direct = await env.sql({
    clients: CONNECTIONS,
    run: async (c, i) => {
      const user = `cd-${run}-${i}`;
      const now = new Date();
      await c.query(TIMEZONE_OF, [app, user]);
      await inTx(c, async () => {
        const r = await c.query<{ reward: number; streak: number; total: number }>(CHECK_IN, [app, user, today(), now, REWARDS, 7, 'Asia/Shanghai']);
        await appendEvent(c, app, 'checkin.completed', user, { id: `checkin:${user}:${today()}`, date: today(), kind: 'normal', streak: r.rows[0]!.streak, total: r.rows[0]!.total });
        await c.query(CREDIT, [app, user, 'points', r.rows[0]!.reward, `checkin:${user}:${today()}`, 'fp', 'Check-in, day 1 of streak', 'checkin', now]);
        await appendEvent(c, app, 'points.changed', user, POINTS_CHANGED);
      });
    },
  });
  env.report({ metric: `POST check-in (new user each), ${CONNECTIONS} conns`, value: canyu.rps, unit: 'req/s', p99: canyu.p99, baseline: { label: 'same SQL direct', value: direct.opsPerSec }, target: TARGET, note: `${rows} check-ins stored, one per user` });
}

async function earn(env: BenchEnv, run: string) {
  const app = env.tenant.appId;
  const canyu = await env.http({
    method: 'POST',
    path: (i) => `/v1/users/eu-${i % 5000}/points/earn`,
    headers: env.auth.secret,
    connections: CONNECTIONS,
    body: (i) => ({ type: 'points', amount: 10, idempotency_key: `earn-${run}-${i}`, reason: 'bench', source: { type: 'order', id: String(i) } }),
  });
  if (canyu.errors > 0 || canyu.non2xx > 0) env.log(`earn: ${canyu.non2xx} non-2xx, ${canyu.errors} errors: ${JSON.stringify(canyu.status)}`);
  const ok = canyu.status['201'] ?? 0;
  const stored = (await env.pool.query<{ n: number }>(`select count(*)::int as n from pt_entries where app_id = $1 and idem_key like $2`, [app, `earn-${run}-%`])).rows[0]!.n;
  if (stored < ok) throw new Error(`earn: ${ok} answered 201 but ${stored} entries stored`);
  await caughtUp(env);
  const direct = await env.sql({
    clients: CONNECTIONS,
    run: (c, i) =>
      inTx(c, async () => {
        await c.query(CREDIT, [app, `ed-${i % 5000}`, 'points', 10, `earn-direct-${run}-${i}`, 'fp', 'bench', 'order', new Date()]);
        await appendEvent(c, app, 'points.changed', `ed-${i % 5000}`, POINTS_CHANGED);
      }),
  });
  env.report({ metric: `POST points earn (idempotent), ${CONNECTIONS} conns`, value: canyu.rps, unit: 'req/s', p99: canyu.p99, baseline: { label: 'same SQL direct', value: direct.opsPerSec }, target: TARGET, note: `${stored} entries; every balance = sum of its entries` });
  const bad = (await env.pool.query<{ n: number }>(`select count(*)::int as n from pt_balances b where app_id = $1 and balance <> (select coalesce(sum(amount), 0) from pt_entries e where e.app_id = b.app_id and e.user_id = b.user_id and e.type = b.type)`, [app])).rows[0]!.n;
  if (bad > 0) throw new Error(`${bad} balances disagree with their entries`);
}

async function draw(env: BenchEnv, run: string) {
  const app = env.tenant.appId;
  const users = 500;
  const lot = (await call(env, 'POST', '/v1/lotteries', {
    name: 'bench wheel',
    cost_type: 'points',
    cost: 1,
    prizes: [
      { name: '5 points', kind: 'points', reward_type: 'points', reward_amount: 5, weight: 1, stock: 1000 },
      { name: 'Thanks', kind: 'none', weight: 9 },
    ],
  })) as { id: string; prizes: { id: string; weight: number }[] };
  // Fund the drawers (through the API, so the ledger stays whole).
  for (let i = 0; i < users; i += 50) {
    await Promise.all(Array.from({ length: 50 }, (_, k) => call(env, 'POST', `/v1/users/dr-${run}-${i + k}/points/earn`, { type: 'points', amount: 1_000_000, idempotency_key: `fund-${run}-${i + k}` })));
    await Promise.all(Array.from({ length: 50 }, (_, k) => call(env, 'POST', `/v1/users/dd-${run}-${i + k}/points/earn`, { type: 'points', amount: 1_000_000, idempotency_key: `fundd-${run}-${i + k}` })));
  }
  const canyu = await env.http({ method: 'POST', path: (i) => `/v1/users/dr-${run}-${i % users}/lotteries/${lot.id}/draws`, headers: env.auth.secret, connections: CONNECTIONS, body: {} });
  if (canyu.errors > 0 || canyu.non2xx > 0) env.log(`draw: ${canyu.non2xx} non-2xx, ${canyu.errors} errors: ${JSON.stringify(canyu.status)}`);
  await caughtUp(env);
  const weights = JSON.stringify(lot.prizes.map((p) => [p.id, p.weight]));
  const prize = lot.prizes[0]!;
  const none = lot.prizes[1]!;
  const direct = await env.sql({
    clients: CONNECTIONS,
    run: async (c, i) => {
      const user = `dd-${run}-${i % users}`;
      const id = `draw_direct_${run}_${i}`;
      const now = new Date();
      await c.query(FIND_LOTTERY, [app, lot.id]);
      await c.query(PRIZES_OF, [lot.id]);
      await c.query(TIMEZONE_OF, [app, user]);
      await inTx(c, async () => {
        await c.query(LOCK_BALANCE, [app, user, 'points', `draw:${id}`, now]);
        await c.query(DEBIT, [app, user, 'points', 1, `draw:${id}`, 'fp', now]);
        await appendEvent(c, app, 'points.changed', user, { ...POINTS_CHANGED, kind: 'spend', amount: -1 });
        const roll = Math.floor(Math.random() * 10);
        const won = roll < 1 && (await c.query(TAKE_PRIZE, [prize.id])).rowCount === 1;
        await c.query(INSERT_DRAW, [id, app, lot.id, user, 1, roll, 10, weights, roll < 1 ? prize.id : none.id, won ? prize.id : null, today(), now]);
        await appendEvent(c, app, 'lottery.drawn', user, { id, lotteryId: lot.id, prizeId: won ? prize.id : null, prizeKind: won ? 'points' : null });
        if (won) {
          await c.query(CREDIT, [app, user, 'points', 5, `draw-prize:${id}`, 'fp', 'Lottery prize', 'lottery_draw', now]);
          await appendEvent(c, app, 'points.changed', user, { ...POINTS_CHANGED, amount: 5 });
        }
      });
      await c.query(RECENT_DRAWS, [app, user, new Date(now.getTime() - 10_000)]);
    },
  });
  const awarded = (await env.pool.query<{ awarded: number; stock: number }>(`select awarded, stock from gm_prizes where id = $1`, [prize.id])).rows[0]!;
  const won = (await env.pool.query<{ n: number }>(`select count(*)::int as n from gm_draws where prize_id = $1`, [prize.id])).rows[0]!.n;
  if (won !== awarded.awarded || awarded.stock < 0 || awarded.awarded + awarded.stock !== 1000) throw new Error(`prize accounting broke: ${JSON.stringify({ won, ...awarded })}`);
  env.report({ metric: `POST lottery draw (cost 1, 10% win), ${CONNECTIONS} conns`, value: canyu.rps, unit: 'req/s', p99: canyu.p99, baseline: { label: 'same SQL direct', value: direct.opsPerSec }, target: TARGET, note: `${canyu.status['201'] ?? 0} draws via Canyu; prizes won (Canyu + direct) ${won} = stock taken` });
}

const scenario: Scenario = {
  name: 'gamification',
  description: 'check-in, points earn and lottery draw vs the same SQL driven directly',
  async run(env) {
    const run = Date.now().toString(36);
    await call(env, 'PUT', '/v1/points/types/points', { name: 'Points' });
    await call(env, 'PUT', '/v1/gamification/config', {});
    await checkin(env, run);
    await earn(env, run);
    await draw(env, run);
  },
};
export default scenario;
