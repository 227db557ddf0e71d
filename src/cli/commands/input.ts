// JSON and YAML typed by people on the command line or in files: read them, or say in plain words where they break.
import { readFile } from 'node:fs/promises';
import type { Document, YAMLError } from 'yaml';
import { InputError } from './problems.ts';

/** A file named on the command line; a missing or unreadable one is the person's input problem, not a crash. */
export async function readTextFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new InputError(`${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder, not a file' : code === 'EACCES' ? 'permission denied' : (error as Error).message}`);
  }
}

/** `text` as JSON; `where` names it in the error (`--data`, a file name). */
export function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // V8's messages differ by version and quote the whole input; find the place ourselves.
    const problem = jsonProblem(text) ?? { at: 0, expected: 'valid JSON' };
    throw new InputError(located(text, problem.at, `${where} is not valid JSON`, problem.expected));
  }
}

/** The YAML documents in `text`, or an error naming the file and the line of the first problem. */
export async function parseYamlDocuments(text: string, where: string): Promise<Document[]> {
  const { parseAllDocuments } = await import('yaml');
  const documents = parseAllDocuments(text);
  const list = Array.isArray(documents) ? documents : [];
  const broken = list.find((d) => d.errors.length);
  if (broken) throw yamlError(text, where, broken.errors[0]);
  return list;
}

export function yamlError(text: string, where: string, error: YAMLError): InputError {
  // The library's message ends with its own excerpt after the first line; ours is added by `located`.
  const message = error.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
  return new InputError(located(text, error.pos[0], `${where} is not valid YAML`, lowerFirst(message)));
}

/** "<what> at line L, column C: <problem>", then the line and a caret under the place. */
function located(text: string, at: number, what: string, problem: string): string {
  // A problem found at the end of the text (a bracket never closed) is shown after the last thing written.
  if (/^\s*$/.test(text.slice(at)) && at > 0) at = text.trimEnd().length;
  const before = text.slice(0, at);
  const line = before.split('\n').length;
  const start = before.lastIndexOf('\n') + 1;
  const end = text.indexOf('\n', at) === -1 ? text.length : text.indexOf('\n', at);
  const column = at - start + 1;
  const source = text.slice(start, end);
  // A long line (a one-line JSON document) is cut around the place so the caret stays on screen.
  const from = Math.max(0, column - 50);
  const shown = `${from > 0 ? '…' : ''}${source.slice(from, from + 100)}${source.length > from + 100 ? '…' : ''}`;
  const caret = ' '.repeat(column - 1 - from + (from > 0 ? 1 : 0));
  return `${what} at line ${line}, column ${column}: ${problem}\n  ${shown}\n  ${caret}^`;
}

const lowerFirst = (text: string) => text.charAt(0).toLowerCase() + text.slice(1);

interface JsonProblem { readonly at: number; readonly expected: string }

/** Where JSON.parse gave up, by a small recursive-descent reader of the JSON grammar. */
export function jsonProblem(text: string): JsonProblem | undefined {
  let i = 0;
  const fail = (expected: string): never => { throw { at: i, expected } satisfies JsonProblem; };
  const space = () => { while (i < text.length && ' \t\n\r'.includes(text[i])) i++; };
  const found = () => (i >= text.length ? 'the end of the text' : text[i] === '"' ? `'"'` : `"${text[i]}"`);
  const literal = (word: string) => { if (!text.startsWith(word, i)) fail(`expected a value, found ${found()}`); i += word.length; };
  const string = () => {
    i++;
    while (i < text.length && text[i] !== '"') {
      if (text.charCodeAt(i) < 0x20) fail('a line break or control character inside a string must be escaped (\\n)');
      if (text[i] === '\\') {
        i++;
        if (text[i] === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) i += 4;
        else if (!'"\\/bfnrt'.includes(text[i] ?? '')) fail('an unknown escape in a string');
      }
      i++;
    }
    if (i >= text.length) fail('a string is not closed with "');
    i++;
  };
  const value = (): void => {
    space();
    const c = text[i];
    if (c === '{') {
      i++; space();
      if (text[i] === '}') { i++; return; }
      for (;;) {
        space();
        if (text[i] !== '"') fail(text[i] === "'" ? 'property names need double quotes, not single quotes' : `expected a property name in double quotes, found ${found()}`);
        string(); space();
        if (text[i] !== ':') fail(`expected ":" after the property name, found ${found()}`);
        i++; value(); space();
        if (text[i] === ',') { i++; space(); if (text[i] === '}') fail('a comma before "}" (trailing commas are not allowed)'); continue; }
        if (text[i] === '}') { i++; return; }
        fail(`expected "," or "}", found ${found()}`);
      }
    }
    if (c === '[') {
      i++; space();
      if (text[i] === ']') { i++; return; }
      for (;;) {
        value(); space();
        if (text[i] === ',') { i++; space(); if (text[i] === ']') fail('a comma before "]" (trailing commas are not allowed)'); continue; }
        if (text[i] === ']') { i++; return; }
        fail(`expected "," or "]", found ${found()}`);
      }
    }
    if (c === '"') return string();
    if (c === "'") fail('strings need double quotes, not single quotes');
    if (c === 't') return literal('true');
    if (c === 'f') return literal('false');
    if (c === 'n') return literal('null');
    const number = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (!number) fail(`expected a value, found ${found()}`);
    i += number![0].length;
  };
  try {
    value(); space();
    if (i < text.length) fail(`unexpected ${found()} after the end of the JSON value`);
    return undefined;
  } catch (problem) {
    return problem as JsonProblem;
  }
}
