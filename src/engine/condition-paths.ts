// The `event.…`, `subject.…`, `now` (and `window`, `steps`, `change`, `trigger`) paths a condition reads, found once when the rule is compiled,
// so that a trace can show the values a condition saw.

export interface ConditionPath {
  /** As written, without spaces: `event.properties.total`, `subject["plan"]`. */
  readonly text: string;
  readonly parts: readonly string[];
}

const PATH = /\b(event|subject|now|window|steps|change|trigger)((?:\.[A-Za-z_][A-Za-z0-9_]*|\[\s*[0-9]+\s*\]|\[\s*"(?:[^"\\]|\\.)*"\s*\]|\[\s*'(?:[^'\\]|\\.)*'\s*\])*)/g;
const STRING_LITERAL = /"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g;
const PART = /[A-Za-z_][A-Za-z0-9_]*|\[\s*([0-9]+)\s*\]|\[\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')\s*\]/g;

export function conditionPaths(expression: string): ConditionPath[] {
  // Blank out string literals so that text inside quotes is not taken for a path; keep bracket keys.
  const code = expression.replace(STRING_LITERAL, (m, offset: number) => (/\[\s*$/.test(expression.slice(0, offset)) ? m : ' '.repeat(m.length)));
  const seen = new Set<string>();
  const paths: ConditionPath[] = [];
  for (const match of code.matchAll(PATH)) {
    const text = match[0].replace(/\s+/g, '');
    if (seen.has(text)) continue;
    seen.add(text);
    paths.push({ text, parts: partsOf(match[0]) });
  }
  return paths;
}

/** The parts of a path as written: spaces inside a quoted key are the key's own. */
function partsOf(path: string): string[] {
  return [...path.matchAll(PART)].map((m) => (m[1] ?? (m[2] ? unquote(m[2]) : m[0])));
}

function unquote(literal: string): string {
  return JSON.parse(literal.startsWith("'") ? `"${literal.slice(1, -1).replace(/"/g, '\\"')}"` : literal) as string;
}

/**
 * The paths a CEL expression reads, for working out what memory must keep of an event: as `conditionPaths`,
 * but a path followed by `(` is a method call (`event.properties.exists(k, …)`, `name.startsWith("a")`), so
 * its last part is the method's name, not a key read: the path read is the receiver.
 */
export function readPaths(expression: string): ConditionPath[] {
  const code = expression.replace(STRING_LITERAL, (m, offset: number) => (/\[\s*$/.test(expression.slice(0, offset)) ? m : ' '.repeat(m.length)));
  const paths: ConditionPath[] = [];
  for (const match of code.matchAll(PATH)) {
    const text = match[0].replace(/\s+/g, '');
    let parts = partsOf(match[0]);
    if (/^\s*\(/.test(code.slice(match.index + match[0].length)) && parts.length > 1 && /\.[A-Za-z_][A-Za-z0-9_]*$/.test(text)) parts = parts.slice(0, -1);
    paths.push({ text, parts });
  }
  return paths;
}
