// Progress for long-running commands: a bar on an interactive terminal, plain lines otherwise.
import cliProgress from 'cli-progress';

export type Progress = { update(step: string, done: number, total: number): void; log(msg: string): void; done(): void };

export function createProgress(title: string, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) {
    let last = '';
    return {
      update(step) {
        if (step !== last) stream.write(`${title}: ${step}\n`);
        last = step;
      },
      log: (msg) => stream.write(`${msg}\n`),
      done() {},
    };
  }
  const bar = new cliProgress.SingleBar(
    { format: `${title} [{bar}] {percentage}% | {step}`, stream, hideCursor: true, clearOnComplete: true, barsize: 24 },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(step, done, total) {
      if (!started) {
        bar.start(total, done, { step });
        started = true;
      } else {
        bar.setTotal(total);
        bar.update(done, { step });
      }
    },
    log(msg) {
      if (started) bar.stop();
      started = false;
      stream.write(`${msg}\n`);
    },
    done() {
      if (started) bar.stop();
      started = false;
    },
  };
}
