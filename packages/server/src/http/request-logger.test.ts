// The lazy per-request logger: a request that logs gets lines bound to its request id (also at a
// level set for that request, and through its children), and one that does not log never makes a
// child logger.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Fastify from 'fastify';
import { pino } from 'pino';
import { lazyChildLogger } from './request-logger.ts';
import { logCapture } from '../testing/log.ts';

describe('lazyChildLogger', () => {
  it('makes the child on the first line a request logs, bound to the request id', async () => {
    const { lines, sink } = logCapture();
    const root = pino({ level: 'info' }, sink);
    let children = 0;
    let ids = 0;
    const child = root.child as unknown as (this: unknown, b: pino.Bindings, o?: pino.ChildLoggerOptions) => pino.Logger;
    // Counted, whoever's child it makes (children of children inherit this method).
    root.child = function (this: typeof root, b: pino.Bindings, o?: pino.ChildLoggerOptions) {
      children++;
      return child.call(this, b, o);
    } as unknown as typeof root.child;
    const app = Fastify({ loggerInstance: root, childLoggerFactory: lazyChildLogger, disableRequestLogging: true, genReqId: () => `req-${++ids}` });
    app.get('/quiet', async (req) => ({ level: req.log.level }));
    app.get('/talks', async (req) => {
      req.log.info({ what: '日志 <b>' }, 'hello');
      req.log.debug('not at info');
      return { ok: true };
    });
    app.get('/verbose', async (req) => {
      req.log.level = 'debug';
      req.log.debug('now at debug');
      req.log.child({ part: 'inner' }).warn('from a child');
      return { level: req.log.level };
    });
    await app.ready();
    children = 0;
    const quiet = await app.inject({ url: '/quiet' });
    assert.deepEqual(quiet.json(), { level: 'info' });
    assert.equal(children, 0, 'a request that logs nothing makes no child logger');

    const talks = await app.inject({ url: '/talks', headers: {} });
    assert.equal(talks.statusCode, 200);
    assert.equal(children, 1);
    const hello = lines.find((l) => l.msg === 'hello');
    assert.ok(hello, JSON.stringify(lines));
    assert.equal(hello.what, '日志 <b>');
    assert.equal(hello.reqId, 'req-2');
    assert.ok(!lines.some((l) => l.msg === 'not at info'), 'the level still applies');

    const verbose = await app.inject({ url: '/verbose' });
    assert.deepEqual(verbose.json(), { level: 'debug' });
    const debug = lines.find((l) => l.msg === 'now at debug');
    assert.equal(debug?.reqId, 'req-3', 'a level set for the request applies to it');
    const inner = lines.find((l) => l.msg === 'from a child');
    assert.deepEqual([inner?.reqId, inner?.part], ['req-3', 'inner']);
    children = 0;
    await app.inject({ url: '/quiet' });
    assert.equal(children, 0);
    await app.inject({ url: '/talks' });
    assert.equal(lines.filter((l) => l.msg === 'not at info').length, 0, 'another request keeps the server level');
    await app.close();
  });
});
