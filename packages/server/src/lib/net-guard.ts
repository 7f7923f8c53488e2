// Outbound connections to addresses the operator chose (webhook endpoints, SMTP relays) must not
// reach the deployment's own network: loopback, private ranges, link-local, cloud metadata and the
// like (SSRF). One classifier, one allow-list, used by every module that connects out:
//  - `refusal(host)` checks a host as written (any spelling of an IP, `localhost`) when a URL is
//    saved, without DNS;
//  - `lookup` replaces DNS resolution at connection time and refuses when ANY resolved address is
//    blocked, so a name that changes its answer after the check (DNS rebinding) is still refused
//    before a connection is made.
// The allow-list (CANYU_WEBHOOK_ALLOW_PRIVATE) lets self-hosted receivers on private networks in.
import dns from 'node:dns';
import net from 'node:net';

export type BlockReason = 'unspecified' | 'loopback' | 'private' | 'cgnat' | 'link_local' | 'metadata' | 'multicast' | 'reserved';

/** CIDRs (any address inside is allowed) and host names (may resolve to private addresses). */
export type AllowList = { cidrs: string[]; hosts: string[] };

export const NO_ALLOW: AllowList = { cidrs: [], hosts: [] };

/**
 * `10.0.0.0/8, 127.0.0.1, fd00::/8, hooks.internal` → an AllowList; throws naming a bad entry.
 * A bare address is a /32 (/128); host names are matched case-insensitively and exactly.
 */
export function parseAllowList(text: string): AllowList {
  const out: AllowList = { cidrs: [], hosts: [] };
  for (const raw of text.split(/[\s,]+/)) {
    const entry = raw.trim();
    if (!entry) continue;
    const [addr, bits, extra] = entry.split('/');
    const ip = canonicalIp(addr!);
    if (ip && extra === undefined) {
      const max = ip.family === 4 ? 32 : 128;
      const prefix = bits === undefined ? max : /^\d{1,3}$/.test(bits) ? Number(bits) : NaN;
      if (!(prefix >= 0 && prefix <= max)) throw new Error(`"${entry}" has an invalid prefix length (0-${max})`);
      out.cidrs.push(`${ip.address}/${prefix}`);
    } else if (bits === undefined && /^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*\.?$/i.test(entry)) {
      out.hosts.push(entry.toLowerCase().replace(/\.$/, ''));
    } else {
      throw new Error(`"${entry}" is neither an IP address, a CIDR nor a host name`);
    }
  }
  return out;
}

/**
 * An IPv4 host in any spelling the WHATWG URL parser and inet_aton accept: 1 to 4 parts, each
 * decimal, octal (leading 0) or hex (0x): `127.1`, `2130706433`, `0x7f.1`, `0177.0.0.1`.
 * Null when the host is not an IPv4 address.
 */
export function parseIPv4(host: string): number | null {
  const parts = host.split('.');
  if (parts.length > 1 && parts.at(-1) === '') parts.pop();
  if (parts.length === 0 || parts.length > 4) return null;
  const nums: number[] = [];
  for (const p of parts) {
    let n: number;
    if (/^0[xX][0-9a-fA-F]*$/.test(p)) n = p.length === 2 ? 0 : parseInt(p.slice(2), 16);
    else if (/^0[0-7]+$/.test(p)) n = parseInt(p.slice(1), 8);
    else if (/^(0|[1-9]\d*)$/.test(p)) n = Number(p);
    else return null;
    if (!Number.isSafeInteger(n)) return null;
    nums.push(n);
  }
  const last = nums.pop()!;
  if (nums.some((n) => n > 255) || last >= 256 ** (4 - nums.length)) return null;
  let v = last;
  nums.forEach((n, i) => (v += n * 256 ** (3 - i)));
  return v;
}

const v4String = (v: number) => [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].join('.');

/** 16 bytes of an IPv6 address (brackets and a zone id allowed), or null. */
export function parseIPv6(host: string): Uint8Array | null {
  let h = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  h = h.replace(/%.*$/, '');
  if (!net.isIPv6(h)) return null;
  const out = new Uint8Array(16);
  let tail = h;
  // A trailing dotted IPv4 becomes the last two groups.
  const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(h);
  let v4: number | null = null;
  if (dotted) {
    v4 = parseIPv4(dotted[2]!);
    tail = `${dotted[1]}0:0`;
  }
  const [head, rest] = tail.split('::') as [string, string | undefined];
  const a = head ? head.split(':') : [];
  const b = rest !== undefined && rest !== '' ? rest.split(':') : [];
  const groups = rest === undefined ? a : [...a, ...Array<string>(8 - a.length - b.length).fill('0'), ...b];
  if (groups.length !== 8) return null;
  groups.forEach((g, i) => {
    const n = parseInt(g, 16);
    out[i * 2] = n >> 8;
    out[i * 2 + 1] = n & 255;
  });
  if (v4 !== null) {
    out[12] = v4 >>> 24;
    out[13] = (v4 >>> 16) & 255;
    out[14] = (v4 >>> 8) & 255;
    out[15] = v4 & 255;
  }
  return out;
}

