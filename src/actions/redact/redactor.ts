// Keeps secret values out of everything the dispatcher stores or logs (errors, requests, response snippets).
import { decodedViews } from './decoded-views.ts';
import { fold, formMatcher } from './form-matcher.ts';
import { secretForms, type SecretForm } from './secret-forms.ts';

export interface Redactor {
  (text: string): string;
  /** Length of the longest spelling of any secret (0 without secrets). */
  readonly longest: number;
  /** How many characters at the end of `text` could be the start of a secret's spelling (0: none). */
  partialTail(text: string): number;
}

const BASE64_CHAR = /^[A-Za-z0-9+/_-]$/;

/**
 * Replaces each secret value, in every spelling of `secretForms`, with `[secret:NAME]`. Then it reads the
 * text through `decodedViews`: a secret seen there more often than it was replaced was spelled in a way
 * that cannot be cut out in place, and the whole text is replaced by a note that names the secret.
 */
export function createRedactor(secrets: Readonly<Record<string, string>>): Redactor {
  const forms: SecretForm[] = [];
  for (const name of Object.keys(secrets)) {
    const value = secrets[name];
    if (typeof value === 'string' && value !== '') forms.push(...secretForms(name, value));
  }
  if (!forms.length) return Object.assign((text: string) => text, { longest: 0, partialTail: () => 0 });
  const match = formMatcher(forms);

  const redact = (text: string): string => {
    const replacedCount = new Map<string, number>();
    let out = '';
    let done = 0;
    for (const { start, end, form } of match(text)) {
      // A base64 character next to a run holds a few bits of the secret too: it goes with the run.
      const from = form.base64 && start > done && BASE64_CHAR.test(text[start - 1]) ? start - 1 : start;
      let to = form.base64 && BASE64_CHAR.test(text[end] ?? '') ? end + 1 : end;
      while (form.base64 && text[to] === '=') to++;
      out += `${text.slice(done, from)}[secret:${form.name}]`;
      done = to;
      replacedCount.set(form.name, (replacedCount.get(form.name) ?? 0) + 1);
    }
    // Each view of the original text must show no more occurrences of a secret than were replaced: one
    // more is an occurrence the replacement could not see (or cut only in part, as a shorter secret).
    for (const view of decodedViews(text)) {
      const seen = new Map<string, number>();
      for (const { form } of match(view)) {
        seen.set(form.name, (seen.get(form.name) ?? 0) + 1);
        if (seen.get(form.name)! > (replacedCount.get(form.name) ?? 0)) {
          return `[withheld: this text shows the secret ${form.name} in an encoding that cannot be cut out in place]`;
        }
      }
    }
    return out + text.slice(done);
  };
  return Object.assign(redact, partialTails(forms));
}

/**
 * For text cut at a length limit: also drops a tail that could be the start of a secret (in any of its
 * spellings), so that a value cut in half at the limit does not leak its first characters.
 */
export function redactTruncated(text: string, redact: Redactor): string {
  // Cut the raw text first: once redacted, a half value no longer looks like the start of the secret.
  return redact(text.slice(0, text.length - redact.partialTail(text)));
}

/** Every proper start of every spelling, in a set: checking a tail is one lookup per length. */
function partialTails(forms: readonly SecretForm[]): Pick<Redactor, 'longest' | 'partialTail'> {
  const starts = new Set<string>();
  let longest = 0;
  for (const form of forms) {
    const text = form.base64 ? form.text : fold(form.text);
    for (let k = 1; k < text.length; k++) starts.add(`${form.base64 ? 'b' : 't'}${text.slice(0, k)}`);
    longest = Math.max(longest, text.length);
  }
  return {
    longest,
    partialTail(text) {
      for (let k = Math.min(longest - 1, text.length); k > 0; k--) {
        const tail = text.slice(-k);
        if (starts.has(`b${tail}`) || starts.has(`t${fold(tail)}`)) return k;
      }
      return 0;
    },
  };
}

/**
 * The redacted first `maxBytes` of a text, cut at a character boundary. Only a window of the text is
 * redacted (a 256 KiB body costs a few KiB of work), cut safely with `redactTruncated`.
 */
export function redactedPrefix(text: string, maxBytes: number, redact: Redactor): { readonly text: string; readonly truncated: boolean } {
  // Characters are at least one byte: this window holds the first maxBytes and any secret starting there.
  const window = maxBytes + redact.longest + 2;
  const redacted = text.length > window ? redactTruncated(text.slice(0, window), redact) : redact(text);
  const truncated = text.length > window || (redacted.length * 3 > maxBytes && Buffer.byteLength(redacted) > maxBytes);
  return { text: truncated ? cutToBytes(redacted, maxBytes) : redacted, truncated };
}

/** The longest start of `text` that fits in `maxBytes` of UTF-8, never splitting a character. */
export function cutToBytes(text: string, maxBytes: number): string {
  // A UTF-16 unit is at most 3 bytes of UTF-8: short texts need no encoding to know they fit.
  if (text.length * 3 <= maxBytes || (text.length <= maxBytes && Buffer.byteLength(text) <= maxBytes)) return text;
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  let end = maxBytes;
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--; // back to the first byte of a character
  return bytes.subarray(0, end).toString('utf8');
}
