import type { Ctx, TextScreen } from '../../context.ts';
import type { Db } from '../../db/index.ts';
import type { Erasure } from '../../erasure.ts';
import type { EventBus } from '../../events.ts';
import type { Audit } from '../audit/index.ts';
import { AppError, fieldError, isAppError } from '../../http/errors.ts';
import type { Clock } from '../../lib/clock.ts';
import { newId } from '../../lib/ids.ts';
import { ttlCache } from '../../lib/ttl-cache.ts';
import type { Messaging } from '../messaging/index.ts';
import type { Users } from '../users/index.ts';
import './errors.ts';
import { checkAnswer, checkQuestions, isEmpty, walk, type AnswerValue, type Question } from './rules/questions.ts';
import { CSV_BOM, csvRow } from '../../lib/csv.ts';
import { csat, nps, scaleSummary } from './rules/results.ts';
import { targets } from './rules/targeting.ts';
import type { Targeting } from './schema.ts';
import * as store from './store.ts';
import type { AnswerRow, ResponseRow, SurveyRow } from './store.ts';
import type { CreateSurveyInput, UpdateSurveyInput } from './types.ts';

declare module '../../events.ts' {
  interface DomainEvents {
    /** A response was completed. `points` (when the survey awards any) should be granted once per responseId. */
    'survey.completed': { appId: string; surveyId: string; responseId: string; userId: string; round: number; points: number | null };
  }
}

/**
 * Segment membership, for surveys targeted at a segment (the segments module). Without it, or for
 * a segment that does not exist, targeting a segment answers 400 naming the field.
 */
export type Segments = { isMember(ctx: Ctx, appId: string, segmentId: string, userId: string): Promise<boolean>; exists(ctx: Ctx, appId: string, segmentId: string): Promise<boolean> };

/**
 * The contact budget (messaging): a survey offered is a contact like a message, so it takes a unit
 * of the same frequency caps and respects the same opt-outs and quiet hours.
 */
export type ContactBudget = Pick<Messaging, 'reserve'>;

export type SurveysDeps = {
  db: Db;
  bus: EventBus;
  clock: Clock;
  audit: Audit;
  users: Pick<Users, 'get'>;
  budget: ContactBudget;
  segments?: Segments;
  /** The app's sensitive-word filter, applied to free-text answers (masks or refuses). */
  screen?: TextScreen;
};

/** How a survey offer counts in the contact budget: an in-app prompt about the product. */
export const SURVEY_CONTACT = { category: 'activity', channel: 'in_app' } as const;

/** Why no survey is offered now. The last three come from the contact budget. */
export type NoSurveyReason = 'recontact_wait' | 'none_eligible' | 'capped' | 'unsubscribed' | 'quiet_hours';

export type ResponseView = { response: ResponseRow; answers: Record<string, AnswerValue>; next: string | null };

export type NextResult = { survey: SurveyRow; round: number } | { survey: null; reason: NoSurveyReason; nextEligibleAt: Date | null };

/** Thrown inside the reservation's savepoint so that a refused reservation leaves nothing behind. */
class Refused extends Error {
  constructor(
    readonly outcome: Exclude<NoSurveyReason, 'recontact_wait' | 'none_eligible'>,
    readonly retryAt: Date | null,
  ) {
    super(outcome);
  }
}

const DAY = 86_400_000;
const TRIGGER_CACHE_MS = 5_000;

const notFound = (id: string) => new AppError('surveys.not_found', `Survey ${id} does not exist in this app`, { survey_id: id });

