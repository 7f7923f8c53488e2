import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: ['./packages/server/src/modules/*/schema.ts', './packages/server/src/events/schema.ts', './packages/server/src/http/*.schema.ts'],
  out: './packages/server/src/db/migrations',
});