function v6String(b: Uint8Array): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((b[i]! << 8) | b[i + 1]!).toString(16));
  // Let the URL parser compress it (the canonical RFC 5952 form).
  return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1);
}

/** The canonical form of an IP literal in any spelling, or null for a host name. */
export function canonicalIp(host: string): { family: 4 | 6; address: string } | null {
  const v6 = parseIPv6(host);
  if (v6) return { family: 6, address: v6String(v6) };
  const v4 = parseIPv4(host);
  return v4 === null ? null : { family: 4, address: v4String(v4) };
}

type Range4 = [base: number, bits: number, reason: BlockReason];
const r4 = (cidr: string, reason: BlockReason): Range4 => {
  const [a, b] = cidr.split('/');
  return [parseIPv4(a!)!, Number(b), reason];
};
// Order matters: the first match names the reason.
const V4: Range4[] = [
  r4('169.254.169.254/32', 'metadata'), // AWS, GCP, Azure, OpenStack, Oracle…
  r4('168.63.129.16/32', 'metadata'), // Azure wire server
  r4('100.100.100.200/32', 'metadata'), // Alibaba Cloud
  r4('0.0.0.0/8', 'unspecified'),
  r4('10.0.0.0/8', 'private'),
  r4('100.64.0.0/10', 'cgnat'),
  r4('127.0.0.0/8', 'loopback'),
  r4('169.254.0.0/16', 'link_local'),
  r4('172.16.0.0/12', 'private'),
  r4('192.0.0.0/24', 'reserved'),
  r4('192.0.2.0/24', 'reserved'),
  r4('192.88.99.0/24', 'reserved'),
  r4('192.168.0.0/16', 'private'),
  r4('198.18.0.0/15', 'reserved'),
  r4('198.51.100.0/24', 'reserved'),
  r4('203.0.113.0/24', 'reserved'),
  r4('224.0.0.0/4', 'multicast'),
  r4('240.0.0.0/4', 'reserved'),
];

function classify4(v: number): BlockReason | null {
  for (const [base, bits, reason] of V4) {
    const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
    if (((v & mask) >>> 0) === ((base & mask) >>> 0)) return reason;
  }
  return null;
}

const u32 = (b: Uint8Array, i: number) => ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;

function classify6(b: Uint8Array): BlockReason | null {
  const zero = (from: number, to: number) => b.subarray(from, to).every((x) => x === 0);
  if (zero(0, 16)) return 'unspecified';
  if (zero(0, 15) && b[15] === 1) return 'loopback';
  // Forms that embed an IPv4 address are judged by it: mapped ::ffff:a.b.c.d, translated
  // ::ffff:0:a.b.c.d, compatible ::a.b.c.d, NAT64 64:ff9b::a.b.c.d, 6to4 2002:AABB:CCDD::.
  if (zero(0, 10) && b[10] === 0xff && b[11] === 0xff) return classify4(u32(b, 12));
  if (zero(0, 8) && b[8] === 0xff && b[9] === 0xff && zero(10, 12)) return classify4(u32(b, 12));
  if (zero(0, 12)) return classify4(u32(b, 12)) ?? 'reserved';
  if (b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b) return zero(4, 12) ? classify4(u32(b, 12)) : 'private';
  if (b[0] === 0x20 && b[1] === 0x02) return classify4(u32(b, 2));
  if (b[0] === 0x20 && b[1] === 0x01 && b[2] === 0x00 && b[3] === 0x00) return 'reserved'; // Teredo
  if (b[0] === 0x20 && b[1] === 0x01 && b[2] === 0x0d && b[3] === 0xb8) return 'reserved'; // documentation
  if (b[0] === 0x01 && zero(1, 8)) return 'reserved'; // discard 100::/64
  if ((b[0]! & 0xfe) === 0xfc) return b[0] === 0xfd && b[1] === 0x00 && b[2] === 0x0e && b[3] === 0xc2 ? 'metadata' : 'private'; // fc00::/7 (fd00:ec2::254 is AWS metadata)
  if (b[0] === 0xfe && (b[1]! & 0xc0) === 0x80) return 'link_local';
  if (b[0] === 0xfe && (b[1]! & 0xc0) === 0xc0) return 'private'; // site-local, deprecated
  if (b[0] === 0xff) return 'multicast';
  return null;
}

/** Why an address (any spelling) must not be connected to, or null when it is a public address. */
export function classifyAddress(address: string): BlockReason | null {
  const v6 = parseIPv6(address);
  if (v6) return classify6(v6);
  const v4 = parseIPv4(address);
  if (v4 !== null) return classify4(v4);
  throw new Error(`not an IP address: ${address}`);
}

