// Feedback, polls and surveys under load: poll votes and feedback votes (one hot post) against the
// very SQL the services run, driven directly; similar-post suggestions over 2,000 titles against
// the same queries direct. Each write load ends with an exactness check (counters = rows).
import type { BenchEnv, HttpResult, Scenario } from '../lib.ts';

const ok = (what: string, r: HttpResult) => {
  if (r.non2xx > 0 || r.errors > 0) throw new Error(`${what}: non-2xx ${r.non2xx} / errors ${r.errors}: ${JSON.stringify(r.status)}`);
};

async function post<T>(env: BenchEnv, path: string, body: unknown): Promise<T> {
  const r = await fetch(`${env.canyu}${path}`, { method: 'POST', headers: { ...env.auth.secret, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`);
  return (await r.json()) as T;
}

/** The server's pool size: the direct-SQL baselines get as many connections as Canyu has. */
const dbClients = () => Number(process.env.CANYU_DB_POOL ?? 20);

async function pollVotes(env: BenchEnv) {
  const connections = 50;
  type Poll = { id: string; options: { id: string }[] };
  const poll = await post<Poll>(env, '/v1/polls', { question: 'bench', options: [{ text: 'a' }, { text: 'b' }, { text: 'c' }] });
  const twin = await post<Poll>(env, '/v1/polls', { question: 'bench direct', options: [{ text: 'a' }, { text: 'b' }, { text: 'c' }] });
  const run = Date.now().toString(36);
  const canyu = await env.http({ method: 'POST', path: `/v1/polls/${poll.id}/votes`, headers: env.auth.secret, connections, body: (i) => ({ user_id: `pv-${run}-${i}`, option_ids: [poll.options[i % 3]!.id] }) });
  ok('poll votes', canyu);
  const truth = (await env.pool.query<{ voters: number; ballots: number; choices: number; counted: number }>(
    `select p.voter_count as voters, (select count(*)::int from pl_ballots where poll_id = p.id) as ballots,
            (select count(*)::int from pl_choices where poll_id = p.id) as choices, (select sum(vote_count)::int from pl_options where poll_id = p.id) as counted
     from pl_polls p where p.id = $1`,
    [poll.id],
  )).rows[0]!;
  // Requests still in flight when the load stops are served but not counted: at least the acknowledged ones.
  if (truth.voters !== truth.ballots || truth.counted !== truth.choices || truth.ballots < (canyu.status['200'] ?? 0)) throw new Error(`poll counts drifted: ${JSON.stringify(truth)} after ${canyu.status['200']} acknowledged votes`);

  // The statements the vote use case runs: two reads, then the ballot and the counters in a transaction.
  const direct = await env.sql({
    clients: dbClients(),
    run: async (c, i) => {
      const user = `pd-${run}-${i}`;
      const opt = twin.options[i % 3]!.id;
      await c.query('select * from pl_polls where app_id = $1 and id = $2', [env.tenant.appId, twin.id]);
      await c.query('select * from pl_options where poll_id = any($1) order by poll_id, position', [[twin.id]]);
      await c.query('begin');
      await c.query('insert into pl_ballots (poll_id, user_id, app_id, created_at, updated_at) values ($1, $2, $3, now(), now()) on conflict do nothing returning user_id', [twin.id, user, env.tenant.appId]);
      await c.query('insert into pl_choices (option_id, user_id, poll_id, created_at) values ($1, $2, $3, now())', [opt, user, twin.id]);
      await c.query('update pl_options set vote_count = vote_count + 1 where id = $1 returning vote_count', [opt]);
      await c.query('update pl_polls set voter_count = voter_count + 1 where id = $1 returning voter_count', [twin.id]);
      await c.query('commit');
    },
  });
  env.report({
    metric: `poll votes (one poll, new voter each), ${connections} conns`,
    value: canyu.rps,
    unit: 'votes/s',
    p99: canyu.p99,
    baseline: { label: `same SQL direct, ${dbClients()} clients`, value: direct.opsPerSec },
    target: { minRatio: 0.5 },
    note: `exact: ${truth.ballots} ballots = voter_count`,
  });
}

async function feedbackVotes(env: BenchEnv) {
  const connections = 50;
  const board = await post<{ id: string }>(env, '/v1/feedback/boards', { name: 'bench' });
  const hot = await post<{ id: string }>(env, `/v1/feedback/boards/${board.id}/posts`, { user_id: 'bench-author', title: '希望增加夜间模式' });
  const twin = await post<{ id: string }>(env, `/v1/feedback/boards/${board.id}/posts`, { user_id: 'bench-author', title: 'direct twin' });
  const run = Date.now().toString(36);
  const canyu = await env.http({ method: 'POST', path: `/v1/feedback/posts/${hot.id}/votes`, headers: env.auth.secret, connections, body: (i) => ({ user_id: `fv-${run}-${i}` }) });
  ok('feedback votes', canyu);
  const truth = (await env.pool.query<{ counted: number; rows: number }>('select vote_count as counted, (select count(*)::int from fb_votes where post_id = p.id) as rows from fb_posts p where id = $1', [hot.id])).rows[0]!;
  if (truth.counted !== truth.rows || truth.rows < (canyu.status['200'] ?? 0) + 1) throw new Error(`feedback votes drifted: ${JSON.stringify(truth)} after ${canyu.status['200']} acknowledged votes`);

  const direct = await env.sql({
    clients: dbClients(),
    run: async (c, i) => {
      await c.query('begin');
      await c.query('select * from fb_posts p join fb_boards b on b.id = p.board_id where p.app_id = $1 and p.id = $2 for update of p', [env.tenant.appId, twin.id]);
      const r = await c.query('insert into fb_votes (post_id, user_id, app_id, weight, created_at) values ($1, $2, $3, 1, now()) on conflict do nothing returning user_id', [twin.id, `fd-${run}-${i}`, env.tenant.appId]);
      if (r.rowCount) await c.query('update fb_posts set vote_count = vote_count + 1, vote_weight = vote_weight + 1 where id = $1 returning *', [twin.id]);
      await c.query('commit');
      await c.query('select post_id from fb_votes where post_id = any($1) and user_id = $2', [[twin.id], `fd-${run}-${i}`]);
      await c.query('select post_id from fb_followers where post_id = any($1) and user_id = $2', [[twin.id], `fd-${run}-${i}`]);
    },
  });
  env.report({
    metric: `feedback votes on one hot post, ${connections} conns`,
    value: canyu.rps,
    unit: 'votes/s',
    p99: canyu.p99,
    baseline: { label: `same SQL direct, ${dbClients()} clients`, value: direct.opsPerSec },
    target: { minRatio: 0.5 },
    note: `exact: vote_count = ${truth.rows} rows`,
  });
}

const ASKS = ['希望增加', '能不能加个', '建议优化', '支持一下', '请问怎么设置', 'Please add', 'Improve the', 'Bug in'];
const THINGS = ['夜间模式', '离线下载', '批量导出', '深色主题', '字体大小', '消息提醒', '视频倍速', '会员续费', '搜索历史', '语音输入', 'dark mode', 'offline sync', 'CSV export', 'font size', 'push notifications', 'video speed'];
const TAILS = ['', '功能', '的体验', '经常闪退', ' on iPad', ' for teams', '选项', ' please'];

async function similar(env: BenchEnv) {
  const connections = 20;
  const board = await post<{ id: string }>(env, '/v1/feedback/boards', { name: 'similar bench' });
  const seeded = await env.http({
    method: 'POST',
    path: `/v1/feedback/boards/${board.id}/posts`,
    headers: env.auth.secret,
    connections: 10,
    amount: 2000,
    body: (i) => ({ user_id: `seed-${i}`, title: `${ASKS[i % ASKS.length]}${THINGS[Math.floor(i / ASKS.length) % THINGS.length]}${TAILS[Math.floor(i / 128) % TAILS.length]} #${i}` }),
  });
  ok('seeding posts', seeded);
  const queries = ['能不能加个夜间模式', 'dark mode please', '视频倍速播放', '导出 CSV 文件'];
  const canyu = await env.http({ path: (i) => `/v1/feedback/similar?board_id=${board.id}&q=${encodeURIComponent(queries[i % queries.length]!)}`, headers: env.auth.secret, connections });
  ok('similar', canyu);
  const gramsOf: Record<string, string[]> = {
    能不能加个夜间模式: ['能不', '不能', '能加', '加个', '个夜', '夜间', '间模', '模式'],
    'dark mode please': ['dark', 'mode'],
    视频倍速播放: ['视频', '频倍', '倍速', '速播', '播放'],
    '导出 CSV 文件': ['导出', 'csv', '文件'],
  };
  const direct = await env.sql({
    clients: dbClients(),
    run: async (c, i) => {
      const gs = gramsOf[queries[i % queries.length]!]!;
      await c.query('select * from fb_boards where app_id = $1 and id = $2', [env.tenant.appId, board.id]);
      await c.query('select count(*)::int from fb_posts where app_id = $1 and board_id = any($2) and merged_into is null', [env.tenant.appId, [board.id]]);
      await c.query('select gram, count(*)::int from fb_grams where app_id = $1 and gram = any($2) and board_id = any($3) group by gram', [env.tenant.appId, gs, [board.id]]);
      const r = await c.query<{ post_id: string }>(
        `select g.post_id, array_agg(g.gram), p.gram_count from fb_grams g join fb_posts p on p.id = g.post_id
         where g.app_id = $1 and g.gram = any($2) and g.board_id = any($3) and p.merged_into is null
         group by g.post_id, p.gram_count, p.vote_count order by count(*) desc, p.vote_count desc limit 200`,
        [env.tenant.appId, gs, [board.id]],
      );
      await c.query('select * from fb_posts where id = any($1)', [r.rows.slice(0, 5).map((x) => x.post_id)]);
    },
  });
  env.report({
    metric: `similar-post suggestions over 2,000 titles, ${connections} conns`,
    value: canyu.rps,
    unit: 'req/s',
    p99: canyu.p99,
    baseline: { label: `same queries direct, ${dbClients()} clients`, value: direct.opsPerSec },
    target: { minRatio: 0.5, maxP99: 100 },
  });
}

const scenario: Scenario = {
  name: 'feedback',
  description: 'poll votes and hot-post feedback votes vs the same SQL (with exactness checks), similar-post suggestions vs the same queries',
  async run(env) {
    await pollVotes(env);
    await feedbackVotes(env);
    await similar(env);
  },
};
export default scenario;
