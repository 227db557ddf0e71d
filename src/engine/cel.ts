// CEL conditions: one environment declaring what a condition can read, compiled and type-checked at save time.
import { Environment } from '@marcbachmann/cel-js';
import { instrument, literalPatterns, type AstNode } from './cel-ast.ts';
import { regexMatches, regexProblem } from './cel-regex.ts';
import { ConditionMeter, runMetered } from './cel-budget.ts';

const TIMESTAMP = 'google.protobuf.Timestamp';

/** The `event` a condition sees; a class so that CEL knows its fields and catches `event.propertes`. */
export class CelEvent {
  constructor(
    readonly id: string,
    readonly type: string,
    readonly subject: string,
    readonly time: Date,
    readonly properties: Readonly<Record<string, unknown>>,
  ) {}
}

const baseEnvironment = new Environment({ unlistedVariablesAreDyn: false, enableOptionalTypes: true, homogeneousAggregateLiterals: false })
  .registerType('Event', { ctor: CelEvent, fields: { id: 'string', type: 'string', subject: 'string', time: TIMESTAMP, properties: 'map<string, dyn>' } })
  .registerVariable('event', 'Event')
  .registerVariable('subject', 'map<string, dyn>')
  .registerVariable('now', TIMESTAMP)
  // The function form of CEL's `matches`; the method form is rerouted to RE2 in cel-ast.ts.
  .registerFunction('matches(string, string): bool', regexMatches);

export interface CelContext {
  readonly event: CelEvent;
  readonly subject: Readonly<Record<string, unknown>>;
  readonly now: Date;
  /** Threshold rules: the window's values (before the event, in `where`). */
  readonly window?: Readonly<Record<string, unknown>>;
  /** Sequence rules: the earlier steps' events, `steps[0]` the first. */
  readonly steps?: readonly CelEvent[];
  /** Change rules: `{attribute, from, to}`. */
  readonly change?: Readonly<Record<string, unknown>>;
  /** In `unless.where`: the event that opened the instance (`event` is the cancelling one). */
  readonly trigger?: CelEvent;
}

/** The variables a rule with memory adds to some of its expressions (MEMORY.md "Trigger shapes"). */
export type CelExtraVariable = 'window' | 'steps' | 'change' | 'trigger';
const EXTRA_TYPES: Readonly<Record<CelExtraVariable, string>> = { window: 'map<string, dyn>', steps: 'list<Event>', change: 'map<string, dyn>', trigger: 'Event' };

const environments = new Map<string, Environment>([['', baseEnvironment]]);
/** The environment declaring `event`, `subject`, `now` and the extra variables; one per combination, built once. */
function environmentWith(extra: readonly CelExtraVariable[]): Environment {
  const key = [...extra].sort().join(',');
  let env = environments.get(key);
  if (!env) {
    env = baseEnvironment.clone({});
    for (const name of extra) env.registerVariable(name, EXTRA_TYPES[name]);
    environments.set(key, env);
  }
  return env;
}

/** A compiled condition; with a meter, evaluation stops with a ConditionBudgetError past its limits. */
export type CelProgram = (context: CelContext, meter?: ConditionMeter) => unknown;

export class CelCompileError extends Error {
  constructor(message: string, readonly line: number, readonly column: number) {
    super(message);
  }
}

/**
 * Parses and type-checks; the condition must be a bool (or dyn, checked again when it runs). Regular
 * expression literals must compile on RE2, the engine they run on.
 */
export function compileCondition(source: string, extra: readonly CelExtraVariable[] = []): CelProgram {
  return compileCel(source, extra, true);
}

/** A CEL expression giving any value (`sum.of`, `distinct.of`, `dedupe.key`). */
export function compileExpression(source: string, extra: readonly CelExtraVariable[] = []): CelProgram {
  return compileCel(source, extra, false);
}

function compileCel(source: string, extra: readonly CelExtraVariable[], condition: boolean): CelProgram {
  let program: ReturnType<Environment['parse']>;
  try {
    program = environmentWith(extra).parse(source);
  } catch (error) {
    throw toCompileError(source, error);
  }
  const checked = program.check();
  if (!checked.valid) throw toCompileError(source, checked.error);
  if (condition && checked.type !== 'bool' && checked.type !== 'dyn') {
    throw new CelCompileError(`must be a true/false condition, but it gives ${checked.type}`, 1, 1);
  }
  const ast = program.ast as unknown as AstNode;
  for (const [pattern, node] of literalPatterns(ast)) {
    const problem = regexProblem(pattern);
    if (problem) throw positioned(source, `invalid regular expression '${pattern}': ${problem}`, node.start);
  }
  instrument(ast);
  return (context, meter) => (meter ? runMetered(meter, () => program(context)) : program(context));
}

function positioned(source: string, message: string, offset: number): CelCompileError {
  const before = source.slice(0, offset).split('\n');
  const line = before.length;
  const column = before[line - 1].length + 1;
  return new CelCompileError(`${message} at line ${line}, column ${column}: ${source.split('\n')[line - 1]}`, line, column);
}

/** cel-js puts the position in a caret drawing below the message; lift it into line and column. */
function toCompileError(source: string, error: unknown): CelCompileError {
  const text = error instanceof Error ? error.message : String(error);
  const [headline, ...drawing] = text.split('\n');
  const pointerLine = drawing.find((l) => /^\s*\^\s*$/.test(l));
  const codeLine = drawing.find((l) => /^>\s+\d+ \| /.test(l));
  let line = 1;
  let column = 1;
  if (pointerLine && codeLine) {
    const match = /^>\s+(\d+) \| /.exec(codeLine)!;
    line = Number(match[1]);
    column = pointerLine.indexOf('^') - match[0].length + 1;
  }
  const lineText = source.split('\n')[line - 1] ?? '';
  return new CelCompileError(`${headline} at line ${line}, column ${column}: ${lineText}`, line, Math.max(1, column));
}
