import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { Tokenizer } from 'liquidjs';
import { checkTemplate, renderText, renderValue, TEMPLATE_PARSE_LIMIT } from '../../src/engine/template.ts';
import { DEFAULT_RENDER_LIMITS, RenderBudget, RenderLimitError, type RenderLimitName, type RenderLimits } from '../../src/engine/render-limits.ts';
import { validateRule } from '../../src/engine/rule/validate.ts';

const NESTED_LOOP = '{% for i in (1..100000000) %}{% for j in (1..100000000) %}x{% endfor %}{% endfor %}';
const RANGE_FROM_EVENT = '{% for i in (1..event.properties.n) %}x{% endfor %}';
const context = (properties: Record<string, unknown> = {}) => ({ event: { properties }, subject: { id: 'u1' } });
const budget = (limits: Partial<RenderLimits> = {}) => new RenderBudget({ ...DEFAULT_RENDER_LIMITS, ...limits });

/** Asserts that `render` stops on `limit`, by itself (not wrapped in a liquidjs error), within `ms`. */
function stopsOn(limit: RenderLimitName, render: () => unknown, ms = 1000): void {
  const started = performance.now();
  assert.throws(render, (error: Error) => {
    assert.ok(error instanceof RenderLimitError, `${error.name}: ${error.message}`);
    assert.equal(error.limit, limit);
    assert.match(error.message, new RegExp(`^render limit exceeded \\(${limit}: `));
    return true;
  });
  const took = performance.now() - started;
  assert.ok(took < ms, `stopped after ${took.toFixed(0)} ms`);
}

describe('render limits', () => {
  it('stops nested loops over huge ranges before allocating them (memory)', () => {
    stopsOn('memory', () => renderText(NESTED_LOOP, context(), budget({ ms: 10_000 })));
  });

  it('stops a loop sized by event data after its steps, in about the time the steps take', () => {
    // A loaded machine (CI, parallel tests) must not let the 100 ms clock decide which limit stops it.
    stopsOn('steps', () => renderText(RANGE_FROM_EVENT, context({ n: 100_000 }), budget({ ms: 10_000 })));
    stopsOn('memory', () => renderText(RANGE_FROM_EVENT, context({ n: 3_000_000 }), budget({ ms: 10_000 })));
    assert.equal(renderText(RANGE_FROM_EVENT, context({ n: 3 }), budget()), 'xxx');
  });

  it('counts what capture builds: a string doubled by capturing it twice over is stopped on memory', () => {
    const double = '{% capture a %}{{ a }}{{ a }}{% endcapture %}';
    stopsOn('memory', () => renderText(`{% assign a = "xxxxxxxxxx" %}${double.repeat(25)}{{ a | size }}`, context(), budget()));
    assert.equal(renderText(`{% assign a = "x" %}${double.repeat(3)}{{ a }}`, context(), budget()), 'xxxxxxxx');
  });

  it('stops on time when the steps are allowed but the clock runs out', () => {
    stopsOn('time', () => renderText(RANGE_FROM_EVENT, context({ n: 200_000 }), budget({ steps: Infinity, ms: 1 })));
  });

  it('caps the rendered size of an action while rendering, not after', () => {
    const b = budget({ actionBytes: 1000 });
    stopsOn('size', () => renderText('{% for i in (1..10000) %}0123456789{% endfor %}', context(), b));
    assert.ok(b.used.steps < 300, `stopped after ${b.used.steps} steps`);
    // Counted in UTF-8 bytes: 400 three-byte characters are 1200 bytes.
    stopsOn('size', () => renderText('{{ event.properties.s }}', context({ s: '€'.repeat(400) }), budget({ actionBytes: 1000 })));
    stopsOn('size', () => renderValue({ a: '{{ event.properties.s }}' }, context({ s: 'x'.repeat(1001) }), budget({ actionBytes: 1000 })));
  });

  it('shares one budget across the leaves of an action: each leaf alone fits, together they do not', () => {
    const leaf = '{% for i in (1..20) %}x{% endfor %}'; // 41 steps
    const limits = { steps: 100 };
    assert.deepEqual(renderValue({ a: leaf }, context(), budget(limits)), { a: 'x'.repeat(20) });
    assert.deepEqual(renderValue({ a: leaf, b: leaf }, context(), budget(limits)), { a: 'x'.repeat(20), b: 'x'.repeat(20) });
    stopsOn('steps', () => renderValue({ a: leaf, b: leaf, c: [leaf] }, context(), budget(limits)));
    // The same for memory: three ranges of 400 under a limit of 1000.
    const range = '{% for i in (1..400) %}{% endfor %}';
    stopsOn('memory', () => renderValue([range, range, range], context(), budget({ memory: 1000 })));
  });

  it('counts the size per action, the other limits per evaluation', () => {
    const b = budget({ actionBytes: 10, steps: 1000 });
    renderText('{{ "0123456789" }}', context(), b);
    stopsOn('size', () => renderText('x', context(), b));
    b.beginAction();
    assert.equal(renderText('{{ "0123456789" }}', context(), b), '0123456789');
    assert.ok(b.used.steps >= 2, 'steps go on counting across actions');
  });

  it('keeps the type of a single output and parses its expression once, not on every render', () => {
    const leaves = { n: '{{ event.properties.n }}', s: '{{ event.properties.n }} items' };
    renderValue(leaves, context({ n: 1 }), budget()); // parsed here (as at save time)
    const tokenize = Tokenizer.prototype.readFilteredValue;
    let parses = 0;
    Tokenizer.prototype.readFilteredValue = function (this: Tokenizer) { parses++; return tokenize.call(this); };
    try {
      for (let i = 0; i < 5; i++) {
        assert.deepEqual(renderValue(leaves, context({ n: 42 }), budget()), { n: 42, s: '42 items' });
      }
    } finally {
      Tokenizer.prototype.readFilteredValue = tokenize;
    }
    assert.equal(parses, 0, `the expressions were parsed ${parses} times for 5 renders`);
    stopsOn('memory', () => renderValue('{{ event.properties.s | split: "" | join: "," }}', context({ s: 'x'.repeat(2000) }), budget({ memory: 1000 })));
  });

  it('refuses to parse a template longer than the parse limit', () => {
    assert.doesNotThrow(() => checkTemplate('x'.repeat(TEMPLATE_PARSE_LIMIT)));
    assert.throws(() => checkTemplate('x'.repeat(TEMPLATE_PARSE_LIMIT + 1)), /parse length limit exceeded/);
  });

  it('refuses include, render and layout: templates cannot read files', () => {
    for (const tag of ['{% include "package.json" %}', '{% render "x" %}', '{% layout "x" %}x']) {
      assert.throws(() => checkTemplate(tag), /tag is not allowed: templates cannot read files/, tag);
    }
    const checked = validateRule({ id: 'r', when: { event: 'x' }, then: [{ webhook: { url: 'https://a.example/', body: { text: 'a {% include "/etc/passwd" %}' } } }] });
    assert.equal(checked.ok, false);
    if (checked.ok) return;
    assert.equal(checked.errors.length, 1);
    assert.equal(checked.errors[0].path, 'then[0].webhook.body.text');
    assert.match(checked.errors[0].message, /^template does not parse: the include tag is not allowed: templates cannot read files/);
  });
});
