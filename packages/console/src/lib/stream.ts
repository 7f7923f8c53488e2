// The operator's live stream (GET /v1/realtime/operator): Server-Sent Events read with fetch, since
// EventSource cannot send the session header. Reconnects with growing back-off (1 s … 30 s) until
// stopped; a 401 (signed out, session revoked) or 403 stops it for good.
import { session } from './session.ts';

export type StreamEvent = { type: string } & Record<string, unknown>;

export function operatorStream(appId: string, onEvent: (e: StreamEvent) => void, onState?: (live: boolean) => void): () => void {
  let stopped = false;
  let controller: AbortController | null = null;
  let delay = 1000;
  let timer: ReturnType<typeof setTimeout> | null = null;

  const parse = (chunk: string) => {
    const data = chunk
      .split('\n')
      .filter((l) => l.startsWith('data: '))
      .map((l) => l.slice(6))
      .join('\n');
    if (!data) return;
    try {
      const e = JSON.parse(data) as StreamEvent;
      if (e && typeof e.type === 'string') onEvent(e);
    } catch {
      // Not JSON: nothing the console understands.
    }
  };

  const connect = async () => {
    if (stopped) return;
    controller = new AbortController();
    try {
      const { token } = session.get();
      const res = await fetch('/v1/realtime/operator', { headers: { authorization: `Bearer ${token ?? ''}`, 'x-canyu-app': appId, accept: 'text/event-stream' }, signal: controller.signal });
      if (res.status === 401 || res.status === 403) {
        stopped = true;
        onState?.(false);
        return;
      }
      if (!res.ok || !res.body) throw new Error(`stream: ${res.status}`);
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += value;
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const chunk = buf.slice(0, i);
          buf = buf.slice(i + 2);
          if (chunk.includes('event: hello')) {
            delay = 1000;
            onState?.(true);
          }
          parse(chunk);
        }
      }
    } catch {
      // Network trouble or an abort: reconnect below unless stopped.
    }
    onState?.(false);
    if (stopped) return;
    timer = setTimeout(() => void connect(), delay);
    delay = Math.min(delay * 2, 30_000);
  };
  void connect();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    controller?.abort();
  };
}
