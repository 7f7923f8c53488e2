// A node:test reporter that records how long each test file ran (its wall time; files run two at a
// time, so these overlap). `npm test` prints the slowest ones, which is where to look when the
// suite grows slow.
//
// The rows are written to CANYU_TEST_TIMES_FILE as each file completes, not when the run ends:
// with --test-force-exit (scripts/test.ts) the runner exits as soon as the last test has finished,
// before a reporter's final output would be written.
import fs from 'node:fs';

export default async function* fileTimes(source) {
  const out = process.env.CANYU_TEST_TIMES_FILE;
  const rows = [];
  for await (const event of source) {
    // A test file is itself a test named by its path; it completes with its whole duration.
    if (event.type === 'test:complete' && event.data.file && event.data.name === event.data.file) {
      rows.push({ file: event.data.file, ms: event.data.details?.duration_ms ?? 0 });
      rows.sort((a, b) => b.ms - a.ms);
      if (out) fs.writeFileSync(out, JSON.stringify(rows));
    }
  }
  yield '';
}
