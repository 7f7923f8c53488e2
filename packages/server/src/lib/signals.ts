// One way to stop a process on SIGINT/SIGTERM: the first signal runs `stop` and exits 0 (1 if it
// failed); a second one exits at once (130), after `force` (e.g. killing child processes).
export function stopOnSignals(stop: () => Promise<void>, force?: () => void): void {
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    if (++signals > 1) {
      process.stderr.write(`Received ${sig} again; exiting now\n`);
      force?.();
      process.exit(130);
    }
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`Shutdown failed: ${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}