/** Names that mean this machine or a metadata service whatever DNS says (RFC 6761, clouds). */
function localName(host: string): BlockReason | null {
  const h = host.toLowerCase().replace(/\.$/, '');
  if (h === 'localhost' || h.endsWith('.localhost') || h === 'localhost.localdomain' || h === 'ip6-localhost' || h === 'ip6-loopback') return 'loopback';
  if (h === 'metadata' || h === 'metadata.google.internal' || h === 'instance-data' || h.endsWith('.instance-data') || h === 'metadata.azure.internal') return 'metadata';
  return null;
}

export type Refusal = { host: string; address: string | null; reason: BlockReason };

export class BlockedAddressError extends Error {
  readonly code = 'EBLOCKEDADDRESS';
  constructor(readonly refusal: Refusal) {
    super(`${refusal.host}${refusal.address && refusal.address !== refusal.host ? ` (${refusal.address})` : ''} is a ${refusal.reason.replace('_', '-')} address; outbound connections there are refused (allow it with CANYU_WEBHOOK_ALLOW_PRIVATE)`);
  }
}

type LookupAll = (hostname: string, options: { all: true }, callback: (err: NodeJS.ErrnoException | null, addresses: dns.LookupAddress[]) => void) => void;

export type NetGuard = {
  /** Why `host` (as written in a URL) is refused without resolving it, or null if it may be used. */
  refusal(host: string): Refusal | null;
  /** Whether `address` may be connected to when reached through the name `host`. */
  permits(host: string, address: string): boolean;
  /** Resolves `host` and checks every address; the first one, or a BlockedAddressError. */
  resolve(host: string): Promise<{ address: string; family: 4 | 6 }>;
  /** A drop-in `lookup` for net/http/tls connections: refuses when any resolved address is blocked. */
  lookup: net.LookupFunction;
};

export function createNetGuard(opts: { allow?: AllowList; lookup?: LookupAll } = {}): NetGuard {
  const allow = opts.allow ?? NO_ALLOW;
  const list = new net.BlockList();
  for (const c of allow.cidrs) {
    const [a, bits] = c.split('/');
    list.addSubnet(a!, Number(bits), a!.includes(':') ? 'ipv6' : 'ipv4');
  }
  const hosts = new Set(allow.hosts);
  const baseLookup: LookupAll = opts.lookup ?? ((h, o, cb) => dns.lookup(h, o, cb));

  function permits(host: string, address: string): boolean {
    const ip = canonicalIp(address);
    if (!ip) return false;
    const reason = classifyAddress(ip.address);
    if (reason === null) return true;
    if (list.check(ip.address, ip.family === 4 ? 'ipv4' : 'ipv6')) return true;
    // A host named in the allow-list may live on a private network, never on a metadata address.
    const name = host.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
    return hosts.has(name) && (reason === 'private' || reason === 'loopback' || reason === 'cgnat');
  }

  function refusal(host: string): Refusal | null {
    const ip = canonicalIp(host);
    if (ip) return permits(host, ip.address) ? null : { host, address: ip.address, reason: classifyAddress(ip.address)! };
    const local = localName(host);
    if (!local) return null;
    const stand = local === 'loopback' ? '127.0.0.1' : '169.254.169.254';
    return permits(host, stand) ? null : { host, address: null, reason: local };
  }

  function resolveAll(host: string): Promise<dns.LookupAddress[]> {
    const ip = canonicalIp(host);
    if (ip) return Promise.resolve([{ address: ip.address, family: ip.family }]);
    if (localName(host) === 'loopback') return Promise.resolve([{ address: '127.0.0.1', family: 4 }]);
    return new Promise((resolve, reject) => baseLookup(host, { all: true }, (err, addrs) => (err ? reject(err) : resolve(addrs))));
  }

  async function checked(host: string): Promise<dns.LookupAddress[]> {
    const early = refusal(host);
    if (early) throw new BlockedAddressError(early);
    const addrs = await resolveAll(host);
    if (addrs.length === 0) throw Object.assign(new Error(`${host} has no address`), { code: 'ENOTFOUND' });
    for (const a of addrs) {
      if (!permits(host, a.address)) throw new BlockedAddressError({ host, address: a.address, reason: classifyAddress(a.address) ?? 'reserved' });
    }
    return addrs;
  }

  const lookup = ((hostname: string, options: dns.LookupOptions, callback: (err: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => void) => {
    checked(hostname).then(
      (addrs) => {
        const wanted = options.family === 4 || options.family === 6 ? addrs.filter((a) => a.family === options.family) : addrs;
        if (wanted.length === 0) return callback(Object.assign(new Error(`${hostname} has no IPv${options.family} address`), { code: 'ENOTFOUND' }), options.all ? [] : '');
        if (options.all) callback(null, wanted);
        else callback(null, wanted[0]!.address, wanted[0]!.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, options.all ? [] : ''),
    );
  }) as unknown as net.LookupFunction;

  return {
    refusal,
    permits,
    lookup,
    async resolve(host) {
      const [a] = await checked(host);
      return { address: a!.address, family: a!.family === 6 ? 6 : 4 };
    },
  };
}
