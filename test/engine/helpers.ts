// Builders for engine tests: a rule from a document, an event with defaults.
import { compileRule, type CompiledRule } from '../../src/engine/rule/compile.ts';
import { validateRule } from '../../src/engine/rule/validate.ts';
import type { LoggedEvent } from '../../src/engine/event.ts';

export function rule(doc: Record<string, unknown>, version = 1): CompiledRule {
  const checked = validateRule(doc);
  if (!checked.ok) throw new Error(checked.errors.map((e) => `${e.path}: ${e.message}`).join('; '));
  return compileRule(checked.rule, version);
}

let seq = 0;
export function event(fields: Partial<LoggedEvent> & { type: string }): LoggedEvent {
  seq++;
  return { seq, id: `ev${seq}`, subject: 'u1', time: 1_700_000_000_000, receivedAt: 1_700_000_000_000, properties: {}, depth: 0, ...fields };
}

export const subject = (attributes: Record<string, unknown> = {}, id = 'u1') => {
  const attrs: Record<string, unknown> = Object.create(null);
  for (const key of Object.keys(attributes)) attrs[key] = attributes[key];
  return { id, attributes: attrs };
};
