import { z } from 'zod';
import { actingUserId, appIdOf } from '../../http/auth.ts';
import { cursorTime, decodeCursor, page, pageQuery, pageSchema } from '../../http/pagination.ts';
import { errors, iso, type Api, type RequestCtx } from '../../http/route.ts';
import type { ResponseView, Surveys } from './service.ts';
import type { SurveyRow } from './store.ts';
import { CreateSurveyBody, NextBody, RespondBody, ResponseOut, SettingsBody, SurveyIdParams, SurveyOut, UpdateSurveyBody } from './types.ts';
import { escapeHtml } from '../../lib/text.ts';
import { userActivity } from '../../http/audit.ts';

const tags = ['Surveys'];

const presentSurvey = (s: SurveyRow): z.infer<typeof SurveyOut> => ({
  id: s.id,
  name: s.name,
  description: s.description,
  status: s.status as z.infer<typeof SurveyOut>['status'],
  questions: s.questions,
  targeting: s.targeting,
  trigger_event: s.triggerEvent,
  recurrence_days: s.recurrenceDays,
  quota: s.quota,
  completed: s.completedCount,
  points: s.points,
  starts_at: iso(s.startsAt),
  ends_at: iso(s.endsAt),
  created_by: s.createdBy,
  created_at: s.createdAt.toISOString(),
  updated_at: s.updatedAt.toISOString(),
});

/** Text answers are user-written: escaped like every user text (README "User content"). */
const userAnswer = <T,>(a: T): T => (typeof a === 'string' ? escapeHtml(a) : Array.isArray(a) ? a.map((x: unknown) => (typeof x === 'string' ? escapeHtml(x) : x)) : a) as T;

const presentResponse = (v: ResponseView): z.infer<typeof ResponseOut> => ({
  id: v.response.id,
  survey_id: v.response.surveyId,
  user_id: v.response.userId,
  round: v.response.round,
  status: v.response.status as 'partial' | 'completed',
  answers: Object.fromEntries(Object.entries(v.answers).map(([k, a]) => [k, userAnswer(a)])) as typeof v.answers,
  next_question_id: v.next,
  started_at: v.response.startedAt.toISOString(),
  completed_at: iso(v.response.completedAt),
});

const Pct = z.number().nullable();
const QuestionResult = z.object({
  id: z.string(),
  type: z.string(),
  title: z.string(),
  answered: z.number(),
  options: z.array(z.object({ id: z.string(), text: z.string(), count: z.number(), percent: Pct })).optional(),
  average: z.number().nullable().optional(),
  distribution: z.array(z.object({ value: z.number(), count: z.number() })).optional(),
  nps: z.object({ promoters: z.number(), passives: z.number(), detractors: z.number(), score: z.number().nullable().describe('-100 … 100') }).optional(),
  csat: z.object({ satisfied: z.number(), percent: Pct.describe('Share of 4 and 5 answers') }).optional(),
  earliest: z.string().nullable().optional(),
  latest: z.string().nullable().optional(),
});

const IncludePartial = { include_partial: z.enum(['true', 'false']).default('false').describe('Count partial responses too') };
const manage = { secret: true, operator: 'campaigns.manage' } as const;
const analytics = { secret: true, operator: 'analytics.read' } as const;

