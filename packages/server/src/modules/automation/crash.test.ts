// A server killed (SIGKILL) while workflows are entering and running users: the next server
// finishes every run, and every step's effect happened exactly once.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bearer, startTestApp } from '../../testing/app.ts';
import { createTestDatabase, type TestDatabase } from '../../testing/db.ts';
import { startServers } from '../../testing/servers.ts';

describe('automation: a crash in the middle', () => {
  let database: TestDatabase;
  before(async () => {
    database = await createTestDatabase();
  });
  after(async () => {
    await database.close();
  });

  it('kill -9 while runs are entering and moving: the next server completes each once', { timeout: 180_000 }, async () => {
    const env = { DATABASE_URL: database.url, CANYU_AUTH_FAILURES_PER_IP: '1000000' };
    const local = await startTestApp({ database });
    const ten = await local.newTenant();
    await local.close();
    const h = { ...bearer(ten.secretKey), 'content-type': 'application/json' };
    const first = await startServers(1, env);
    try {
      const call = (url: string, path: string, method: string, body?: unknown) => fetch(`${url}${path}`, { method, headers: h, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
      const url = first.servers[0]!.url;
      assert.ok((await call(url, '/v1/points/types/coins', 'PUT', { name: 'Coins', expiry: { kind: 'never' } })).ok);
      // Every lesson: a coin, a trait, then another coin: three effects per run, each once.
      const wf = await call(url, '/v1/automation/workflows', 'POST', {
        name: 'Lesson reward',
        active: true,
        trigger: { event: 'lesson.done' },
        entry: { reentry: 'always' },
        steps: [
          { id: 'coin', type: 'grant_points', points_type: 'coins', amount: 1 },
          { id: 'mark', type: 'set_traits', traits: { learner: true } },
          { id: 'bonus', type: 'grant_points', points_type: 'coins', amount: 2 },
        ],
      });
      assert.equal(wf.status, 201, await wf.text());
      const N = 300;
      const users = 10;
      for (let i = 0; i < N; i += 100) {
        const r = await call(url, '/v1/events', 'POST', { events: Array.from({ length: 100 }, (_, j) => ({ event_id: `l-${i + j}`, user_id: `u${(i + j) % users}`, name: 'lesson.done' })) });
        assert.equal(r.status, 200);
      }
      first.servers[0]!.child.kill('SIGKILL');
      await new Promise((r) => first.servers[0]!.child.once('exit', r));

      const second = await startServers(1, env);
      try {
        const url2 = second.servers[0]!.url;
        const completed = async () => {
          let n = 0;
          let cursor: string | null = null;
          do {
            const res = await call(url2, `/v1/automation/runs?status=completed&limit=200${cursor ? `&cursor=${cursor}` : ''}`, 'GET');
            const page = (await res.json()) as { data: unknown[]; next_cursor: string | null };
            n += page.data.length;
            cursor = page.next_cursor;
          } while (cursor);
          return n;
        };
        const until = Date.now() + 120_000;
        while ((await completed()) < N && Date.now() < until) await new Promise((r) => setTimeout(r, 300));
        assert.equal(await completed(), N, 'one run per event, all completed');
        for (let i = 0; i < users; i++) {
          const res = await call(url2, `/v1/users/u${i}/points`, 'GET');
          const b = (await res.json()) as { data: { type: string; balance: number }[] };
          assert.equal(b.data.find((x) => x.type === 'coins')?.balance, (N / users) * 3, `u${i}`);
        }
      } finally {
        await second.stop();
      }
    } finally {
      await first.stop();
    }
  });
});
