import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderText, renderValue } from '../../src/engine/template.ts';
import { RenderBudget, type RenderLimits } from '../../src/engine/render-limits.ts';
import { renderFastText, renderFastValue } from '../../src/actions/webhook/fast-template.ts';

const context = {
  event: {
    id: 'evt_1', type: 'checkout', subject: 'user_7', time: '2026-12-04T05:00:00.000Z',
    properties: {
      amount: 4200, ratio: 0.1, big: 1e21, neg: -0, ok: true, no: false, nothing: null, empty: '',
      html: '<b>"quoted" & \'single\'</b>\n\ttab', unicode: 'ünïcödé 💸', items: [1, 'two', { three: 3 }], nested: { deep: { x: 'y' } },
      size: 'own size', first: 'own first', tags: ['a', 'b'], obj: { a: 1 },
    },
  },
  subject: { id: 'user_7', plan: 'pro' },
  firing: { id: 'f_1', rule: 'r', version: 3 },
  now: '2026-12-04T05:00:01.000Z',
  secrets: { TOKEN: 's3cr3t' },
};

const templates = [
  'plain text, no tags', '', '{{ event.id }}', '{{event.id}}', '{{  event.properties.amount  }}', '{{ event.properties.ratio }}',
  '{{ event.properties.big }}', '{{ event.properties.neg }}', '{{ event.properties.ok }}', '{{ event.properties.no }}',
  '{{ event.properties.nothing }}', '{{ event.properties.empty }}', '{{ event.properties.missing }}', '{{ missing.deeper.still }}',
  '{{ event.properties.nothing.below }}', '{{ event.properties.html }}', '{{ event.properties.unicode }}', '{{ event.properties.items }}',
  '{{ event.properties.nested }}', '{{ event.properties.nested.deep.x }}', '{{ event.properties.items.length }}', '{{ event.id.length }}',
  '{{ event.properties.tags.size }}', '{{ event.properties.tags.first }}', '{{ event.properties.size }}', '{{ event.properties.obj }}',
  '{{ event.constructor }}', '{{ constructor }}', '{{ event.__proto__ }}', '{{ event.properties.amount.toString }}',
  'Bearer {{ secrets.TOKEN }}', 'https://example.com/users/{{ subject.id }}?plan={{ subject.plan }}', '{{ event.id }}{{ event.type }}',
  ' {{ event.id }} ', '{{ event.id | upcase }}', '{{- event.id -}}', 'a {{- event.id }} b', '{% if event.properties.ok %}yes{% endif %}',
  '{{ event["id"] }}', '{{ event.properties.items[0] }}', 'x } y {{ event.id }}', '{ "id": "{{ event.id }}" }', '{{ "literal" }}', '{{ 42 }}',
];

function both<T>(render: (budget: RenderBudget) => T, limits?: RenderLimits): { value?: T; error?: string; used: RenderBudget['used'] } {
  const budget = new RenderBudget(limits);
  try {
    return { value: render(budget), used: budget.used };
  } catch (error) {
    return { error: `${(error as Error).name}: ${(error as Error).message}`, used: budget.used };
  }
}

test('the fast path renders text exactly as liquidjs does, with the same budget charged', () => {
  for (const source of templates) {
    const slow = both((budget) => renderText(source, context, budget));
    const fast = both((budget) => renderFastText(source, context, budget));
    assert.deepEqual(fast, slow, source);
  }
});

test('the fast path renders structured bodies exactly as liquidjs does (a lone output keeps its type)', () => {
  const body = Object.fromEntries(templates.map((t, i) => [`k${i}`, t]));
  const nested = { list: templates.slice(0, 12), inner: { a: '{{ event.properties.items }}', b: ['{{ event.properties.ok }}', 7, null, true] } };
  for (const value of [body, nested, ...templates]) {
    const slow = both((budget) => JSON.stringify(renderValue(value, context, budget)));
    const fast = both((budget) => JSON.stringify(renderFastValue(value, context, budget)));
    assert.deepEqual(fast, slow, JSON.stringify(value));
  }
});

test('the budget stops the fast path where it stops liquidjs: steps and rendered size', () => {
  const tight: RenderLimits[] = [
    { steps: 1, ms: 100, memory: 1000, actionBytes: 1000 },
    { steps: 2, ms: 100, memory: 1000, actionBytes: 1000 },
    { steps: 1000, ms: 100, memory: 1000, actionBytes: 5 },
  ];
  for (const limits of tight) {
    for (const source of ['{{ event.id }}', 'Bearer {{ secrets.TOKEN }}', '{{ event.properties.html }}', 'a{{ event.id }}b{{ event.type }}c']) {
      assert.deepEqual(both((b) => renderFastText(source, context, b), limits), both((b) => renderText(source, context, b), limits), `${source} ${JSON.stringify(limits)}`);
      assert.deepEqual(both((b) => renderFastValue({ v: source }, context, b), limits), both((b) => renderValue({ v: source }, context, b), limits), `value ${source} ${JSON.stringify(limits)}`);
    }
  }
});

test('values that are not plain data (a Date, a function) are left to liquidjs', () => {
  const odd = { ...context, event: { ...context.event, when: new Date(0), fn: () => 'called' } };
  for (const source of ['{{ event.when }}', '{{ event.fn }}', '{{ event.when.x }}']) {
    assert.deepEqual(both((b) => renderFastText(source, odd, b)), both((b) => renderText(source, odd, b)), source);
    assert.deepEqual(both((b) => JSON.stringify(renderFastValue(source, odd, b))), both((b) => JSON.stringify(renderValue(source, odd, b))), source);
  }
});
