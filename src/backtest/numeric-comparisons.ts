// The numeric comparisons a condition requires (`event.properties.total >= 30` in a chain of `&&`), found on
// the CEL syntax tree, so that a near miss can say how far a subject was from passing. Pure. A comparison under
// `||` or `!` is not required on its own and is not listed.
import { Environment } from '@marcbachmann/cel-js';
import { conditionPaths } from '../engine/condition-paths.ts';

export type ComparisonOperator = '>=' | '>' | '<=' | '<';

export interface NumericComparison {
  /** As written in the condition: `event.properties.total >= 30`. */
  readonly text: string;
  /** The path compared, as condition traces name it (`event.properties.total`). */
  readonly path: string;
  readonly parts: readonly string[];
  /** The path on the left: `5 < x` is read as `x > 5`. */
  readonly operator: ComparisonOperator;
  readonly bound: number;
}

interface Node {
  readonly op: string;
  readonly args: unknown;
  readonly start: number;
  readonly end: number;
}

const FLIPPED: Readonly<Record<ComparisonOperator, ComparisonOperator>> = { '>=': '<=', '>': '<', '<=': '>=', '<': '>' };
// Parsing only (no type check): the rule was checked when it was saved.
const parser = new Environment({ unlistedVariablesAreDyn: true });

export function numericComparisons(where: string): NumericComparison[] {
  let root: Node;
  try { root = parser.parse(where).ast as unknown as Node; } catch { return []; }
  const found: NumericComparison[] = [];
  const visit = (node: Node): void => {
    if (node.op === '&&') { for (const arg of node.args as Node[]) visit(arg); return; }
    if (!(node.op in FLIPPED)) return;
    const [left, right] = node.args as [Node, Node];
    const text = where.slice(node.start, node.end).trim();
    const leftNumber = numberOf(left);
    const rightNumber = numberOf(right);
    const [pathNode, bound, operator] = rightNumber !== undefined ? [left, rightNumber, node.op as ComparisonOperator]
      : leftNumber !== undefined ? [right, leftNumber, FLIPPED[node.op as ComparisonOperator]] : [undefined, 0, '>=' as const];
    if (!pathNode || !isPath(pathNode)) return;
    const path = conditionPaths(where.slice(pathNode.start, pathNode.end))[0];
    if (!path) return;
    found.push({ text, path: path.text, parts: path.parts, operator, bound });
  };
  visit(root);
  return found;
}

export function holds(comparison: NumericComparison, value: number): boolean {
  switch (comparison.operator) {
    case '>=': return value >= comparison.bound;
    case '>': return value > comparison.bound;
    case '<=': return value <= comparison.bound;
    case '<': return value < comparison.bound;
  }
}

/** How far a value is from passing: 0 when it passes. */
export function shortfall(comparison: NumericComparison, value: number): number {
  if (holds(comparison, value)) return 0;
  return Math.abs(comparison.bound - value);
}

/** A number a condition saw (CEL integers are bigints); undefined for anything else. */
export function asNumber(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'bigint') return Number(value);
  return undefined;
}

function numberOf(node: Node): number | undefined {
  if (node.op === 'value') return asNumber(node.args);
  if (node.op === '-_' || node.op === 'neg') {
    const inner = numberOf((node.args as Node[])[0] ?? (node.args as Node));
    return inner === undefined ? undefined : -inner;
  }
  return undefined;
}

/** `event.properties.total`, `subject["score"]`: field and index steps over `event` or `subject`. */
function isPath(node: Node): boolean {
  if (node.op === 'id') return node.args === 'event' || node.args === 'subject';
  if (node.op === '.') return isPath((node.args as [Node, string])[0]);
  if (node.op === '[]') {
    const [object, key] = node.args as [Node, Node];
    return key.op === 'value' && typeof key.args === 'string' && isPath(object);
  }
  return false;
}