export function surveysRoutes(api: Api, deps: { surveys: Surveys; ctx: RequestCtx }): void {
  const { surveys, ctx } = deps;

  api.post(
    '/v1/surveys',
    {
      config: { auth: manage, audit: 'recorded' },
      schema: {
        tags,
        summary: 'Create a questionnaire: typed questions with branching, targeting, trigger, recurrence, quota, points',
        body: CreateSurveyBody,
        response: { 201: SurveyOut, ...errors(400, 401, 403) },
      },
    },
    async (req, reply) => reply.code(201).send(presentSurvey(await surveys.create(ctx(req), appIdOf(req), req.body))),
  );

  api.get(
    '/v1/surveys',
    {
      config: { auth: { secret: true, operator: 'app.read' } },
      schema: { tags, summary: 'List surveys, newest first', querystring: z.strictObject({ ...pageQuery, status: z.enum(['draft', 'active', 'paused', 'closed']).optional() }), response: { 200: pageSchema(SurveyOut), ...errors(400, 401, 403) } },
    },
    async (req) => {
      const q = req.query;
      const cur = decodeCursor(q.cursor, z.object({ t: cursorTime(), id: z.string() }));
      const rows = await surveys.list(ctx(req), appIdOf(req), { limit: q.limit + 1, status: q.status, before: cur ? { at: new Date(cur.t), id: cur.id } : undefined });
      const p = page(rows, q.limit, (s) => ({ t: s.createdAt.toISOString(), id: s.id }));
      return { data: p.data.map(presentSurvey), next_cursor: p.next_cursor };
    },
  );

  api.get(
    '/v1/surveys/settings',
    { config: { auth: { secret: true, operator: 'app.read' } }, schema: { tags, summary: 'Survey settings of the app (the global recontact wait)', response: { 200: SettingsBody, ...errors(401, 403) } } },
    async (req) => ({ recontact_days: await surveys.recontactDays(ctx(req), appIdOf(req)) }),
  );

  api.put(
    '/v1/surveys/settings',
    {
      config: { auth: manage, audit: 'recorded' },
      schema: { tags, summary: 'Set the recontact wait: days between two surveys shown to one user, across all surveys', body: SettingsBody, response: { 200: SettingsBody, ...errors(400, 401, 403) } },
    },
    async (req) => {
      await surveys.setRecontactDays(ctx(req), appIdOf(req), req.body.recontact_days);
      return { recontact_days: req.body.recontact_days };
    },
  );

  api.post(
    '/v1/surveys/next',
    {
      config: { auth: { secret: true, user: true }, audit: { exempt: 'Picks the survey to show a user (recorded as shown to them)' } },
      schema: {
        tags,
        summary: 'The survey to show this user now, if any (recorded as shown)',
        description:
          'Considers active surveys in their window and under quota that target the user (traits, segment), whose trigger event the user did (ingested, or `event` here), ' +
          'that the user has not been shown (or, for recurring surveys, not within the last N days), and only when the app’s recontact wait since the last survey shown to this user (any survey) has passed. ' +
          'An offer is a contact: it takes one unit of the user’s contact budget (messaging frequency caps, category activity, channel in_app) and respects their opt-outs and quiet hours; ' +
          'reason capped, unsubscribed or quiet_hours (with next_eligible_at at the end of the quiet hours) when the budget refuses it.',
        body: NextBody,
        response: {
          200: z.object({ survey: SurveyOut.nullable(), round: z.number().nullable(), reason: z.enum(['shown', 'recontact_wait', 'none_eligible', 'capped', 'unsubscribed', 'quiet_hours']), next_eligible_at: z.string().nullable() }),
          ...errors(400, 401, 403),
        },
      },
    },
    async (req) => {
      const r = await surveys.next(ctx(req), appIdOf(req), actingUserId(req, req.body.user_id), req.body.event);
      return r.survey ? { survey: presentSurvey(r.survey), round: r.round, reason: 'shown' as const, next_eligible_at: null } : { survey: null, round: null, reason: r.reason, next_eligible_at: iso(r.nextEligibleAt) };
    },
  );

  api.get(
    '/v1/surveys/:surveyId',
    { config: { auth: { secret: true, user: true, operator: 'app.read' } }, schema: { tags, summary: 'Get a survey with its questions', params: SurveyIdParams, response: { 200: SurveyOut, ...errors(400, 401, 403, 404) } } },
    async (req) => presentSurvey(await surveys.get(ctx(req), appIdOf(req), req.params.surveyId)),
  );

  api.patch(
    '/v1/surveys/:surveyId',
    {
      config: { auth: manage, audit: 'recorded' },
      schema: { tags, summary: 'Change a survey: launch, pause or close it, retarget it, edit questions (before any response)', params: SurveyIdParams, body: UpdateSurveyBody, response: { 200: SurveyOut, ...errors(400, 401, 403, 404, 409) } },
    },
    async (req) => presentSurvey(await surveys.update(ctx(req), appIdOf(req), req.params.surveyId, req.body)),
  );

  api.post(
    '/v1/surveys/:surveyId/responses',
    {
      config: { auth: { secret: true, user: true }, audit: userActivity },
      schema: {
        tags,
        summary: 'Answer: save a partial response, or complete it',
        description: 'Each answer is checked against its question; an answer to a question not in the survey or an empty required answer is a 400 naming the field. Completing checks the branching path and the quota, then publishes survey.completed (with the survey’s points). Text answers go through the app’s sensitive-word filter (PATCH /v1/interactions/settings, moderation): masked, or refused with 400 interactions.sensitive_content naming the answer when filter_mode is reject.',
        params: SurveyIdParams,
        body: RespondBody,
        response: { 200: ResponseOut, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (req) => presentResponse(await surveys.respond(ctx(req), appIdOf(req), req.params.surveyId, actingUserId(req, req.body.user_id), { answers: req.body.answers, complete: req.body.complete })),
  );

  api.get(
    '/v1/surveys/:surveyId/responses',
    {
      config: { auth: analytics },
      schema: { tags, summary: 'Responses with their answers, oldest first', params: SurveyIdParams, querystring: z.strictObject({ ...pageQuery, status: z.enum(['partial', 'completed']).optional() }), response: { 200: pageSchema(ResponseOut), ...errors(400, 401, 403, 404) } },
    },
    async (req) => {
      const q = req.query;
      const cur = decodeCursor(q.cursor, z.object({ t: cursorTime(), id: z.string() }));
      const rows = await surveys.responses(ctx(req), appIdOf(req), req.params.surveyId, { limit: q.limit + 1, status: q.status, after: cur });
      const p = page(rows, q.limit, (v) => ({ t: v.response.startedAt.toISOString(), id: v.response.id }));
      return { data: p.data.map(presentResponse), next_cursor: p.next_cursor };
    },
  );

  api.get(
    '/v1/surveys/:surveyId/results',
    {
      config: { auth: analytics },
      schema: {
        tags,
        summary: 'Results: per-question aggregates, NPS (promoters/passives/detractors) and CSAT %',
        params: SurveyIdParams,
        querystring: z.strictObject(IncludePartial),
        response: { 200: z.object({ survey_id: z.string(), responses: z.object({ completed: z.number(), partial: z.number() }), questions: z.array(QuestionResult) }), ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const r = await surveys.results(ctx(req), appIdOf(req), req.params.surveyId, req.query.include_partial === 'true');
      return { survey_id: r.survey.id, responses: r.counts, questions: r.questions };
    },
  );

  api.get(
    '/v1/surveys/:surveyId/questions/:questionId/answers',
    {
      config: { auth: analytics },
      schema: {
        tags,
        summary: 'The answers to one question (e.g. free text), oldest first',
        params: SurveyIdParams.extend({ questionId: z.string().min(1).max(64) }),
        querystring: z.strictObject({ ...pageQuery, ...IncludePartial }),
        response: { 200: pageSchema(z.object({ response_id: z.string(), user_id: z.string(), value: z.union([z.string(), z.number(), z.array(z.string())]), answered_at: z.string() })), ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const q = req.query;
      const cur = decodeCursor(q.cursor, z.object({ t: cursorTime(), id: z.string() }));
      const rows = await surveys.questionAnswers(ctx(req), appIdOf(req), req.params.surveyId, req.params.questionId, { limit: q.limit + 1, includePartial: q.include_partial === 'true', after: cur });
      const p = page(rows, q.limit, (a) => ({ t: a.answeredAt.toISOString(), id: a.responseId }));
      return { data: p.data.map((a) => ({ response_id: a.responseId, user_id: a.userId, value: userAnswer(a.value), answered_at: a.answeredAt.toISOString() })), next_cursor: p.next_cursor };
    },
  );

  api.get(
    '/v1/surveys/:surveyId/export',
    {
      config: { auth: analytics },
      schema: {
        tags,
        summary: 'Export responses as CSV (UTF-8 with BOM; one row per response, one column per question)',
        params: SurveyIdParams,
        querystring: z.strictObject(IncludePartial),
        response: { 200: z.string().describe('text/csv'), ...errors(400, 401, 403, 404) },
      },
    },
    async (req, reply) => {
      const csv = await surveys.exportCsv(ctx(req), appIdOf(req), req.params.surveyId, req.query.include_partial === 'true');
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${req.params.surveyId.replace(/[^A-Za-z0-9_-]/g, '_')}.csv"`)
        .serializer((x: unknown) => x as string)
        .send(csv);
    },
  );
}
