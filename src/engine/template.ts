// Liquid templates: parsed once (at save time, then cached), rendered within a RenderBudget, with a context
// that never reaches the prototype chain and no file system (include, render and layout are refused).
import { Context, toValueSync, Value, type Emitter, type Template } from 'liquidjs';
import { liquid, stringify } from './liquid.ts';
import { RenderLimitError, type RenderBudget } from './render-limits.ts';

export { TEMPLATE_PARSE_LIMIT } from './liquid.ts';

/** A parsed template; a source that is exactly one `{{ expression }}` also keeps that expression, parsed. */
interface Compiled {
  readonly templates: Template[];
  readonly single?: Value;
}

const compiled = new Map<string, Compiled>();
const SINGLE_OUTPUT = /^\{\{-?\s*([^{}]+?)\s*-?\}\}$/;
const MAX_CACHED = 10_000;

export type TemplateContext = object;

/** Throws with liquidjs's message (which names line and column) when the template does not parse or uses a refused tag. */
export function checkTemplate(source: string): void {
  compile(source);
}

function compile(source: string): Compiled {
  let entry = compiled.get(source);
  if (!entry) {
    const single = SINGLE_OUTPUT.exec(source);
    entry = { templates: liquid.parse(source), single: single ? new Value(single[1], liquid) : undefined };
    if (compiled.size >= MAX_CACHED) compiled.clear();
    compiled.set(source, entry);
  }
  return entry;
}

export function renderText(source: string, context: TemplateContext, budget: RenderBudget): string {
  if (!source.includes('{')) {
    budget.chargeText(source);
    return source;
  }
  const { templates } = compile(source);
  const output = new BudgetEmitter(budget);
  return unwrapLimit(() => toValueSync(liquid.renderer.renderTemplates(templates, budgetContext(context, budget), output)) as string);
}

/**
 * Renders a structured value leaf by leaf. A leaf that is exactly one `{{ expression }}` keeps the
 * expression's type (a number stays a number); any other string leaf renders to a string. Keys are data.
 */
export function renderValue(value: unknown, context: TemplateContext, budget: RenderBudget): unknown {
  if (typeof value === 'string') {
    const single = value.includes('{') ? compile(value).single : undefined;
    if (!single) return renderText(value, context, budget);
    const result = jsonSafe(unwrapLimit(() => toValueSync(single.value(budgetContext(context, budget), false))));
    budget.chargeText(typeof result === 'string' ? result : JSON.stringify(result) ?? '');
    return result;
  }
  if (Array.isArray(value)) return value.map((item) => renderValue(item, context, budget));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      Object.defineProperty(out, key, { value: renderValue((value as Record<string, unknown>)[key], context, budget), enumerable: true, writable: true, configurable: true });
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

/** A fresh scope per template (assign and capture stay local) with the budget's meters as liquidjs's limiters. */
function budgetContext(context: TemplateContext, budget: RenderBudget): Context {
  // liquidjs types its Limiter class nominally (private fields); the meters have the same two methods.
  const limiters = { renderLimit: budget.renderMeter, memoryLimit: budget.memoryMeter, liquid } as unknown as LiquidLimiters;
  return new Context(context, liquid.options, SYNC, limiters);
}

type LiquidLimiters = ConstructorParameters<typeof Context>[3];
const SYNC = { sync: true } as const;

/** liquidjs's string output, with every piece counted against the action's size cap as it is written. */
class BudgetEmitter implements Emitter {
  buffer = '';
  constructor(private readonly budget: RenderBudget) {}
  write(html: unknown): void {
    const text = stringify(html);
    this.budget.chargeText(text);
    this.buffer += text;
  }
}

/** liquidjs wraps what a tag throws in its own RenderError; a limit is passed on as itself. */
function unwrapLimit<T>(render: () => T): T {
  try {
    return render();
  } catch (error) {
    for (let e: unknown = error; e instanceof Error; e = (e as { originalError?: unknown }).originalError) {
      if (e instanceof RenderLimitError) throw e;
    }
    throw error;
  }
}

function jsonSafe(value: unknown): unknown {
  return value === undefined ? null : value;
}
