// The spellings of a secret value that templates and receivers produce: the value itself, its URL, JSON
// and HTML escapes (Liquid's url_encode, cgi_escape, uri_escape, escape), in any letter case (upcase,
// downcase, capitalize), and its base64 / base64url encoding at each of the three byte alignments.

export interface SecretForm {
  readonly name: string;
  readonly text: string;
  /** Base64 is case-sensitive; every other form matches in any letter case. */
  readonly base64: boolean;
}

/**
 * A base64 run shorter than this is too common to replace: a secret so short that all its base64 runs
 * are shorter (3 bytes or less) is not looked for in base64 at all.
 */
export const MIN_BASE64_RUN = 4;

const TEXT_ENCODINGS: ReadonlyArray<(value: string) => string> = [
  (v) => v,
  encodeURIComponent,
  (v) => encodeURIComponent(v).replace(/%20/g, '+'), // url_encode (form encoding)
  (v) => encodeURIComponent(v).replace(/%20/g, '+').replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`), // cgi_escape
  (v) => encodeURI(v).replace(/%5B/g, '[').replace(/%5D/g, ']'), // uri_escape
  (v) => JSON.stringify(v).slice(1, -1),
  (v) => v.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]), // escape, xml_escape
];
const HTML_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;' };

export function secretForms(name: string, value: string): SecretForm[] {
  // Case changes that change the length (ß → SS) are not caught by matching in any case: keep them as values.
  const cased = [...new Set([value, value.toUpperCase(), value.toLowerCase(), value.charAt(0).toUpperCase() + value.slice(1).toLowerCase()])];
  const texts = new Map<string, string>();
  for (const variant of cased) {
    for (const encode of TEXT_ENCODINGS) {
      const text = safely(() => encode(variant));
      if (text) texts.set(text.toLowerCase(), text);
    }
  }
  const runs = new Set<string>();
  for (const variant of cased) {
    for (const run of base64Runs(Buffer.from(variant, 'utf8'))) {
      runs.add(run);
      // Base64 in a URL has its + and / percent-encoded.
      if (/[+/]/.test(run)) runs.add(encodeURIComponent(run));
    }
  }
  return [
    ...[...texts.values()].map((text) => ({ name, text, base64: false })),
    ...[...runs].filter((run) => run.length >= MIN_BASE64_RUN).map((text) => ({ name, text, base64: true })),
  ];
}

/**
 * The base64 and base64url characters that depend on the secret's bits alone, wherever it sits in a longer
 * encoded string (e.g. Basic auth, base64("user:" + secret)). Base64 encodes 3-byte groups, so the secret
 * starts at one of three bit offsets in a group; each gives a different run. A character whose 6 bits
 * straddle the secret's edge also depends on its neighbours and is left out (the redactor takes it too).
 */
export function base64Runs(secret: Buffer): string[] {
  const runs: string[] = [];
  for (const alignment of [0, 1, 2]) {
    const padded = Buffer.concat([Buffer.alloc(alignment), secret, Buffer.alloc(2)]);
    const first = Math.ceil((8 * alignment) / 6);
    const end = Math.floor((8 * (alignment + secret.length)) / 6);
    for (const alphabet of ['base64', 'base64url'] as const) runs.push(padded.toString(alphabet).slice(first, end));
  }
  return [...new Set(runs)];
}

/** encodeURI and encodeURIComponent throw on a lone surrogate. */
function safely(encode: () => string): string | null {
  try {
    return encode();
  } catch {
    return null;
  }
}
