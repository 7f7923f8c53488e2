// The embedded PostgreSQL lifecycle: first start, reuse, clean stop, crash recovery, attaching.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { startEmbeddedPostgres } from './embedded.ts';
import { openDb, type DatabaseHandle } from './index.ts';

const dirs: string[] = [];
function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'canyu-emb-'));
  fs.chmodSync(d, 0o755);
  dirs.push(d);
  return d;
}
after(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

async function query(url: string, sql: string): Promise<pg.QueryResult> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await c.query(sql);
  } finally {
    await c.end();
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return cond();
}

/** A separate process that owns an embedded PostgreSQL, like a running `canyu start`. */
function spawnOwner(dataDir: string): Promise<{ child: ChildProcess; url: string; pid: number }> {
  const script = `
    import { startEmbeddedPostgres } from ${JSON.stringify(path.resolve(import.meta.dirname, 'embedded.ts'))};
    const pg = await startEmbeddedPostgres({ dataDir: ${JSON.stringify(dataDir)} });
    process.stdout.write(JSON.stringify({ url: pg.url, pid: pg.pid }) + '\\n');
    process.on('SIGTERM', async () => { await pg.stop(); process.exit(0); });
    setInterval(() => {}, 1000);
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve({ child, ...(JSON.parse(line) as { url: string; pid: number }) });
    });
    child.on('exit', (code) => reject(new Error(`owner exited early with ${code}`)));
  });
}

describe('embedded PostgreSQL', () => {
  it('creates a cluster on first start, keeps data across restarts, and stops cleanly', async () => {
    const dir = tempDir();
    const first = await startEmbeddedPostgres({ dataDir: dir });
    assert.notEqual(first.port, 5432);
    assert.equal(first.attached, false);
    await query(first.url, 'create table kept (v text); insert into kept values ($$hello$$)');
    await first.stop();
    assert.equal(alive(first.pid), false, 'postmaster exited');
    assert.equal(fs.existsSync(path.join(dir, 'pg', 'postmaster.pid')), false, 'clean shutdown removes postmaster.pid');

    const second = await startEmbeddedPostgres({ dataDir: dir });
    const r = await query(second.url, 'select v from kept');
    assert.deepEqual(r.rows, [{ v: 'hello' }]);
    const v = await query(second.url, 'show server_version_num');
    assert.ok(Number(v.rows[0].server_version_num) >= 170000, 'PostgreSQL 17');
    await second.stop();
  });

  it('takes the postmaster down with it when the owning process is killed', async () => {
    const dir = tempDir();
    const owner = await spawnOwner(dir);
    assert.ok(alive(owner.pid));
    owner.child.kill('SIGKILL');
    assert.ok(await until(() => !alive(owner.pid) || fs.readFileSync(`/proc/${owner.pid}/stat`, 'utf8').split(' ')[2] === 'Z', 10_000), 'postmaster died with its parent');
    const again = await startEmbeddedPostgres({ dataDir: dir });
    assert.equal((await query(again.url, 'select 1 as one')).rows[0].one, 1);
    await again.stop();
  });

  it('stops a postmaster orphaned by a crashed Canyu before starting', async () => {
    const dir = tempDir();
    const orphan = await startEmbeddedPostgres({ dataDir: dir });
    await query(orphan.url, 'create table survived (v int); insert into survived values (42)');
    // Pretend the Canyu that started it is gone: its lock names a pid that no longer exists.
    const dead = spawn('true');
    await new Promise((r) => dead.on('exit', r));
    fs.writeFileSync(path.join(dir, 'canyu.lock'), String(dead.pid));

    const fresh = await startEmbeddedPostgres({ dataDir: dir });
    assert.equal(fresh.attached, false);
    assert.ok(await until(() => !alive(orphan.pid), 5000), 'orphaned postmaster was stopped');
    assert.notEqual(fresh.pid, orphan.pid);
    assert.deepEqual((await query(fresh.url, 'select v from survived')).rows, [{ v: 42 }]);
    await fresh.stop();
  });

  it('attaches to the server of a running Canyu instead of starting a second one', async () => {
    const dir = tempDir();
    const owner = await spawnOwner(dir);
    try {
      const attached = await startEmbeddedPostgres({ dataDir: dir });
      assert.equal(attached.attached, true);
      assert.equal((await query(attached.url, 'select 2 as two')).rows[0].two, 2);
      await attached.stop(); // a no-op: the owner keeps its server
      assert.ok(alive(owner.pid));
    } finally {
      owner.child.kill('SIGTERM');
      await new Promise((r) => owner.child.on('exit', r));
    }
    assert.equal(alive(owner.pid), false);
  });
});

describe('syncTree (after initdb --no-sync)', () => {
  it('flushes a tree through syncfs, and file by file where `sync -f` is missing', async () => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'a', 'b'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'a', 'b', 'f'), 'x');
    fs.writeFileSync(path.join(dir, 'g'), 'y');
    for (const PATH of [process.env.PATH ?? '', path.join(dir, 'no-such-bin')]) {
      const script = `
        import { syncTree } from ${JSON.stringify(path.resolve(import.meta.dirname, 'embedded.ts'))};
        await syncTree(${JSON.stringify(dir)});
        process.stdout.write('synced');
      `;
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PATH } });
      let out = '';
      child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
      child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
      const code = await new Promise((r) => child.on('exit', r));
      assert.equal(code, 0, out);
      assert.equal(out, 'synced');
    }
  });
});

describe('a first start killed while it creates the cluster', () => {
  it('leaves nothing that stops the next start', async () => {
    const dataDir = tempDir();
    const script = `
      import { startEmbeddedPostgres } from ${JSON.stringify(path.resolve(import.meta.dirname, 'embedded.ts'))};
      await startEmbeddedPostgres({ dataDir: ${JSON.stringify(dataDir)} });
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: 'ignore' });
    const exited = new Promise((r) => child.once('exit', r));
    const creating = path.join(dataDir, `pg.creating-${child.pid}`);
    assert.ok(await until(() => fs.existsSync(path.join(creating, 'PG_VERSION')), 30_000), 'initdb got going');
    child.kill('SIGKILL'); // as a crash would
    await exited;
    assert.ok(!fs.existsSync(path.join(dataDir, 'pg', 'PG_VERSION')), 'no half-made cluster in place');
    const again = await startEmbeddedPostgres({ dataDir });
    try {
      assert.equal((await query(again.url, 'select 1 as one')).rows[0].one, 1);
    } finally {
      await again.stop();
    }
    // The killed start's initdb stops at its next step (SIGINT from setpriv's parent-death signal)
    // and empties its folder, or it had already finished; a start removes the folder once it is a
    // minute old.
    const runsIn = (dir: string) =>
      fs.readdirSync('/proc').some((p) => {
        try {
          return /^\d+$/.test(p) && fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(dir);
        } catch {
          return false;
        }
      });
    if (fs.existsSync('/proc')) assert.ok(await until(() => !runsIn(creating), 30_000), 'the orphaned initdb ended');
    const aMinuteAgo = new Date(Date.now() - 120_000);
    fs.utimesSync(creating, aMinuteAgo, aMinuteAgo);
    const third = await startEmbeddedPostgres({ dataDir });
    await third.stop();
    assert.deepEqual(fs.readdirSync(dataDir).filter((e) => e.startsWith('pg.creating')), [], 'no temporary folder is left');
  });
});

