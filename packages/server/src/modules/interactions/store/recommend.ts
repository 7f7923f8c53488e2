// The reads behind "for you": a user's own recent interactions, and candidates sharing their tags,
// authors or likers. Every query is bounded (recent N, LIMIT), so the cost does not grow with the
// app's size.
import { sql, type SQL } from 'drizzle-orm';
import { rows, type Db } from './common.ts';

export type Seed = { subjectId: number; kind: string; externalId: string; title: string | null; authorId: string | null; tags: string[] };

/** The subjects the user liked or favourited most recently. */
export async function seeds(db: Db, appId: string, userId: string, limit: number): Promise<Seed[]> {
  const rs = await rows<{ id: number; kind: string; external_id: string; title: string | null; author_id: string | null; tags: string[] }>(
    db,
    sql`select s.id, s.kind, s.external_id, s.title, s.author_id, s.tags from (
          select subject_id, max(created_at) as at from ix_reactions
          where app_id = ${appId} and user_id = ${userId} and type in ('like', 'favourite')
          group by subject_id order by at desc limit ${limit}
        ) r join ix_subjects s on s.id = r.subject_id order by r.at desc`,
  );
  return rs.map((r) => ({ subjectId: r.id, kind: r.kind, externalId: r.external_id, title: r.title, authorId: r.author_id, tags: r.tags }));
}

/** Everything the user already interacted with (liked, favourited, followed), to leave out. */
export async function seen(db: Db, appId: string, userId: string, limit: number): Promise<number[]> {
  const rs = await rows<{ subject_id: number }>(db, sql`select distinct subject_id from ix_reactions where app_id = ${appId} and user_id = ${userId} limit ${limit}`);
  return rs.map((r) => r.subject_id);
}

export async function followedUsers(db: Db, appId: string, userId: string, limit: number): Promise<string[]> {
  const rs = await rows<{ followee_id: string }>(db, sql`select followee_id from ix_user_follows where app_id = ${appId} and follower_id = ${userId} order by created_at desc limit ${limit}`);
  return rs.map((r) => r.followee_id);
}

const kindCond = (kind: string | undefined): SQL => (kind === undefined ? sql`` : sql`and s.kind = ${kind}`);
const notIn = (ids: number[]): SQL => (ids.length === 0 ? sql`` : sql`and s.id <> all(${sql.param(ids)}::bigint[])`);

export type Candidate = { subjectId: number; hot: number | null; tags: string[]; authorId: string | null };

export async function byTags(db: Db, appId: string, kind: string | undefined, tags: string[], exclude: number[], limit: number): Promise<Candidate[]> {
  if (tags.length === 0) return [];
  const rs = await rows<{ id: number; hot_score: number | null; tags: string[]; author_id: string | null }>(
    db,
    sql`select s.id, s.hot_score, s.tags, s.author_id from ix_subjects s
        where s.app_id = ${appId} and s.tags && ${sql.param(tags)}::text[] ${kindCond(kind)} ${notIn(exclude)}
        order by s.hot_score desc nulls last, s.id desc limit ${limit}`,
  );
  return rs.map((r) => ({ subjectId: r.id, hot: r.hot_score, tags: r.tags, authorId: r.author_id }));
}

export async function byAuthors(db: Db, appId: string, kind: string | undefined, authors: string[], exclude: number[], limit: number): Promise<Candidate[]> {
  if (authors.length === 0) return [];
  const rs = await rows<{ id: number; hot_score: number | null; tags: string[]; author_id: string | null }>(
    db,
    sql`select s.id, s.hot_score, s.tags, s.author_id from ix_subjects s
        where s.app_id = ${appId} and s.author_id = any(${sql.param(authors)}::text[]) ${kindCond(kind)} ${notIn(exclude)}
        order by s.hot_score desc nulls last, s.id desc limit ${limit}`,
  );
  return rs.map((r) => ({ subjectId: r.id, hot: r.hot_score, tags: r.tags, authorId: r.author_id }));
}

/**
 * Item-to-item co-interaction: users who recently liked the same subjects as this user (50 per
 * seed), and what else they recently liked (50 each). For each candidate, how many such likes
 * point at it, and the seed most of them came through.
 */
export async function coLiked(db: Db, appId: string, userId: string, seedIds: number[], kind: string | undefined, exclude: number[], limit: number): Promise<{ subjectId: number; n: number; seed: number }[]> {
  if (seedIds.length === 0) return [];
  const rs = await rows<{ subject_id: number; n: number; seed: number }>(
    db,
    sql`with peers as (
          select m.seed, l.user_id from unnest(${sql.param(seedIds)}::bigint[]) as m(seed)
          cross join lateral (select r.user_id from ix_reactions r where r.subject_id = m.seed and r.type = 'like' and r.user_id <> ${userId} order by r.created_at desc limit 50) l
        ),
        pairs as (
          select p.seed, x.subject_id, count(*)::bigint as n from peers p
          cross join lateral (select r.subject_id from ix_reactions r where r.app_id = ${appId} and r.user_id = p.user_id and r.type = 'like' order by r.created_at desc limit 50) x
          group by p.seed, x.subject_id
        ),
        best as (select distinct on (subject_id) subject_id, seed from pairs order by subject_id, n desc, seed),
        total as (select subject_id, sum(n)::bigint as n from pairs group by subject_id)
        select t.subject_id, t.n, b.seed from total t join best b using (subject_id) join ix_subjects s on s.id = t.subject_id
        where s.app_id = ${appId} ${kindCond(kind)} ${notIn(exclude)}
        order by t.n desc, t.subject_id desc limit ${limit}`,
  );
  return rs.map((r) => ({ subjectId: r.subject_id, n: r.n, seed: r.seed }));
}
