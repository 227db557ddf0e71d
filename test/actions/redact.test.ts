import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRedactor, redactTruncated } from '../../src/actions/redact.ts';

const secrets = { API_KEY: 'sk_live/abc+"x"', SHORT: 'sk_live', EMPTY: '' };

test('replaces a secret value and its URL- and JSON-escaped forms with its name', () => {
  const redact = createRedactor(secrets);
  assert.equal(redact('key=sk_live/abc+"x" url=sk_live%2Fabc%2B%22x%22 json="sk_live/abc+\\"x\\""'),
    'key=[secret:API_KEY] url=[secret:API_KEY] json="[secret:API_KEY]"');
  assert.equal(redact('just sk_live'), 'just [secret:SHORT]');
  assert.equal(redact('nothing here'), 'nothing here');
});

test('a cut-off snippet loses a tail that could be the start of a secret', () => {
  const redact = createRedactor(secrets);
  assert.equal(redactTruncated('token: sk_live/ab', secrets, redact), 'token: ');
  assert.equal(redactTruncated('token: sk_li', secrets, redact), 'token: ');
  assert.equal(redactTruncated('a sk_live/abc+"x" b', secrets, redact), 'a [secret:API_KEY] b');
});
