// Liquid templates: parsed once at save time, rendered with a context that never reaches the prototype chain.
import { Liquid, type Template } from 'liquidjs';

const liquid = new Liquid({ strictFilters: true, ownPropertyOnly: true, cache: false });
const parsed = new Map<string, Template[]>();
const SINGLE_OUTPUT = /^\{\{-?\s*([^{}]+?)\s*-?\}\}$/;

export type TemplateContext = object;

/** Throws with liquidjs's message (which names line and column) when the template does not parse. */
export function checkTemplate(source: string): void {
  parse(source);
}

function parse(source: string): Template[] {
  let templates = parsed.get(source);
  if (!templates) {
    templates = liquid.parse(source);
    if (parsed.size > 10_000) parsed.clear();
    parsed.set(source, templates);
  }
  return templates;
}

export function renderText(source: string, context: TemplateContext): string {
  if (!source.includes('{')) return source;
  return liquid.renderSync(parse(source), context) as string;
}

/**
 * Renders a structured value leaf by leaf. A leaf that is exactly one `{{ expression }}` keeps the
 * expression's type (a number stays a number); any other string leaf renders to a string. Keys are data.
 */
export function renderValue(value: unknown, context: TemplateContext): unknown {
  if (typeof value === 'string') {
    const single = SINGLE_OUTPUT.exec(value);
    if (single) return jsonSafe(liquid.evalValueSync(single[1], context as never));
    return renderText(value, context);
  }
  if (Array.isArray(value)) return value.map((item) => renderValue(item, context));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      Object.defineProperty(out, key, { value: renderValue((value as Record<string, unknown>)[key], context), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return value;
}

/** Checks every string leaf of a structured value; returns the paths of the ones that fail. */
export function checkValueTemplates(value: unknown, path: string, report: (path: string, message: string) => void): void {
  if (typeof value === 'string') {
    try { checkTemplate(value); } catch (error) { report(path, `template does not parse: ${(error as Error).message}`); }
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => checkValueTemplates(item, `${path}[${i}]`, report));
  } else if (value !== null && typeof value === 'object') {
    for (const key of Object.keys(value)) checkValueTemplates((value as Record<string, unknown>)[key], `${path}.${key}`, report);
  }
}

function jsonSafe(value: unknown): unknown {
  return value === undefined ? null : value;
}
