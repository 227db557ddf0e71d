// The one liquidjs instance rules render with: a parse limit, no file system (include, render and layout
// are refused when parsed), and `capture` counted against the render budget's memory.
import { CaptureTag, Liquid, Tag, toValue, type Context, type Emitter } from 'liquidjs';
import { DEFAULT_RENDER_LIMITS } from './render-limits.ts';

/** Longest template source parsed (liquidjs's parseLimit); rule documents are far smaller. */
export const TEMPLATE_PARSE_LIMIT = 256 * 1024;

/** Tags that read other templates from the file system: a rule may not reach the server's files. */
const FILE_TAGS = ['include', 'render', 'layout'] as const;

export const liquid = new Liquid({
  strictFilters: true, ownPropertyOnly: true, cache: false, parseLimit: TEMPLATE_PARSE_LIMIT,
  // Fallbacks only: every render passes its own budget's meters in place of these.
  renderLimit: DEFAULT_RENDER_LIMITS.ms, memoryLimit: DEFAULT_RENDER_LIMITS.memory,
  // An in-memory, empty template store: even a lookup that got past the tags below finds no file.
  templates: {},
});

for (const name of FILE_TAGS) {
  liquid.registerTag(name, class extends Tag {
    constructor(...args: ConstructorParameters<typeof Tag>) {
      super(...args);
      throw new Error(`the ${name} tag is not allowed: templates cannot read files`);
    }
    render(): void {}
  });
}

/**
 * liquidjs's capture renders into a buffer of its own that no limit sees, so `{{a}}{{a}}` captured again
 * and again doubles a string without bound; here each captured piece is charged to the budget's memory.
 */
class MeteredCaptureTag extends CaptureTag {
  override *render(ctx: Context): Generator<unknown, void, string> {
    const html = yield this.liquid.renderer.renderTemplates(this.templates, ctx, new MeteredEmitter(ctx));
    ctx.bottom()[this.variable] = html;
  }
}
liquid.registerTag('capture', MeteredCaptureTag);

class MeteredEmitter implements Emitter {
  buffer = '';
  constructor(private readonly ctx: Context) {}
  write(html: unknown): void {
    const text = stringify(html);
    this.ctx.memoryLimit.use(text.length);
    this.buffer += text;
  }
}

/** liquidjs's own stringify (not exported): what its emitters write for a value. */
export function stringify(value: unknown): string {
  const plain = toValue(value);
  if (typeof plain === 'string') return plain;
  if (plain === null || plain === undefined) return '';
  if (Array.isArray(plain)) return plain.map(stringify).join('');
  return String(plain);
}
