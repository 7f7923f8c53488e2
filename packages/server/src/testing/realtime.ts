// Realtime test clients: a WebSocket and an SSE reader that collect the JSON events they receive.
import http from 'node:http';
import WebSocket from 'ws';

export type Received = { type: string } & Record<string, unknown>;

export type TestClient = {
  events: Received[];
  /** Resolves with the first event matching `pred` (already received or still to come). */
  next(pred: (e: Received) => boolean, timeoutMs?: number): Promise<Received>;
  send(msg: object): void;
  close(): void;
};

function collector() {
  const events: Received[] = [];
  const waiters: { pred: (e: Received) => boolean; resolve: (e: Received) => void }[] = [];
  const push = (e: Received) => {
    events.push(e);
    for (const w of [...waiters]) {
      if (w.pred(e)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(e);
      }
    }
  };
  const next = (pred: (e: Received) => boolean, timeoutMs = 10_000) => {
    const hit = events.find(pred);
    if (hit) return Promise.resolve(hit);
    return new Promise<Received>((resolve, reject) => {
      const w = { pred, resolve: (e: Received) => (clearTimeout(timer), resolve(e)) };
      const timer = setTimeout(() => {
        waiters.splice(waiters.indexOf(w), 1);
        reject(new Error(`no matching event within ${timeoutMs} ms; got ${JSON.stringify(events).slice(0, 500)}`));
      }, timeoutMs);
      waiters.push(w);
    });
  };
  return { events, push, next };
}

export async function wsClient(baseUrl: string, query: Record<string, string>): Promise<TestClient> {
  const url = `${baseUrl.replace(/^http/, 'ws')}/v1/realtime?${new URLSearchParams(query)}`;
  const c = collector();
  const ws = new WebSocket(url);
  ws.on('message', (d) => c.push(JSON.parse(String(d)) as Received));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
  });
  // A socket reset while the test or the server is closing (ECONNRESET on a loaded machine) must not
  // surface as an uncaught 'error' event that fails the whole test file after its tests passed.
  ws.on('error', (err) => c.push({ type: 'socket-error', message: err.message }));
  await c.next((e) => e.type === 'hello');
  return { events: c.events, next: c.next, send: (m) => ws.send(JSON.stringify(m)), close: () => ws.close() };
}

/** Reads an SSE stream (the user's by default); `stream-end` is pushed when the server ends it. */
export async function sseClient(baseUrl: string, query: Record<string, string>, o: { path?: string; headers?: Record<string, string> } = {}): Promise<TestClient & { status: number }> {
  const c = collector();
  const req = http.get(`${baseUrl}${o.path ?? '/v1/realtime/sse'}?${new URLSearchParams(query)}`, { headers: o.headers ?? {} });
  const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
    req.once('response', resolve);
    req.once('error', reject);
  });
  if (res.statusCode !== 200) {
    res.resume();
    return { status: res.statusCode ?? 0, events: [], next: () => Promise.reject(new Error('not connected')), send() {}, close() {} };
  }
  let buf = '';
  res.setEncoding('utf8');
  res.on('data', (d: string) => {
    buf += d;
    let i: number;
    while ((i = buf.indexOf('\n\n')) >= 0) {
      const chunk = buf.slice(0, i);
      buf = buf.slice(i + 2);
      const data = chunk
        .split('\n')
        .filter((l) => l.startsWith('data: '))
        .map((l) => l.slice(6))
        .join('\n');
      if (data) c.push(JSON.parse(data) as Received);
    }
  });
  res.on('error', () => {});
  res.on('end', () => c.push({ type: 'stream-end' }));
  await c.next((e) => e.type === 'hello');
  return {
    status: 200,
    events: c.events,
    next: c.next,
    send() {
      throw new Error('SSE is one-way');
    },
    close: () => req.destroy(),
  };
}
