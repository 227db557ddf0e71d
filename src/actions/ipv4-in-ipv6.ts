// IPv6 addresses that carry an IPv4 address (mapped, translated, NAT64, 6to4, Teredo): a connection to
// one of them ends up at that IPv4 address, so the SSRF guard must judge them by it.

/** How an IPv6 address carries IPv4 addresses, and which ones (Teredo carries two). */
export interface CarriedIPv4 {
  readonly via: string;
  readonly ipv4: readonly string[];
}

interface Carrier {
  readonly via: string;
  /** The prefix as bytes; every prefix here is a whole number of bytes long. */
  readonly prefix: readonly number[];
  readonly carried: (bytes: Uint8Array) => string[];
}

const at = (offset: number, flip = 0) => (bytes: Uint8Array) => [ipv4(bytes, offset, flip)];

const CARRIERS: readonly Carrier[] = [
  { via: 'IPv4-mapped', prefix: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff], carried: at(12) }, // ::ffff:0:0/96
  { via: 'IPv4-translated', prefix: [0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0], carried: at(12) }, // ::ffff:0:0:0/96 (SIIT)
  { via: 'IPv4-compatible', prefix: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], carried: at(12) }, // ::/96 (deprecated)
  { via: 'NAT64', prefix: [0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0], carried: at(12) }, // 64:ff9b::/96 (RFC 6052)
  // Local-use NAT64 (RFC 8215): the operator picks a prefix of /48 to /96 inside it, and only the /96 layout
  // (the IPv4 address in the last 32 bits, what DNS64 deployments use) can be read from the address alone.
  { via: 'local-use NAT64', prefix: [0, 0x64, 0xff, 0x9b, 0, 1], carried: at(12) }, // 64:ff9b:1::/48
  { via: '6to4', prefix: [0x20, 0x02], carried: at(2) }, // 2002::/16: packets are tunnelled to that IPv4 host
  // Teredo (RFC 4380): server address in bits 32-63, the client's public address inverted in the last 32 bits.
  { via: 'Teredo', prefix: [0x20, 0x01, 0, 0], carried: (bytes) => [ipv4(bytes, 4), ipv4(bytes, 12, 0xff)] }, // 2001::/32
];

/** The IPv4 addresses an IPv6 address (without brackets) carries, or null when it carries none. */
export function carriedIPv4(address: string): CarriedIPv4 | null {
  const bytes = ipv6Bytes(address);
  for (const carrier of CARRIERS) {
    if (carrier.prefix.every((byte, i) => bytes[i] === byte)) return { via: carrier.via, ipv4: carrier.carried(bytes) };
  }
  return null;
}

/** The 16 bytes of a valid IPv6 address (as `net.isIP` accepts it: `::`, a dotted IPv4 tail, a zone). */
export function ipv6Bytes(address: string): Uint8Array {
  let text = address.split('%')[0];
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.', lastColon)) {
    const [a, b, c, d] = text.slice(lastColon + 1).split('.').map(Number);
    text = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::');
  const groups = (part: string | undefined) => (part ? part.split(':').map((group) => parseInt(group, 16)) : []);
  const left = groups(head);
  const right = groups(tail);
  const all = tail === undefined ? left : [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  const bytes = new Uint8Array(16);
  all.forEach((group, i) => { bytes[2 * i] = group >> 8; bytes[2 * i + 1] = group & 0xff; });
  return bytes;
}

function ipv4(bytes: Uint8Array, offset: number, flip = 0): string {
  return Array.from(bytes.subarray(offset, offset + 4), (byte) => byte ^ flip).join('.');
}
