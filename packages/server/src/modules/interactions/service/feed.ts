// The live counters of subjects: clients subscribed to `subject:<kind>:<id>` (a like button, the
// 一键三连 bar) hear `subject.counts` when the subject's counters change, on whichever server the
// change happened. Changes are coalesced: a subject changed many times in one interval is read
// and published once, after the interval, from one snapshot taken after the changes committed.
// Each event carries `as_of`, the database time of that snapshot: a client keeps the newest, so
// events from two servers arriving out of order never put an older count back.
import { AppError } from '../../../http/errors.ts';
import { assertOpenKind } from '../errors.ts';
import type { Shared } from './context.ts';
import * as subjectsStore from '../store/subjects.ts';

export const SUBJECT_TOPIC = 'subject:';

/** How the feed publishes: the realtime hub's topic fan-out, and who may subscribe. */
export type CountsPublisher = {
  toTopics(items: { appId: string; topic: string; event: { type: string; [k: string]: unknown } }[]): void;
  topicPolicy(prefix: string, policy: { authorize(conn: { appId: string }, topic: string): void | Promise<void> }): void;
};

/** A subject's topic: its kind and host id after the prefix (the id may itself hold ':'). */
export function subjectTopic(kind: string, externalId: string): string {
  return `${SUBJECT_TOPIC}${kind}:${externalId}`;
}

export function createCountsFeed(d: Shared, realtime: CountsPublisher | null | undefined, intervalMs = 200) {
  /** Ids of the subjects changed since the last flush. */
  const pending = new Set<number>();
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> = Promise.resolve();
  let closed = false;

  realtime?.topicPolicy(SUBJECT_TOPIC, {
    // Counters are what GET /v1/subjects/{kind}/{id} shows any user of the app: any connection of
    // the app may follow them. Only the shape is checked; a subject nobody touched yet is fine.
    authorize(_conn, topic) {
      const rest = topic.slice(SUBJECT_TOPIC.length);
      const sep = rest.indexOf(':');
      if (sep <= 0 || sep === rest.length - 1 || rest.length > 300) throw new AppError('realtime.unknown_topic', `A subject topic is subject:<kind>:<id>, not ${topic}`, { topic });
      // A reserved kind's subjects (a group post's replies) are followed through their module only.
      assertOpenKind(rest.slice(0, sep), 'topic');
    },
  });

  async function flush(): Promise<void> {
    const ids = [...pending];
    pending.clear();
    if (ids.length === 0 || !realtime) return;
    const { asOf, subjects, counts } = await subjectsStore.countsSnapshot(d.db, ids);
    // Packed: one hub message carries the counts of many subjects (not a NOTIFY per subject).
    realtime.toTopics(
      subjects.flatMap((s) => {
        const c = counts.get(s.id);
        return c ? [{ appId: s.appId, topic: subjectTopic(s.kind, s.externalId), event: { type: 'subject.counts', kind: s.kind, id: s.externalId, counts: c, as_of: asOf.toISOString() } }] : [];
      }),
    );
  }

  function schedule(): void {
    if (timer || closed) return;
    timer = setTimeout(() => {
      timer = null;
      running = running.then(flush).catch((err: unknown) => d.log.warn({ err }, 'interactions: publishing live counters failed'));
    }, intervalMs);
    timer.unref();
  }

  return {
    /** The subjects' counters changed (best called after the change committed; the interval covers a commit in flight). */
    changed(subjectIds: number[]): void {
      if (!realtime || closed) return;
      for (const id of subjectIds) pending.add(id);
      if (pending.size > 0) schedule();
    },
    async close(): Promise<void> {
      closed = true;
      if (timer) clearTimeout(timer);
      timer = null;
      await running;
    },
  };
}

export type CountsFeed = ReturnType<typeof createCountsFeed>;
