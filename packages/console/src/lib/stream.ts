// The operator's live stream (GET /v1/realtime/operator): Server-Sent Events read with fetch, since
// EventSource cannot send the session header. Reconnects with growing back-off (1 s … 30 s) until
// stopped; a 401 (signed out, session revoked) or 403 stops it for good.
import { readSse, type SseEvent } from '../../../sdk/src/sse.ts';
import { session } from './session.ts';

export type StreamEvent = SseEvent;

export function operatorStream(appId: string, onEvent: (e: StreamEvent) => void, onState?: (live: boolean) => void): () => void {
  let stopped = false;
  let controller: AbortController | null = null;
  let delay = 1000;
  let timer: ReturnType<typeof setTimeout> | null = null;

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
      await readSse(res.body, (e) => {
        if (e.type === 'hello') {
          delay = 1000;
          onState?.(true);
        }
        onEvent(e);
      });
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
