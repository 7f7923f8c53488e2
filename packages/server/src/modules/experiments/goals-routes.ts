// HTTP surface of KPI goals: thin handlers over goals.ts.
import { z } from 'zod';
import { appIdOf } from '../../http/auth.ts';
import { localDate } from '../../http/fields.ts';
import { cleanText } from '../../http/json.ts';
import { cursorTime, decodeCursor, page, pageQuery, pageSchema } from '../../http/pagination.ts';
import { errors, type Api, type RequestCtx } from '../../http/route.ts';
import type { Goals } from './goals.ts';
import type { GoalRow } from './goals-store.ts';

const tags = ['Goals'];
const read = { secret: true, operator: 'analytics.read' } as const;
const write = { secret: true, operator: 'campaigns.manage' } as const;
const EventName = z.string().min(1).max(200).regex(/^[^\u0000-\u001f\u007f]+$/, 'no control characters');

const Metric = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('event_count'), event: EventName.describe('Host events of this name on the day (e.g. 1,000 check-ins a day)') }),
  z.strictObject({ kind: z.literal('retention'), day_n: z.number().int().min(1).max(30).describe('D-N retention rate of the cohort that started N days before the day'), cohort_event: EventName.optional(), return_event: EventName.optional() }),
  z.strictObject({ kind: z.literal('active_users'), window: z.enum(['dau', 'wau', 'mau']) }),
]);

const GoalBody = z.strictObject({
  name: cleanText(1, 200),
  metric: Metric,
  baseline: z.number().min(-1e15).max(1e15).describe('The value on start_day'),
  target: z.number().min(-1e15).max(1e15).describe('The value wanted by due_day (below the baseline for a goal that goes down)'),
  start_day: localDate().describe("First day (the app's reporting time zone)"),
  due_day: localDate().describe('Last day'),
});

const GoalOut = z
  .object({ id: z.string(), name: z.string(), metric: z.record(z.string(), z.unknown()), baseline: z.number(), target: z.number(), start_day: z.string(), due_day: z.string(), created_at: z.string() })
  .meta({ id: 'Goal' });
const present = (g: GoalRow): z.infer<typeof GoalOut> => ({
  id: g.id,
  name: g.name,
  metric: g.metric as unknown as Record<string, unknown>,
  baseline: g.baseline,
  target: g.target,
  start_day: g.startDay,
  due_day: g.dueDay,
  created_at: g.createdAt.toISOString(),
});
const Params = z.strictObject({ goalId: z.string().min(1).max(64) });

export function goalsRoutes(api: Api, deps: { goals: Goals; ctx: RequestCtx }): void {
  const { goals, ctx } = deps;

  api.post(
    '/v1/goals',
    {
      config: { auth: write, audit: 'recorded' },
      schema: {
        tags,
        summary: 'Set a KPI goal: a metric from a baseline to a target by a day',
        description: 'Measured every day by a job (and on POST /v1/goals/{id}/measure); the report says whether the latest value is on the straight path from baseline to target.',
        body: GoalBody,
        response: { 201: GoalOut, ...errors(400, 401, 403) },
      },
    },
    async (req, reply) => reply.code(201).send(present(await goals.create(ctx(req), appIdOf(req), req.body))),
  );

  api.get(
    '/v1/goals',
    { config: { auth: read }, schema: { tags, summary: 'List goals, newest first', querystring: z.strictObject({ ...pageQuery }), response: { 200: pageSchema(GoalOut), ...errors(400, 401, 403) } } },
    async (req) => {
      const q = req.query;
      const before = decodeCursor(q.cursor, z.object({ t: cursorTime(), id: z.string().max(64) }));
      const rows = await goals.list(ctx(req), appIdOf(req), { limit: q.limit + 1, before });
      const p = page(rows, q.limit, (g) => ({ t: g.createdAt.toISOString(), id: g.id }));
      return { data: p.data.map(present), next_cursor: p.next_cursor };
    },
  );

  const ReportOut = z.object({
    goal: GoalOut,
    days: z.array(z.object({ day: z.string(), value: z.number().nullable() })),
    latest: z
      .object({ day: z.string(), status: z.enum(['achieved', 'on_track', 'off_track', 'missed']), expected: z.number().describe('On the straight path that day'), progress: z.number().describe('Share of the way from baseline to target') })
      .nullable(),
  });
  api.get(
    '/v1/goals/:goalId',
    { config: { auth: read }, schema: { tags, summary: 'A goal with its daily values and where the latest stands', params: Params, response: { 200: ReportOut, ...errors(400, 401, 403, 404) } } },
    async (req) => {
      const r = await goals.report(ctx(req), appIdOf(req), req.params.goalId);
      return { goal: present(r.goal), days: r.days, latest: r.latest };
    },
  );

  api.post(
    '/v1/goals/:goalId/measure',
    {
      config: { auth: write, audit: { exempt: 'Records a measured value once per day; no definition changes' } },
      schema: {
        tags,
        summary: "Measure the app's goals for a day now (the daily job does yesterday); a day already recorded keeps its value",
        params: Params,
        body: z.strictObject({ day: localDate() }),
        response: { 200: ReportOut, ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => {
      await goals.report(ctx(req), appIdOf(req), req.params.goalId);
      await goals.recordDay(ctx(req), appIdOf(req), req.body.day);
      const r = await goals.report(ctx(req), appIdOf(req), req.params.goalId);
      return { goal: present(r.goal), days: r.days, latest: r.latest };
    },
  );
}
