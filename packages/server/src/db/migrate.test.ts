// Canyu applies drizzle-kit's migrations itself, one query per migration (db/index.ts): the result
// must be what drizzle-orm's own migrator leaves, so databases it migrated carry on unchanged.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate as drizzleMigrate } from 'drizzle-orm/node-postgres/migrator';
import { createTestDatabase, type TestDatabase } from '../testing/db.ts';
import { migrate, MIGRATIONS_DIR, pendingMigrationCount } from './index.ts';

let ours: TestDatabase;
let theirs: TestDatabase;
before(async () => {
  ours = await createTestDatabase({ empty: true, poolSize: 3 });
  theirs = await createTestDatabase({ empty: true, poolSize: 3 });
});
after(async () => {
  await ours?.close();
  await theirs?.close();
});

/** Every column, constraint and index of the public schema, as text. */
async function schemaOf(d: TestDatabase): Promise<string[]> {
  const q = async (sql: string) => (await d.pool.query<{ x: string }>(sql)).rows.map((r) => r.x);
  return [
    ...(await q(`select table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '') as x from information_schema.columns where table_schema = 'public' order by 1`)),
    ...(await q(`select conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid) as x from pg_constraint where connamespace = 'public'::regnamespace order by 1`)),
    ...(await q(`select indexdef as x from pg_indexes where schemaname = 'public' order by 1`)),
  ];
}

test('leaves the same schema and bookkeeping as drizzle-orm, and goes on from a database drizzle-orm migrated', async () => {
  const c = await theirs.pool.connect();
  try {
    await drizzleMigrate(drizzle({ client: c }), { migrationsFolder: MIGRATIONS_DIR, migrationsSchema: 'canyu_migrations' });
  } finally {
    c.release();
  }
  assert.deepEqual(await migrate(ours.pool), { applied: pendingMigrationCount(0) });
  const bookkeeping = 'select hash, created_at::text from canyu_migrations.__drizzle_migrations order by id';
  assert.deepEqual((await ours.pool.query(bookkeeping)).rows, (await theirs.pool.query(bookkeeping)).rows);
  const schema = await schemaOf(ours);
  assert.ok(schema.length > 500, `a real schema (${schema.length} lines)`);
  assert.deepEqual(schema, await schemaOf(theirs));
  // Nothing left to do on either, and several servers starting at once wait for each other.
  assert.deepEqual(await migrate(theirs.pool), { applied: 0 });
  assert.deepEqual(await Promise.all([migrate(ours.pool), migrate(ours.pool), migrate(ours.pool)]), [{ applied: 0 }, { applied: 0 }, { applied: 0 }]);
});
