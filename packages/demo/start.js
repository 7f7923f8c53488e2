// `npm run demo`: Canyu on a fresh embedded PostgreSQL, seeded, and the demo host app in front of
// it, until Ctrl-C. Plain JavaScript that loads the TypeScript through tsx (a dependency), like
// bin/canyu.js with CANYU_SOURCE=1.
import { register } from 'tsx/esm/api';
import cliProgress from 'cli-progress';

register();
const { startDemo } = await import('./src/demo.ts');

const port = process.env.DEMO_PORT ? Number(process.env.DEMO_PORT) : 0;
const bar = new cliProgress.SingleBar({ format: ' {bar} {percentage}% | {step}', hideCursor: true, clearOnComplete: true }, cliProgress.Presets.shades_classic);
let started = false;
let demo;
try {
  demo = await startDemo({
    port,
    onProgress: (step, done, total) => {
      if (!started) {
        bar.start(total, done, { step });
        started = true;
      } else {
        bar.setTotal(total);
        bar.update(done, { step });
      }
    },
  });
} catch (err) {
  bar.stop();
  process.stderr.write(`The demo could not start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
bar.stop();
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
