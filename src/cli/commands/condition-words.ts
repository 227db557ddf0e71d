// A `where` condition in words: split into its `&&` parts, and each simple comparison told with the value it saw
// ("event.properties.total = 42 ≥ 30"). The server's trace says whether the whole condition passed and which
// values it read; only comparisons of a path with a literal are judged here, everything else is shown as written.

/** One `&&` part of a condition, with what the CLI can say about it. */
export interface Clause {
  readonly text: string;
  /** ✓ / ✗ when known; undefined when the CLI cannot tell (a function call, a missing value). */
  readonly holds?: boolean;
  readonly words: string;
}

type Operator = '==' | '!=' | '<' | '<=' | '>' | '>=' | 'in';
interface Comparison { readonly path: string; readonly op: Operator; readonly literal: unknown }

const SYMBOL: Readonly<Record<Operator, string>> = { '==': '=', '!=': '≠', '<': '<', '<=': '≤', '>': '>', '>=': '≥', in: 'in' };
const FLIPPED: Readonly<Record<string, Operator>> = { '==': '==', '!=': '!=', '<': '>', '<=': '>=', '>': '<', '>=': '<=' };

const QUOTED = String.raw`"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'`;
const PATH = String.raw`(?:event|subject|now)(?:\.[A-Za-z_]\w*|\[\s*(?:${QUOTED})\s*\])*`;
const LITERAL = String.raw`${QUOTED}|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?[uU]?|true|false|null`;
const OPERATOR = '==|!=|>=|<=|>|<';
const PATH_FIRST = new RegExp(`^(${PATH})\\s*(${OPERATOR})\\s*(${LITERAL})$`);
const LITERAL_FIRST = new RegExp(`^(${LITERAL})\\s*(${OPERATOR})\\s*(${PATH})$`);
const IN_LIST = new RegExp(`^(${PATH})\\s+in\\s+\\[\\s*((?:${LITERAL})(?:\\s*,\\s*(?:${LITERAL}))*)?\\s*\\]$`);

/**
 * The parts of `expression` joined by a top-level `&&`, each in words. `passed` is the whole condition's result:
 * when a conjunction passed every part held, so no part is judged by the CLI's own reading.
 */
export function clauses(expression: string, values: Readonly<Record<string, unknown>>, passed: boolean): Clause[] {
  return conjuncts(expression).map((text) => {
    const comparison = comparisonOf(text);
    if (!comparison) return { text, holds: passed ? true : undefined, words: text };
    const known = Object.hasOwn(values, comparison.path);
    const seen = values[comparison.path];
    const holds = passed ? true : known ? judge(comparison, seen) : undefined;
    return { text, holds, words: known ? told(comparison, seen, holds) : `${text} (${comparison.path} is missing or was not read)` };
  });
}

/** The top-level `&&` parts; the whole expression when it has a top-level `||` or `?:` (splitting would change its meaning). */
export function conjuncts(expression: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote = '';
  let start = 0;
  for (let i = 0; i < expression.length; i++) {
    const c = expression[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = '';
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) depth--;
    else if (depth === 0 && (expression.startsWith('||', i) || c === '?')) return [unwrap(expression.trim())];
    else if (depth === 0 && expression.startsWith('&&', i)) { parts.push(expression.slice(start, i)); start = i + 2; i++; }
  }
  parts.push(expression.slice(start));
  return parts.map((p) => unwrap(p.trim())).flatMap((p) => (p === expression.trim() ? [p] : conjuncts(p)));
}

/** `(a && b)` → `a && b`, only when the parentheses enclose the whole text. */
function unwrap(text: string): string {
  if (!text.startsWith('(') || !text.endsWith(')')) return text;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')') depth--;
    if (depth === 0 && i < text.length - 1) return text;
  }
  return text.slice(1, -1).trim();
}

function comparisonOf(text: string): Comparison | undefined {
  let m = PATH_FIRST.exec(text);
  if (m) return { path: compactPath(m[1]), op: m[2] as Operator, literal: literalValue(m[3]) };
  m = LITERAL_FIRST.exec(text);
  if (m) return { path: compactPath(m[3]), op: FLIPPED[m[2]], literal: literalValue(m[1]) };
  m = IN_LIST.exec(text);
  if (m) return { path: compactPath(m[1]), op: 'in', literal: m[2] === undefined ? [] : [...m[2].matchAll(new RegExp(LITERAL, 'g'))].map((l) => literalValue(l[0])) };
  return undefined;
}

/** The trace keys paths as written without spaces (`subject["plan"]`). */
const compactPath = (path: string) => path.replace(/\s+/g, '');

function literalValue(text: string): unknown {
  if (text.startsWith("'")) return JSON.parse(`"${text.slice(1, -1).replace(/\\'/g, "'").replace(/"/g, '\\"')}"`);
  return JSON.parse(text.replace(/[uU]$/, ''));
}

/** Whether the comparison holds for `seen`; undefined when CEL would not compare these kinds (it reports an error). */
function judge({ op, literal }: Comparison, seen: unknown): boolean | undefined {
  if (op === 'in') {
    const same = (literal as unknown[]).filter((item) => typeof item === typeof seen);
    return same.length ? same.includes(seen) : undefined;
  }
  if (typeof seen !== typeof literal || (typeof seen !== 'number' && typeof seen !== 'string' && op !== '==' && op !== '!=')) return undefined;
  if (op === '==') return seen === literal;
  if (op === '!=') return seen !== literal;
  const a = seen as number | string;
  const b = literal as number | string;
  return op === '<' ? a < b : op === '<=' ? a <= b : op === '>' ? a > b : a >= b;
}

function told({ path, op, literal }: Comparison, seen: unknown, holds: boolean | undefined): string {
  const value = `${path} = ${show(seen)}`;
  if (op === '==') return holds === false ? `${value}, not ${show(literal)}` : holds ? value : `${value} (expected ${show(literal)})`;
  if (op === 'in') return `${value}, ${holds === false ? 'not ' : ''}one of ${show(literal)}`;
  if (op === '!=') return holds === false ? `${value}, which it must not be` : `${value} ≠ ${show(literal)}`;
  return holds === false ? `${value}, not ${SYMBOL[op]} ${show(literal)}` : `${value} ${SYMBOL[op]} ${show(literal)}`;
}

/** A value as CEL would write it: strings in double quotes, lists and maps as compact JSON. */
export const show = (value: unknown): string => (value === undefined ? '(missing)' : JSON.stringify(value));
