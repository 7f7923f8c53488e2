// `npm run generate:api`: writes the API document the server serves to openapi.json (repository
// root) and the SDK's types generated from it (packages/sdk/src/generated/openapi.ts). Commit both;
// http/openapi.test.ts and the SDK's tests fail when either drifts from the server.
// The app needs a database to become ready, so this starts a throwaway embedded PostgreSQL.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildApp } from '../packages/server/src/app.ts';
import { loadConfig } from '../packages/server/src/config.ts';
import { migrate, openDb } from '../packages/server/src/db/index.ts';
import { formatDocument, OPENAPI_FILE } from '../packages/server/src/http/openapi.ts';
import { generateTypes, SDK_TYPES_FILE } from '../packages/sdk/scripts/generate.ts';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'canyu-api-'));
fs.chmodSync(dataDir, 0o755);
const database = await openDb({ dataDir, poolSize: 4 });
try {
  await migrate(database.pool);
  const config = { ...loadConfig({}), logLevel: 'silent', jobs: false, bootstrap: false, secretKey: '00'.repeat(32) } as const;
  const { app } = await buildApp({ config, database, logger: false });
  await app.ready();
  const doc = app.swagger();
  await app.close();
  fs.writeFileSync(OPENAPI_FILE, formatDocument(doc));
  console.log(`wrote ${path.relative(process.cwd(), OPENAPI_FILE)} (${Object.values(doc.paths ?? {}).reduce((n, ops) => n + Object.keys(ops ?? {}).length, 0)} operations)`);
  fs.writeFileSync(SDK_TYPES_FILE, await generateTypes(OPENAPI_FILE));
  console.log(`wrote ${path.relative(process.cwd(), SDK_TYPES_FILE)}`);
} finally {
  await database.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
}
