import assert from 'node:assert/strict';
import type { LookupAddress } from 'node:dns';
import { test } from 'node:test';
import { checkTarget, guardedLookup, isPrivateAddress, PrivateTargetError } from '../../src/actions/ssrf-guard.ts';

const REFUSED = [
  '127.0.0.1', '127.255.255.254', '10.0.0.1', '172.16.0.1', '172.31.255.255', '192.168.1.1', '100.64.0.1', '100.127.255.255',
  '169.254.169.254', '169.254.0.1', '0.0.0.0', '0.1.2.3', '224.0.0.1', '239.255.255.250', '240.0.0.1', '255.255.255.255',
  '192.0.2.1', '198.18.0.1', '::1', '::', 'fd00::1', 'fc00::1', 'fe80::1', 'ff02::1', '::ffff:10.0.0.1', '::ffff:127.0.0.1',
  '::ffff:169.254.169.254', '::ffff:a00:1',
];
const ALLOWED = ['93.184.216.34', '8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '169.255.0.1', '2606:2800:220:1:248:1893:25c8:1946', '::ffff:93.184.216.34'];

test('refuses loopback, private, CGNAT, link-local, metadata, multicast and reserved addresses, v4, v6 and v4-mapped', () => {
  for (const address of REFUSED) assert.equal(isPrivateAddress(address), true, address);
});

test('allows public addresses, including the neighbours of refused ranges', () => {
  for (const address of ALLOWED) assert.equal(isPrivateAddress(address), false, address);
});

// IPv6 addresses that carry an IPv4 address reach that IPv4 address (through a translator, a tunnel or
// the local stack): each is judged by it. [address, what it carries]
const CARRIERS_REFUSED: ReadonlyArray<readonly [string, string]> = [
  ['64:ff9b::7f00:1', 'NAT64 of 127.0.0.1'],
  ['64:ff9b::10.0.0.1', 'NAT64 of 10.0.0.1'],
  ['64:ff9b::a9fe:a9fe', 'NAT64 of 169.254.169.254'],
  ['64:ff9b:1::a00:1', 'local-use NAT64 of 10.0.0.1'],
  ['64:ff9b:1:abcd::c0a8:101', 'local-use NAT64 of 192.168.1.1'],
  ['2002:a00:1::', '6to4 of 10.0.0.1'],
  ['2002:7f00:1::1', '6to4 of 127.0.0.1'],
  ['2002:a9fe:a9fe:1::5', '6to4 of 169.254.169.254'],
  ['::7f00:1', 'IPv4-compatible of 127.0.0.1'],
  ['::10.1.2.3', 'IPv4-compatible of 10.1.2.3'],
  ['::ffff:0:7f00:1', 'IPv4-translated of 127.0.0.1'],
  // RFC 4380's example: server 65.54.227.120, client 192.0.2.45 (a documentation address), inverted.
  ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'Teredo of 65.54.227.120 and 192.0.2.45'],
  ['2001:0:4136:e378:8000:63bf:f5ff:fffe', 'Teredo of 65.54.227.120 and 10.0.0.1'],
  ['2001:0:a00:1:8000:63bf:f7f7:f7f7', 'Teredo of 10.0.0.1 and 8.8.8.8'],
];
const CARRIERS_ALLOWED = [
  '64:ff9b::808:808', '64:ff9b::8.8.8.8', '64:ff9b:1::808:808', '64:ff9b:1:abcd::101:101', '2002:808:808::1', '2002:808:a00:1::', '::808:808',
  '::8.8.8.8', '::ffff:0:808:808', '::ffff:808:808', '2001:0:4136:e378:8000:63bf:f7f7:f7f7', '64:ff9b:2::a00:1', '2003::a00:1',
];

test('IPv6 addresses carrying a private IPv4 address (NAT64, local-use NAT64, 6to4, compatible, translated, Teredo) are refused', () => {
  for (const [address] of CARRIERS_REFUSED) assert.equal(isPrivateAddress(address), true, address);
  // The textual and the hexadecimal spellings of a mapped address, long form included.
  for (const address of ['::ffff:127.0.0.1', '::ffff:7f00:1', '0:0:0:0:0:ffff:10.0.0.1', '::ffff:a9fe:a9fe']) assert.equal(isPrivateAddress(address), true, address);
});

test('the same translations of public IPv4 addresses are allowed', () => {
  for (const address of CARRIERS_ALLOWED) assert.equal(isPrivateAddress(address), false, address);
});

test('a refusal of a translated address says which IPv4 address it carries', () => {
  for (const [address, carried] of CARRIERS_REFUSED) {
    assert.equal(checkTarget('hook.example', address)?.message, `target hook.example resolves to a private address ${address} (${carried}); set IFTHEN_ALLOW_PRIVATE_TARGETS=true to allow`);
  }
});

test('a refusal names the host and the address and says how to allow it', () => {
  const refusal = checkTarget('metadata.internal', '169.254.169.254');
  assert.ok(refusal instanceof PrivateTargetError);
  assert.equal(refusal.message, 'target metadata.internal resolves to a private address 169.254.169.254; set IFTHEN_ALLOW_PRIVATE_TARGETS=true to allow');
  assert.equal(checkTarget('example.com', '93.184.216.34'), null);
});

function lookup(hostname: string, all: boolean, resolve?: Parameters<typeof guardedLookup>[0]): Promise<{ error: Error | null; address: unknown }> {
  return new Promise((done) => guardedLookup(resolve)(hostname, { all }, (error, address) => done({ error, address })));
}

test('the connection lookup refuses a host name that resolves to loopback (real DNS: localhost)', async () => {
  const { error } = await lookup('localhost', true);
  assert.ok(error instanceof PrivateTargetError, String(error));
  assert.match(error.message, /^target localhost resolves to a private address (127\.0\.0\.1|::1);/);
});

// The resolver is injected to play a DNS server that answers differently per question: the check must
// hold for the exact answer handed to the socket.
const answers = (list: LookupAddress[]) => ((_host: string, _options: object, callback: (error: null, addresses: LookupAddress[]) => void) => callback(null, list)) as never;

test('the connection lookup refuses a host when any of its addresses is private', async () => {
  const { error } = await lookup('rebind.example', true, answers([{ address: '93.184.216.34', family: 4 }, { address: '10.0.0.5', family: 4 }]));
  assert.ok(error instanceof PrivateTargetError);
  assert.equal(error.address, '10.0.0.5');
});

test('the connection lookup passes public answers through in the shape net asked for', async () => {
  const list = [{ address: '93.184.216.34', family: 4 }];
  assert.deepEqual(await lookup('example.com', true, answers(list)), { error: null, address: list });
  assert.deepEqual(await lookup('example.com', false, answers(list)), { error: null, address: '93.184.216.34' });
});
