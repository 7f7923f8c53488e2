// Live counters for the widgets that show a subject's counts (<canyu-like>): one realtime
// connection per widget client follows the topic subject:<kind>:<id> of every such widget
// on the page (not a socket per button), and each hears `subject.counts` when anyone changes them.
// Events carry the time of the server's snapshot; an older one than the last applied is dropped.
import { createRealtime } from '@canyu/sdk';
import { connectionOf, type WidgetClient } from './core.ts';

export type SubjectCounts = { likes: number; favourites: number; shares: number; comments: number; follows: number; coins: number };

/** What a widget is told: new counts, and that it follows the topic (`again` after a reconnect: counts may have been missed). */
export type CountsListener = { counts(c: SubjectCounts): void; joined(again: boolean): void };

type Topic = { listeners: Set<CountsListener>; asOf: string; joins: number };
type Feed = { rt: ReturnType<typeof createRealtime>; topics: Map<string, Topic> };

const feeds = new Map<WidgetClient, Feed>();

function feedOf(c: WidgetClient): Feed {
  let f = feeds.get(c);
  if (f) return f;
  const rt = createRealtime(connectionOf(c));
  const feed: Feed = { rt, topics: new Map() };
  rt.on('subject.counts', (e) => {
    const t = feed.topics.get(`subject:${String(e.kind)}:${String(e.id)}`);
    const asOf = typeof e.as_of === 'string' ? e.as_of : '';
    if (!t || asOf < t.asOf || !e.counts || typeof e.counts !== 'object') return;
    t.asOf = asOf;
    for (const l of t.listeners) l.counts(e.counts as SubjectCounts);
  });
  rt.on('subscribed', (e) => {
    const t = feed.topics.get(String(e.topic));
    if (!t) return;
    const again = t.joins++ > 0;
    for (const l of t.listeners) l.joined(again);
  });
  feeds.set(c, (f = feed));
  return f;
}

/** Follows the subject's counters; returns the function that stops (the connection closes with the last one). */
export function followCounts(c: WidgetClient, kind: string, id: string, l: CountsListener): () => void {
  const f = feedOf(c);
  const topic = `subject:${kind}:${id}`;
  let t = f.topics.get(topic);
  if (!t) {
    f.topics.set(topic, (t = { listeners: new Set(), asOf: '', joins: 0 }));
    f.rt.subscribe(topic);
  } else if (t.joins > 0) queueMicrotask(() => l.joined(false));
  t.listeners.add(l);
  const topicState = t;
  return () => {
    if (!topicState.listeners.delete(l) || topicState.listeners.size > 0) return;
    f.topics.delete(topic);
    f.rt.unsubscribe(topic);
    if (f.topics.size === 0) {
      f.rt.close();
      feeds.delete(c);
    }
  };
}
