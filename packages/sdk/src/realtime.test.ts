// The realtime client against a real server: live-room chat arrives over the WebSocket, a dropped
// connection comes back by itself and subscribes again, and where WebSockets fail the client
// falls back to Server-Sent Events carrying the same events.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { WebSocket as NodeWebSocket } from 'ws';
import { startTestApp, type Tenant, type TestApp } from '../../server/src/testing/app.ts';
import { waitFor } from '../../server/src/testing/wait.ts';
import { createBrowserClient } from './browser.ts';
import { createServerClient, signUserToken } from './node.ts';
import type { RealtimeEvent, WebSocketConstructor } from './realtime.ts';

let t: TestApp;
let tenant: Tenant;
let baseUrl: string;
let roomId: string;

before(async () => {
  t = await startTestApp();
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  baseUrl = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  tenant = await t.newTenant('rt');
  const { data } = await createServerClient({ baseUrl, secretKey: tenant.secretKey }).POST('/v1/live/rooms', { body: { title: 'SDK room', chat: { max: 100, window_seconds: 10 } } });
  roomId = data!.id;
});
after(() => t.close());

/** Node 20 has no global WebSocket: the `ws` package, remembering each socket it opens. */
const sockets: NodeWebSocket[] = [];
const Ws = class extends NodeWebSocket {
  constructor(url: string) {
    super(url);
    sockets.push(this);
  }
} as unknown as WebSocketConstructor;

function user(id: string) {
  return createBrowserClient({ baseUrl, publishableKey: tenant.publishableKey, userToken: signUserToken(id, tenant.secretKey, 600), storage: null });
}

const say = (text: string) => user('speaker').api.POST('/v1/live/rooms/{roomId}/messages', { params: { path: { roomId } }, body: { text } });
const chats = (events: RealtimeEvent[]) => events.filter((e) => e.type === 'live.chat').map((e) => (e.message as { text: string }).text);

describe('realtime', () => {
  it('delivers live-room chat over the WebSocket, and reconnects and resubscribes after a drop', async () => {
    const c = user('viewer');
    const rt = c.realtime({ WebSocket: Ws, topics: [`live:${roomId}`], reconnect: { baseDelayMs: 20 } });
    const events: RealtimeEvent[] = [];
    rt.on('*', (e) => events.push(e));
    try {
      await waitFor('subscribed', () => events.some((e) => e.type === 'subscribed'));
      assert.equal(rt.transport, 'websocket');
      assert.ok(events.some((e) => e.type === 'hello' && e.user_id === 'viewer'));
      await say('第一条');
      await waitFor('first chat', () => chats(events).includes('第一条'));

      const before = sockets.length;
      sockets.at(-1)!.terminate(); // the network drops
      await waitFor('a new connection', () => sockets.length > before && rt.state === 'open');
      await waitFor('subscribed again', () => events.filter((e) => e.type === 'subscribed').length >= 2);
      await say('second');
      await waitFor('chat after the reconnect', () => chats(events).includes('second'));
      assert.ok(events.some((e) => e.type === 'state' && e.state === 'connecting'));
    } finally {
      rt.close();
      c.close();
    }
  });

  it('falls back to Server-Sent Events when WebSockets cannot connect', async () => {
    let tries = 0;
    const Broken = class {
      readyState = 3;
      onopen: (() => void) | null = null;
      onclose: ((e: unknown) => void) | null = null;
      onerror: ((e: unknown) => void) | null = null;
      onmessage: ((e: { data: unknown }) => void) | null = null;
      constructor() {
        tries++;
        setTimeout(() => this.onclose?.({ code: 1006 }), 1);
      }
      send() {}
      close() {}
    } as unknown as WebSocketConstructor;
    const c = user('sse-viewer');
    const rt = c.realtime({ WebSocket: Broken, topics: [`live:${roomId}`], reconnect: { baseDelayMs: 20 } });
    const events: RealtimeEvent[] = [];
    rt.on('*', (e) => events.push(e));
    try {
      await waitFor('subscribed over SSE', () => events.some((e) => e.type === 'subscribed'));
      assert.equal(rt.transport, 'sse');
      assert.equal(tries, 2);
      await say('over sse');
      await waitFor('chat over SSE', () => chats(events).includes('over sse'));
      // a topic added later: the stream reconnects with it
      rt.unsubscribe(`live:${roomId}`);
      rt.subscribe(`live:${roomId}`);
      await waitFor('resubscribed', () => events.filter((e) => e.type === 'subscribed').length >= 2);
    } finally {
      rt.close();
      c.close();
    }
  });
});
