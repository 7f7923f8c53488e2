// Interactions: likes on one hot subject from 100 concurrent users (with an exactness check and a
// measurement of the sharded-counter design against a single counter row), comment creation
// beside the same SQL driven directly, and the hot-list read.
import { apiCall, appendEvent, caughtUp, inTx, type BenchEnv, type HttpResult, type Scenario } from '../lib.ts';

const HOT = 'bench-hot';

const call = apiCall;

function check(what: string, r: HttpResult): void {
  if (r.errors > 0 || r.non2xx > 0) throw new Error(`${what}: ${r.non2xx} non-2xx, ${r.errors} errors: ${JSON.stringify(r.status)}`);
}

async function likes(env: BenchEnv) {
  const connections = 100;
  const runId = Date.now().toString(36);
  await call(env, 'PUT', `/v1/subjects/video/${HOT}`, { title: '热门视频', author_id: 'bench-up', tags: ['bench'] });
  const bare = await env.bareBaseline(connections);
  // Every request is a different user: each one really inserts a like and bumps the counter. A
  // fixed number of requests, so every answer is counted before the totals are compared.
  const amount = Math.max(2000, Math.round(env.seconds * 4000));
  const r = await env.http({ method: 'PUT', path: `/v1/subjects/video/${HOT}/like`, headers: env.auth.secret, body: (i) => ({ user_id: `liker-${runId}-${i}` }), connections, amount });
  check('likes', r);
  const counted = ((await call(env, 'GET', `/v1/subjects/video/${HOT}`)).counts as { likes: number }).likes;
  const rowsStored = (await env.pool.query<{ n: number }>(`select count(*)::int as n from ix_reactions r join ix_subjects s on s.id = r.subject_id where s.app_id = $1 and s.external_id = $2 and r.type = 'like'`, [env.tenant.appId, HOT])).rows[0]!.n;
  const acknowledged = r.status['200'] ?? 0;
  if (acknowledged !== amount) throw new Error(`likes: ${acknowledged} of ${amount} answered 200`);
  if (counted !== acknowledged || rowsStored !== acknowledged) throw new Error(`likes not exact: ${acknowledged} acknowledged, counter says ${counted}, ${rowsStored} rows`);
  env.report({
    metric: `likes/s on one subject, ${connections} users at once`,
    value: acknowledged / r.seconds,
    unit: 'likes/s',
    p99: r.p99,
    baseline: { label: 'bare Fastify JSON GET', value: bare.rps },
    target: { min: 5000 },
    note: `exact: ${acknowledged.toLocaleString('en-US')} acknowledged = counter = rows`,
  });

  // The design, measured in SQL: the like statement with 16 counter shards against the same
  // statement with one shard (one hot row every writer queues behind), 100 clients each.
  const { rows } = await env.pool.query<{ id: number }>(`select id from ix_subjects where app_id = $1 and external_id = $2`, [env.tenant.appId, HOT]);
  const subjectId = rows[0]!.id;
  const statement = `with ins as (
      insert into ix_reactions (subject_id, type, user_id, app_id, day, created_at) values ($1, 'like', $2, $3, current_date, now())
      on conflict do nothing returning subject_id, day),
    c as (insert into ix_counters as t (subject_id, slot, likes) select subject_id, $4, 1 from ins on conflict (subject_id, slot) do update set likes = t.likes + 1),
    d as (insert into ix_subject_days as t (subject_id, day, slot, likes) select subject_id, day, $4, 1 from ins on conflict (subject_id, day, slot) do update set likes = t.likes + 1),
    x as (insert into ix_dirty (subject_id, day) select subject_id, day from ins on conflict do nothing)
    select count(*) from ins`;
  const drive = (slots: number, tag: string) => env.sql({ clients: connections, run: (c, i) => c.query(statement, [subjectId, `sql-${tag}-${runId}-${i}`, env.tenant.appId, Math.floor(Math.random() * slots)]) });
  const sharded = await drive(16, 's16');
  const single = await drive(1, 's1');
  env.report({
    metric: `like statement, 16 counter shards, ${connections} clients (SQL)`,
    value: sharded.opsPerSec,
    unit: 'likes/s',
    p99: sharded.p99,
    baseline: { label: 'same, 1 counter row', value: single.opsPerSec },
    note: `p99 ${sharded.p99.toFixed(1)} ms vs ${single.p99.toFixed(1)} ms with one row`,
  });
}

// ---- the statements the server runs for a comment (modules/interactions/store/*.ts) ---------------

const SETTINGS = `select "settings", "ix_settings".xmin::text from "ix_settings" where "ix_settings"."app_id" = $1`;
const SUBJECT = `select "id", "app_id", "kind", "external_id", "title", "author_id", "tags", "metadata", "created_at", "first_seen_at", "updated_at", "hot_score" from "ix_subjects" where ("ix_subjects"."app_id" = $1 and "ix_subjects"."kind" = $2 and "ix_subjects"."external_id" = $3)`;
const BLOCKED = `select exists (select 1 from ix_blocks where app_id = $1 and user_id = $2 and (until is null or until > $3::timestamptz)) as b`;
const LOCK_POSTER = `select pg_advisory_xact_lock(hashtext($1), hashtext($2))`;
const RECENT_POSTS = `select count(*)::int, min("created_at") from "ix_comments" where ("ix_comments"."app_id" = $1 and "ix_comments"."user_id" = $2 and "ix_comments"."created_at" > $3::timestamptz)`;
const INSERT_COMMENT = `insert into "ix_comments" ("id", "app_id", "subject_id", "root_id", "parent_id", "user_id", "reply_to_user_id", "body", "mentions", "status", "official", "operator_id", "likes", "replies", "hot", "pinned_at", "featured_at", "featured_by", "open_reports", "moderation", "day", "created_at", "edited_at", "deleted_at")
  values (default, $1, $2, null, null, $3, null, $4, '{}', default, null, null, default, default, $5, default, default, default, default, default, (($6::timestamptz) at time zone coalesce((select settings->>'timezone' from ix_settings where app_id = $1), 'UTC'))::date, $6, default, default)
  returning *, day::text as day_text`;
