// Keeps secret values out of everything the dispatcher stores or logs (errors, response snippets).

export type Redactor = (text: string) => string;

/**
 * Replaces each secret value, and its URL- and JSON-escaped forms, with `[secret:NAME]`. Longer values
 * go first so a secret that contains another one is replaced whole.
 */
export function createRedactor(secrets: Readonly<Record<string, string>>): Redactor {
  const needles: Array<readonly [string, string]> = [];
  for (const name of Object.keys(secrets)) {
    const value = secrets[name];
    if (typeof value !== 'string' || value === '') continue;
    for (const form of new Set([value, encodeURIComponent(value), JSON.stringify(value).slice(1, -1)])) needles.push([form, `[secret:${name}]`]);
  }
  needles.sort((a, b) => b[0].length - a[0].length);
  if (!needles.length) return (text) => text;
  return (text) => {
    let out = text;
    for (const [needle, label] of needles) if (out.includes(needle)) out = out.split(needle).join(label);
    return out;
  };
}

/**
 * For text cut at a length limit: also drops a tail that could be the start of a secret, so that a
 * value cut in half at the limit does not leak its first characters.
 */
export function redactTruncated(text: string, secrets: Readonly<Record<string, string>>, redact: Redactor): string {
  // Cut the raw text first: once redacted, a half value no longer looks like the start of the secret.
  let cut = 0;
  for (const value of Object.values(secrets)) {
    if (!value) continue;
    for (let k = Math.min(value.length - 1, text.length); k > cut; k--) {
      if (text.endsWith(value.slice(0, k))) { cut = k; break; }
    }
  }
  return redact(text.slice(0, text.length - cut));
}
