import { and, asc, desc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/index.ts';
import type { AnswerValue, Question } from './rules/questions.ts';
import { answers, contacts, displays, responses, settings, surveys, triggers } from './schema.ts';

export type SurveyRow = typeof surveys.$inferSelect;
export type ResponseRow = typeof responses.$inferSelect;
export type AnswerRow = typeof answers.$inferSelect;

const rowsOf = <T>(r: { rows: unknown[] }) => r.rows as T[];

// ---- surveys ------------------------------------------------------------------------------------

export async function insertSurvey(db: Db, s: SurveyRow): Promise<void> {
  await db.insert(surveys).values(s);
}

export async function findSurvey(db: Db, appId: string, id: string, forUpdate = false): Promise<SurveyRow | undefined> {
  const q = db
    .select()
    .from(surveys)
    .where(and(eq(surveys.appId, appId), eq(surveys.id, id)));
  const [r] = forUpdate ? await q.for('update') : await q;
  return r;
}

export async function updateSurvey(db: Db, id: string, patch: Partial<SurveyRow>): Promise<SurveyRow> {
  const [r] = await db.update(surveys).set(patch).where(eq(surveys.id, id)).returning();
  return r!;
}

export async function listSurveys(db: Db, appId: string, q: { limit: number; status?: string | undefined; before?: { at: Date; id: string } | undefined }): Promise<SurveyRow[]> {
  const conds: (SQL | undefined)[] = [eq(surveys.appId, appId)];
  if (q.status) conds.push(eq(surveys.status, q.status));
  if (q.before) conds.push(sql`(${surveys.createdAt}, ${surveys.id}) < (${q.before.at}, ${q.before.id})`);
  return db
    .select()
    .from(surveys)
    .where(and(...conds))
    .orderBy(desc(surveys.createdAt), desc(surveys.id))
    .limit(q.limit);
}

/** Active surveys whose window contains `now` and whose quota is not used up, oldest first. */
export async function liveSurveys(db: Db, appId: string, now: Date): Promise<SurveyRow[]> {
  return db
    .select()
    .from(surveys)
    .where(
      and(
        eq(surveys.appId, appId),
        eq(surveys.status, 'active'),
        sql`(${surveys.startsAt} is null or ${surveys.startsAt} <= ${now})`,
        sql`(${surveys.endsAt} is null or ${surveys.endsAt} > ${now})`,
        sql`(${surveys.quota} is null or ${surveys.completedCount} < ${surveys.quota})`,
      ),
    )
    .orderBy(asc(surveys.createdAt), asc(surveys.id));
}

export async function triggerSurveyIds(db: Db, appId: string, eventName: string): Promise<string[]> {
  const r = await db
    .select({ id: surveys.id })
    .from(surveys)
    .where(and(eq(surveys.appId, appId), eq(surveys.triggerEvent, eventName), eq(surveys.status, 'active')));
  return r.map((x) => x.id);
}

export async function triggerEventNames(db: Db, appId: string): Promise<string[]> {
  const r = await db
    .selectDistinct({ name: sql<string>`${surveys.triggerEvent}` })
    .from(surveys)
    .where(and(eq(surveys.appId, appId), eq(surveys.status, 'active'), sql`${surveys.triggerEvent} is not null`));
  return r.map((x) => x.name);
}

/** Takes one completion under the quota, atomically; false when the quota is used up. */
export async function takeCompletion(db: Db, surveyId: string): Promise<boolean> {
  const r = await db
    .update(surveys)
    .set({ completedCount: sql`${surveys.completedCount} + 1` })
    .where(and(eq(surveys.id, surveyId), sql`(${surveys.quota} is null or ${surveys.completedCount} < ${surveys.quota})`))
    .returning({ id: surveys.id });
  return r.length === 1;
}

export async function hasResponses(db: Db, surveyId: string): Promise<boolean> {
  const [r] = await db.select({ id: responses.id }).from(responses).where(eq(responses.surveyId, surveyId)).limit(1);
  return !!r;
}

// ---- settings, contacts, displays, triggers -----------------------------------------------------

export async function recontactDays(db: Db, appId: string): Promise<number> {
  const [r] = await db.select({ d: settings.recontactDays }).from(settings).where(eq(settings.appId, appId));
  return r?.d ?? 0;
}

export async function saveSettings(db: Db, appId: string, days: number, at: Date): Promise<void> {
  await db
    .insert(settings)
    .values({ appId, recontactDays: days, updatedAt: at })
    .onConflictDoUpdate({ target: settings.appId, set: { recontactDays: days, updatedAt: at } });
}

/** The user's contact row, locked: concurrent "next survey" calls for one user run one at a time. */
export async function lockContact(db: Db, appId: string, userId: string) {
  await db.insert(contacts).values({ appId, userId }).onConflictDoNothing();
  const [r] = await db
    .select()
    .from(contacts)
    .where(and(eq(contacts.appId, appId), eq(contacts.userId, userId)))
    .for('update');
  return r!;
}

export async function markContacted(db: Db, appId: string, userId: string, surveyId: string, at: Date): Promise<void> {
  await db
    .update(contacts)
    .set({ lastShownAt: at, lastSurveyId: surveyId })
    .where(and(eq(contacts.appId, appId), eq(contacts.userId, userId)));
}

/** The latest display of each survey to the user. */
export async function lastDisplays(db: Db, appId: string, userId: string): Promise<Map<string, { round: number; shownAt: Date }>> {
  const r = rowsOf<{ survey_id: string; round: number; shown_at: Date }>(
    await db.execute(sql`select distinct on (survey_id) survey_id, round, shown_at from sv_displays where app_id = ${appId} and user_id = ${userId} order by survey_id, round desc`),
  );
  return new Map(r.map((x) => [x.survey_id, { round: x.round, shownAt: new Date(x.shown_at) }]));
}

export async function lastRound(db: Db, surveyId: string, userId: string): Promise<number> {
  const r = rowsOf<{ round: number | null }>(
    await db.execute(sql`select greatest((select max(round) from sv_displays where survey_id = ${surveyId} and user_id = ${userId}),
                                          (select max(round) from sv_responses where survey_id = ${surveyId} and user_id = ${userId})) as round`),
  );
  return r[0]?.round ?? 0;
}

export async function insertDisplay(db: Db, d: { surveyId: string; userId: string; appId: string; round: number; at: Date }): Promise<void> {
  await db.insert(displays).values({ surveyId: d.surveyId, userId: d.userId, appId: d.appId, round: d.round, shownAt: d.at }).onConflictDoNothing();
}

export async function pendingTriggers(db: Db, appId: string, userId: string): Promise<Set<string>> {
  const r = await db
    .select({ surveyId: triggers.surveyId })
    .from(triggers)
    .where(and(eq(triggers.appId, appId), eq(triggers.userId, userId)));
  return new Set(r.map((x) => x.surveyId));
}

export async function addTriggers(db: Db, appId: string, userId: string, surveyIds: string[], at: Date): Promise<void> {
  if (!surveyIds.length) return;
  await db
    .insert(triggers)
    .values(surveyIds.map((surveyId) => ({ surveyId, userId, appId, triggeredAt: at })))
    .onConflictDoUpdate({ target: [triggers.surveyId, triggers.userId], set: { triggeredAt: at } });
}

export async function clearTrigger(db: Db, surveyId: string, userId: string): Promise<void> {
  await db.delete(triggers).where(and(eq(triggers.surveyId, surveyId), eq(triggers.userId, userId)));
}

// ---- responses and answers ----------------------------------------------------------------------

/** The user's response of a round, created if missing, locked. */
export async function lockResponse(db: Db, r: { id: string; surveyId: string; appId: string; userId: string; round: number; at: Date }): Promise<ResponseRow> {
  await db
    .insert(responses)
    .values({ id: r.id, surveyId: r.surveyId, appId: r.appId, userId: r.userId, round: r.round, status: 'partial', startedAt: r.at, updatedAt: r.at })
    .onConflictDoNothing();
  const [row] = await db
    .select()
    .from(responses)
    .where(and(eq(responses.surveyId, r.surveyId), eq(responses.userId, r.userId), eq(responses.round, r.round)))
    .for('update');
  return row!;
}

export async function updateResponse(db: Db, id: string, patch: Partial<ResponseRow>): Promise<ResponseRow> {
  const [r] = await db.update(responses).set(patch).where(eq(responses.id, id)).returning();
  return r!;
}

export function toColumns(q: Question, v: AnswerValue): Pick<AnswerRow, 'choice' | 'num' | 'text' | 'date'> {
  switch (q.type) {
    case 'single':
      return { choice: [v as string], num: null, text: null, date: null };
    case 'multiple':
      return { choice: v as string[], num: null, text: null, date: null };
    case 'text':
      return { choice: null, num: null, text: v as string, date: null };
    case 'date':
      return { choice: null, num: null, text: null, date: v as string };
    default:
      return { choice: null, num: v as number, text: null, date: null };
  }
}

export function fromColumns(q: Question | undefined, a: Pick<AnswerRow, 'choice' | 'num' | 'text' | 'date'>): AnswerValue {
  if (a.choice) return q?.type === 'single' ? a.choice[0]! : a.choice;
  if (a.num !== null) return a.num;
  if (a.date !== null) return a.date;
  return a.text ?? '';
}

export async function upsertAnswers(db: Db, rows: AnswerRow[]): Promise<void> {
  if (!rows.length) return;
  await db
    .insert(answers)
    .values(rows)
    .onConflictDoUpdate({
      target: [answers.responseId, answers.questionId],
      set: { choice: sql`excluded.choice`, num: sql`excluded.num`, text: sql`excluded.text`, date: sql`excluded.date`, answeredAt: sql`excluded.answered_at` },
    });
}

export async function deleteAnswers(db: Db, responseId: string, questionIds: string[]): Promise<void> {
  if (!questionIds.length) return;
  await db.delete(answers).where(and(eq(answers.responseId, responseId), inArray(answers.questionId, questionIds)));
}

export async function answersOf(db: Db, responseIds: string[]): Promise<AnswerRow[]> {
  if (!responseIds.length) return [];
  return db.select().from(answers).where(inArray(answers.responseId, responseIds));
}

export async function listResponses(db: Db, surveyId: string, q: { limit: number; status?: string | undefined; after?: { t: string; id: string } | undefined }): Promise<ResponseRow[]> {
  const conds: (SQL | undefined)[] = [eq(responses.surveyId, surveyId)];
  if (q.status) conds.push(eq(responses.status, q.status));
  if (q.after) {
    const at = new Date(q.after.t);
    conds.push(sql`(${responses.startedAt}, ${responses.id}) > (${at}, ${q.after.id})`);
  }
  return db
    .select()
    .from(responses)
    .where(and(...conds))
    .orderBy(asc(responses.startedAt), asc(responses.id))
    .limit(q.limit);
}

// ---- results ------------------------------------------------------------------------------------

export async function responseCounts(db: Db, surveyId: string): Promise<{ partial: number; completed: number }> {
  const r = await db
    .select({ status: responses.status, n: sql<number>`count(*)::int` })
    .from(responses)
    .where(eq(responses.surveyId, surveyId))
    .groupBy(responses.status);
  return { partial: r.find((x) => x.status === 'partial')?.n ?? 0, completed: r.find((x) => x.status === 'completed')?.n ?? 0 };
}

const statusFilter = (includePartial: boolean) => (includePartial ? sql`true` : sql`r.status = 'completed'`);

export async function choiceCounts(db: Db, surveyId: string, includePartial: boolean) {
  return rowsOf<{ question_id: string; option_id: string; n: number }>(
    await db.execute(sql`
      select a.question_id, o.option_id, count(*)::int as n
      from sv_answers a join sv_responses r on r.id = a.response_id, unnest(a.choice) as o(option_id)
      where a.survey_id = ${surveyId} and ${statusFilter(includePartial)}
      group by 1, 2`),
  );
}

export async function numberCounts(db: Db, surveyId: string, includePartial: boolean) {
  return rowsOf<{ question_id: string; value: number; n: number }>(
    await db.execute(sql`
      select a.question_id, a.num as value, count(*)::int as n
      from sv_answers a join sv_responses r on r.id = a.response_id
      where a.survey_id = ${surveyId} and a.num is not null and ${statusFilter(includePartial)}
      group by 1, 2`),
  );
}

export async function answerCounts(db: Db, surveyId: string, includePartial: boolean) {
  return rowsOf<{ question_id: string; n: number; earliest: string | null; latest: string | null }>(
    await db.execute(sql`
      select a.question_id, count(*)::int as n, min(a.date)::text as earliest, max(a.date)::text as latest
      from sv_answers a join sv_responses r on r.id = a.response_id
      where a.survey_id = ${surveyId} and ${statusFilter(includePartial)}
      group by 1`),
  );
}

/** Answers to one question, oldest first (text answers with paging). */
export async function questionAnswers(db: Db, surveyId: string, questionId: string, q: { limit: number; includePartial: boolean; after?: { t: string; id: string } | undefined }) {
  const after = q.after ? sql`and (a.answered_at, a.response_id) > (${new Date(q.after.t)}, ${q.after.id})` : sql``;
  return rowsOf<{ response_id: string; user_id: string; choice: string[] | null; num: number | null; text: string | null; date: string | null; answered_at: Date }>(
    await db.execute(sql`
      select a.response_id, r.user_id, a.choice, a.num, a.text, a.date::text as date, a.answered_at
      from sv_answers a join sv_responses r on r.id = a.response_id
      where a.survey_id = ${surveyId} and a.question_id = ${questionId} and ${statusFilter(q.includePartial)} ${after}
      order by a.answered_at, a.response_id
      limit ${q.limit}`),
  );
}

// ---- workload and erasure -----------------------------------------------------------------------

/** Per creating operator: surveys live in [from, to) and responses completed in it. */
export async function operatorStats(db: Db, appId: string, from: Date, to: Date) {
  return rowsOf<{ operatorId: string; surveysRun: number; responses: number }>(
    await db.execute(sql`
      select s.created_by as "operatorId", count(*)::int as "surveysRun",
             coalesce(sum((select count(*) from sv_responses r where r.survey_id = s.id and r.status = 'completed' and r.completed_at >= ${from} and r.completed_at < ${to})), 0)::int as responses
      from sv_surveys s
      where s.app_id = ${appId} and s.created_by is not null and s.launched_at is not null and s.launched_at < ${to}
        and (s.closed_at is null or s.closed_at >= ${from})
      group by s.created_by
      order by 1`),
  );
}

export async function eraseUser(db: Db, appId: string, userId: string): Promise<void> {
  const gone = rowsOf<{ survey_id: string; status: string }>(await db.execute(sql`delete from sv_responses where app_id = ${appId} and user_id = ${userId} returning survey_id, status`));
  await db.delete(displays).where(and(eq(displays.appId, appId), eq(displays.userId, userId)));
  await db.delete(triggers).where(and(eq(triggers.appId, appId), eq(triggers.userId, userId)));
  await db.delete(contacts).where(and(eq(contacts.appId, appId), eq(contacts.userId, userId)));
  // Relative decrements stay exact even while other users complete the same surveys.
  const completed = new Map<string, number>();
  for (const r of gone) if (r.status === 'completed') completed.set(r.survey_id, (completed.get(r.survey_id) ?? 0) + 1);
  for (const [surveyId, n] of [...completed].sort(([a], [b]) => (a < b ? -1 : 1))) {
    await db
      .update(surveys)
      .set({ completedCount: sql`${surveys.completedCount} - ${n}` })
      .where(eq(surveys.id, surveyId));
  }
}

/** Everything of a deleted app (responses, answers, displays and triggers go with their surveys). */
export async function eraseApp(db: Db, appId: string): Promise<void> {
  for (const t of [triggers, displays, responses, surveys, contacts, settings]) await db.delete(t).where(eq(t.appId, appId));
}

/** Host event names this module's configuration listens to, per app (the event log's interest). */
export async function hostInterest(db: Db): Promise<{ appId: string; pattern: string }[]> {
  const r = await db.execute<{ app_id: string; pattern: string }>(sql`select distinct app_id, trigger_event as pattern from sv_surveys where status = 'active' and trigger_event is not null`);
  return r.rows.map((x) => ({ appId: x.app_id, pattern: x.pattern }));
}
