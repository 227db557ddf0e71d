// Server-side request forgery guard: webhooks may not reach loopback, private, link-local or reserved
// addresses unless IFTHEN_ALLOW_PRIVATE_TARGETS=true. The check runs on the resolved address, inside
// the connection's own DNS lookup, so the address checked is the address connected to (no DNS rebind).
// An IPv6 address that carries an IPv4 address (NAT64, 6to4, mapped…) is judged by the IPv4 address.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { NonRetriableError } from './errors.ts';
import { carriedIPv4 } from './ipv4-in-ipv6.ts';

const IPV4_BLOCKED: ReadonlyArray<readonly [string, number]> = [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8], // RFC 1918
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, including cloud metadata 169.254.169.254
  ['172.16.0.0', 12], // RFC 1918
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.168.0.0', 16], // RFC 1918
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, including broadcast 255.255.255.255
];

const IPV6_BLOCKED: ReadonlyArray<readonly [string, number]> = [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['100::', 64], // discard
  ['2001:db8::', 32], // documentation
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated, still routed by some stacks)
  ['ff00::', 8], // multicast
];

const blocked = new BlockList();
for (const [address, prefix] of IPV4_BLOCKED) blocked.addSubnet(address, prefix, 'ipv4');
for (const [address, prefix] of IPV6_BLOCKED) blocked.addSubnet(address, prefix, 'ipv6');

/**
 * Whether an IP address (v4 or v6, without brackets) is loopback, private, link-local or reserved, or
 * is an IPv6 address carrying such an IPv4 address (`64:ff9b::7f00:1` is 127.0.0.1 through NAT64).
 */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) throw new Error(`"${address}" is not an IP address`);
  if (family === 4) return blocked.check(address, 'ipv4');
  const carried = carriedIPv4(address);
  return blocked.check(address, 'ipv6') || (carried?.ipv4.some((ipv4) => blocked.check(ipv4, 'ipv4')) ?? false);
}

/** Thrown (as a connection error) when a target resolves to a refused address; a delivery to it is dead. */
export class PrivateTargetError extends NonRetriableError {
  constructor(readonly host: string, readonly address: string) {
    super(`target ${host} resolves to a private address ${described(address)}; set IFTHEN_ALLOW_PRIVATE_TARGETS=true to allow`);
  }
}

/** `64:ff9b::a00:1 (NAT64 of 10.0.0.1)`: says why an address that looks public is refused. */
function described(address: string): string {
  // Loopback `::1` is in the IPv4-compatible range too, but is refused as itself.
  const carried = isIP(address) === 6 && !blocked.check(address, 'ipv6') ? carriedIPv4(address) : null;
  return carried ? `${address} (${carried.via} of ${carried.ipv4.join(' and ')})` : address;
}

/** The refusal for connecting to `address` on behalf of `host`, or null when the address is public. */
export function checkTarget(host: string, address: string): PrivateTargetError | null {
  return isPrivateAddress(address) ? new PrivateTargetError(host, address) : null;
}

/** URL hostnames keep IPv6 brackets (`[::1]`); addresses do not. */
export function unbracket(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}

/**
 * A `net.connect` lookup that resolves every address of the host and refuses the connection when any
 * of them is private (a host answering with one public and one private address is refused too).
 */
export function guardedLookup(resolve: typeof dnsLookup = dnsLookup): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 0);
      if (!addresses.length) return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), '', 0);
      for (const { address } of addresses) {
        const refusal = checkTarget(hostname, address);
        if (refusal) return callback(refusal, '', 0);
      }
      if (options.all) return callback(null, addresses);
      callback(null, addresses[0].address, addresses[0].family);
    });
  };
}
