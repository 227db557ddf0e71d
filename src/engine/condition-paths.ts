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
    paths.push({ text, parts: [...text.matchAll(PART)].map((m) => (m[1] ?? (m[2] ? unquote(m[2]) : m[0]))) });
  }
  return paths;
}

function unquote(literal: string): string {
  return JSON.parse(literal.startsWith("'") ? `"${literal.slice(1, -1).replace(/"/g, '\\"')}"` : literal) as string;
}
