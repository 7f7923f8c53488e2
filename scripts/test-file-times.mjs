// A node:test reporter that writes, when the run ends, how long each test file ran (its wall time;
// files run two at a time, so these overlap). `npm test` prints the slowest ones, which is where to
// look when the suite grows slow.
export default async function* fileTimes(source) {
  const rows = [];
  for await (const event of source) {
    // A test file is itself a test named by its path; it completes with its whole duration.
    if (event.type === 'test:complete' && event.data.file && event.data.name === event.data.file) {
      rows.push({ file: event.data.file, ms: event.data.details?.duration_ms ?? 0 });
    }
  }
  rows.sort((a, b) => b.ms - a.ms);
  yield JSON.stringify(rows) + '\n';
}
