// Finds every spelling of every secret in a text in one pass. Forms are indexed by their first few
// characters, so the cost is one map lookup per position however many secrets there are (50 secrets
// have about 600 spellings; a regex alternative of them all takes seconds on a 256 KiB body).
import type { SecretForm } from './secret-forms.ts';

export interface FoundForm {
  readonly start: number;
  readonly end: number;
  readonly form: SecretForm;
}

/** Leftmost matches that do not overlap; at one position the longest, so a secret containing another is found whole. */
export type FormMatcher = (text: string) => FoundForm[];

const KEY_LENGTH = 4;

export function formMatcher(forms: readonly SecretForm[]): FormMatcher {
  const keyLength = Math.min(KEY_LENGTH, ...forms.map((f) => f.text.length));
  // Text forms match in any letter case: they are compared folded; base64 runs exactly. Longest first.
  const byLength = [...forms].sort((a, b) => b.text.length - a.text.length);
  const textIndex = indexBy(byLength.filter((f) => !f.base64).map((form) => ({ form, text: fold(form.text) })), keyLength);
  const runIndex = indexBy(byLength.filter((f) => f.base64).map((form) => ({ form, text: form.text })), keyLength);
  // Most positions start no form at all: one look at the first character rules them out.
  const starts = new Uint8Array(0x10000);
  for (const key of textIndex.keys()) starts[key.charCodeAt(0)] |= 1;
  for (const key of runIndex.keys()) starts[key.charCodeAt(0)] |= 2;
  return (text) => {
    const folded = fold(text);
    const found: FoundForm[] = [];
    for (let i = 0; i + keyLength <= text.length; i++) {
      if (!(starts[folded.charCodeAt(i)] & 1) && !(starts[text.charCodeAt(i)] & 2)) continue;
      const best = longestAt(textIndex.get(folded.substring(i, i + keyLength)), folded, i, longestAt(runIndex.get(text.substring(i, i + keyLength)), text, i));
      if (!best) continue;
      found.push({ start: i, end: i + best.text.length, form: best.form });
      i += best.text.length - 1;
    }
    return found;
  };
}

interface Entry {
  readonly form: SecretForm;
  /** What is compared: folded for text forms. */
  readonly text: string;
}

function indexBy(entries: readonly Entry[], keyLength: number): Map<string, Entry[]> {
  const index = new Map<string, Entry[]>();
  for (const entry of entries) {
    const key = entry.text.slice(0, keyLength);
    const list = index.get(key);
    if (list) list.push(entry);
    else index.set(key, [entry]);
  }
  return index;
}

/** The longest candidate (they come longest first) found at `i`, if longer than `best`. */
function longestAt(candidates: readonly Entry[] | undefined, text: string, i: number, best?: Entry): Entry | undefined {
  if (!candidates) return best;
  for (const entry of candidates) {
    if (best && entry.text.length <= best.text.length) break;
    if (text.startsWith(entry.text, i)) return entry;
  }
  return best;
}

/** Lowercase, one code unit for one: a character whose lowercase is longer (İ) stays as it is. */
export function fold(text: string): string {
  const lower = text.toLowerCase();
  // Lowercasing only ever lengthens a string: the same length means every position still lines up.
  if (lower.length === text.length) return lower;
  return text.replace(/[\s\S]/g, (char) => {
    const one = char.toLowerCase();
    return one.length === 1 ? one : char;
  });
}
