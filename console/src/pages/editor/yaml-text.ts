// The rule document as YAML and back: keys in the order people read a rule, and parse errors with line and column.
import { parseDocument, stringify } from 'yaml';
import type { Doc } from './path.ts';

const ORDER = ['id', 'name', 'description', 'enabled', 'when', 'limits', 'then', 'delivery', 'holdout', 'goal', 'goals', 'guardrails'];

export function toYaml(doc: Doc): string {
  const ordered: Doc = {};
  for (const key of ORDER) if (doc[key] !== undefined) ordered[key] = doc[key];
  for (const key of Object.keys(doc)) if (!(key in ordered)) ordered[key] = doc[key];
  return stringify(ordered, { lineWidth: 0 });
}

export type YamlResult = { ok: true; doc: Doc } | { ok: false; line?: number; column?: number; message: string };

export function fromYaml(text: string): YamlResult {
  const parsed = parseDocument(text, { uniqueKeys: true });
  const error = parsed.errors[0];
  if (error) {
    const at = error.linePos?.[0];
    return { ok: false, line: at?.line, column: at?.col, message: error.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '') };
  }
  const value: unknown = parsed.toJS();
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { ok: false, message: 'not-a-mapping' };
  return { ok: true, doc: value as Doc };
}
