// track(): batching by size and by time, storage across "reloads", back-off after a failure,
// dropping what the server refuses for good, and the keepalive flush when the page is hidden.
// The sender is a fake; the clock and timers are controlled by the test.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CanyuError } from './errors.ts';
import { createTracker, type StorageLike, type TrackedEvent, type TrackerOptions } from './tracker.ts';

function memoryStorage(): StorageLike & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v), removeItem: (k) => void data.delete(k) };
}

/** Timers that fire only when the test advances the clock. */
function fakeTime(start = 1_700_000_000_000) {
  let now = start;
  let seq = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  return {
    now: () => now,
    setTimeout: (fn: () => void, ms: number) => {
      timers.set(++seq, { at: now + ms, fn });
      return seq;
    },
    clearTimeout: (h: unknown) => void timers.delete(h as number),
    pending: () => [...timers.values()].map((t) => t.at - now),
    async advance(ms: number) {
      const until = now + ms;
      for (;;) {
        const due = [...timers.entries()].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) break;
        timers.delete(due[0]);
        now = due[1].at;
        due[1].fn();
        await settle();
      }
      now = until;
      await settle();
    },
  };
}

const settle = () => new Promise<void>((r) => setImmediate(r));

function sender(answers: (true | CanyuError)[] = [true]) {
  const calls: { events: TrackedEvent[]; keepalive: boolean }[] = [];
  let i = 0;
  const send: TrackerOptions['send'] = async (events, { keepalive }) => {
    calls.push({ events: [...events], keepalive });
    const a = answers[Math.min(i++, answers.length - 1)]!;
    if (a !== true) throw a;
  };
  return { send, calls };
}

