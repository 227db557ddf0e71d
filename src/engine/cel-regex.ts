// `matches` in conditions runs on RE2 semantics: linear time in the input, so a pattern such as
// `^(\w+\s?)*$` cannot backtrack for seconds. re2js (a pure JavaScript port of RE2) is used rather than the
// native `re2` package because it needs no native build or binary download at install time.
import { RE2JS } from 're2js';
import { activeMeter } from './cel-budget.ts';

/** Patterns compiled once; bounded, since patterns may come from event data. */
const CACHE_SIZE = 256;
const compiled = new Map<string, RE2JS | string>(); // a pattern → its program, or why RE2 refuses it

/** One step per this many characters scanned: RE2 is linear, but a 1 MB input still takes tens of ms. */
const CHARACTERS_PER_STEP = 16;

const RE2_HINT = 'conditions use RE2 syntax: no backreferences, lookahead or lookbehind';

/** Why RE2 refuses `pattern`, or undefined when it compiles. */
export function regexProblem(pattern: string): string | undefined {
  const program = compile(pattern);
  return typeof program === 'string' ? program : undefined;
}

/** CEL `matches`: true when `pattern` matches anywhere in `input`. Throws for a pattern RE2 refuses. */
export function regexMatches(input: string, pattern: string): boolean {
  const program = compile(pattern);
  if (typeof program === 'string') throw new Error(`matches: invalid regular expression '${pattern}': ${program}`);
  activeMeter()?.tick(Math.ceil(input.length / CHARACTERS_PER_STEP));
  return program.test(input);
}

function compile(pattern: string): RE2JS | string {
  let program = compiled.get(pattern);
  if (program !== undefined) {
    compiled.delete(pattern); // refresh its place: least recently used goes first
  } else {
    try {
      program = RE2JS.compile(pattern);
    } catch (error) {
      program = `${(error as Error).message.replace(/^error parsing regexp: /, '')} (${RE2_HINT})`;
    }
    if (compiled.size >= CACHE_SIZE) compiled.delete(compiled.keys().next().value!);
  }
  compiled.set(pattern, program);
  return program;
}
