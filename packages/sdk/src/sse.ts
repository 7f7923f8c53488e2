// Server-Sent Events read over fetch (text/event-stream): the one parser of the SDK's realtime
// client and the operator console's stream. Blocks are `event: <type>` / `data: <JSON>` lines
// separated by a blank line; comments (heartbeats) and data that is not a JSON object with a
// `type` are skipped.

export type SseEvent = { type: string } & Record<string, unknown>;

/** Reads `body` until it ends, calling `onEvent` for each event in order. */
export async function readSse(body: ReadableStream, onEvent: (e: SseEvent) => void): Promise<void> {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buf += value;
    let i: number;
    while ((i = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, i);
      buf = buf.slice(i + 2);
      const data = block
        .split('\n')
        .filter((l) => l.startsWith('data:'))
        .map((l) => l.slice(5).trimStart())
        .join('\n');
      if (!data) continue;
      try {
        const e = JSON.parse(data) as SseEvent;
        if (e && typeof e.type === 'string') onEvent(e);
      } catch {
        // not JSON: skipped
      }
    }
  }
}
