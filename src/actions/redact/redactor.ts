// Keeps secret values out of everything the dispatcher stores or logs (errors, requests, response snippets).
import { decodedViews } from './decoded-views.ts';
import { secretForms, type SecretForm } from './secret-forms.ts';

export interface Redactor {
  (text: string): string;
  /** Every spelling it replaces, for cutting a text at a limit without leaving half a secret behind. */
  readonly forms: readonly SecretForm[];
}

const BASE64_CHAR = '[A-Za-z0-9+/_-]';

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
  if (!forms.length) return Object.assign((text: string) => text, { forms });
  // Longest first: at one position a regex takes the first alternative that matches, so a secret that
  // contains another one is replaced whole.
  const byLength = (kind: boolean) => forms.filter((f) => f.base64 === kind).sort((a, b) => b.text.length - a.text.length);
  const texts = byLength(false);
  const runs = byLength(true);
  const textPattern = texts.map((f) => anyCase(f.text)).join('|') || '(?!)';
  const runPattern = runs.map((f) => escape(f.text)).join('|') || '(?!)';
  // A base64 character next to a run holds a few bits of the secret too: it goes with the run.
  const replacing = new RegExp(`(${textPattern})|${BASE64_CHAR}?(${runPattern})${BASE64_CHAR}?=*`, 'g');
  const finding = new RegExp(`(${textPattern})|(${runPattern})`, 'g');
  const runNames = new Map(runs.map((f) => [f.text, f.name]));
  const textNames = new Map(texts.map((f) => [f.text.toLowerCase(), f.name]));
  const nameOf = (text?: string, run?: string) => (run !== undefined ? runNames.get(run) : textNames.get(text!.toLowerCase())) ?? '?';

  const redact = (text: string): string => {
    const replacedCount = new Map<string, number>();
    const replaced = text.replace(replacing, (_match, found?: string, run?: string) => {
      const name = nameOf(found, run);
      replacedCount.set(name, (replacedCount.get(name) ?? 0) + 1);
      return `[secret:${name}]`;
    });
    // Each view of the original text must show no more occurrences of a secret than were replaced: one
    // more is an occurrence the replacement could not see (or cut only in part, as a shorter secret).
    for (const view of decodedViews(text)) {
      const seen = new Map<string, number>();
      for (const match of view.matchAll(finding)) {
        const name = nameOf(match[1], match[2]);
        seen.set(name, (seen.get(name) ?? 0) + 1);
        if (seen.get(name)! > (replacedCount.get(name) ?? 0)) {
          return `[withheld: this text shows the secret ${name} in an encoding that cannot be cut out in place]`;
        }
      }
    }
    return replaced;
  };
  return Object.assign(redact, { forms });
}

/**
 * For text cut at a length limit: also drops a tail that could be the start of a secret (in any of its
 * spellings), so that a value cut in half at the limit does not leak its first characters.
 */
export function redactTruncated(text: string, redact: Redactor): string {
  // Cut the raw text first: once redacted, a half value no longer looks like the start of the secret.
  const lower = text.toLowerCase();
  let cut = 0;
  for (const form of redact.forms) {
    const tail = form.base64 ? text : lower;
    const start = form.base64 ? form.text : form.text.toLowerCase();
    for (let k = Math.min(start.length - 1, tail.length); k > cut; k--) {
      if (tail.endsWith(start.slice(0, k))) { cut = k; break; }
    }
  }
  return redact(text.slice(0, text.length - cut));
}

/**
 * The redacted first `maxBytes` of a text, cut at a character boundary. Only a window of the text is
 * redacted (a 256 KiB body costs a few KiB of work), cut safely with `redactTruncated`.
 */
export function redactedPrefix(text: string, maxBytes: number, redact: Redactor): { readonly text: string; readonly truncated: boolean } {
  const longest = redact.forms.reduce((max, f) => Math.max(max, f.text.length), 0);
  // Characters are at least one byte: this window holds the first maxBytes and any secret starting there.
  const window = maxBytes + longest + 2;
  const redacted = text.length > window ? redactTruncated(text.slice(0, window), redact) : redact(text);
  const truncated = text.length > window || Buffer.byteLength(redacted) > maxBytes;
  return { text: truncated ? cutToBytes(redacted, maxBytes) : redacted, truncated };
}

/** The longest start of `text` that fits in `maxBytes` of UTF-8, never splitting a character. */
export function cutToBytes(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  let end = maxBytes;
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--; // back to the first byte of a character
  return bytes.subarray(0, end).toString('utf8');
}

function anyCase(text: string): string {
  let pattern = '';
  for (const char of text) {
    const lower = char.toLowerCase();
    const upper = char.toUpperCase();
    pattern += lower !== upper && [...lower].length === 1 && [...upper].length === 1 ? `[${escape(lower)}${escape(upper)}]` : escape(char);
  }
  return pattern;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\\/-]/g, '\\$&');
}
