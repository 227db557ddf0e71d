// Which properties of stored events a rule can read later (MEMORY.md "What memory keeps of an event"): its
// conditions evaluated again on stored events, its dedupe key, and its actions' templates.
import type { RuleDocument } from '../rule/schema.ts';
import { readPaths } from '../condition-paths.ts';
import { templatePaths, type TemplateSegment } from '../template-paths.ts';
import { KeepBuilder, readSteps, type Projection } from './projection.ts';

type Root = 'event' | 'steps' | 'trigger';

/** Reads of `root` in a CEL expression, each with the path after the root. */
function celReads(source: string, root: Root): TemplateSegment[][] {
  return readPaths(source).filter((p) => p.parts[0] === root).map((p) => p.parts.slice(1));
}

function readsVariable(source: string, root: Root): boolean {
  return readPaths(source).some((p) => p.parts[0] === root);
}

export function ruleProjection(document: RuleDocument): Projection {
  const when = document.when;
  const after = when.after === undefined ? [] : Array.isArray(when.after) ? when.after : [when.after];
  const trigger = new KeepBuilder();
  const cancel = new KeepBuilder();
  const steps = after.map(() => new KeepBuilder());

  // The trigger's `where` is evaluated again on a stored trigger only when it reads `steps` (on each chain).
  if (when.where && readsVariable(when.where, 'steps')) {
    for (const rest of celReads(when.where, 'event')) trigger.read(rest);
    for (const rest of celReads(when.where, 'steps')) readSteps(steps, rest);
  }
  after.forEach((step, i) => {
    if (!step.where || !readsVariable(step.where, 'steps')) return; // decided when the event arrived
    for (const rest of celReads(step.where, 'event')) steps[i].read(rest);
    for (const rest of celReads(step.where, 'steps')) readSteps(steps, rest);
  });
  const unlessWhere = when.unless?.where;
  if (unlessWhere && readsVariable(unlessWhere, 'trigger')) {
    for (const rest of celReads(unlessWhere, 'trigger')) trigger.read(rest);
    for (const rest of celReads(unlessWhere, 'event')) cancel.read(rest);
  }
  const dedupeKey = document.limits?.dedupe?.key;
  if (dedupeKey) for (const rest of celReads(dedupeKey, 'event')) trigger.read(rest);

  const templates = templatePaths(document.then);
  if (!templates) {
    trigger.all();
    for (const s of steps) s.all();
  } else {
    for (const path of templates) {
      if (path[0] === 'event') trigger.read(path.slice(1));
      else if (path[0] === 'steps') readSteps(steps, path.slice(1));
    }
  }
  return { trigger: trigger.build(), steps: steps.map((s) => s.build()), cancel: cancel.build() };
}
