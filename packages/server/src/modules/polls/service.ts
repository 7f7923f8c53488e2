import type { Ctx } from '../../context.ts';
import type { Db } from '../../db/index.ts';
import type { Erasure } from '../../erasure.ts';
import type { EventBus } from '../../events.ts';
import type { Audit } from '../audit/index.ts';
import { AppError, fieldError } from '../../http/errors.ts';
import type { Clock } from '../../lib/clock.ts';
import { newId } from '../../lib/ids.ts';
import './errors.ts';
import { checkChoice, countDeltas, isClosed, resultsVisible } from './rules/ballot.ts';
import * as store from './store.ts';
import type { OptionRow, PollRow } from './store.ts';
import type { CreatePollInput, Visibility } from './types.ts';

declare module '../../events.ts' {
  interface DomainEvents {
    /** A ballot was cast or changed (never for a repeat of the same choice). */
    'poll.voted': { appId: string; pollId: string; userId: string; optionIds: string[]; previous: string[] | null; subject: { kind: string; id: string } | null };
    'poll.vote_withdrawn': { appId: string; pollId: string; userId: string; previous: string[] };
  }
}

export type PollsDeps = { db: Db; bus: EventBus; clock: Clock; audit: Audit };

/** Who looks at a poll: privileged callers (secret key, operator) always see counts. */
export type Viewer = { privileged: boolean; userId: string | null };

export type PollView = {
  poll: PollRow;
  options: OptionRow[];
  closed: boolean;
  resultsVisible: boolean;
  myVote: string[] | null;
};

const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x) => b.includes(x));

