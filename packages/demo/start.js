// `npm run demo`: Canyu on a fresh embedded PostgreSQL, seeded, and the demo host app in front of
// it, until Ctrl-C. Plain JavaScript that loads the TypeScript through tsx (a dependency), like
// bin/canyu.js with CANYU_SOURCE=1.
// The progress bar is the server's own (packages/server/src/progress.ts: a bar on a terminal,
// plain lines otherwise), loaded through tsx like the demo.
import { register } from 'tsx/esm/api';

register();
const { startDemo } = await import('./src/demo.ts');
const { createProgress } = await import('../server/src/progress.ts');

const port = process.env.DEMO_PORT ? Number(process.env.DEMO_PORT) : 0;
const progress = createProgress('Demo 演示');
let demo;
try {
  demo = await startDemo({ port, onProgress: (step, done, total) => progress.update(step, done, total) });
} catch (err) {
  progress.done();
  process.stderr.write(`The demo could not start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
progress.done();
process.stdout.write(`\n${demo.banner}\n`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  process.stdout.write('\nStopping the demo 正在停止…\n');
  await demo.stop();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
