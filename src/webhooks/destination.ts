import { BlockList, isIP } from 'node:net';

// Recoup POSTs to URLs that admins (subscriptions) and policy authors (webhook steps) type in. Left unchecked, the
// server would fetch whatever they name: its own loopback services, the cloud metadata endpoint
// (169.254.169.254), the office network. So by default Recoup delivers only to public addresses: everything that
// is loopback, private, link-local, shared (CGNAT), multicast, unspecified, for documentation or otherwise
// reserved is refused. IPv6 is public only inside global unicast (2000::/3); addresses that carry an IPv4 address
// (IPv4-mapped ::ffff:0:0/96, NAT64 64:ff9b::/96, 6to4 2002::/16) are judged by the IPv4 address they carry.

/** What kind of address an IP is; only `public` is delivered to while the guard is on. */
export type AddressClass =
  | 'public'
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'shared'
  | 'multicast'
  | 'documentation'
  | 'reserved';

/** The variable that turns the guard off (local development, tests delivering to 127.0.0.1). */
export const ALLOW_PRIVATE_VARIABLE = 'RECOUP_WEBHOOK_ALLOW_PRIVATE';

type Range = readonly [AddressClass, string, number];

// First match wins, so narrower ranges come before the wider ones that contain them.
const IPV4: readonly Range[] = [
  ['unspecified', '0.0.0.0', 32],
  ['reserved', '0.0.0.0', 8], // "this network"
  ['private', '10.0.0.0', 8],
  ['shared', '100.64.0.0', 10], // carrier-grade NAT
  ['loopback', '127.0.0.0', 8],
  ['link-local', '169.254.0.0', 16], // includes the cloud metadata endpoint
  ['private', '172.16.0.0', 12],
  ['reserved', '192.0.0.0', 24], // IETF protocol assignments
  ['documentation', '192.0.2.0', 24],
  ['reserved', '192.88.99.0', 24], // 6to4 relay anycast
  ['private', '192.168.0.0', 16],
  ['reserved', '198.18.0.0', 15], // benchmarking
  ['documentation', '198.51.100.0', 24],
  ['documentation', '203.0.113.0', 24],
  ['multicast', '224.0.0.0', 4],
  ['reserved', '240.0.0.0', 4], // future use, and the broadcast address
];

const IPV6: readonly Range[] = [
  ['unspecified', '::', 128],
  ['loopback', '::1', 128],
  ['reserved', '::', 96], // IPv4-compatible (deprecated)
  ['private', '64:ff9b:1::', 48], // local-use NAT64
  ['reserved', '100::', 64], // discard-only
  ['reserved', '2001::', 32], // Teredo
  ['documentation', '2001:db8::', 32],
  ['reserved', '2001:10::', 28], // ORCHID (deprecated)
  ['documentation', '3fff::', 20],
  ['private', 'fc00::', 7], // unique local
  ['link-local', 'fe80::', 10],
  ['private', 'fec0::', 10], // site-local (deprecated)
  ['multicast', 'ff00::', 8],
];

function lists(ranges: readonly Range[], family: 'ipv4' | 'ipv6'): [AddressClass, BlockList][] {
  return ranges.map(([kind, network, prefix]) => {
    const list = new BlockList();
    list.addSubnet(network, prefix, family);
    return [kind, list];
  });
}

const V4 = lists(IPV4, 'ipv4');
const V6 = lists(IPV6, 'ipv6');
const GLOBAL_UNICAST = new BlockList();
GLOBAL_UNICAST.addSubnet('2000::', 3, 'ipv6');

/** What kind of address `ip` is (IPv4 or IPv6, with or without brackets); anything that is not an IP is reserved. */
export function classifyAddress(ip: string): AddressClass {
  const address = ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip;
  const family = isIP(address);
  if (family === 4) return classifyV4(address);
  // A zone index (fe80::1%eth0) only ever qualifies a non-global address.
  if (family !== 6 || address.includes('%')) return 'reserved';
  const words = ipv6Words(address);
  const embedded = embeddedIPv4(words);
  if (embedded !== null) return classifyV4(embedded);
  for (const [kind, list] of V6) if (list.check(address, 'ipv6')) return kind;
  return GLOBAL_UNICAST.check(address, 'ipv6') ? 'public' : 'reserved';
}

/** Whether Recoup may deliver to `ip` while the guard is on. */
export function isPublicAddress(ip: string): boolean {
  return classifyAddress(ip) === 'public';
}

/** The refusal of a non-public address, as recorded on a delivery and shown to whoever set the URL. */
export function privateAddressReason(ip: string, via: 'is' | 'resolves to'): string {
  const kind = classifyAddress(ip);
  const article = /^[aeiou]/.test(kind) ? 'an' : 'a';
  return `destination ${via} ${article} ${kind} address ${ip}; set ${ALLOW_PRIVATE_VARIABLE}=true to allow`;
}

/**
 * The problem with a webhook URL as typed, or null: it must be http(s), carry no credentials (`user:pass@` would be
 * stored and listed in clear text; the signature authenticates Recoup), and, unless private destinations are
 * allowed, a host given as an IP literal must be public. Host names pass: what they resolve to can change, so it
 * is checked at every delivery.
 */
export function destinationUrlProblem(url: string, allowPrivate: boolean): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'expected an absolute http(s) URL such as https://example.com/hooks/recoup';
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
    return `expected an http(s) URL, got ${parsed.protocol}`;
  if (parsed.username !== '' || parsed.password !== '')
    return 'must not carry credentials (user:pass@): receivers authenticate Recoup by its signature';
  // The URL parser has already turned 0x7f.1, 2130706433 and the like into the dotted address they stand for.
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!allowPrivate && isIP(host) !== 0 && !isPublicAddress(host)) return privateAddressReason(host, 'is');
  return null;
}

function classifyV4(address: string): AddressClass {
  for (const [kind, list] of V4) if (list.check(address, 'ipv4')) return kind;
  return 'public';
}

// The eight 16-bit words of a valid IPv6 address, via the URL parser's canonical form (lower-case hex, no dotted
// tail, one `::`).
function ipv6Words(address: string): number[] {
  const canonical = new URL(`http://[${address}]/`).hostname.slice(1, -1);
  const [head = '', tail] = canonical.split('::');
  const part = (s: string) => (s === '' ? [] : s.split(':').map((w) => Number.parseInt(w, 16)));
  const left = part(head);
  if (tail === undefined) return left;
  const right = part(tail);
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}

// The IPv4 address an IPv4-mapped, NAT64 (well-known prefix) or 6to4 address stands for, else null.
function embeddedIPv4(w: readonly number[]): string | null {
  const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
  const zeros = (from: number, to: number) => w.slice(from, to).every((x) => x === 0);
  if (zeros(0, 5) && w[5] === 0xffff) return v4(w[6]!, w[7]!);
  if (w[0] === 0x64 && w[1] === 0xff9b && zeros(2, 6)) return v4(w[6]!, w[7]!);
  if (w[0] === 0x2002) return v4(w[1]!, w[2]!);
  return null;
}