export function createPolls(deps: PollsDeps) {
  const { bus, clock } = deps;

  const view = (poll: PollRow, opts: OptionRow[], viewer: Viewer, myVote: string[] | null): PollView => {
    const closed = isClosed(poll, clock.now());
    return {
      poll,
      options: opts,
      closed,
      myVote,
      resultsVisible: resultsVisible(poll.resultsVisibility as Visibility, { closed, hasVoted: myVote !== null, privileged: viewer.privileged }),
    };
  };

  const mustFind = async (ctx: Ctx, appId: string, pollId: string): Promise<PollRow> => {
    const p = await store.findPoll(ctx.db, appId, pollId);
    if (!p) throw new AppError('polls.not_found', `Poll ${pollId} does not exist in this app`, { poll_id: pollId });
    return p;
  };

  const getView = async (ctx: Ctx, appId: string, pollId: string, viewer: Viewer): Promise<PollView> => {
    const poll = await mustFind(ctx, appId, pollId);
    const opts = await store.optionsOf(ctx.db, [pollId]);
    const mine = viewer.userId ? await store.ballotOf(ctx.db, pollId, viewer.userId) : null;
    return view(poll, opts, viewer, mine);
  };

  /** Erases a user's ballots and takes their choices off the counts. */
  const eraseUser = async (db: Db, appId: string, userId: string): Promise<void> => {
    for (const pollId of await store.pollIdsVotedBy(db, appId, userId)) {
      await db.transaction(async (tx) => {
        const before = await store.ballotOf(tx, pollId, userId, true);
        if (before !== null) await unvote(tx, pollId, userId, before);
      });
    }
  };

  return {
    erasure: {
      eraseUser,
      eraseApp: (db: Db, appId: string) => db.transaction((tx) => store.eraseApp(tx, appId)),
    } satisfies Erasure,
    async create(ctx: Ctx, appId: string, input: CreatePollInput): Promise<PollView> {
      const now = clock.now();
      const closesAt = input.closes_at ? new Date(input.closes_at) : null;
      if (closesAt && closesAt.getTime() <= now.getTime()) throw fieldError('body.closes_at', 'must be in the future', 'a future ISO 8601 date-time');
      if (input.kind === 'single' && input.max_choices !== undefined && input.max_choices !== 1) throw fieldError('body.max_choices', 'a single-choice poll takes exactly one option', '1 or omitted');
      if (input.max_choices !== undefined && input.max_choices > input.options.length) throw fieldError('body.max_choices', `must not exceed the number of options (${input.options.length})`, `<= ${input.options.length}`);
      const id = newId('poll');
      const poll: PollRow = {
        id,
        appId,
        question: input.question,
        description: input.description ?? null,
        kind: input.kind,
        maxChoices: input.kind === 'single' ? 1 : (input.max_choices ?? input.options.length),
        anonymous: input.anonymous,
        resultsVisibility: input.results_visibility,
        allowChange: input.allow_change,
        subjectKind: input.subject?.kind ?? null,
        subjectId: input.subject?.id ?? null,
        closesAt,
        closedAt: null,
        voterCount: 0,
        createdAt: now,
        updatedAt: now,
      };
      const opts: OptionRow[] = input.options.map((o, i) => ({ id: newId('opt'), pollId: id, position: i, text: o.text, imageUrl: o.image_url ?? null, voteCount: 0 }));
      await ctx.db.transaction(async (tx) => {
        await store.insertPoll(tx, poll, opts);
        await deps.audit.record({ ...ctx, db: tx }, { appId, action: 'poll.create', targetType: 'poll', targetId: id, after: { question: poll.question, options: opts.map((o) => o.text), closes_at: closesAt } });
      });
      return view(poll, opts, { privileged: true, userId: null }, null);
    },

    get: getView,

    async list(ctx: Ctx, appId: string, f: Omit<store.PollFilter, 'now'>, viewer: Viewer): Promise<PollView[]> {
      const rows = await store.listPolls(ctx.db, appId, { ...f, now: clock.now() });
      const ids = rows.map((r) => r.id);
      const opts = await store.optionsOf(ctx.db, ids);
      const mine = viewer.userId ? await store.ballotsOfUser(ctx.db, ids, viewer.userId) : new Map<string, string[]>();
      return rows.map((p) =>
        view(
          p,
          opts.filter((o) => o.pollId === p.id),
          viewer,
          mine.get(p.id) ?? null,
        ),
      );
    },

    async close(ctx: Ctx, appId: string, pollId: string): Promise<PollView> {
      const p = await ctx.db.transaction(async (tx) => {
        const closed = await store.closePoll(tx, appId, pollId, clock.now());
        if (!closed) throw new AppError('polls.not_found', `Poll ${pollId} does not exist in this app`, { poll_id: pollId });
        await deps.audit.record({ ...ctx, db: tx }, { appId, action: 'poll.close', targetType: 'poll', targetId: pollId, after: { closed_at: closed.closedAt } });
        return closed;
      });
      return view(p, await store.optionsOf(ctx.db, [pollId]), { privileged: true, userId: null }, null);
    },

    async remove(ctx: Ctx, appId: string, pollId: string): Promise<void> {
      await ctx.db.transaction(async (tx) => {
        if (!(await store.deletePoll(tx, appId, pollId))) throw new AppError('polls.not_found', `Poll ${pollId} does not exist in this app`, { poll_id: pollId });
        await deps.audit.record({ ...ctx, db: tx }, { appId, action: 'poll.delete', targetType: 'poll', targetId: pollId });
      });
    },

    /**
     * Casts or changes a ballot. Repeating the same choice is a no-op (changed: false); a different
     * choice needs allow_change. Counts change in the same transaction as the ballot.
     */
    async vote(ctx: Ctx, appId: string, pollId: string, userId: string, optionIds: string[]): Promise<{ view: PollView; changed: boolean }> {
      const now = clock.now();
      // The poll and its options are read before the transaction: a vote racing a close counts as
      // cast just before it. Only the ballot and the counters need the transaction.
      const poll = await mustFind(ctx, appId, pollId);
      if (isClosed(poll, now)) throw new AppError('polls.closed', `Poll ${pollId} closed at ${(poll.closedAt ?? poll.closesAt)!.toISOString()}; no more votes`, { poll_id: pollId, closed_at: (poll.closedAt ?? poll.closesAt)!.toISOString() });
      const opts = await store.optionsOf(ctx.db, [pollId]);
      const problem = checkChoice(poll, optionIds, new Set(opts.map((o) => o.id)));
      if (problem) throw fieldError(problem.field, problem.message, problem.expected);

      const result = await ctx.db.transaction(async (tx) => {
        // A withdrawal may slip between the failed insert and the read: try the insert again.
        let before: string[] | null = null;
        for (let attempt = 0; attempt < 3 && before === null; attempt++) {
          if (await store.insertBallot(tx, { pollId, userId, appId, at: now })) before = [];
          else before = await store.ballotOf(tx, pollId, userId, true);
        }
        if (before === null) throw new AppError('unavailable', 'The vote could not be recorded; retry', undefined, { retryAfter: 1 });
        const isNew = before.length === 0;
        if (!isNew && sameSet(before, optionIds)) return { changed: false, before, counts: new Map<string, number>(), voters: null };
        if (!isNew && !poll.allowChange) throw new AppError('polls.already_voted', `User ${userId} already voted in poll ${pollId}, which does not allow changing a vote`, { poll_id: pollId, my_vote: before });

        await store.removeChoices(tx, pollId, userId, before.filter((id) => !optionIds.includes(id)));
        await store.addChoices(tx, pollId, userId, optionIds.filter((id) => !before.includes(id)), now);
        // The hot rows (option and poll counters) are touched last, so their locks are held briefly.
        const counts = await store.applyOptionDeltas(tx, countDeltas(before, optionIds));
        const voters = isNew ? await store.addVoters(tx, pollId, 1) : null;
        if (!isNew) await store.touchBallot(tx, pollId, userId, now);
        await bus.emit(tx, 'poll.voted', { appId, pollId, userId, optionIds, previous: before.length ? before : null, subject: poll.subjectKind && poll.subjectId ? { kind: poll.subjectKind, id: poll.subjectId } : null });
        return { changed: true, before, counts, voters };
      });
      if (!result.changed) return { view: await getView(ctx, appId, pollId, { privileged: false, userId }), changed: false };
      // Answer from what the transaction wrote; options it did not touch show their count as read
      // just before (the stored counters are exact either way).
      const fresh = { ...poll, voterCount: result.voters ?? poll.voterCount };
      const freshOpts = opts.map((o) => ({ ...o, voteCount: result.counts.get(o.id) ?? o.voteCount }));
      return { view: view(fresh, freshOpts, { privileged: false, userId }, optionIds), changed: true };
    },

    async withdraw(ctx: Ctx, appId: string, pollId: string, userId: string): Promise<void> {
      const now = clock.now();
      const previous = await ctx.db.transaction(async (tx) => {
        const poll = await mustFind({ ...ctx, db: tx }, appId, pollId);
        if (isClosed(poll, now)) throw new AppError('polls.closed', `Poll ${pollId} is closed; votes can no longer change`, { poll_id: pollId });
        if (!poll.allowChange) throw new AppError('polls.already_voted', `Poll ${pollId} does not allow changing or withdrawing a vote`, { poll_id: pollId });
        const before = await store.ballotOf(tx, pollId, userId, true);
        if (before === null) throw new AppError('polls.not_voted', `User ${userId} has not voted in poll ${pollId}`, { poll_id: pollId, user_id: userId });
        await unvote(tx, pollId, userId, before);
        await bus.emit(tx, 'poll.vote_withdrawn', { appId, pollId, userId, previous: before });
        return before;
      });
      void previous;
    },

    /** Who chose an option; refused for anonymous polls. */
    async voters(ctx: Ctx, appId: string, pollId: string, optionId: string, q: { limit: number; afterUserId?: string | undefined }) {
      const poll = await mustFind(ctx, appId, pollId);
      if (poll.anonymous) throw new AppError('polls.voters_hidden', `Poll ${pollId} is anonymous: who voted for what is never shown`, { poll_id: pollId });
      const opts = await store.optionsOf(ctx.db, [pollId]);
      if (!opts.some((o) => o.id === optionId)) throw fieldError('query.option_id', `${optionId} is not an option of poll ${pollId}`, 'an option id of this poll');
      return store.votersOf(ctx.db, optionId, q);
    },
  };
}

async function unvote(tx: Db, pollId: string, userId: string, before: string[]): Promise<void> {
  await store.deleteBallot(tx, pollId, userId);
  await store.applyOptionDeltas(tx, countDeltas(before, []));
  await store.addVoters(tx, pollId, -1);
}

export type Polls = ReturnType<typeof createPolls>;
