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
