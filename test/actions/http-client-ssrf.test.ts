import assert from 'node:assert/strict';
import type { LookupAddress } from 'node:dns';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { HttpClient } from '../../src/actions/http/http-client.ts';
import { createRedactor } from '../../src/actions/redact/redactor.ts';
import { PrivateTargetError } from '../../src/actions/ssrf-guard.ts';
import { RetryableError } from '../../src/actions/errors.ts';
import type { AttemptScope } from '../../src/actions/types.ts';

// A loopback server: what a translated address leads to when the guard lets it through.
let server: Server;
let port: number;
let received = 0;
before(async () => {
  server = createServer((_req, res) => { received++; res.end('ok'); });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
after(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const scope: AttemptScope = { attempt: 1, secrets: {}, redact: createRedactor({}), signal: new AbortController().signal, now: Date.now };
// The resolver plays a DNS server answering with one address.
const answering = (address: string, family: number) =>
  ((_host: string, _options: object, callback: (error: null, addresses: LookupAddress[]) => void) => callback(null, [{ address, family }])) as never;

async function send(url: string, options: { allowPrivateTargets: boolean; resolve?: ReturnType<typeof answering> }) {
  const client = new HttpClient({ connections: 1, ...options });
  try {
    return await client.send({ url, method: 'POST', headers: {}, body: 'x', timeoutMs: 1000 }, scope);
  } finally {
    await client.close();
  }
}

test('a host resolving to an IPv4-mapped loopback address reaches loopback when allowed, and is refused otherwise', async () => {
  const url = `http://mapped.example:${port}/hook`;
  const before = received;
  assert.equal((await send(url, { allowPrivateTargets: true, resolve: answering('::ffff:127.0.0.1', 6) })).statusCode, 200);
  assert.equal(received, before + 1, 'the mapped address is a real path to loopback');
  await assert.rejects(send(url, { allowPrivateTargets: false, resolve: answering('::ffff:127.0.0.1', 6) }), (error: Error) => {
    assert.ok(error instanceof PrivateTargetError);
    assert.equal(error.message, 'target mapped.example resolves to a private address ::ffff:127.0.0.1; set IFTHEN_ALLOW_PRIVATE_TARGETS=true to allow');
    return true;
  });
  assert.equal(received, before + 1);
});

test('host names resolving to NAT64, local-use NAT64, 6to4 or Teredo forms of private addresses are refused at connect time', async () => {
  const cases = [
    ['64:ff9b::7f00:1', 'NAT64 of 127.0.0.1'], ['64:ff9b:1::a9fe:a9fe', 'local-use NAT64 of 169.254.169.254'],
    ['2002:a00:1::', '6to4 of 10.0.0.1'], ['::a00:1', 'IPv4-compatible of 10.0.0.1'], ['2001:0:4136:e378:8000:63bf:f5ff:fffe', 'Teredo of 65.54.227.120 and 10.0.0.1'],
  ] as const;
  for (const [address, carried] of cases) {
    await assert.rejects(send(`http://hook.example:${port}/`, { allowPrivateTargets: false, resolve: answering(address, 6) }), (error: Error) => {
      assert.ok(error instanceof PrivateTargetError, `${address}: ${error.message}`);
      assert.equal(error.message, `target hook.example resolves to a private address ${address} (${carried}); set IFTHEN_ALLOW_PRIVATE_TARGETS=true to allow`);
      return true;
    });
  }
});

test('IP literal URLs of translated private addresses are refused, in either spelling', async () => {
  for (const literal of ['[64:ff9b::7f00:1]', '[64:ff9b::127.0.0.1]', '[2002:7f00:1::]', '[::ffff:127.0.0.1]', '[64:ff9b:1::a00:1]']) {
    await assert.rejects(send(`http://${literal}:${port}/`, { allowPrivateTargets: false }), PrivateTargetError, literal);
  }
});

test('translated public addresses pass the guard and fail only as the network does (retryable)', async () => {
  const attempts = [
    send(`http://public.example:${port}/`, { allowPrivateTargets: false, resolve: answering('64:ff9b::808:808', 6) }),
    send(`http://[2002:808:808::1]:${port}/`, { allowPrivateTargets: false }),
  ];
  for (const attempt of attempts) {
    await assert.rejects(attempt, (error: Error) => {
      // This machine has no route to them (no NAT64, no 6to4 relay): unreachable or timed out, never refused.
      assert.ok(!(error instanceof PrivateTargetError), error.message);
      assert.ok(error instanceof RetryableError, error.message);
      return true;
    });
  }
});
