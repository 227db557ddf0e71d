// The variable paths the Liquid templates of a rule's actions read, found once when the rule is compiled, so
// that a rule with memory keeps of earlier events only the properties its templates can show (MEMORY.md
// "What memory keeps of an event").
import { liquid } from './liquid.ts';

/** One path as liquidjs's static analysis gives it: names, indices, and a nested path for a computed index. */
export type TemplateSegment = string | number | TemplateSegment[];

/**
 * Every global variable path read by the templates in `value`: each string leaf that holds a `{` (the others
 * render as they are, see template.ts). A variable bound by `assign`, `for` or `capture` appears as the path
 * it was bound from (`{% for s in steps %}` reads `steps`), so a path is never narrower than what is read.
 * Undefined when a template cannot be analysed: the caller then keeps everything.
 */
export function templatePaths(value: unknown): TemplateSegment[][] | undefined {
  const paths: TemplateSegment[][] = [];
  const visit = (node: unknown): boolean => {
    if (typeof node === 'string') {
      if (!node.includes('{')) return true;
      try {
        paths.push(...(liquid.globalVariableSegmentsSync(node) as TemplateSegment[][]));
        return true;
      } catch {
        return false;
      }
    }
    if (Array.isArray(node)) return node.every(visit);
    if (node !== null && typeof node === 'object') return Object.keys(node).every((key) => visit((node as Record<string, unknown>)[key]));
    return true;
  };
  return visit(value) ? paths : undefined;
}
