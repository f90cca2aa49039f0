import type { LookupAddress } from 'node:dns';
import { lookup } from 'node:dns/promises';
import { type LookupFunction, isIP } from 'node:net';
import { isPublicAddress, privateAddressReason } from './destination.ts';

// Checking a name and then letting the HTTP client resolve it again would leave a gap: a DNS answer that changes
// between the two (DNS rebinding) would send the request to an address nobody checked. So the name is resolved
// once, every address it resolves to must be public, and the connection is pinned to those very addresses through
// the socket's `lookup` hook. TLS still verifies the certificate against the host name of the URL.

/** Where a request may connect: a `lookup` pinned to the checked addresses (undefined: resolve as usual), or why not. */
export type Destination = { readonly lookup: LookupFunction | undefined } | { readonly refused: string };

/**
 * Resolves a URL's host (all its addresses) and refuses it if any is not public, unless `allowPrivate`. URLs with
 * credentials are always refused. Resolution errors (ENOTFOUND, …) are thrown, as a connection attempt would.
 */
export async function resolveDestination(url: URL, allowPrivate: boolean): Promise<Destination> {
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    return { refused: `destination is not an http(s) URL (${url.protocol})` };
  if (url.username !== '' || url.password !== '')
    return { refused: 'destination URL carries credentials (user:pass@); remove them' };
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (allowPrivate) return { lookup: undefined };
  // An IP literal is connected to as it is: no lookup happens, so there is nothing to pin.
  if (isIP(host) !== 0)
    return isPublicAddress(host) ? { lookup: undefined } : { refused: privateAddressReason(host, 'is') };
  const addresses = await lookup(host, { all: true, verbatim: true });
  const bad = addresses.find((a) => !isPublicAddress(a.address));
  if (bad) return { refused: privateAddressReason(bad.address, 'resolves to') };
  return { lookup: pinnedLookup(addresses) };
}

/** A socket `lookup` that answers with these addresses only, whatever it is asked, honouring the family asked for. */
export function pinnedLookup(addresses: readonly LookupAddress[]): LookupFunction {
  return (hostname, options, callback) => {
    const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : (options.family ?? 0);
    const matching = family === 0 ? [...addresses] : addresses.filter((a) => a.family === family);
    const first = matching[0];
    if (!first) {
      const error: NodeJS.ErrnoException = new Error(`${hostname} has no IPv${family} address`);
      error.code = 'ENOTFOUND';
      callback(error, '', 0);
    } else if (options.all) callback(null, matching);
    else callback(null, first.address, first.family);
  };
}
