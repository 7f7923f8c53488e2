// CANYU_WORKERS under failure: a SIGKILLed worker is replaced by the primary and no acknowledged
// event is lost; SIGTERM has every worker drain (in-flight requests, acknowledged events) before
// the primary exits 0.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type Tenant } from './testing/app.ts';
import { eventLoad, startCluster, storedOf } from './testing/cluster.ts';
import { createTestDatabase, type TestDatabase } from './testing/db.ts';
import { waitFor } from './testing/wait.ts';

describe('canyu start with CANYU_WORKERS=2: crashes and shutdown', () => {
  let database: TestDatabase;
  let tenant: Tenant;
  let cluster: Awaited<ReturnType<typeof startCluster>>;
  before(async () => {
    database = await createTestDatabase({ poolSize: 3 });
    const local = await startTestApp({ database });
    tenant = await local.newTenant();
    await local.close();
    cluster = await startCluster(2, { DATABASE_URL: database.url, CANYU_JOBS: 'false' });
  });
  after(async () => {
    cluster?.child.kill('SIGKILL');
    await database.close();
  });

  it('replaces a SIGKILLed worker; every acknowledged event is stored', { timeout: 150_000 }, async () => {
    const [victim, survivor] = cluster.serving();
    const load = eventLoad(cluster.url, tenant.secretKey, 8, 'kill');
    await waitFor('events flowing', () => load.acknowledged.length >= 200, { timeoutMs: 60_000 });
    process.kill(victim!, 'SIGKILL');
    const replacement = await waitFor('a replacement worker', () => cluster.serving().find((p) => p !== victim && p !== survivor), { timeoutMs: 90_000 });
    const atReplacement = load.acknowledged.length;
    await waitFor('events after the replacement', () => load.acknowledged.length >= atReplacement + 200, { timeoutMs: 60_000 });
    await load.stop();
    assert.ok(cluster.lines.some((l) => l.role === 'primary' && l.msg === 'worker exited; starting a replacement'));
    assert.notEqual(replacement, victim);
    assert.equal(await storedOf(database, tenant.appId, load.acknowledged), load.acknowledged.length, 'acknowledged = stored');
    assert.equal((await fetch(`${cluster.url}/health`)).status, 200);
  });

  it('SIGTERM drains every worker: in-flight events are stored, all workers stop, the primary exits 0', { timeout: 120_000 }, async () => {
    const alive = (p: number) => {
      try {
        process.kill(p, 0);
        return true;
      } catch {
        return false;
      }
    };
    const workers = cluster.serving().filter(alive);
    assert.equal(workers.length, 2);
    const load = eventLoad(cluster.url, tenant.secretKey, 16, 'term');
    await waitFor('events flowing', () => load.acknowledged.length >= 200, { timeoutMs: 60_000 });
    cluster.child.kill('SIGTERM');
    assert.equal(await cluster.exited, 0, cluster.stderr());
    await load.stop();
    const drained = new Set(cluster.lines.filter((l) => l.msg === 'shutting down: draining requests and events').map((l) => l.pid));
    for (const p of workers) assert.ok(drained.has(p), `worker ${p} drained`);
    assert.equal(await storedOf(database, tenant.appId, load.acknowledged), load.acknowledged.length, 'acknowledged = stored');
    for (const p of workers) assert.equal(alive(p), false, `worker ${p} is gone`);
  });
});