export function createSurveys(deps: SurveysDeps) {
  const { bus, clock } = deps;

  // Which event names trigger a survey, per app: checked for every ingested event, so cached.
  const triggerNames = ttlCache(TRIGGER_CACHE_MS, async (appId) => new Set(await store.triggerEventNames(deps.db, appId)));
  bus.interestIn('surveys', store.hostInterest);
  bus.onHost('surveys.triggers', async (ctx, e) => {
    if (!(await triggerNames.get(e.appId)).has(e.name)) return;
    const ids = await store.triggerSurveyIds(ctx.db, e.appId, e.name);
    await store.addTriggers(ctx.db, e.appId, e.userId, ids, clock.now());
  });

  const traitsOf = async (ctx: Ctx, appId: string, userId: string): Promise<Record<string, unknown>> => {
    try {
      return (await deps.users.get(ctx, appId, userId)).traits;
    } catch (err) {
      if (isAppError(err) && err.code === 'users.not_found') return {};
      throw err;
    }
  };

  const mustFind = async (db: Db, appId: string, id: string, forUpdate = false) => {
    const s = await store.findSurvey(db, appId, id, forUpdate);
    if (!s) throw notFound(id);
    return s;
  };

  const checkDefinition = (d: { questions?: Question[] | undefined; targeting?: Targeting | undefined; startsAt?: Date | null | undefined; endsAt?: Date | null | undefined }) => {
    if (d.questions) {
      const p = checkQuestions(d.questions, 'body.questions');
      if (p) throw fieldError(p.field, p.message, p.expected);
    }
    if (d.targeting?.segment_id && !deps.segments) throw fieldError('body.targeting.segment_id', 'segment targeting is not available in this installation yet', 'omit segment_id, or target by traits');
    if (d.startsAt && d.endsAt && d.endsAt.getTime() <= d.startsAt.getTime()) throw fieldError('body.ends_at', 'must be after starts_at', 'a date-time after starts_at');
  };

  const checkSegment = async (ctx: Ctx, appId: string, t: Targeting | undefined) => {
    if (t?.segment_id && deps.segments && !(await deps.segments.exists(ctx, appId, t.segment_id))) throw fieldError('body.targeting.segment_id', `no segment ${t.segment_id} in this app`, 'the id of a segment (GET /v1/segments)');
  };

  const isLive = (s: SurveyRow, now: Date) => s.status === 'active' && (!s.startsAt || s.startsAt <= now) && (!s.endsAt || s.endsAt > now);

  const answerMap = (s: SurveyRow, rows: AnswerRow[]) => {
    const byId = new Map(s.questions.map((q) => [q.id, q]));
    return new Map(rows.map((a) => [a.questionId, store.fromColumns(byId.get(a.questionId), a)]));
  };

  return {
    erasure: {
      eraseUser: (db: Db, appId: string, userId: string) => db.transaction((tx) => store.eraseUser(tx, appId, userId)),
      eraseApp: (db: Db, appId: string) => db.transaction((tx) => store.eraseApp(tx, appId)),
    } satisfies Erasure,
    async create(ctx: Ctx, appId: string, input: CreateSurveyInput): Promise<SurveyRow> {
      const now = clock.now();
      const targeting: Targeting = input.targeting ?? {};
      const startsAt = input.starts_at ? new Date(input.starts_at) : null;
      const endsAt = input.ends_at ? new Date(input.ends_at) : null;
      checkDefinition({ questions: input.questions, targeting, startsAt, endsAt });
      await checkSegment(ctx, appId, targeting);
      const s: SurveyRow = {
        id: newId('survey'),
        appId,
        name: input.name,
        description: input.description ?? null,
        status: input.status,
        questions: input.questions,
        targeting,
        triggerEvent: input.trigger_event ?? null,
        recurrenceDays: input.recurrence_days ?? null,
        quota: input.quota ?? null,
        completedCount: 0,
        points: input.points ?? null,
        startsAt,
        endsAt,
        createdBy: ctx.actor.type === 'operator' ? ctx.actor.id : null,
        launchedAt: input.status === 'active' ? now : null,
        closedAt: null,
        createdAt: now,
        updatedAt: now,
      };
      await ctx.db.transaction(async (tx) => {
        await store.insertSurvey(tx, s);
        await deps.audit.record({ ...ctx, db: tx }, { appId, action: 'survey.create', targetType: 'survey', targetId: s.id, after: { name: s.name, status: s.status, questions: s.questions.length } });
      });
      triggerNames.invalidate(appId);
      await bus.refreshInterest(ctx.db, 'surveys');
      return s;
    },

    get: (ctx: Ctx, appId: string, id: string) => mustFind(ctx.db, appId, id),

    list: (ctx: Ctx, appId: string, q: Parameters<typeof store.listSurveys>[2]) => store.listSurveys(ctx.db, appId, q),

    async update(ctx: Ctx, appId: string, id: string, input: UpdateSurveyInput): Promise<SurveyRow> {
      const now = clock.now();
      const s = await ctx.db.transaction(async (tx) => {
        const cur = await mustFind(tx, appId, id, true);
        const patch: Partial<SurveyRow> = { updatedAt: now };
        if (input.name !== undefined) patch.name = input.name;
        if (input.description !== undefined) patch.description = input.description;
        if (input.questions !== undefined) {
          if (await store.hasResponses(tx, id)) throw new AppError('surveys.has_responses', `Survey ${id} already has responses; its questions can no longer change (create a new survey)`, { survey_id: id });
          patch.questions = input.questions;
        }
        if (input.targeting !== undefined) patch.targeting = input.targeting;
        if (input.trigger_event !== undefined) patch.triggerEvent = input.trigger_event;
        if (input.recurrence_days !== undefined) patch.recurrenceDays = input.recurrence_days;
        if (input.quota !== undefined) patch.quota = input.quota;
        if (input.points !== undefined) patch.points = input.points;
        if (input.starts_at !== undefined) patch.startsAt = input.starts_at ? new Date(input.starts_at) : null;
        if (input.ends_at !== undefined) patch.endsAt = input.ends_at ? new Date(input.ends_at) : null;
        if (input.status !== undefined && input.status !== cur.status) {
          patch.status = input.status;
          if (input.status === 'active' && !cur.launchedAt) patch.launchedAt = now;
          patch.closedAt = input.status === 'closed' ? now : null;
        }
        checkDefinition({ questions: patch.questions, targeting: patch.targeting, startsAt: patch.startsAt === undefined ? cur.startsAt : patch.startsAt, endsAt: patch.endsAt === undefined ? cur.endsAt : patch.endsAt });
        await checkSegment({ ...ctx, db: tx }, appId, patch.targeting);
        const after = await store.updateSurvey(tx, id, patch);
        await deps.audit.record({ ...ctx, db: tx }, { appId, action: 'survey.update', targetType: 'survey', targetId: id, before: cur, after });
        return after;
      });
      triggerNames.invalidate(appId);
      await bus.refreshInterest(ctx.db, 'surveys');
      return s;
    },

    recontactDays: (ctx: Ctx, appId: string) => store.recontactDays(ctx.db, appId),
    setRecontactDays: (ctx: Ctx, appId: string, days: number) =>
      ctx.db.transaction(async (tx) => {
        const before = await store.recontactDays(tx, appId);
        await store.saveSettings(tx, appId, days, clock.now());
        await deps.audit.record({ ...ctx, db: tx }, { appId, action: 'survey.settings', targetType: 'app', targetId: appId, before: { recontact_days: before }, after: { recontact_days: days } });
      }),

    /**
     * Picks the survey to show a user now and records that it was shown. One per call; never within
     * the app's recontact wait of the last survey shown to this user (any survey); each survey once
     * per user, or once per round for recurring surveys. Concurrent calls for one user run in turn.
     */
    async next(ctx: Ctx, appId: string, userId: string, event?: string): Promise<NextResult> {
      const now = clock.now();
      const traits = await traitsOf(ctx, appId, userId);
      return ctx.db.transaction(async (tx): Promise<NextResult> => {
        const contact = await store.lockContact(tx, appId, userId);
        const waitDays = await store.recontactDays(tx, appId);
        if (contact.lastShownAt && waitDays > 0) {
          const until = new Date(contact.lastShownAt.getTime() + waitDays * DAY);
          if (now < until) return { survey: null, reason: 'recontact_wait', nextEligibleAt: until };
        }
        const shown = await store.lastDisplays(tx, appId, userId);
        const pending = await store.pendingTriggers(tx, appId, userId);
        for (const s of await store.liveSurveys(tx, appId, now)) {
          const last = shown.get(s.id);
          const lastRound = Math.max(last?.round ?? 0, await store.lastRound(tx, s.id, userId));
          if (lastRound > 0) {
            if (!s.recurrenceDays) continue;
            if (last && now.getTime() - last.shownAt.getTime() < s.recurrenceDays * DAY) continue;
          }
          if (s.triggerEvent && s.triggerEvent !== event && !pending.has(s.id)) continue;
          if (!targets(traits, s.targeting.traits ?? [])) continue;
          if (s.targeting.segment_id && !(deps.segments && (await deps.segments.isMember({ ...ctx, db: tx }, appId, s.targeting.segment_id, userId)))) continue;
          const round = lastRound + 1;
          // The offer takes a unit of the user's contact budget in this transaction: if the offer is
          // not recorded, neither is the contact. A refusal is rolled back (savepoint) so that the
          // same offer can be made once the budget allows it again (the reservation's ref is
          // idempotent and would otherwise keep answering "capped").
          try {
            await tx.transaction(async (sp) => {
              const { row } = await deps.budget.reserve({ ...ctx, db: sp }, appId, userId, { ...SURVEY_CONTACT, source: 'surveys', ref: `${s.id}:${userId}:${round}`, transactional: false });
              if (row.outcome !== 'allowed') throw new Refused(row.outcome as Refused['outcome'], row.retryAt);
            });
          } catch (err) {
            if (!(err instanceof Refused)) throw err;
            // Every other survey would take the same budget (same category and channel): stop here.
            return { survey: null, reason: err.outcome, nextEligibleAt: err.retryAt };
          }
          await store.insertDisplay(tx, { surveyId: s.id, userId, appId, round, at: now });
          await store.markContacted(tx, appId, userId, s.id, now);
          await store.clearTrigger(tx, s.id, userId);
          return { survey: s, round };
        }
        return { survey: null, reason: 'none_eligible', nextEligibleAt: null };
      });
    },

    /**
     * Saves answers (a partial response) or completes the response. Answers are checked against
     * the survey; on completion every required question on the branching path must be answered,
     * answers to skipped questions are dropped, and the quota is taken atomically.
     */
    async respond(ctx: Ctx, appId: string, surveyId: string, userId: string, input: { answers: { question_id: string; value: unknown }[]; complete: boolean }): Promise<ResponseView> {
      const now = clock.now();
      const survey = await mustFind(ctx.db, appId, surveyId);
      if (!isLive(survey, now)) throw new AppError('surveys.not_active', `Survey ${surveyId} is not open for responses (status ${survey.status})`, { survey_id: surveyId, status: survey.status });
      const byId = new Map(survey.questions.map((q) => [q.id, q]));
      const set = new Map<string, AnswerValue>();
      const clear: string[] = [];
      const texts: { id: string; text: string; field: string }[] = [];
      for (const [i, a] of input.answers.entries()) {
        const q = byId.get(a.question_id);
        if (!q) throw fieldError(`body.answers.${i}.question_id`, `question ${a.question_id} is not in survey ${surveyId}`, `one of ${[...byId.keys()].join(', ')}`);
        if (set.has(q.id) || clear.includes(q.id)) throw fieldError(`body.answers.${i}.question_id`, `question ${q.id} is answered twice`, 'each question once');
        if (isEmpty(a.value)) {
          if (q.required) throw fieldError(`body.answers.${i}.value`, `question ${q.id} is required; its answer cannot be empty`, 'a non-empty answer');
          clear.push(q.id);
          continue;
        }
        const r = checkAnswer(q, a.value);
        if ('problem' in r) throw fieldError(`body.answers.${i}.value`, `${q.id}: ${r.problem}`, r.expected);
        set.set(q.id, r.value);
        if (q.type === 'text' && typeof r.value === 'string') texts.push({ id: q.id, text: r.value, field: `body.answers.${i}.value` });
      }
      // Free-text answers are user-written: through the app's word filter, like comments.
      if (deps.screen && texts.length > 0) {
        const screened = await deps.screen(ctx, appId, texts);
        texts.forEach((x, k) => set.set(x.id, screened[k]!));
      }
      const result = await ctx.db.transaction(async (tx) => {
        const round = Math.max(1, await store.lastRound(tx, surveyId, userId));
        const resp = await store.lockResponse(tx, { id: newId('resp'), surveyId, appId, userId, round, at: now });
        if (resp.status === 'completed') throw new AppError('surveys.already_completed', `User ${userId} already completed survey ${surveyId}${survey.recurrenceDays ? ' this round' : ''}`, { survey_id: surveyId, round });
        await store.upsertAnswers(tx, [...set].map(([questionId, v]) => ({ responseId: resp.id, surveyId, questionId, ...store.toColumns(byId.get(questionId)!, v), answeredAt: now })));
        await store.deleteAnswers(tx, resp.id, clear);
        const all = answerMap(survey, await store.answersOf(tx, [resp.id]));
        const path = walk(survey.questions, all);
        if (!input.complete) return { response: await store.updateResponse(tx, resp.id, { updatedAt: now }), answers: all, next: path.next, completed: false };
        if (path.next !== null) throw fieldError('body.answers', `question ${path.next} is required and has no answer`, `an answer to question ${path.next}`);
        const skipped = [...all.keys()].filter((id) => !path.asked.includes(id));
        await store.deleteAnswers(tx, resp.id, skipped);
        for (const id of skipped) all.delete(id);
        if (!(await store.takeCompletion(tx, surveyId))) throw new AppError('surveys.quota_reached', `Survey ${surveyId} has all the ${survey.quota} responses it asked for`, { survey_id: surveyId, quota: survey.quota });
        const response = await store.updateResponse(tx, resp.id, { status: 'completed', completedAt: now, updatedAt: now });
        await bus.emit(tx, 'survey.completed', { appId, surveyId, responseId: response.id, userId, round: response.round, points: survey.points });
        return { response, answers: all, next: null, completed: true };
      });
      return { response: result.response, answers: Object.fromEntries(result.answers), next: result.next };
    },

    async responses(ctx: Ctx, appId: string, surveyId: string, q: Parameters<typeof store.listResponses>[2]): Promise<ResponseView[]> {
      const survey = await mustFind(ctx.db, appId, surveyId);
      const rows = await store.listResponses(ctx.db, surveyId, q);
      const all = await store.answersOf(ctx.db, rows.map((r) => r.id));
      return rows.map((response) => {
        const answers = answerMap(
          survey,
          all.filter((a) => a.responseId === response.id),
        );
        return { response, answers: Object.fromEntries(answers), next: response.status === 'completed' ? null : walk(survey.questions, answers).next };
      });
    },

    /** Per-question aggregates, NPS and CSAT, over completed responses (or all, with partial ones). */
    async results(ctx: Ctx, appId: string, surveyId: string, includePartial: boolean) {
      const survey = await mustFind(ctx.db, appId, surveyId);
      const [counts, choices, numbers, answered] = await Promise.all([
        store.responseCounts(ctx.db, surveyId),
        store.choiceCounts(ctx.db, surveyId, includePartial),
        store.numberCounts(ctx.db, surveyId, includePartial),
        store.answerCounts(ctx.db, surveyId, includePartial),
      ]);
      const questions = survey.questions.map((q) => {
        const a = answered.find((x) => x.question_id === q.id);
        const base = { id: q.id, type: q.type, title: q.title, answered: a?.n ?? 0 };
        if (q.options) {
          return {
            ...base,
            options: q.options.map((o) => {
              const n = choices.find((c) => c.question_id === q.id && c.option_id === o.id)?.n ?? 0;
              return { id: o.id, text: o.text, count: n, percent: base.answered ? Math.round((n / base.answered) * 1000) / 10 : null };
            }),
          };
        }
        if (q.type === 'text') return base;
        if (q.type === 'date') return { ...base, earliest: a?.earliest ?? null, latest: a?.latest ?? null };
        const dist = new Map(numbers.filter((x) => x.question_id === q.id).map((x) => [x.value, x.n]));
        const summary = scaleSummary(dist);
        return {
          ...base,
          average: summary.average,
          distribution: [...dist].sort(([x], [y]) => x - y).map(([value, count]) => ({ value, count })),
          ...(q.type === 'nps' ? { nps: nps(dist) } : {}),
          ...(q.type === 'csat' ? { csat: csat(dist) } : {}),
        };
      });
      return { survey, counts, questions };
    },

    async questionAnswers(ctx: Ctx, appId: string, surveyId: string, questionId: string, q: Omit<Parameters<typeof store.questionAnswers>[3], never>) {
      const survey = await mustFind(ctx.db, appId, surveyId);
      const question = survey.questions.find((x) => x.id === questionId);
      if (!question) throw fieldError('params.questionId', `question ${questionId} is not in survey ${surveyId}`, `one of ${survey.questions.map((x) => x.id).join(', ')}`);
      const rows = await store.questionAnswers(ctx.db, surveyId, questionId, q);
      return rows.map((r) => ({ responseId: r.response_id, userId: r.user_id, value: store.fromColumns(question, { choice: r.choice, num: r.num, text: r.text, date: r.date }), answeredAt: new Date(r.answered_at) }));
    },

    /** All responses as CSV (UTF-8 with BOM, so spreadsheet apps read Chinese correctly). */
    async exportCsv(ctx: Ctx, appId: string, surveyId: string, includePartial: boolean): Promise<string> {
      const survey = await mustFind(ctx.db, appId, surveyId);
      const qs = survey.questions;
      const label = (q: Question, v: AnswerValue | undefined): string | number | null => {
        if (v === undefined) return null;
        if (q.options) return (Array.isArray(v) ? v : [v as string]).map((id) => q.options!.find((o) => o.id === id)?.text ?? id).join('; ');
        return v as string | number;
      };
      let out = CSV_BOM + csvRow(['response_id', 'user_id', 'round', 'status', 'started_at', 'completed_at', ...qs.map((q) => `${q.id}: ${q.title}`)]);
      let after: { t: string; id: string } | undefined;
      for (;;) {
        const rows = await store.listResponses(ctx.db, surveyId, { limit: 500, status: includePartial ? undefined : 'completed', after });
        if (!rows.length) break;
        const all = await store.answersOf(ctx.db, rows.map((r) => r.id));
        for (const r of rows) {
          const mine = answerMap(
            survey,
            all.filter((a) => a.responseId === r.id),
          );
          out += csvRow([r.id, r.userId, r.round, r.status, r.startedAt.toISOString(), r.completedAt?.toISOString() ?? null, ...qs.map((q) => label(q, mine.get(q.id)))]);
        }
        const last = rows[rows.length - 1]!;
        after = { t: last.startedAt.toISOString(), id: last.id };
      }
      return out;
    },

    /** Surveys each operator created that were live in [from, to), and their responses completed then. */
    operatorStats: (ctx: Ctx, appId: string, from: Date, to: Date) => store.operatorStats(ctx.db, appId, from, to),
  };
}

export type Surveys = ReturnType<typeof createSurveys>;
