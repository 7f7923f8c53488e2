// The outbound-address classifier on many spellings, the allow-list, and the connection-time
// lookup: every refusal here happens before any socket is opened (fake resolvers only).
import assert from 'node:assert/strict';
import http from 'node:http';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../config.ts';
import { BlockedAddressError, canonicalIp, classifyAddress, createNetGuard, parseAllowList, parseIPv4 } from './net-guard.ts';

describe('classifyAddress', () => {
  const blocked: [string, string][] = [
    ['127.0.0.1', 'loopback'],
    ['127.1', 'loopback'],
    ['2130706433', 'loopback'],
    ['0x7f.1', 'loopback'],
    ['0x7f000001', 'loopback'],
    ['0177.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['[::ffff:127.0.0.1]', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:0:127.0.0.1', 'loopback'],
    ['::127.0.0.1', 'loopback'],
    ['64:ff9b::127.0.0.1', 'loopback'],
    ['2002:7f00:1::', 'loopback'],
    ['0.0.0.0', 'unspecified'],
    ['0', 'unspecified'],
    ['::', 'unspecified'],
    ['10.1.2.3', 'private'],
    ['012.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['::ffff:192.168.1.1', 'private'],
    ['::ffff:c0a8:101', 'private'],
    ['fc00::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['100.64.0.1', 'cgnat'],
    ['100.127.255.255', 'cgnat'],
    ['169.254.1.1', 'link_local'],
    ['fe80::1', 'link_local'],
    ['fe80::1%eth0', 'link_local'],
    ['febf::1', 'link_local'],
    ['169.254.169.254', 'metadata'],
    ['0xa9fea9fe', 'metadata'],
    ['2852039166', 'metadata'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
    ['100.100.100.200', 'metadata'],
    ['168.63.129.16', 'metadata'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['240.0.0.1', 'reserved'],
    ['192.0.2.1', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['2001:db8::1', 'reserved'],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'reserved'],
  ];
  for (const [addr, reason] of blocked) {
    it(`refuses ${addr} (${reason})`, () => assert.equal(classifyAddress(addr), reason));
  }
  for (const addr of ['8.8.8.8', '93.184.216.34', '1.1.1.1', '172.32.0.1', '100.128.0.1', '169.253.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8', '2002:808:808::', '64:ff9b::8.8.8.8']) {
    it(`allows the public ${addr}`, () => assert.equal(classifyAddress(addr), null));
  }
  it('parses IPv4 the way URL parsers and inet_aton do, and leaves names alone', () => {
    assert.equal(parseIPv4('1.2.3.4.'), 0x01020304);
    assert.equal(parseIPv4('1.65535'), 0x0100ffff);
    assert.equal(parseIPv4('1.2.3.256'), null);
    assert.equal(parseIPv4('4294967296'), null);
    assert.equal(parseIPv4('08.0.0.1'), null, '08 is not octal');
    assert.equal(parseIPv4('example.com'), null);
    assert.equal(parseIPv4('1.2.3.4.5'), null);
    assert.deepEqual(canonicalIp('0x7f.1'), { family: 4, address: '127.0.0.1' });
    assert.deepEqual(canonicalIp('[::FFFF:127.0.0.1]'), { family: 6, address: '::ffff:7f00:1' });
    assert.equal(canonicalIp('localhost'), null);
  });
});

describe('net guard', () => {
  it('refuses local spellings of a host as written, and names the reason', () => {
    const g = createNetGuard();
    for (const host of ['127.0.0.1', '127.1', '2130706433', '0x7f.1', '[::1]', '[::ffff:127.0.0.1]', 'localhost', 'LOCALHOST.', 'api.localhost', '0.0.0.0', '169.254.169.254', 'metadata.google.internal', '[fd00:ec2::254]']) {
      assert.ok(g.refusal(host), host);
    }
    assert.equal(g.refusal('example.com'), null, 'names are checked when connecting');
    assert.equal(g.refusal('8.8.8.8'), null);
    assert.equal(g.refusal('127.0.0.1')!.reason, 'loopback');
  });

  it('lets the allow-list in: CIDRs for addresses, names for private networks (never metadata)', () => {
    const allow = parseAllowList('127.0.0.1, 10.0.0.0/8 fd00::/8,hooks.internal');
    assert.deepEqual(allow, { cidrs: ['127.0.0.1/32', '10.0.0.0/8', 'fd00::/8'], hosts: ['hooks.internal'] });
    const g = createNetGuard({ allow });
    assert.equal(g.refusal('127.0.0.1'), null);
    assert.equal(g.refusal('127.1'), null, 'every spelling of an allowed address');
    assert.ok(g.refusal('127.0.0.2'));
    assert.equal(g.refusal('10.9.8.7'), null);
    assert.equal(g.refusal('[::ffff:10.0.0.1]'), null);
    assert.ok(g.refusal('192.168.0.1'));
    assert.equal(g.refusal('[fd12::1]'), null);
    assert.ok(g.permits('hooks.internal', '192.168.7.7'));
    assert.ok(!g.permits('hooks.internal', '169.254.169.254'));
    assert.ok(!g.permits('other.internal', '192.168.7.7'));
    assert.throws(() => parseAllowList('10.0.0.0/33'), /10\.0\.0\.0\/33/);
    assert.throws(() => parseAllowList('http://x'), /http:\/\/x/);
  });

  it('checks every resolved address at connection time: a rebinding name is refused before connecting', async () => {
    const calls: string[] = [];
    // First answer public (what a check at save time would see), then a private one.
    const answers = [[{ address: '93.184.216.34', family: 4 }], [{ address: '93.184.216.34', family: 4 }, { address: '10.0.0.5', family: 4 }], [{ address: '::ffff:169.254.169.254', family: 6 }]];
    const g = createNetGuard({
      lookup: (host, _o, cb) => {
        calls.push(host);
        cb(null, answers.shift() ?? []);
      },
    });
    assert.deepEqual(await g.resolve('rebind.example'), { address: '93.184.216.34', family: 4 });
    await assert.rejects(g.resolve('rebind.example'), (e: unknown) => e instanceof BlockedAddressError && e.refusal.reason === 'private' && e.refusal.address === '10.0.0.5');
    // Through http.request: the lookup refuses, the request fails without a socket ever connecting.
    let connected = false;
    const err = await new Promise<Error>((resolve) => {
      const req = http.request({ hostname: 'rebind.example', port: 80, path: '/', method: 'POST', lookup: g.lookup });
      req.on('socket', (s) => s.on('connect', () => (connected = true)));
      req.on('error', resolve);
      req.end();
    });
    assert.ok(err instanceof BlockedAddressError, String(err));
    assert.equal((err as BlockedAddressError).refusal.reason, 'metadata');
    assert.equal(connected, false);
    assert.deepEqual(calls, ['rebind.example', 'rebind.example', 'rebind.example']);
  });

  it('never asks DNS about names that are local by definition', async () => {
    const g = createNetGuard({ lookup: () => assert.fail('no DNS for localhost') });
    await assert.rejects(g.resolve('localhost'), BlockedAddressError);
    const allowed = createNetGuard({ allow: parseAllowList('127.0.0.0/8'), lookup: () => assert.fail('no DNS for localhost') });
    assert.deepEqual(await allowed.resolve('localhost'), { address: '127.0.0.1', family: 4 });
  });
});

describe('CANYU_WEBHOOK_ALLOW_PRIVATE', () => {
  it('is parsed by the configuration, empty by default, and a bad entry stops the start naming it', () => {
    assert.deepEqual(loadConfig({}).webhookAllowPrivate, { cidrs: [], hosts: [] });
    assert.deepEqual(loadConfig({ CANYU_WEBHOOK_ALLOW_PRIVATE: '10.0.0.0/8, hooks.internal' }).webhookAllowPrivate, { cidrs: ['10.0.0.0/8'], hosts: ['hooks.internal'] });
    assert.throws(() => loadConfig({ CANYU_WEBHOOK_ALLOW_PRIVATE: '10.0.0.0/40' }), (e: unknown) => e instanceof ConfigError && /CANYU_WEBHOOK_ALLOW_PRIVATE: "10\.0\.0\.0\/40"/.test(e.message));
    assert.equal(loadConfig({}).smtpRequireTls, true);
    assert.equal(loadConfig({ CANYU_SMTP_REQUIRE_TLS: 'false' }).smtpRequireTls, false);
  });
});

