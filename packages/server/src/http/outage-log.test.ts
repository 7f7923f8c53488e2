// The outage log hook: while the database is away, the first line carrying a lost connection in
// each window is logged as it is, the others are counted into one summary line; everything else is
// logged as before. Real errors from pg against a closed port, a real pino logger and its children.
import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { createPool, endPool } from '../db/index.ts';
import { waitFor } from '../testing/wait.ts';
import { createOutageLog } from './outage-log.ts';
import { logCapture } from '../testing/log.ts';

describe('createOutageLog', () => {
  it('condenses lost-connection lines to the first one and a summary per window, and leaves other lines alone', async () => {
    const { lines, sink } = logCapture();
    const outage = createOutageLog(300);
    const root = pino({ level: 'info', hooks: { logMethod: outage.logMethod } }, sink);
    outage.summaryTo(root);
    const request = root.child({ reqId: 'r1' });

    // A real refused connection: a port nothing listens on.
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const away = createPool(`postgres://canyu@127.0.0.1:${port}/canyu`, { max: 1 });
    const refused = await away.query('select 1').then(
      () => null,
      (e: unknown) => e,
    );
    await endPool(away);
    assert.ok(refused instanceof Error, 'the closed port answered');
    // Wrapped the way drizzle wraps it: the loss is the cause.
    const wrapped = Object.assign(new Error('Failed query: select 1'), { cause: refused });

    request.warn({ err: wrapped }, 'database unreachable');
    for (let i = 0; i < 30; i++) root.error({ err: refused }, 'event log poll failed');
    for (let i = 0; i < 19; i++) request.warn({ err: wrapped }, 'database unreachable');
    root.error(refused, 'plain error first');
    for (let i = 0; i < 3; i++) root.error({ err: new Error('a statement of its own') }, 'unhandled error');
    root.info({ err: refused }, 'info lines are not touched');

    await new Promise((r) => setImmediate(r));
    const byMsg = (m: string) => lines.filter((l) => l.msg === m);
    assert.equal(byMsg('database unreachable').length, 1, 'the first lost-connection line is logged');
    assert.equal(byMsg('database unreachable')[0]!.reqId, 'r1');
    assert.match(JSON.stringify(byMsg('database unreachable')[0]!.err), /ECONNREFUSED/);
    assert.equal(byMsg('event log poll failed').length, 0);
    assert.equal(byMsg('unhandled error').length, 3, 'other errors are all logged');
    assert.equal(byMsg('info lines are not touched').length, 1);

    const summary = await waitFor('the summary line', () => lines.find((l) => typeof l.suppressed === 'number'), { timeoutMs: 5_000 });
    assert.equal(summary.level, 40);
    assert.equal(summary.reqId, undefined, 'the summary is not bound to a request');
    assert.equal(summary.suppressed, 50);
    assert.deepEqual(summary.messages, { 'event log poll failed': 30, 'database unreachable': 19, 'plain error first': 1 });

    // A new window: the next one is logged as it is again.
    root.error({ err: refused }, 'event log poll failed');
    await new Promise((r) => setImmediate(r));
    assert.equal(byMsg('event log poll failed').length, 1);
  });
});
