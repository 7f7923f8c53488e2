#!/usr/bin/env node
// The `canyu` command. Runs the compiled server (packages/server/dist/cli.js, source maps on),
// building it first when it is missing or older than the sources (scripts/build.js), so
// `npm start` needs no separate build step. CANYU_SOURCE=1 runs the TypeScript sources through
// tsx instead, as development and the tests do. (A launcher, read before config.ts exists.)
import cluster from 'node:cluster';
import fs from 'node:fs';
import module from 'node:module';
import { pathToFileURL } from 'node:url';

// Node ≥ 22.1 keeps the V8 code of every module it compiles (Canyu's bundle and its dependencies)
// in a cache directory (NODE_COMPILE_CACHE, else the OS temp dir) and reuses it on the next start:
// a restart measured 2.4 s → 1.9 s on 2 cores. Node 20 has no such API and starts as before.
module.enableCompileCache?.();

if (process.env.CANYU_SOURCE === '1' || process.env.CANYU_SOURCE === 'true') {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../packages/server/src/cli.ts');
} else {
  const { ensureBuilt, distEntry } = await import('../scripts/build.js');
  // Workers are forked by a primary that has just checked the build.
  if (cluster.isPrimary) {
    try {
      await ensureBuilt();
    } catch (err) {
      // A read-only install (systemd ProtectSystem, an image) with edited sources: run what is built.
      if (!fs.existsSync(distEntry)) throw err;
      process.stderr.write(`Could not rebuild Canyu (${err.message}); running the existing build in ${distEntry}\n`);
    }
  }
  process.setSourceMapsEnabled(true);
  await import(pathToFileURL(distEntry).href);
}
