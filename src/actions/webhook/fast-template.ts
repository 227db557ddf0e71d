// The common webhook templates without liquidjs: text with no tags, a lone `{{ a.b.c }}`, or text mixed
// with such outputs (`Bearer {{ secrets.TOKEN }}`). Everything else, and any value that is not plain
// JSON data, goes to liquidjs (engine/template.ts). Output and render budget are exactly liquidjs's:
// property reads follow its `readProperty` with `ownPropertyOnly`, and the budget is charged the steps
// its renderer counts (one per node, plus one) and the same text.
import { renderText, renderValue } from '../../engine/template.ts';
import type { RenderBudget } from '../../engine/render-limits.ts';

/** A dotted path of plain identifiers; `size`, `first` and `last` mean something else to liquidjs. */
type Path = readonly string[];
type Plan =
  | { readonly kind: 'liquid' }
  | { readonly kind: 'single'; readonly path: Path }
  | { readonly kind: 'mixed'; readonly parts: ReadonlyArray<string | Path> };

const LIQUID: Plan = { kind: 'liquid' };
const OUTPUT = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\s*\}\}/g;
const SPECIAL = new Set(['size', 'first', 'last']);
const plans = new Map<string, Plan>();
const MAX_PLANS = 10_000;
/** A read the fast path does not do like liquidjs would (a function, a Drop-like value): liquidjs renders it. */
const UNSUPPORTED = Symbol('unsupported');

function plan(source: string): Plan {
  let found = plans.get(source);
  if (!found) {
    found = makePlan(source);
    if (plans.size >= MAX_PLANS) plans.clear();
    plans.set(source, found);
  }
  return found;
}

function makePlan(source: string): Plan {
  const parts: Array<string | Path> = [];
  let done = 0;
  for (const match of source.matchAll(OUTPUT)) {
    const path = match[1].split('.');
    if (path.some((key) => SPECIAL.has(key))) return LIQUID;
    const literal = source.slice(done, match.index);
    // Literal text must hold no other markup (tags, trimmed or filtered outputs, stray braces).
    if (/[{}]/.test(literal)) return LIQUID;
    if (literal) parts.push(literal);
    parts.push(path);
    done = match.index + match[0].length;
  }
  const tail = source.slice(done);
  if (/[{}]/.test(tail) || !parts.length) return LIQUID;
  if (tail) parts.push(tail);
  return parts.length === 1 ? { kind: 'single', path: parts[0] as Path } : { kind: 'mixed', parts };
}

/** liquidjs's `ctx.get(path)` over a plain-data context (ownPropertyOnly), or UNSUPPORTED. */
function read(context: object, path: Path): unknown {
  // liquidjs looks the first key up in the context (its own scope is empty), own properties only.
  let value: unknown = own(context, path[0]);
  for (let i = 1; i < path.length; i++) {
    if (value === null || value === undefined) return value;
    if (!plainValue(value)) return UNSUPPORTED;
    value = own(value, path[i]);
  }
  return plainValue(value) ? value : UNSUPPORTED;
}

function own(object: unknown, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(object, key) ? (object as Record<string, unknown>)[key] : undefined;
}

/** JSON data: what a liquidjs read returns as is (no toLiquid, no Drop, no function to call). */
function plainValue(value: unknown): boolean {
  switch (typeof value) {
    case 'string': case 'number': case 'boolean': case 'undefined': return true;
    case 'object': {
      if (value === null || Array.isArray(value)) return true;
      const proto = Object.getPrototypeOf(value);
      return (proto === Object.prototype || proto === null) && typeof (value as { toLiquid?: unknown }).toLiquid !== 'function';
    }
    default: return false;
  }
}

/** What liquidjs writes for a value in text, for the values the fast path renders as text. */
function textOf(value: unknown): string | typeof UNSUPPORTED {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return '';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return UNSUPPORTED; // objects and arrays: liquidjs's own stringify
}

/** Same output and budget charges as engine renderText. */
export function renderFastText(source: string, context: object, budget: RenderBudget): string {
  if (!source.includes('{')) return renderText(source, context, budget);
  const found = plan(source);
  if (found.kind === 'liquid') return renderText(source, context, budget);
  const parts = found.kind === 'single' ? [found.path] : found.parts;
  const texts: string[] = [];
  for (const part of parts) {
    if (typeof part === 'string') { texts.push(part); continue; }
    const text = textOf(read(context, part));
    if (text === UNSUPPORTED) return renderText(source, context, budget);
    texts.push(text);
  }
  // liquidjs's renderer: a step before the templates and one per template node, each piece charged as written.
  budget.renderMeter.check(performance.now());
  for (const text of texts) {
    budget.renderMeter.check(performance.now());
    budget.chargeText(text);
  }
  return texts.join('');
}

/** Same result and budget charges as engine renderValue: a lone `{{ path }}` leaf keeps its type. */
export function renderFastValue(value: unknown, context: object, budget: RenderBudget): unknown {
  if (typeof value === 'string') {
    if (!value.includes('{')) return renderText(value, context, budget);
    const found = plan(value);
    if (found.kind === 'mixed') return renderFastText(value, context, budget);
    if (found.kind === 'liquid') return renderValue(value, context, budget);
    const read_ = read(context, found.path);
    if (read_ === UNSUPPORTED) return renderValue(value, context, budget);
    const result = read_ === undefined ? null : read_;
    budget.chargeText(typeof result === 'string' ? result : JSON.stringify(result) ?? '');
    return result;
  }
  if (Array.isArray(value)) return value.map((item) => renderFastValue(item, context, budget));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      Object.defineProperty(out, key, { value: renderFastValue((value as Record<string, unknown>)[key], context, budget), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return value;
}
