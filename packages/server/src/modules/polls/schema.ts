import { boolean, foreignKey, index, integer, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

export const polls = pgTable(
  'pl_polls',
  {
    id: text('id').primaryKey(),
    appId: text('app_id').notNull(),
    question: text('question').notNull(),
    description: text('description'),
    /** 'single' | 'multiple' */
    kind: text('kind').notNull(),
    maxChoices: integer('max_choices').notNull(),
    anonymous: boolean('anonymous').notNull(),
    /** 'always' | 'after_vote' | 'after_close' */
    resultsVisibility: text('results_visibility').notNull(),
    allowChange: boolean('allow_change').notNull(),
    subjectKind: text('subject_kind'),
    subjectId: text('subject_id'),
    closesAt: timestamp('closes_at', { withTimezone: true }),
    closedAt: timestamp('closed_at', { withTimezone: true }),
    /** Users with a ballot; kept in the same transaction as the ballots, so always exact. */
    voterCount: integer('voter_count').notNull().default(0),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('pl_polls_app').on(t.appId, t.createdAt, t.id), index('pl_polls_subject').on(t.appId, t.subjectKind, t.subjectId, t.createdAt)],
);

export const options = pgTable(
  'pl_options',
  {
    id: text('id').primaryKey(),
    pollId: text('poll_id')
      .notNull()
      .references(() => polls.id, { onDelete: 'cascade' }),
    position: integer('position').notNull(),
    text: text('text').notNull(),
    imageUrl: text('image_url'),
    /** Choices of this option; kept in the same transaction as the choices, so always exact. */
    voteCount: integer('vote_count').notNull().default(0),
  },
  (t) => [index('pl_options_poll').on(t.pollId, t.position)],
);

/** One ballot per user and poll: the primary key is what makes a double vote impossible. */
export const ballots = pgTable(
  'pl_ballots',
  {
    pollId: text('poll_id')
      .notNull()
      .references(() => polls.id, { onDelete: 'cascade' }),
    userId: text('user_id').notNull(),
    appId: text('app_id').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.pollId, t.userId] }), index('pl_ballots_user').on(t.appId, t.userId)],
);

/** The options a ballot chose (several for multiple choice). */
export const choices = pgTable(
  'pl_choices',
  {
    optionId: text('option_id')
      .notNull()
      .references(() => options.id, { onDelete: 'cascade' }),
    userId: text('user_id').notNull(),
    pollId: text('poll_id').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.optionId, t.userId] }),
    index('pl_choices_ballot').on(t.pollId, t.userId),
    foreignKey({ name: 'pl_choices_ballot_fk', columns: [t.pollId, t.userId], foreignColumns: [ballots.pollId, ballots.userId] }).onDelete('cascade'),
  ],
);
