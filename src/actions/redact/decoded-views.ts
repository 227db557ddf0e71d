// Other ways to read a text, for the redactor's second look: a secret seen in one of these views more
// often than it was replaced was spelled in a way that cannot be cut out in place (split by a line
// break, percent-encoded twice, an escape such as \u0073 or &#x73;), so the whole text is withheld.

/** The views that differ from the text (a text without %, & or \\ needs no decoding). */
export function decodedViews(text: string): string[] {
  const views = [
    text.replace(/\s+/g, ''), // wrapped base64 (MIME, PEM) or a value broken over lines
    percentDecoded(text), // percent-encoded twice decodes to a spelling the redactor knows
    text.replace(/&(#\d+|#x[0-9a-f]+|amp|lt|gt|quot|apos);/gi, (_, entity: string) => htmlEntity(entity)),
    text.replace(/\\u([0-9a-f]{4})|\\x([0-9a-f]{2})|\\([^ux])/gi, (_, u?: string, x?: string, c?: string) => (u ?? x) ? String.fromCharCode(parseInt((u ?? x)!, 16)) : c!),
  ];
  return views.filter((view) => view !== text);
}

/** %XX sequences to the UTF-8 text they spell; malformed ones decode to U+FFFD instead of throwing. */
function percentDecoded(text: string): string {
  return text.replace(/(?:%[0-9a-f]{2})+/gi, (run) => Buffer.from(run.replace(/%/g, ''), 'hex').toString('utf8'));
}

function htmlEntity(entity: string): string {
  const lower = entity.toLowerCase();
  if (lower.startsWith('#x')) return safeCodePoint(parseInt(lower.slice(2), 16));
  if (lower.startsWith('#')) return safeCodePoint(parseInt(lower.slice(1), 10));
  return { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }[lower] ?? '';
}

function safeCodePoint(code: number): string {
  return code <= 0x10ffff ? String.fromCodePoint(code) : '\ufffd';
}
