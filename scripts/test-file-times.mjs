// A node:test reporter that records how long each test file ran (its wall time; files run two at a
// time, so these overlap) and which tests failed. `npm test` prints the slowest files, which is
// where to look when the suite grows slow, and then the failures again, last, so that the end of a
// long CI log says what failed and why without searching a thousand TAP lines for "not ok".
//
// The record is written to CANYU_TEST_TIMES_FILE as each event arrives, not when the run ends:
// with --test-force-exit (scripts/test.ts) the runner exits as soon as the last test has finished,
// before a reporter's final output would be written.
import fs from 'node:fs';

/** The first lines of an error, its cause included (node:test wraps a test's error in one). */
function describe(error) {
  const inner = error?.cause ?? error;
  const text = inner instanceof Error ? `${inner.name}: ${inner.message}` : String(inner);
  return text.split('\n').slice(0, 12).join('\n');
}

export default async function* fileTimes(source) {
  const out = process.env.CANYU_TEST_TIMES_FILE;
  const rows = [];
  const failures = [];
  // Tests of each file that started and have no verdict yet. With --test-force-exit, Node (20-26)
  // can drop the end of a file's report, and then the run counts fewer tests, silently
  // (nodejs/node#64833). scripts/test-blocking-stdout.mjs prevents it; if a report is cut anyway,
  // the tests left here when their file completes are printed, so that it cannot go unseen.
  const open = new Map();
  const lost = [];
  const save = () => out && fs.writeFileSync(out, JSON.stringify({ rows, failures, lost }));
  const key = (d) => `${d.nesting}\u0000${d.name}`;
  for await (const event of source) {
    const file = event.data?.file;
    if (file && event.data.name !== file) {
      if (event.type === 'test:start') {
        if (!open.has(file)) open.set(file, new Set());
        open.get(file).add(key(event.data));
      } else if (event.type === 'test:pass' || event.type === 'test:fail') open.get(file)?.delete(key(event.data));
    }
    // A test file is itself a test named by its path; it completes with its whole duration.
    if (event.type === 'test:complete' && file && event.data.name === file) {
      rows.push({ file, ms: event.data.details?.duration_ms ?? 0 });
      rows.sort((a, b) => b.ms - a.ms);
      const unfinished = [...(open.get(file) ?? [])].map((k) => k.split('\u0000')[1]);
      if (unfinished.length > 0) lost.push({ file, tests: unfinished });
      open.delete(file);
      save();
    }
    // A suite whose subtests failed fails too ("subtestsFailed"): only the tests that failed themselves count.
    if (event.type === 'test:fail' && event.data.details?.error?.failureType !== 'subtestsFailed') {
      const { file, line, name } = event.data;
      failures.push({ file: file ?? '', line: line ?? 0, name, error: describe(event.data.details?.error) });
      save();
    }
  }
  yield '';
}