describe('tracker', () => {
  it('sends a batch as soon as batchSize events wait, each with its own UUID v7 and timestamp', async () => {
    const time = fakeTime();
    const s = sender();
    const t = createTracker({ send: s.send, batchSize: 3, flushIntervalMs: 10_000, ...time });
    const ids = [t.track('video.played', { id: 'v1' }), t.track('video.played', { id: 'v2' })];
    await settle();
    assert.equal(s.calls.length, 0);
    ids.push(t.track('video.liked'));
    await settle();
    assert.equal(s.calls.length, 1);
    assert.deepEqual(s.calls[0]!.events.map((e) => e.event_id), ids);
    assert.equal(new Set(ids).size, 3);
    for (const id of ids) assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7/);
    assert.equal(s.calls[0]!.events[0]!.timestamp, new Date(time.now()).toISOString());
    assert.deepEqual(s.calls[0]!.events[0]!.properties, { id: 'v1' });
    assert.equal(t.pending().length, 0);
    t.close();
  });

  it('sends what waits flushIntervalMs after the first event', async () => {
    const time = fakeTime();
    const s = sender();
    const t = createTracker({ send: s.send, batchSize: 50, flushIntervalMs: 5000, ...time });
    t.track('a');
    await time.advance(3000);
    t.track('b');
    await time.advance(1999);
    assert.equal(s.calls.length, 0);
    await time.advance(1);
    assert.deepEqual(s.calls.map((c) => c.events.map((e) => e.name)), [['a', 'b']]);
    t.close();
  });

  it('keeps unsent events in storage: a new tracker (a reload) sends them', async () => {
    const storage = memoryStorage();
    const time = fakeTime();
    const first = createTracker({ send: sender([new CanyuError({ code: 'network_error', message: 'offline', status: 0 })]).send, storage, storageKey: 'k', ...time });
    const ids = [first.track('a'), first.track('b', { n: 1 })];
    assert.equal(JSON.parse(storage.data.get('k')!).length, 2);
    await first.flush(); // fails: the events stay
    first.close();
    assert.equal(JSON.parse(storage.data.get('k')!).length, 2);

    const s = sender();
    const second = createTracker({ send: s.send, storage, storageKey: 'k', ...fakeTime() });
    assert.deepEqual(second.pending().map((e) => e.event_id), ids);
    await second.flush();
    assert.deepEqual(s.calls[0]!.events.map((e) => e.event_id), ids);
    assert.equal(storage.data.has('k'), false, 'acknowledged events leave storage');
    second.close();
  });

  it("shares storage between tabs: one tab's writes keep the other's unsent events", async () => {
    const storage = memoryStorage();
    const sa = sender();
    const a = createTracker({ send: sa.send, storage, storageKey: 'k', batchSize: 100, ...fakeTime() });
    const b = createTracker({ send: sender().send, storage, storageKey: 'k', batchSize: 100, ...fakeTime() });
    const a1 = a.track('from-a');
    const b1 = b.track('from-b');
    const stored = () => (JSON.parse(storage.data.get('k') ?? '[]') as TrackedEvent[]).map((e) => e.event_id).sort();
    assert.deepEqual(stored(), [a1, b1].sort());
    await a.flush();
    assert.deepEqual(sa.calls[0]!.events.map((e) => e.event_id), [a1]);
    assert.deepEqual(stored(), [b1], "a's acknowledged event leaves, b's unsent one stays");
    a.close();
    b.close();
  });

  it('ignores unreadable storage instead of failing', () => {
    const storage = memoryStorage();
    storage.data.set('k', '{not json');
    const t = createTracker({ send: sender().send, storage, storageKey: 'k', ...fakeTime() });
    assert.equal(t.pending().length, 0);
    t.close();
  });

  it('backs off after a transient failure (429, 5xx, network) and sends the same events again', async () => {
    const time = fakeTime();
    const busy = new CanyuError({ code: 'events.buffer_full', message: 'busy', status: 429 });
    const s = sender([busy, busy, true]);
    const t = createTracker({ send: s.send, batchSize: 2, retryBaseMs: 1000, retryMaxMs: 60_000, random: () => 1, ...time });
    t.track('a');
    t.track('b');
    await settle();
    assert.equal(s.calls.length, 1);
    // while backing off, new events do not trigger an early send
    t.track('c');
    t.track('d');
    await settle();
    assert.equal(s.calls.length, 1);
    await time.advance(1100); // 1000·2^0 + 100
    assert.equal(s.calls.length, 2);
    await time.advance(2099);
    assert.equal(s.calls.length, 2);
    await time.advance(1); // 1000·2^1 + 100
    assert.equal(s.calls.length, 4, 'both batches go once the server accepts');
    assert.deepEqual(s.calls.slice(2).flatMap((c) => c.events.map((e) => e.name)), ['a', 'b', 'c', 'd']);
    assert.equal(s.calls[0]!.events[0]!.event_id, s.calls[2]!.events[0]!.event_id, 'the retry carries the same event ids');
    assert.equal(t.pending().length, 0);
    t.close();
  });

  it('drops a batch the server refuses for good (400) and reports it', async () => {
    const dropped: string[] = [];
    const s = sender([new CanyuError({ code: 'validation_failed', message: 'bad', status: 400 }), true]);
    const t = createTracker({ send: s.send, batchSize: 1, onDrop: (events, why) => dropped.push(`${events[0]!.name}:${typeof why === 'string' ? why : why.code}`), ...fakeTime() });
    t.track('bad');
    t.track('good');
    await t.flush();
    assert.deepEqual(dropped, ['bad:validation_failed']);
    assert.deepEqual(s.calls.map((c) => c.events[0]!.name), ['bad', 'good']);
    assert.equal(t.pending().length, 0);
    t.close();
  });

  it('drops the oldest events past maxQueue', () => {
    const dropped: string[] = [];
    const t = createTracker({ send: sender().send, maxQueue: 3, batchSize: 100, onDrop: (events) => dropped.push(...events.map((e) => e.name)), ...fakeTime() });
    for (const n of ['a', 'b', 'c', 'd', 'e']) t.track(n);
    assert.deepEqual(t.pending().map((e) => e.name), ['c', 'd', 'e']);
    assert.deepEqual(dropped, ['a', 'b']);
    t.close();
  });

  it('flushes with keepalive when the page goes away, in requests small enough for keepalive', async () => {
    const storage = memoryStorage();
    const s = sender();
    const t = createTracker({ send: s.send, batchSize: 1000, storage, storageKey: 'k', ...fakeTime() });
    const big = 'x'.repeat(20_000);
    for (let i = 0; i < 7; i++) t.track('big', { big });
    t.flushOnExit();
    await settle();
    assert.ok(s.calls.length >= 3, `${s.calls.length} requests`);
    for (const c of s.calls) {
      assert.equal(c.keepalive, true);
      assert.ok(JSON.stringify(c.events).length <= 64 * 1024, 'each keepalive body fits the 64 KiB budget');
    }
    assert.equal(s.calls.flatMap((c) => c.events).length, 7);
    assert.equal(storage.data.has('k'), false);
    t.close();
  });
});
