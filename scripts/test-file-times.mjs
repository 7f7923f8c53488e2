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
  const save = () => out && fs.writeFileSync(out, JSON.stringify({ rows, failures }));
  for await (const event of source) {
    // A test file is itself a test named by its path; it completes with its whole duration.
    if (event.type === 'test:complete' && event.data.file && event.data.name === event.data.file) {
      rows.push({ file: event.data.file, ms: event.data.details?.duration_ms ?? 0 });
      rows.sort((a, b) => b.ms - a.ms);
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
