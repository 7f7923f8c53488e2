// Test databases: each test file gets its own database cloned from the migrated template that
// scripts/test.ts prepared, so files run in parallel without seeing each other's rows.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { drizzle } from 'drizzle-orm/node-postgres';
import { exactTimestamps, type Database } from '../db/index.ts';
// For its side effect: the pg type parsers (int8 as number) that production sets when it opens the db.
import '../db/index.ts';

export type TestDatabase = Database & { name: string };

function env(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run tests with "npm test" (scripts/test.ts prepares the database)`);
  return v;
}

/** A database of its own for a test file: migrated, or with `empty`, not even that (template0). */
export async function createTestDatabase(opts: { poolSize?: number; empty?: boolean } = {}): Promise<TestDatabase> {
  const adminUrl = env('CANYU_TEST_ADMIN_URL');
  const template = env('CANYU_TEST_TEMPLATE');
  const name = `${template}_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${name} template ${opts.empty ? 'template0' : template}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const pool = new pg.Pool({ connectionString: url.toString(), max: opts.poolSize ?? 10 });
  exactTimestamps(pool);
  pool.on('error', () => {});
  let closed = false;
  return {
    name,
    url: url.toString(),
    pool,
    db: drizzle({ client: pool }),
    embedded: null,
    async close() {
      if (closed) return;
      closed = true;
      // Best effort, and bounded: a client a failed test never released would hold pool.end()
      // forever, and scripts/test.ts drops whatever database is left at the end of the run.
      await Promise.race([pool.end().catch(() => {}), new Promise((r) => setTimeout(r, 10_000).unref())]);
      const c = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 10_000, query_timeout: 30_000 });
      try {
        await c.connect();
        await c.query(`drop database if exists ${name} with (force)`);
      } catch {
        // left for the end-of-run sweep
      } finally {
        await c.end().catch(() => {});
      }
    },
  };
}
