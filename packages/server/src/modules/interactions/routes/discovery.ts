// Discovery: hot lists, rankings (and, below, curated slots and recommendations).
import { z } from 'zod';
import { appIdOf } from '../../../http/auth.ts';
import { decodeCursor, page, pageQuery, pageSchema } from '../../../http/pagination.ts';
import { errors, type Api, type RequestCtx } from '../../../http/route.ts';
import { DateString, Kind, Period } from '../types.ts';
import { presentSubject, ScoreCursor, SubjectOut, type Deps } from './common.ts';

const tags = ['Discovery'];
const HotCursor = z.object({ h: z.number(), id: z.number().int().positive() });
const read = { secret: true, user: true, publishable: true, operator: 'app.read' } as const;

export function discoveryRoutes(api: Api, deps: Deps & { ctx: RequestCtx }): void {
  const { interactions: ix, ctx } = deps;

  api.get(
    '/v1/hot',
    {
      config: { auth: read },
      schema: {
        tags,
        summary: 'Hot list (热门) of a subject kind, with time decay',
        description:
          'score = log10(1 + Σ weight × count) + (published − 2024-01-01) / decay: a subject needs 10× the weighted engagement for every settings.hot.decay_hours of age to rank level with a newer one. ' +
          'Scores are refreshed incrementally shortly after each interaction (never by scanning all subjects) and read from an index.',
        querystring: z.strictObject({ ...pageQuery, kind: Kind }),
        response: { 200: pageSchema(SubjectOut), ...errors(400, 401, 403) },
      },
    },
    async (req) => {
      const cur = decodeCursor(req.query.cursor, HotCursor);
      const views = await ix.discovery.hot(ctx(req), appIdOf(req), req.query.kind, { limit: req.query.limit + 1, after: cur });
      const p = page(views, req.query.limit, (v) => ({ h: v.row.hotScore!, id: v.row.id }));
      return { data: p.data.map(presentSubject), next_cursor: p.next_cursor };
    },
  );

  api.get(
    '/v1/rankings',
    {
      config: { auth: read },
      schema: {
        tags,
        summary: 'Rankings (排行榜, 每周必看) by day, ISO week, month or all time',
        description: 'Subjects ordered by their weighted interactions within the window (in the app\'s timezone) that contains `date` (default: today). Past windows stay available.',
        querystring: z.strictObject({ ...pageQuery, kind: Kind, period: Period.default('week'), date: DateString.optional() }),
        response: {
          200: pageSchema(SubjectOut.extend({ rank_score: z.number().describe('Weighted interactions in the window') })).extend({ period: Period, start: z.string(), end: z.string().describe('Exclusive') }),
          ...errors(400, 401, 403),
        },
      },
    },
    async (req) => {
      const q = req.query;
      const cur = decodeCursor(q.cursor, ScoreCursor);
      const r = await ix.discovery.ranking(ctx(req), appIdOf(req), q.kind, q.period, q.date, { limit: q.limit + 1, after: cur });
      const p = page(r.items, q.limit, (i) => ({ s: i.score, id: i.view.row.id }));
      return { period: q.period, start: r.window.start, end: r.window.end, data: p.data.map((i) => ({ ...presentSubject(i.view), rank_score: i.score })), next_cursor: p.next_cursor };
    },
  );
}
