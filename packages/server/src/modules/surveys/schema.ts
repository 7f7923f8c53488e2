import { date, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import type { Question } from './rules/questions.ts';
import type { TraitRule } from './rules/targeting.ts';

export type Targeting = { traits?: TraitRule[] | undefined; segment_id?: string | undefined };

export const surveys = pgTable(
  'sv_surveys',
  {
    id: text('id').primaryKey(),
    appId: text('app_id').notNull(),
    name: text('name').notNull(),
    description: text('description'),
    /** 'draft' | 'active' | 'paused' | 'closed' */
    status: text('status').notNull(),
    questions: jsonb('questions').$type<Question[]>().notNull(),
    targeting: jsonb('targeting').$type<Targeting>().notNull(),
    /** Shown only after the user did this event (ingested or named in POST /surveys/next). */
    triggerEvent: text('trigger_event'),
    /** Shown again every N days (a new round); null = once per user. */
    recurrenceDays: integer('recurrence_days'),
    /** Stops after this many completed responses. */
    quota: integer('quota'),
    /** Completed responses; moves under the quota check in one statement, so never over quota. */
    completedCount: integer('completed_count').notNull().default(0),
    points: integer('points'),
    startsAt: timestamp('starts_at', { withTimezone: true }),
    endsAt: timestamp('ends_at', { withTimezone: true }),
    createdBy: text('created_by'),
    launchedAt: timestamp('launched_at', { withTimezone: true }),
    closedAt: timestamp('closed_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('sv_surveys_app').on(t.appId, t.createdAt, t.id), index('sv_surveys_trigger').on(t.appId, t.triggerEvent, t.status)],
);

/** Per-app settings: the wait between two surveys shown to the same user, across all surveys. */
export const settings = pgTable('sv_settings', {
  appId: text('app_id').primaryKey(),
  recontactDays: integer('recontact_days').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
});

/** One row per user that was ever shown a survey; locked while choosing the next one. */
export const contacts = pgTable(
  'sv_contacts',
  {
    appId: text('app_id').notNull(),
    userId: text('user_id').notNull(),
    lastShownAt: timestamp('last_shown_at', { withTimezone: true }),
    lastSurveyId: text('last_survey_id'),
  },
  (t) => [primaryKey({ columns: [t.appId, t.userId] })],
);

export const displays = pgTable(
  'sv_displays',
  {
    surveyId: text('survey_id')
      .notNull()
      .references(() => surveys.id, { onDelete: 'cascade' }),
    userId: text('user_id').notNull(),
    appId: text('app_id').notNull(),
    round: integer('round').notNull(),
    shownAt: timestamp('shown_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.surveyId, t.userId, t.round] }), index('sv_displays_user').on(t.appId, t.userId)],
);

/** The user did the trigger event of a survey and has not been shown it since. */
export const triggers = pgTable(
  'sv_triggers',
  {
    surveyId: text('survey_id')
      .notNull()
      .references(() => surveys.id, { onDelete: 'cascade' }),
    userId: text('user_id').notNull(),
    appId: text('app_id').notNull(),
    triggeredAt: timestamp('triggered_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.surveyId, t.userId] }), index('sv_triggers_user').on(t.appId, t.userId)],
);

export const responses = pgTable(
  'sv_responses',
  {
    id: text('id').primaryKey(),
    surveyId: text('survey_id')
      .notNull()
      .references(() => surveys.id, { onDelete: 'cascade' }),
    appId: text('app_id').notNull(),
    userId: text('user_id').notNull(),
    round: integer('round').notNull(),
    /** 'partial' | 'completed' */
    status: text('status').notNull(),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
    completedAt: timestamp('completed_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('sv_responses_round').on(t.surveyId, t.userId, t.round), index('sv_responses_survey').on(t.surveyId, t.status, t.completedAt), index('sv_responses_user').on(t.appId, t.userId)],
);

/** One row per answered question; typed columns so results aggregate in SQL. */
export const answers = pgTable(
  'sv_answers',
  {
    responseId: text('response_id')
      .notNull()
      .references(() => responses.id, { onDelete: 'cascade' }),
    surveyId: text('survey_id').notNull(),
    questionId: text('question_id').notNull(),
    choice: text('choice').array(),
    num: integer('num'),
    text: text('text'),
    date: date('date', { mode: 'string' }),
    answeredAt: timestamp('answered_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.responseId, t.questionId] }), index('sv_answers_question').on(t.surveyId, t.questionId, t.answeredAt)],
);
