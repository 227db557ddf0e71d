import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRedactor, redactedPrefix, redactTruncated } from '../../src/actions/redact/redactor.ts';

const API_KEY = 'sk_live_51H8xQ2eZvKYlo2C';
// A password as people choose them: spaces and characters every encoding treats differently.
const PASSWORD = `Tr0ub4dor & 3 "horse"/staple's`;
// Bytes whose base64 has + and /, where base64url differs (- and _).
const SYMBOLS = 'pw>>>???~~~>?>?';
const secrets = { API_KEY, PASSWORD, SYMBOLS, SHORT: 'sk_live', EMPTY: '' };
const redact = createRedactor(secrets);
const b64 = (text: string) => Buffer.from(text).toString('base64');

test('replaces a secret value and its URL- and JSON-escaped forms with its name', () => {
  const legacy = createRedactor({ API_KEY: 'sk_live/abc+"x"', SHORT: 'sk_live', EMPTY: '' });
  assert.equal(legacy('key=sk_live/abc+"x" url=sk_live%2Fabc%2B%22x%22 json="sk_live/abc+\\"x\\""'),
    'key=[secret:API_KEY] url=[secret:API_KEY] json="[secret:API_KEY]"');
  assert.equal(legacy('just sk_live'), 'just [secret:SHORT]');
  assert.equal(legacy('nothing here'), 'nothing here');
});

