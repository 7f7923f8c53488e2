// While PostgreSQL is away (a restart, a failover, a network cut), every request and every
// background loop fails with the same connection error, and each logged it with its stack: a
// 45-second outage at ten requests a second left 660 error lines, and real traffic would leave
// thousands a second, burying the line that says what happened. This pino hook lets the first such
// line of each window through as it is, counts the others by message, and logs one summary line
// when the window ends. Other lines are untouched.
import { isConnectionLoss } from '../db/index.ts';

type LogFn = (...args: never[]) => void;
type Logger = { warn(obj: object, msg: string): void };
/** pino's `hooks.logMethod`: called with each log call's arguments, the level's method and the level. */
type LogMethodHook = (this: Logger, args: unknown[], method: LogFn, level: number) => void;

/** Whether a log call's arguments carry an error that is a lost or refused database connection. */
function carriesConnectionLoss(args: unknown[]): boolean {
  const first = args[0] as { err?: unknown } | null | undefined;
  if (first === null || typeof first !== 'object') return false;
  const err = first instanceof Error ? first : first.err;
  return isConnectionLoss(err) || isConnectionLoss((err as { cause?: unknown } | null | undefined)?.cause);
}

/**
 * A `hooks.logMethod` for pino that condenses database-outage errors to two lines per window.
 * `summaryTo` takes the logger for the summary lines (the root: a request's child would bind them
 * to that request); until it is given, they go to the logger of the window's first line.
 */
export function createOutageLog(windowMs = 10_000): { logMethod: LogMethodHook; summaryTo(log: Logger): void } {
  let windowOpen = false;
  let suppressed = new Map<string, number>();
  let root: Logger | null = null;
  let warn: Logger['warn'] | null = null;

  const closeWindow = () => {
    windowOpen = false;
    const counts = suppressed;
    suppressed = new Map();
    if (counts.size === 0 || !warn) return;
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    warn(
      { suppressed: total, messages: Object.fromEntries(counts) },
      `database unreachable: ${total} more log lines with a lost database connection in the last ${windowMs / 1000} s (not logged one by one)`,
    );
  };

  function logMethod(this: Logger, args: unknown[], method: LogFn, level: number): void {
    // warn (40) and above: what the outage produces; debug lines stay as they are.
    if (level < 40 || !carriesConnectionLoss(args)) return (method as (...a: unknown[]) => void).apply(this, args);
    if (!windowOpen) {
      windowOpen = true;
      warn = root ? root.warn.bind(root) : this.warn.bind(this);
      setTimeout(closeWindow, windowMs).unref();
      return (method as (...a: unknown[]) => void).apply(this, args);
    }
    const msg = typeof args[1] === 'string' ? args[1] : '(no message)';
    suppressed.set(msg, (suppressed.get(msg) ?? 0) + 1);
  }
  return {
    logMethod,
    summaryTo(log) {
      root = log;
    },
  };
}
