// Hot scores, rankings and their incremental refresh. Interactions leave (subject, day) marks in
// ix_dirty; the refresh takes a batch of marks (SKIP LOCKED, so several servers share the work),
// recomputes the hot score of those subjects from their counter shards and the ranking rows of the
// periods containing each marked day from their day buckets. Reads are index scans.
import { and, desc, eq, isNotNull, sql, type SQL } from 'drizzle-orm';
import type { HotWeights } from '../rules/hot.ts';
import type { Period } from '../rules/periods.ts';
import { subjects } from '../schema.ts';
import { hotSql, rows, type Db } from './common.ts';
import type { SubjectRow } from './subjects.ts';

/**
 * Takes (deletes) up to `limit` marks; runs on its own so likes never wait behind a refresh. A
 * writer upserts its mark (a no-op update, not DO NOTHING), so a mark whose counts are still being
 * written is locked until they commit and SKIP LOCKED leaves it for the next refresh: a refresh can
 * no longer take a mark, read the counts without the in-flight write, and lose it for good. Marks
 * are per counter shard (the writer's slot); a subject's day comes back once however many of its
 * shards were marked.
 */
export async function takeDirty(db: Db, limit: number): Promise<{ subjectId: number; appId: string; day: string }[]> {
  const rs = await rows<{ subject_id: number; app_id: string; day: string }>(
    db,
    sql`with taken as (
          delete from ix_dirty where (subject_id, day) in (select subject_id, day from ix_dirty limit ${limit} for update skip locked)
          returning subject_id, day
        )
        select distinct t.subject_id, s.app_id, t.day::text as day from taken t join ix_subjects s on s.id = t.subject_id`,
  );
  return rs.map((r) => ({ subjectId: r.subject_id, appId: r.app_id, day: r.day }));
}

/** Σ weight × count over the metric columns of table alias `t`, as float8. */
const weightedSql = (t: string, w: HotWeights): SQL => {
  const c = (col: string) => sql.raw(`${t}.${col}`);
  return sql`(coalesce(sum(${c('likes')}), 0)::float8 * ${w.like}::float8 + coalesce(sum(${c('favourites')}), 0)::float8 * ${w.favourite}::float8 + coalesce(sum(${c('shares')}), 0)::float8 * ${w.share}::float8
            + coalesce(sum(${c('comments')}), 0)::float8 * ${w.comment}::float8 + coalesce(sum(${c('follows')}), 0)::float8 * ${w.follow}::float8)`;
};


export async function refreshHot(db: Db, ids: number[], w: HotWeights, decayHours: number): Promise<void> {
  if (ids.length === 0) return;
  // Rows are locked in id order first, so concurrent refreshes cannot deadlock on each other.
  await db.execute(sql`with locked as (select id from ix_subjects where id = any(${sql.param(ids)}::bigint[]) order by id for no key update)
    update ix_subjects s set hot_score = ${hotSql(sql`c.w`, sql`s.created_at`, decayHours)}
    from (select subject_id, ${weightedSql('t', w)} as w from ix_counters t where subject_id in (select id from locked) group by subject_id) c
    where s.id = c.subject_id`);
}

/** Rescores every subject of the app that has a score (the weights or the decay changed). */
export async function rescoreApp(db: Db, appId: string, w: HotWeights, decayHours: number): Promise<void> {
  await db.execute(sql`update ix_subjects s set hot_score = ${hotSql(sql`c.w`, sql`s.created_at`, decayHours)}
    from (select t.subject_id, ${weightedSql('t', w)} as w from ix_counters t join ix_subjects x on x.id = t.subject_id where x.app_id = ${appId} group by t.subject_id) c
    where s.id = c.subject_id and s.hot_score is not null`);
  await db.execute(sql`update ix_rankings r set score = coalesce((select ${weightedSql('t', w)} from ix_subject_days t where t.subject_id = r.subject_id and t.day >= r.period_start and t.day < ${periodEndSql}), 0)
    where r.app_id = ${appId}`);
}

const periodEndSql = sql`(case r.period when 'day' then r.period_start + 1 when 'week' then r.period_start + 7 when 'month' then (r.period_start + interval '1 month')::date else date '9999-12-31' end)`;

export type RankingWindow = { subjectId: number; period: Period; start: string; end: string };

export async function refreshRankings(db: Db, windows: RankingWindow[], w: HotWeights): Promise<void> {
  if (windows.length === 0) return;
  await db.execute(sql`insert into ix_rankings (subject_id, app_id, kind, period, period_start, score)
    select p.sid, s.app_id, s.kind, p.period, p.start, coalesce(d.w, 0)
    from unnest(${sql.param(windows.map((x) => x.subjectId))}::bigint[], ${sql.param(windows.map((x) => x.period))}::text[], ${sql.param(windows.map((x) => x.start))}::date[], ${sql.param(windows.map((x) => x.end))}::date[]) as p(sid, period, start, stop)
    join ix_subjects s on s.id = p.sid
    left join lateral (select ${weightedSql('t', w)} as w from ix_subject_days t where t.subject_id = p.sid and t.day >= p.start and t.day < p.stop) d on true
    order by p.sid, p.period, p.start
    on conflict (subject_id, period, period_start) do update set score = excluded.score`);
}

export async function remark(db: Db, marks: { subjectId: number; day: string }[]): Promise<void> {
  if (marks.length === 0) return;
  await db.execute(sql`insert into ix_dirty (subject_id, day) select * from unnest(${sql.param(marks.map((m) => m.subjectId))}::bigint[], ${sql.param(marks.map((m) => m.day))}::date[])
    where exists (select 1 from ix_subjects where id = subject_id) on conflict do nothing`);
}

export async function hotList(db: Db, appId: string, kind: string, q: { limit: number; after?: { h: number; id: number } | undefined }): Promise<SubjectRow[]> {
  return db
    .select()
    .from(subjects)
    .where(and(eq(subjects.appId, appId), eq(subjects.kind, kind), isNotNull(subjects.hotScore), q.after ? sql`(${subjects.hotScore}, ${subjects.id}) < (${q.after.h}::float8, ${q.after.id}::bigint)` : undefined))
    .orderBy(desc(subjects.hotScore), desc(subjects.id))
    .limit(q.limit);
}

export async function ranking(db: Db, appId: string, kind: string, period: Period, start: string, q: { limit: number; after?: { s: number; id: number } | undefined }): Promise<{ subjectId: number; score: number }[]> {
  const rs = await rows<{ subject_id: number; score: number }>(
    db,
    sql`select subject_id, score from ix_rankings
        where app_id = ${appId} and kind = ${kind} and period = ${period} and period_start = ${start}::date and score > 0
        ${q.after ? sql`and (score, subject_id) < (${q.after.s}::float8, ${q.after.id}::bigint)` : sql``}
        order by score desc, subject_id desc limit ${q.limit}`,
  );
  return rs.map((r) => ({ subjectId: r.subject_id, score: r.score }));
}