describe('openDb on the embedded PostgreSQL', () => {
  it('hands out its pool before PostgreSQL is started (the app is built meanwhile), the same pool it returns', async () => {
    const dir = tempDir();
    let handed: DatabaseHandle | null = null;
    let postmasterRan: boolean | null = null;
    const database = await openDb({
      dataDir: dir,
      poolSize: 2,
      onPool: (h) => {
        handed = h;
        postmasterRan = fs.existsSync(path.join(dir, 'pg', 'postmaster.pid'));
      },
    });
    try {
      assert.equal(postmasterRan, false, 'no postmaster yet when the pool was handed out');
      assert.equal(handed!.pool, database.pool);
      assert.equal(handed!.url, database.url);
      assert.deepEqual((await database.pool.query('select 1 as one')).rows, [{ one: 1 }]);
    } finally {
      await database.close();
    }
  });

  it('ends the pool it handed out when PostgreSQL then fails to start', async () => {
    const dir = tempDir();
    // The port PostgreSQL is told to use is taken: it exits at once.
    const taken = net.createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()));
    const port = (taken.address() as net.AddressInfo).port;
    let handed: DatabaseHandle | null = null;
    try {
      await assert.rejects(openDb({ dataDir: dir, embeddedPort: port, onPool: (h) => (handed = h) }), /did not become ready/);
      assert.ok(handed, 'the pool was handed out before the start failed');
      assert.equal((handed as DatabaseHandle).pool.ended, true, 'and it is ended');
    } finally {
      taken.close();
    }
  });
});
