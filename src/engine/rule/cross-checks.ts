// Save-time checks that need the other rules too: cap groups stated two ways, and emit loops. Pure: the
// caller passes the rule documents (the saved ones with the draft in place of its older version).
import type { RuleDocument } from './schema.ts';
import { IDENTIFY_EVENT_TYPE } from '../event.ts';

export interface GroupConflict {
  readonly group: string;
  /** Each rule of the group with what it states, e.g. `{ rule: 'a', max: 3, per: '24h' }`. */
  readonly rules: ReadonlyArray<{ readonly rule: string; readonly max: number; readonly per: string }>;
  /** In words: `group marketing: a says 3 per 24h, b says 5 per 24h (each checks its own)`. */
  readonly message: string;
}

/** Groups whose rules state different `max` / `per` (a warning at save: each rule checks its own). */
export function groupConflicts(rules: readonly RuleDocument[]): GroupConflict[] {
  const byGroup = new Map<string, Array<{ rule: string; max: number; per: string }>>();
  for (const rule of rules) {
    const group = rule.limits?.group;
    if (!group) continue;
    const list = byGroup.get(group.name) ?? [];
    list.push({ rule: rule.id, max: group.max, per: group.per });
    byGroup.set(group.name, list);
  }
  const conflicts: GroupConflict[] = [];
  for (const [group, list] of [...byGroup].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const forms = new Set(list.map((r) => `${r.max} per ${r.per}`));
    if (forms.size < 2) continue;
    list.sort((a, b) => (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0));
    conflicts.push({ group, rules: list, message: `group ${group}: ${list.map((r) => `${r.rule} says ${r.max} per ${r.per}`).join(', ')} (each checks its own)` });
  }
  return conflicts;
}

export interface EmitLoop {
  /** The rule ids of the cycle, starting and ending with the same rule: `['a', 'b', 'a']`. */
  readonly cycle: readonly string[];
  /** In words: `a emits x, which triggers b; b emits y, which triggers a`. */
  readonly message: string;
}

/**
 * Cycles of rules whose `emit` can trigger a rule of the cycle again, by event type (conditions are not
 * read: a loop a condition breaks is still reported; the emit depth limit stays the runtime guard).
 * With `from`, only the cycles through that rule (the one being saved). One cycle per rule it starts from.
 */
export function emitLoops(rules: readonly RuleDocument[], from?: string): EmitLoop[] {
  const sorted = [...rules].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const triggers = new Map<string, readonly string[] | '*'>();
  const emitted = new Map<string, string[]>();
  for (const rule of sorted) {
    triggers.set(rule.id, triggerTypes(rule));
    emitted.set(rule.id, rule.then.flatMap((a) => ('emit' in a && a.emit ? [a.emit.event] : [])));
  }
  const edges = new Map<string, Array<{ to: string; type: string }>>();
  for (const rule of sorted) {
    const out: Array<{ to: string; type: string }> = [];
    for (const type of emitted.get(rule.id)!) {
      for (const other of sorted) {
        const t = triggers.get(other.id)!;
        if (t === '*' || t.includes(type)) out.push({ to: other.id, type });
      }
    }
    edges.set(rule.id, out);
  }
  const loops: EmitLoop[] = [];
  const seen = new Set<string>();
  for (const rule of sorted) {
    if (from !== undefined && rule.id !== from) continue;
    const path = shortestCycle(rule.id, edges);
    if (!path) continue;
    const key = canonical(path.map((p) => p.rule));
    if (seen.has(key)) continue;
    seen.add(key);
    const cycle = [rule.id, ...path.map((p) => p.rule)];
    const message = path.map((p, i) => `${cycle[i]} emits ${p.type}, which triggers ${p.rule}`).join('; ');
    loops.push({ cycle, message });
  }
  return loops;
}

function triggerTypes(rule: RuleDocument): readonly string[] | '*' {
  const event = rule.when.event ?? (rule.when.change ? IDENTIFY_EVENT_TYPE : undefined);
  if (event === undefined) return [];
  const types = Array.isArray(event) ? event : [event];
  // A sequence is completed by its trigger event, but a step's event can complete it too: both count.
  const steps = rule.when.after === undefined ? [] : Array.isArray(rule.when.after) ? rule.when.after : [rule.when.after];
  const all = [...types, ...steps.flatMap((s) => (Array.isArray(s.event) ? s.event : [s.event]))];
  return all.includes('*') ? '*' : all;
}

/** The shortest path of edges from `start` back to itself (breadth first), or undefined. */
function shortestCycle(start: string, edges: ReadonlyMap<string, ReadonlyArray<{ to: string; type: string }>>): Array<{ rule: string; type: string }> | undefined {
  const previous = new Map<string, { from: string; type: string }>();
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    const at = queue[i];
    for (const edge of edges.get(at) ?? []) {
      if (edge.to === start) {
        const path = [{ rule: start, type: edge.type }];
        for (let node = at; node !== start; node = previous.get(node)!.from) path.unshift({ rule: node, type: previous.get(node)!.type });
        return path;
      }
      if (previous.has(edge.to) || edge.to === start) continue;
      previous.set(edge.to, { from: at, type: edge.type });
      queue.push(edge.to);
    }
  }
  return undefined;
}

/** The same cycle found from another of its rules gives the same key. */
function canonical(ids: readonly string[]): string {
  let best = '';
  for (let i = 0; i < ids.length; i++) {
    const rotated = [...ids.slice(i), ...ids.slice(0, i)].join('\u0000');
    if (!best || rotated < best) best = rotated;
  }
  return best;
}
