// Group chat (群聊) delivered to 1,000 connected members across two Canyu servers on one database:
// half the members listen on each server (topic community:<groupId>), members send messages through
// the API at a steady rate, and every delivery's latency (send → received by that member) is kept.
// Reported: deliveries per second and the latency p50/p99 (target p99 ≤ 1 s, issue 14), beside a bare
// `ws` server broadcasting the same number of messages to the same number of clients (no auth, no
// database, no hub). 127.0.0.1 only, bounded in count and time.
import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import WebSocket from 'ws';
import { apiCall, type BenchEnv, type Scenario } from '../lib.ts';

const root = path.resolve(import.meta.dirname, '..', '..');
const percentile = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : 0);

type Listener = { ws: WebSocket };

/** Opens `count` sockets (250 at a time), each calling `onMessage` with the parsed event and its arrival time. */
async function open(url: (i: number) => string, count: number, ready: (m: Record<string, unknown>) => boolean, onMessage: (m: Record<string, unknown>, at: number) => void): Promise<Listener[]> {
  const out: Listener[] = [];
  for (let i = 0; i < count; i += 250) {
    await Promise.all(
      Array.from({ length: Math.min(250, count - i) }, (_, k) =>
        new Promise<void>((resolve, reject) => {
          const ws = new WebSocket(url(i + k));
          ws.once('error', reject);
          ws.on('message', (d) => {
            const at = performance.now();
            const m = JSON.parse(String(d)) as Record<string, unknown>;
            if (ready(m)) resolve();
            else if (m.type === 'error') reject(new Error(JSON.stringify(m)));
            else onMessage(m, at);
          });
          out.push({ ws });
        }),
      ),
    );
  }
  return out;
}

/** Sends `messages` at `perSecond`, recording each one's send time by its text; waits for every delivery. */
async function drive(messages: number, perSecond: number, expected: number, send: (i: number, text: string) => Promise<void>, sentAt: Map<string, number>, delivered: () => number): Promise<number> {
  const t0 = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < messages; i++) {
    const due = t0 + (i / perSecond) * 1000;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const text = `bench-${i}`;
    sentAt.set(text, performance.now());
    inFlight.push(send(i, text));
  }
  await Promise.all(inFlight);
  const until = Date.now() + 30_000;
  while (delivered() < expected && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  if (delivered() < expected) throw new Error(`only ${delivered()} of ${expected} deliveries arrived`);
  return (performance.now() - t0) / 1000;
}

const scenario: Scenario = {
  name: 'communities',
  description: 'group chat delivered to 1,000 members connected to two servers (p99 latency) vs a bare ws broadcast',
  async run(env: BenchEnv) {
    const members = 1000;
    const messages = env.quick ? 100 : 300;
    const perSecond = env.quick ? 20 : 30;
    const second = await env.startCanyu(1);
    try {
      const g = (await apiCall(env, 'POST', '/v1/communities', { name: 'bench chat', owner_id: 'bench-owner' })) as { id: string };
      const uid = (i: number) => `cm${String(i).padStart(5, '0')}`;
      for (let i = 0; i < members; i += 50) await Promise.all(Array.from({ length: Math.min(50, members - i) }, (_, k) => apiCall(env, 'POST', `/v1/communities/${g.id}/join`, { user_id: uid(i + k) })));

      const sentAt = new Map<string, number>();
      const latencies: number[] = [];
      const onChat = (m: Record<string, unknown>, at: number) => {
        if (m.type !== 'community.chat') return;
        const t = sentAt.get((m.message as { text: string }).text);
        if (t !== undefined) latencies.push(at - t);
      };
      const bases = [env.canyu, second.url].map((u) => u.replace(/^http/, 'ws'));
      const sockets = await open(
        (i) => `${bases[i % 2]}/v1/realtime?key=${env.tenant.publishableKey}&user_token=${env.userToken(uid(i), 3600)}&topics=community:${g.id}`,
        members,
        (m) => m.type === 'subscribed',
        onChat,
      );
      // Senders rotate over members (each stays under the per-member limit); sends alternate servers.
      const targets = [env.canyu, second.url];
      const seconds = await drive(
        messages,
        perSecond,
        messages * members,
        async (i, text) => {
          const r = await fetch(`${targets[i % 2]}/v1/communities/${g.id}/chat`, { method: 'POST', headers: { authorization: `Bearer ${env.tenant.secretKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ user_id: uid((i * 7) % members), text }) });
          if (r.status !== 201) throw new Error(`chat: ${r.status} ${await r.text()}`);
        },
        sentAt,
        () => latencies.length,
      );
      for (const s of sockets) s.ws.terminate();
      const canyu = [...latencies].sort((a, b) => a - b);

      // Baseline: the bare ws server broadcasting the same messages to the same number of clients.
      const proc = spawn(process.execPath, ['--import', 'tsx', 'bench/bare-ws.ts'], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
      try {
        const port = (await new Promise<string>((resolve) => readline.createInterface({ input: proc.stdout! }).once('line', resolve))).trim();
        const bareSent = new Map<string, number>();
        const bareLat: number[] = [];
        const bareSockets = await open(
          () => `ws://127.0.0.1:${port}/`,
          members,
          (m) => m.type === 'hello',
          (m, at) => {
            const t = bareSent.get((m.message as { text: string } | undefined)?.text ?? '');
            if (t !== undefined) bareLat.push(at - t);
          },
        );
        await drive(
          messages,
          perSecond,
          messages * members,
          async (_i, text) => void (await fetch(`http://127.0.0.1:${port}/broadcast`, { method: 'POST', body: JSON.stringify({ type: 'community.chat', message: { id: 'x', group_id: g.id, user_id: 'u', text, created_at: new Date().toISOString() } }) })),
          bareSent,
          () => bareLat.length,
        );
        for (const s of bareSockets) s.ws.terminate();
        const bare = [...bareLat].sort((a, b) => a - b);
        env.report({
          metric: `group chat to ${members.toLocaleString('en-US')} members on 2 servers, ${perSecond} msg/s: delivery latency p50`,
          value: percentile(canyu, 50),
          unit: 'ms',
          p99: percentile(canyu, 99),
          baseline: { label: `bare ws broadcast, p50 (p99 ${percentile(bare, 99).toFixed(0)} ms)`, value: percentile(bare, 50) },
          target: { maxP99: 1000 },
          note: `${(canyu.length / seconds).toFixed(0)} deliveries/s; ${messages} messages × ${members} members all delivered; max ${percentile(canyu, 100).toFixed(0)} ms`,
        });
      } finally {
        proc.kill('SIGTERM');
      }
    } finally {
      await second.stop();
    }
  },
};
export default scenario;