const BUMP_COMMENTS = `with src as (select $1::bigint as subject_id, $2::date as day),
  bump_total as (insert into ix_counters as t (subject_id, slot, comments) select subject_id, $3::smallint, 1::bigint from src on conflict (subject_id, slot) do update set comments = t.comments + excluded.comments),
  bump_day as (insert into ix_subject_days as t (subject_id, day, slot, comments) select subject_id, day, $3::smallint, 1::bigint from src on conflict (subject_id, day, slot) do update set comments = t.comments + excluded.comments),
  bump_dirty as (insert into ix_dirty (subject_id, day, slot) select subject_id, day, $3::smallint from src on conflict (subject_id, day, slot) do update set day = excluded.day)
  select 1`;

async function comments(env: BenchEnv) {
  const connections = 50;
  const runId = Date.now().toString(36);
  const bare = await env.http({ method: 'POST', path: '/bare/echo', target: env.bare, body: { user_id: 'x', body: '这个视频太好看了！Great video, thanks for sharing.' }, connections });
  const r = await env.http({
    method: 'POST',
    path: `/v1/subjects/video/${HOT}/comments`,
    headers: env.auth.secret,
    body: (i) => ({ user_id: `commenter-${runId}-${i}`, body: `这个视频太好看了！Great video, thanks for sharing. #${i}` }),
    connections,
  });
  check('comments', r);
  await caughtUp(env);
  const app = env.tenant.appId;
  const direct = await env.sql({
    clients: connections,
    run: async (c, i) => {
      const user = `direct-commenter-${runId}-${i}`;
      const body = `这个视频太好看了！Great video, thanks for sharing. #${i}`;
      const now = new Date();
      await c.query(SETTINGS, [app]);
      const subject = (await c.query<{ id: string }>(SUBJECT, [app, 'video', HOT])).rows[0]!;
      await inTx(c, async () => {
        await c.query(BLOCKED, [app, user, now]);
        await c.query(LOCK_POSTER, [app, user]);
        await c.query(RECENT_POSTS, [app, user, new Date(now.getTime() - 60_000)]);
        const row = (await c.query<{ id: string; day_text: string }>(INSERT_COMMENT, [app, subject.id, user, body, 2140.86, now])).rows[0]!;
        await c.query(BUMP_COMMENTS, [subject.id, row.day_text, Math.floor(Math.random() * 16)]);
        await appendEvent(c, app, 'comment.created', user, { id: String(row.id), subjectId: String(subject.id), kind: 'video', externalId: HOT, rootId: null, parentId: null, official: null, body });
      });
    },
  });
  const made = (r.status['201'] ?? 0) / r.seconds;
  env.report({ metric: `comments created/s, ${connections} conns, one subject`, value: made, unit: 'req/s', p99: r.p99, baseline: { label: 'same SQL direct', value: direct.opsPerSec }, target: { minRatio: 0.5 }, note: `bare Fastify JSON POST: ${Math.round(bare.rps)} req/s` });
}

async function hotList(env: BenchEnv) {
  const connections = 50;
  const n = 200;
  // 200 videos with a spread of likes, then wait for the hot scores to be refreshed.
  for (let start = 0; start < n; start += 20) {
    await Promise.all(
      Array.from({ length: 20 }, async (_, k) => {
        const i = start + k;
        await call(env, 'PUT', `/v1/subjects/video/hot-${i}`, { title: `视频 ${i}`, author_id: `up-${i % 17}`, tags: [`t${i % 9}`] });
        for (let l = 0; l < i % 7; l++) await call(env, 'PUT', `/v1/subjects/video/hot-${i}/like`, { user_id: `hl-${l}` });
      }),
    );
  }
  for (let tries = 0; ; tries++) {
    const page = await call(env, 'GET', '/v1/hot?kind=video&limit=20');
    if ((page.data as unknown[]).length === 20) break;
    if (tries > 100) throw new Error('hot list not refreshed within 10 s');
    await new Promise((res) => setTimeout(res, 100));
  }
  const bare = await env.bareBaseline(connections);
  // The answer is ~5 KB: bare Fastify sending a body of the same size is the transport's own cost.
  const size = Buffer.byteLength(await (await fetch(`${env.canyu}/v1/hot?kind=video&limit=20`, { headers: env.auth.secret })).text());
  const { canyu: r, baseline: bareSame } = await env.compare({ path: '/v1/hot?kind=video&limit=20', headers: env.auth.secret, connections }, { path: `/bare/bytes/${size}`, target: env.bare, connections, headers: env.auth.secret });
  check('hot list', r);
  env.report({
    metric: `GET /v1/hot (20 subjects with counters, ${size} bytes), ${connections} conns`,
    value: r.rps,
    unit: 'req/s',
    p99: r.p99,
    baseline: { label: `bare Fastify GET of ${size} bytes, same headers`, value: bareSame.rps },
    target: { minRatio: 0.5 },
    note: `bare Fastify GET of the small profile JSON: ${Math.round(bare.rps)} req/s (${Math.round((100 * r.rps) / bare.rps)}%)`,
  });
}

const scenario: Scenario = {
  name: 'interactions',
  description: 'likes on one hot subject from 100 users (exact; sharded vs single counter row), comment creation, hot-list read',
  async run(env) {
    await likes(env);
    await comments(env);
    await hotList(env);
  },
};
export default scenario;
