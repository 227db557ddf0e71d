// What the engine does to a cel-js AST after type-checking: meter every node against the budget of the
// evaluation in progress, and run `matches` on RE2. This reads cel-js internals (ASTNode's `meta`, own
// `evaluate`, the `rcall` shape), so @marcbachmann/cel-js is pinned to an exact version in package.json.
import { activeMeter } from './cel-budget.ts';
import { regexMatches } from './cel-regex.ts';

type Evaluate = (ev: Evaluator, ast: AstNode, ctx: unknown) => unknown;

interface Evaluator {
  run(ast: AstNode, ctx: unknown): unknown;
}

/** The slice of cel-js's ASTNode that is used here. */
export interface AstNode {
  readonly op: string;
  readonly args: unknown;
  readonly start: number;
  readonly meta: { readonly alternate?: AstNode; readonly macro?: Readonly<Record<string, unknown>>; readonly evaluate: Evaluate };
  evaluate: Evaluate;
}

/** Operators and calls that build new values: their results are measured (string length, list size). */
const BUILDERS = new Set(['+', 'call', 'rcall']);
/** Operators whose cost grows with the size of a list operand (`x in list` scans it): operands are measured. */
const SCANNERS = new Set(['in', '==', '!=']);

/** Every node under `root`, each once: arguments, comprehension parts, macro expansions. */
export function astNodes(root: AstNode): AstNode[] {
  const isNode = (value: unknown): value is AstNode => value instanceof (root.constructor as new () => unknown);
  const seen = new Set<AstNode>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) { for (const item of value) visit(item); return; }
    if (!isNode(value) || seen.has(value)) return;
    seen.add(value);
    if (value.op === 'comprehension') {
      const parts = value.args as Readonly<Record<string, unknown>>;
      visit(parts.iterable); visit(parts.init); visit(parts.step);
    } else if (value.op !== 'value') {
      visit(value.args);
    }
    visit(value.meta.alternate);
    const macro = value.meta.macro;
    if (macro) { visit(macro.args); visit(macro.val); visit(macro.exp); }
  };
  visit(root);
  return [...seen];
}

/** The literal patterns of `matches` calls under `root`, with their nodes (for the position): checked at save time. */
export function literalPatterns(root: AstNode): Array<readonly [string, AstNode]> {
  const found: Array<readonly [string, AstNode]> = [];
  for (const node of astNodes(root)) {
    const pattern = matchesParts(node)?.pattern;
    if (pattern?.op === 'value' && typeof pattern.args === 'string') found.push([pattern.args, pattern]);
  }
  return found;
}

/** Meters every node, and replaces cel-js's `string.matches` (JavaScript RegExp) with RE2. */
export function instrument(root: AstNode): void {
  const nodes = astNodes(root);
  const scanned = new Set<AstNode>();
  for (const node of nodes) if (SCANNERS.has(node.op)) for (const operand of node.args as AstNode[]) scanned.add(operand);
  for (const node of nodes) {
    const parts = node.op === 'rcall' ? matchesParts(node) : undefined;
    let inner: Evaluate | undefined = parts ? evaluateMatches(parts.receiver, parts.pattern) : undefined;
    const builds = BUILDERS.has(node.op);
    const isScanned = scanned.has(node);
    // An own `evaluate` replaces ASTNode's, which would otherwise install meta.evaluate over it on first use.
    node.evaluate = (ev, ast, ctx) => {
      const meter = activeMeter();
      meter?.tick();
      inner ??= innerEvaluate(node);
      const result = inner(ev, ast, ctx);
      if (meter && builds) meter.built(result);
      if (meter && isScanned && Array.isArray(result)) meter.tick(result.length);
      return result;
    };
  }
}

/** What ASTNode.evaluate would run for this node (cel-js 8.0.0: alternate, then macro, then meta.evaluate). */
function innerEvaluate(node: AstNode): Evaluate {
  const { alternate, macro } = node.meta;
  if (alternate) return (ev, _ast, ctx) => alternate.evaluate(ev, alternate, ctx);
  if (macro) {
    const m = macro as unknown as AstNode;
    return (ev, _ast, ctx) => (macro.evaluate as Evaluate)(ev, m, ctx);
  }
  return node.meta.evaluate;
}

/** `x.matches(p)` (method form) or `matches(x, p)` (function form): its input and pattern nodes. */
function matchesParts(node: AstNode): { receiver: AstNode; pattern: AstNode } | undefined {
  const args = node.args as readonly unknown[];
  if (node.op === 'rcall' && args[0] === 'matches' && (args[2] as unknown[]).length === 1) {
    return { receiver: args[1] as AstNode, pattern: (args[2] as AstNode[])[0] };
  }
  if (node.op === 'call' && args[0] === 'matches' && (args[1] as unknown[]).length === 2) {
    const [receiver, pattern] = args[1] as AstNode[];
    return { receiver, pattern };
  }
  return undefined;
}

function evaluateMatches(receiver: AstNode, pattern: AstNode): Evaluate {
  return (ev, _ast, ctx) => {
    const input = ev.run(receiver, ctx);
    const source = ev.run(pattern, ctx);
    if (typeof input !== 'string' || typeof source !== 'string') {
      throw new Error(`matches needs a string and a string pattern, got ${celTypeName(input)} and ${celTypeName(source)}`);
    }
    return regexMatches(input, source);
  };
}

function celTypeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'list';
  if (typeof value === 'bigint') return 'int';
  if (typeof value === 'number') return 'double';
  if (typeof value === 'object') return 'map';
  return typeof value;
}
