// What a save reports without refusing: emit loops through the rule saved (directly or through enabled rules)
// and cap groups whose rules state different limits. Pure: the caller passes the enabled rules.
import type { RuleDocument } from '../engine/rule/schema.ts';
import { emitLoops, groupConflicts } from '../engine/rule/cross-checks.ts';

export interface SaveWarning {
  readonly kind: 'emit_loop' | 'group_conflict';
  readonly message: string;
  /** A loop: its cycle, the first rule repeated at the end. A conflict: the group's rules. */
  readonly rules: readonly string[];
  readonly group?: string;
}

/** The enabled rules with `document` in place of its saved version (saved or not, enabled or not: it is the one asked about). */
function withDraft(document: RuleDocument, enabled: readonly { readonly document: RuleDocument }[]): RuleDocument[] {
  return [...enabled.map((r) => r.document).filter((d) => d.id !== document.id), document];
}

export function saveWarnings(document: RuleDocument, enabled: readonly { readonly document: RuleDocument }[]): SaveWarning[] {
  const rules = withDraft(document, enabled);
  const loops = emitLoops(rules, document.id).map((loop): SaveWarning => ({ kind: 'emit_loop', message: `emit loop: ${loop.message}`, rules: loop.cycle }));
  const conflicts = groupConflicts(rules).filter((c) => c.rules.some((r) => r.rule === document.id))
    .map((c): SaveWarning => ({ kind: 'group_conflict', message: c.message, rules: c.rules.map((r) => r.rule), group: c.group }));
  return [...loops, ...conflicts];
}

/** The other enabled rules of the rule's cap group: replayed beside it in a test or an explain, as their firings count for the group. */
export function testCompanions<T extends { readonly document: RuleDocument; readonly version: number }>(document: RuleDocument, enabled: readonly T[]): T[] {
  const group = document.limits?.group?.name;
  if (!group) return [];
  return enabled.filter((r) => r.document.id !== document.id && r.document.limits?.group?.name === group);
}