test("Liquid's url_encode (+ for spaces), cgi_escape and escape (HTML entities) are replaced", () => {
  const urlEncoded = encodeURIComponent(PASSWORD).replace(/%20/g, '+');
  assert.equal(redact(`400 Bad Request: login?user=ada&pass=${urlEncoded}&next=/`), '400 Bad Request: login?user=ada&pass=[secret:PASSWORD]&next=/');
  const cgi = urlEncoded.replace(/'/g, '%27');
  assert.equal(redact(`GET /?p=${cgi}`), 'GET /?p=[secret:PASSWORD]');
  const html = `<p>Wrong password: Tr0ub4dor &amp; 3 &#34;horse&#34;/staple&#39;s</p>`;
  assert.equal(redact(html), '<p>Wrong password: [secret:PASSWORD]</p>');
});

test('upcase, downcase and capitalize of a secret are replaced, and so is lowercase percent-encoding', () => {
  const capitalized = API_KEY.charAt(0).toUpperCase() + API_KEY.slice(1).toLowerCase();
  assert.equal(redact(`{"error":"unknown key ${API_KEY.toUpperCase()}"}`), '{"error":"unknown key [secret:API_KEY]"}');
  assert.equal(redact(`key=${API_KEY.toLowerCase()};`), 'key=[secret:API_KEY];');
  assert.equal(redact(`Key: ${capitalized}`), 'Key: [secret:API_KEY]');
  assert.equal(redact(`p=${encodeURIComponent(PASSWORD).toLowerCase()}`), 'p=[secret:PASSWORD]');
});

test('base64 and base64url of a secret are replaced, alone and inside longer base64 at each byte alignment', () => {
  assert.equal(redact(`token=${b64(API_KEY)}`), 'token=[secret:API_KEY]');
  assert.match(b64(SYMBOLS), /[+/]/);
  assert.equal(redact(`t=${Buffer.from(SYMBOLS).toString('base64url')}.`), 't=[secret:SYMBOLS].');
  // In a URL, base64's + and / are percent-encoded.
  assert.equal(redact(`GET /cb?auth=${encodeURIComponent(b64(SYMBOLS))}&x=1`), 'GET /cb?auth=[secret:SYMBOLS]&x=1');
  // Basic auth: base64("user:" + secret). Users of 1, 2 and 3 characters put the password at byte 2, 3
  // and 4: the three positions it can take in base64's 3-byte groups.
  for (const user of ['a', 'ad', 'ada']) {
    const header = `Authorization: Basic ${b64(`${user}:${PASSWORD}`)}`;
    const out = redact(header);
    const match = /^Authorization: Basic ([A-Za-z0-9+/]*)\[secret:PASSWORD\]=*$/.exec(out);
    assert.ok(match, `${user}: ${out}`);
    // What is left depends on the user name alone.
    assert.ok(b64(`${user}:`).startsWith(match[1]), `${user}: ${out}`);
  }
  // A JSON document echoed back in base64, the key somewhere in the middle.
  const doc = b64(JSON.stringify({ user: 'ada', key: API_KEY, scopes: ['read', 'write'] }));
  const out = redact(`{"echo":"${doc}"}`);
  assert.match(out, /\[secret:API_KEY\]/);
  assert.ok(!Buffer.from(out.replace(/\[secret:API_KEY\]/, 'AAAA'), 'base64').toString('latin1').includes(API_KEY.slice(4, 12)));
});

test('a secret spelled in a way that cannot be cut out in place withholds the whole text, naming the secret', () => {
  const withheld = (name: string) => `[withheld: this text shows the secret ${name} in an encoding that cannot be cut out in place]`;
  // base64 wrapped at 76 characters (MIME, PEM): the line break falls inside the key's encoding.
  const wrapped = b64(`${'x'.repeat(50)}${API_KEY}${'y'.repeat(50)}`).replace(/.{76}/g, '$&\r\n');
  assert.ok(!wrapped.includes(b64(API_KEY).slice(4, 20)), 'the break splits the encoded key');
  assert.equal(redact(`body:\r\n${wrapped}`), withheld('API_KEY'));
  // Percent-encoded twice (a redirect URL inside a query string), and \u escapes in JSON.
  assert.equal(redact(`Location: /login?next=%2Fcb%3Fp%3D${encodeURIComponent(encodeURIComponent(PASSWORD))}`), withheld('PASSWORD'));
  assert.equal(redact(`{"key":"\\u0073\\u006b_live_51H8xQ2eZvKYlo2C"}`), withheld('API_KEY'));
  assert.equal(redact(`<b>&#x73;k_live_51H8xQ2eZvKYlo2C</b>`), withheld('API_KEY'));
});

test('a cut-off snippet loses a tail that could be the start of a secret, in any of its spellings', () => {
  const legacy = { API_KEY: 'sk_live/abc+"x"', SHORT: 'sk_live' };
  const legacyRedact = createRedactor(legacy);
  assert.equal(redactTruncated('token: sk_live/ab', legacyRedact), 'token: ');
  assert.equal(redactTruncated('token: sk_li', legacyRedact), 'token: ');
  assert.equal(redactTruncated('a sk_live/abc+"x" b', legacyRedact), 'a [secret:API_KEY] b');
  assert.equal(redactTruncated(`key: ${API_KEY.toUpperCase().slice(0, 15)}`, redact), 'key: ');
  assert.equal(redactTruncated(`auth: ${b64(API_KEY).slice(0, 12)}`, redact), 'auth: ');
});

test('the stored first KiB of a long body is redacted before the cut, so a secret across the cut leaves nothing', () => {
  for (const offset of [0, 1000, 1015, 1023]) {
    const body = `${'a'.repeat(offset)}${API_KEY}${'b'.repeat(300 * 1024)}`;
    const { text, truncated } = redactedPrefix(body, 1024, redact);
    assert.equal(truncated, true);
    assert.ok(Buffer.byteLength(text) <= 1024, `${offset}: ${Buffer.byteLength(text)} bytes`);
    assert.ok(text.startsWith('a'.repeat(Math.min(offset, 1000))), String(offset));
    for (let k = 2; k <= API_KEY.length; k++) assert.ok(!text.endsWith(API_KEY.slice(0, k)), `${offset}: ends with ${API_KEY.slice(0, k)}`);
    assert.ok(!text.includes('sk_'), String(offset));
  }
  assert.deepEqual(redactedPrefix(`short ${API_KEY}`, 1024, redact), { text: 'short [secret:API_KEY]', truncated: false });
});
