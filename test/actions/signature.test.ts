import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import { signatureHeader, verifySignature } from '../../src/actions/webhook/signature.ts';

const secret = 'whsec_abc';
const body = '{"user":"ada","note":"He said \\"hi\\""}';
const t = 1_735_689_600;

test('the header is t=<seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">, as a receiver would recompute it', () => {
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
  assert.equal(signatureHeader(secret, body, t), `t=${t},v1=${expected}`);
});

test('verifySignature accepts the signed body and rejects any change, a wrong secret or a stale timestamp', () => {
  const header = signatureHeader(secret, body, t);
  assert.equal(verifySignature(secret, header, body, 300, t + 299), true);
  assert.equal(verifySignature(secret, header, body + ' ', 300, t), false);
  assert.equal(verifySignature('whsec_other', header, body, 300, t), false);
  assert.equal(verifySignature(secret, header, body, 300, t + 301), false);
  assert.equal(verifySignature(secret, header.replace(`t=${t}`, `t=${t + 1}`), body, 300, t), false);
  assert.equal(verifySignature(secret, 'v1=deadbeef', body, 300, t), false);
  assert.equal(verifySignature(secret, '', body, 300, t), false);
});

test('verifySignature accepts any of several v1 signatures (secret rotation)', () => {
  const header = `${signatureHeader('whsec_old', body, t)},v1=${signatureHeader(secret, body, t).split('v1=')[1]}`;
  assert.equal(verifySignature(secret, header, body, 300, t), true);
});
