// Conditions as rows (field / operator / value) written as CEL, and CEL read back into rows when it has that
// shape. Anything else (mixed && and ||, parentheses, functions other than these) stays raw CEL: never lost.
export type Operator = '==' | '!=' | '>=' | '>' | '<=' | '<' | 'contains' | 'startsWith' | 'endsWith' | 'in' | 'exists';
export type ValueKind = 'number' | 'string' | 'boolean';
export interface Row { field: string; op: Operator; value: string; kind: ValueKind }
export interface Rows { join: '&&' | '||'; rows: Row[] }

export const OPERATORS: readonly Operator[] = ['==', '!=', '>=', '>', '<=', '<', 'contains', 'startsWith', 'endsWith', 'in', 'exists'];
const FIELD = String.raw`(?:event|subject)(?:\.[A-Za-z_][A-Za-z0-9_]*)+`;
const LITERAL = String.raw`-?\d+(?:\.\d+)?|"(?:[^"\\]|\\.)*"|true|false`;
const COMPARE = new RegExp(String.raw`^(${FIELD})\s*(==|!=|>=|<=|>|<)\s*(${LITERAL})$`);
const METHOD = new RegExp(String.raw`^(${FIELD})\.(contains|startsWith|endsWith)\(("(?:[^"\\]|\\.)*")\)$`);
const IN = new RegExp(String.raw`^(${FIELD})\s+in\s+\[((?:\s*(?:${LITERAL})\s*,?)*)\]$`);
const HAS = new RegExp(String.raw`^has\((${FIELD})\)$`);

/** Splits at top-level `&&` / `||` (outside strings, brackets and parentheses). */
function split(source: string): { parts: string[]; joins: Set<string> } {
  const parts: string[] = [];
  const joins = new Set<string>();
  let depth = 0, quote = false, start = 0;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (quote) { if (c === '\\') i++; else if (c === '"') quote = false; continue; }
    if (c === '"') quote = true;
    else if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth--;
    else if (depth === 0 && (source.startsWith('&&', i) || source.startsWith('||', i))) {
      joins.add(source.slice(i, i + 2));
      parts.push(source.slice(start, i).trim());
      start = i + 2;
      i++;
    }
  }
  parts.push(source.slice(start).trim());
  return { parts, joins };
}

function literal(text: string): { value: string; kind: ValueKind } {
  if (text.startsWith('"')) return { value: JSON.parse(text) as string, kind: 'string' };
  if (text === 'true' || text === 'false') return { value: text, kind: 'boolean' };
  return { value: text, kind: 'number' };
}

/** Rows for a CEL condition, or undefined when it cannot be shown as rows. An empty condition is no rows. */
export function parseRows(source: string | undefined): Rows | undefined {
  if (source === undefined || source.trim() === '') return { join: '&&', rows: [] };
  const { parts, joins } = split(source.trim());
  if (joins.size > 1) return undefined;
  const rows: Row[] = [];
  for (const part of parts) {
    let m = COMPARE.exec(part);
    if (m) { rows.push({ field: m[1], op: m[2] as Operator, ...literal(m[3]) }); continue; }
    m = METHOD.exec(part);
    if (m) { rows.push({ field: m[1], op: m[2] as Operator, value: JSON.parse(m[3]) as string, kind: 'string' }); continue; }
    m = IN.exec(part);
    if (m) {
      const items = [...m[2].matchAll(new RegExp(LITERAL, 'g'))].map((x) => literal(x[0]));
      rows.push({ field: m[1], op: 'in', value: items.map((x) => x.value).join(', '), kind: items[0]?.kind ?? 'string' });
      continue;
    }
    m = HAS.exec(part);
    if (m) { rows.push({ field: m[1], op: 'exists', value: '', kind: 'string' }); continue; }
    return undefined;
  }
  return { join: (joins.values().next().value as '&&' | '||' | undefined) ?? '&&', rows };
}

function valueCel(value: string, kind: ValueKind): string {
  const text = value.trim();
  if (kind === 'number' && /^-?\d+(\.\d+)?$/.test(text)) return text;
  if (kind === 'boolean' && (text === 'true' || text === 'false')) return text;
  return JSON.stringify(value);
}

export function rowCel(row: Row): string {
  switch (row.op) {
    case 'exists': return `has(${row.field})`;
    case 'contains': case 'startsWith': case 'endsWith': return `${row.field}.${row.op}(${JSON.stringify(row.value)})`;
    case 'in': return `${row.field} in [${row.value.split(',').map((v) => v.trim()).filter(Boolean).map((v) => valueCel(v, row.kind)).join(', ')}]`;
    default: return `${row.field} ${row.op} ${valueCel(row.value, row.kind)}`;
  }
}

/** The CEL of the rows; rows without a field are left out (still being filled in). */
export function rowsCel(rows: Rows): string {
  return rows.rows.filter((r) => r.field.trim()).map(rowCel).join(` ${rows.join} `);
}

/** The kind a catalogue type suggests for a value (`integer` → number). */
export function kindOf(types: readonly string[] | undefined, value: string): ValueKind {
  if (types?.some((t) => t === 'integer' || t === 'number')) return 'number';
  if (types?.includes('boolean')) return 'boolean';
  if (types?.includes('string')) return 'string';
  return /^-?\d+(\.\d+)?$/.test(value.trim()) ? 'number' : value === 'true' || value === 'false' ? 'boolean' : 'string';
}
