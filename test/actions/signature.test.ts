import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { newSigningSecret, signingSecretProblem, signWebhook, verifyWebhook } from '../../src/actions/webhook/signature.ts';

const body = '{"user":"ada","note":"He said \\"hi\\""}';
const now = Math.floor(Date.now() / 1000);
const headersFor = (id: string, timestampSec: number, signature: string) => ({ 'webhook-id': id, 'webhook-timestamp': String(timestampSec), 'webhook-signature': signature });

test("matches the specification's published example signature", () => {
  const message = { id: 'msg_p5jXN8AQM9LWM0D4loKWxJek', timestampSec: 1614265330, body: '{"test": 2432232314}' };
  assert.equal(signWebhook(message, ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw']), 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
});

test('the standardwebhooks library verifies what signWebhook signs, and rejects a changed body or id', () => {
  const secret = newSigningSecret();
  const headers = headersFor('f_abc.0', now, signWebhook({ id: 'f_abc.0', timestampSec: now, body }, [secret]));
  assert.deepEqual(new Webhook(secret).verify(body, headers), { user: 'ada', note: 'He said "hi"' });
  assert.throws(() => new Webhook(secret).verify(`${body} `, headers), /No matching signature/);
  assert.throws(() => new Webhook(secret).verify(body, { ...headers, 'webhook-id': 'f_abc.1' }), /No matching signature/);
  assert.throws(() => new Webhook(newSigningSecret()).verify(body, headers), /No matching signature/);
});

test('during a rotation each secret signs, space separated, and each one alone verifies', () => {
  const [newer, older] = [newSigningSecret(), newSigningSecret()];
  const signature = signWebhook({ id: 'f_abc.0', timestampSec: now, body }, [newer, older]);
  assert.match(signature, /^v1,[A-Za-z0-9+/]{43}= v1,[A-Za-z0-9+/]{43}=$/);
  for (const secret of [newer, older]) {
    assert.doesNotThrow(() => new Webhook(secret).verify(body, headersFor('f_abc.0', now, signature)));
    assert.equal(verifyWebhook(secret, headersFor('f_abc.0', now, signature), body), true);
  }
  assert.equal(verifyWebhook(newSigningSecret(), headersFor('f_abc.0', now, signature), body), false);
});

test('verifyWebhook does what a receiver does: any change, a wrong secret or a stale timestamp fails', () => {
  const secret = newSigningSecret();
  const t = 1_735_689_600;
  const headers = headersFor('f_abc.0', t, signWebhook({ id: 'f_abc.0', timestampSec: t, body }, [secret]));
  assert.equal(verifyWebhook(secret, headers, body, { nowSec: t + 299 }), true);
  assert.equal(verifyWebhook(secret, headers, body, { nowSec: t + 301 }), false);
  assert.equal(verifyWebhook(secret, { ...headers, 'webhook-timestamp': String(t + 1) }, body, { nowSec: t }), false);
  assert.equal(verifyWebhook(secret, headers, body.replace('ada', 'eve'), { nowSec: t }), false);
  assert.equal(verifyWebhook(secret, { ...headers, 'webhook-signature': 'v1,AAAA' }, body, { nowSec: t }), false);
  assert.equal(verifyWebhook(secret, { 'webhook-id': 'f_abc.0' }, body, { nowSec: t }), false);
  // Header names in any case, as a framework may hand them over.
  assert.equal(verifyWebhook(secret, { 'Webhook-Id': 'f_abc.0', 'Webhook-Timestamp': String(t), 'Webhook-Signature': headers['webhook-signature'] }, body, { nowSec: t }), true);
});

test('new secrets are whsec_ + base64 of 32 random bytes; the validator holds the specification to 24–64 bytes', () => {
  const secret = newSigningSecret();
  assert.match(secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
  assert.notEqual(newSigningSecret(), secret);
  assert.equal(signingSecretProblem(secret), null);
  assert.equal(signingSecretProblem(newSigningSecret(24)), null);
  assert.equal(signingSecretProblem(newSigningSecret(64)), null);
  assert.equal(signingSecretProblem('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'), 'a signing secret starts with "whsec_"');
  assert.equal(signingSecretProblem(`whsec_${Buffer.alloc(16).toString('base64')}`), 'a signing secret decodes to 24–64 bytes, not 16');
  assert.equal(signingSecretProblem(`whsec_${Buffer.alloc(66).toString('base64')}`), 'a signing secret decodes to 24–64 bytes, not 66');
  // base64url and unpadded base64 are what the reference libraries cannot decode.
  assert.match(String(signingSecretProblem(`whsec_${Buffer.alloc(32, 0xfb).toString('base64url')}`)), /padded standard base64/);
  assert.match(String(signingSecretProblem('whsec_' + 'A'.repeat(43))), /padded standard base64/);
  assert.throws(() => newSigningSecret(16), /24 to 64 bytes/);
});

test('signing with something that is not a whsec_ secret fails without showing the secret', () => {
  assert.throws(() => signWebhook({ id: 'f.0', timestampSec: now, body }, ['hunter2-hunter2-hunter2-hunter2']), (error: Error) => {
    assert.match(error.message, /^not a signing secret: expected "whsec_"/);
    assert.ok(!error.message.includes('hunter2'));
    return true;
  });
});
