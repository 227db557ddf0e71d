// Property: a rule with memory that keeps of stored events only the properties it can read later (the
// projection, memory/projection.ts) answers exactly as the same rule keeping whole events: the same firings
// (with the same rendered deliveries), suppressions, decisions, errors and subject attributes, on random rules
// whose conditions and templates read random paths of random events, earlier steps' properties included.
// Also when memories stored whole by the unprojected engine are carried on by the projected one.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { replay, type ReplaySink } from '../../src/engine/replay.ts';
import { RuleSet } from '../../src/engine/ruleset.ts';
import { TimerQueue } from '../../src/engine/timeline.ts';
import { RateLimiter } from '../../src/engine/rate.ts';
import { DEFAULT_ENGINE_OPTIONS } from '../../src/engine/step.ts';
import { compileRule, type CompiledRule } from '../../src/engine/rule/compile.ts';
import { DEFAULT_DELIVERY_POLICY } from '../../src/engine/rule/compile.ts';
import { validateRule } from '../../src/engine/rule/validate.ts';
import { ruleProjection } from '../../src/engine/memory/reads.ts';
import { renderDelivery } from '../../src/actions/render-action.ts';
import { DEFAULT_FIELD_SIZE_LIMITS } from '../../src/actions/render.ts';
import { RenderBudget, DEFAULT_RENDER_LIMITS } from '../../src/engine/render-limits.ts';
import type { LoggedEvent } from '../../src/engine/event.ts';
import type { EngineOptions, SubjectState } from '../../src/engine/types.ts';

const S = 1000;

const KEYS = ['x', 'y', 'z', 'w', 'size', 'first'] as const;
const valueArb = fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constantFrom('a', 'b'), fc.constant(null));
const propertiesArb = fc.dictionary(fc.constantFrom(...KEYS), valueArb, { maxKeys: 5 });

const eventArb = fc.record({
  type: fc.constantFrom('a', 'b', 'c'),
  subject: fc.constantFrom('u1', 'u2'),
  time: fc.integer({ min: 0, max: 40 }).map((x) => x * 20 * S),
  delay: fc.integer({ min: 0, max: 90 }).map((x) => x * S),
  /** A client clock ahead of the server: τ is the arrival, not `time`. */
  ahead: fc.integer({ min: 0, max: 5 }).map((x) => x === 0),
  properties: propertiesArb,
});

function log(specs: ReadonlyArray<{ type: string; subject: string; time: number; delay: number; ahead: boolean; properties: Record<string, unknown> }>): LoggedEvent[] {
  const events = specs.map((s, i) => {
    const receivedAt = s.time + s.delay;
    return { seq: 0, id: `e${i}`, type: s.type, subject: s.subject, time: s.ahead ? receivedAt + 20 * S : s.time, receivedAt, properties: s.properties, depth: 0, i };
  });
  events.sort((a, b) => a.receivedAt - b.receivedAt || a.i - b.i);
  return events.map(({ i: _, ...e }, k) => ({ ...e, seq: k + 1 }));
}

// Conditions and templates reading random paths: single keys, whole objects, loops, computed keys, `size`.
const stepWhere = ['event.properties.x > 0', 'has(event.properties.y)', 'size(event.properties) > 1', 'size(steps) == 0 || steps[0].properties.x == event.properties.x',
  'event.properties.exists(k, k == "z")', 'steps[0].properties.first == 1', '"first" in steps[0].properties'];
const triggerWhere = ['event.properties.x == 1', 'steps[0].properties.y == event.properties.y', 'size(steps[0].properties) >= 2', 'steps.exists(s, has(s.properties.z))',
  'event.properties.w != 2', 'has(event.properties.size) || steps[size(steps) - 1].properties.x == 2'];
const unlessWhere = ['event.properties.x == trigger.properties.x', 'has(trigger.properties.z)', 'event.properties.y == 1', 'size(trigger.properties) == size(event.properties)'];
const dedupeKey = ['event.properties.x', 'event.type', 'event.properties', 'event.properties.first'];
const templates = ['{{ event.properties.x }}', '{{ steps[0].properties.y }}', '{{ steps[1].properties.z }}|{{ steps[0].id }}', '{% for s in steps %}{{ s.properties.w }},{% endfor %}',
  '{{ event.properties | json }}', '{{ event.properties.size }}', '{{ steps.first.properties.x }}', '{% assign e = event %}{{ e.properties.z }}',
  '{{ event.properties.y | default: "none" }}', '{{ steps[0].properties[event.properties.first] }}', '{{ window.count }} {{ event.id }} {{ event.time }}', '{{ steps | size }}', 'plain'];

const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });

const ruleArb = (id: string) => fc.record({
  shape: fc.constantFrom('sequence', 'threshold', 'unless', 'wait'),
  trigger: fc.constantFrom('a', 'b', 'c'),
  steps: fc.array(fc.record({ event: fc.constantFrom('a', 'b', 'c'), where: maybe(fc.constantFrom(...stepWhere)) }), { minLength: 1, maxLength: 2 }),
  where: maybe(fc.constantFrom(...triggerWhere)),
  unless: maybe(fc.record({ event: fc.constantFrom('a', 'b', 'c'), where: maybe(fc.constantFrom(...unlessWhere)) })),
  wait: fc.boolean(),
  dedupe: maybe(fc.constantFrom(...dedupeKey)),
  quiet: fc.boolean(),
  texts: fc.array(fc.constantFrom(...templates), { minLength: 3, maxLength: 3 }),
}).map((r) => {
  const when: Record<string, unknown> = { event: r.trigger };
  const sequence = r.shape === 'sequence';
  if (sequence) when.after = r.steps.map((s) => ({ event: s.event, within: '3m', ...(s.where ? { where: s.where } : {}) }));
  if (r.shape === 'threshold') { when.count = { at_least: 2, within: '2m' }; when.wait = '2m'; }
  if (r.shape === 'wait' || (sequence && r.wait)) when.wait = '1m';
  if (r.shape === 'unless' || (sequence && r.unless)) when.unless = { event: r.unless?.event ?? 'c', within: '2m', ...(r.unless?.where ? { where: r.unless.where } : {}) };
  // `steps` only where there are steps; `window` only in a threshold's templates.
  const where = r.where && (sequence || !r.where.includes('steps')) ? r.where : undefined;
  if (where) when.where = where;
  const text = (t: string) => (!sequence && t.includes('steps')) || (r.shape !== 'threshold' && t.includes('window')) ? '{{ event.properties.w }}' : t;
  const limits: Record<string, unknown> = {};
  if (r.dedupe) limits.dedupe = { key: r.dedupe, within: '5m' };
  if (r.quiet) limits.quiet_hours = { from: '00:04', to: '00:07', then: 'delay' };
  return {
    id, when, ...(Object.keys(limits).length ? { limits } : {}),
    then: [
      { log: { message: text(r.texts[0]) } },
      { webhook: { url: 'https://example.com/hook', body: { one: text(r.texts[1]), two: `[${text(r.texts[2])}]` } } },
      { set: { [`seen_${id}`]: text(r.texts[2]) } },
    ],
  };
});

function compile(doc: Record<string, unknown>, projectMemory: boolean): CompiledRule {
  const checked = validateRule(doc);
  if (!checked.ok) throw new Error(`${JSON.stringify(doc)}: ${checked.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`);
  return compileRule(checked.rule, 1, DEFAULT_DELIVERY_POLICY, { projectMemory });
}

/** Everything a replay answers, deliveries as they render (their stored context may be smaller: that is the point). */
function recorder() {
  const out: unknown[] = [];
  const sink: ReplaySink = {
    firing: (f) => out.push(['firing', { ...f, deliveries: f.deliveries.map(({ context, ...d }) => ({ ...d, rendered: render(d.kind, d.spec, context) })) }]),
    suppression: (s) => out.push(['suppression', s]),
    decision: (d, input) => out.push(['decision', d, input.kind === 'event' ? input.event.id : input.timer.id]),
    error: (e, id) => out.push(['error', e, id]),
  };
  return { out, sink };
}

function render(kind: Parameters<typeof renderDelivery>[0], spec: Record<string, unknown>, context: object): unknown {
  try {
    return renderDelivery(kind, spec, { ...context, secrets: {} }, DEFAULT_FIELD_SIZE_LIMITS, new RenderBudget(DEFAULT_RENDER_LIMITS));
  } catch (error) {
    return `failed: ${(error as Error).message}`;
  }
}

/** A snapshot as engines before projection stored it: τ, arrival and properties always. */
function oldSnap(x: Record<string, unknown>): Record<string, unknown> {
  const r = (x.r ?? x.time) as number;
  return { id: x.id, type: x.type, time: x.time, t: x.t ?? Math.min(x.time as number, r), r, p: x.p ?? {}, ...(x.d ? { d: x.d } : {}) };
}

/** The memory in the stored form of engines before projection (every snapshot with `t`, `r` and `p`). */
function oldForm(memory: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!memory) return memory;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(memory)) {
    const e = { ...(value as Record<string, unknown>) } as Record<string, unknown>;
    if (Array.isArray(e.s)) e.s = (e.s as Record<string, unknown>[][]).map((l) => l.map(oldSnap));
    if (Array.isArray(e.q)) e.q = (e.q as Record<string, unknown>[]).map(oldSnap);
    if (Array.isArray(e.b)) e.b = (e.b as Record<string, unknown>[]).map(oldSnap);
    if (Array.isArray(e.i)) {
      e.i = (e.i as Array<Record<string, unknown>>).map((x) => {
        const extra = x.x as Record<string, unknown> | undefined;
        return { ...x, a: oldSnap(x.a as Record<string, unknown>), ...(extra ? { x: { ...extra, ...(extra.steps ? { steps: (extra.steps as Record<string, unknown>[]).map(oldSnap) } : {}) } } : {}) };
      });
    }
    out[key] = e;
  }
  return out;
}

/**
 * Runs the events in two parts (the first with `first`, the rest with `second`), carrying subjects and timers over;
 * with `old`, the memories in between are rewritten to the stored form of engines before projection.
 */
function run(first: RuleSet, second: RuleSet, events: readonly LoggedEvent[], split: number, engine: EngineOptions, old = false) {
  const { out, sink } = recorder();
  const subjects = new Map<string, SubjectState>();
  const timers = new TimerQueue();
  const rate = new RateLimiter();
  replay(first, events.slice(0, split), sink, { engine, subjects, timers, rate });
  if (old) for (const [id, state] of subjects) subjects.set(id, { ...state, memory: oldForm(state.memory as Record<string, unknown> | undefined) });
  replay(second, events.slice(split), sink, { engine, subjects, timers, rate, until: 10 ** 7 });
  const attributes = [...subjects.values()].map((s) => [s.id, { ...s.attributes }]);
  const memoryBytes = [...subjects.values()].reduce((n, s) => n + JSON.stringify(s.memory ?? {}).length, 0);
  return { out, attributes, memoryBytes };
}

describe('memory keeps only what rules read', () => {
  it('answers as whole events do, for random rules, paths and events (also carrying on memories stored whole, in the older form)', () => {
    let smaller = 0;
    let runs = 0;
    fc.assert(fc.property(fc.array(eventArb, { maxLength: 40 }), ruleArb('r1'), ruleArb('r2'), fc.boolean(), fc.nat(40), (specs, d1, d2, inPlace, cut) => {
      const events = log(specs);
      const engine: EngineOptions = { ...DEFAULT_ENGINE_OPTIONS, explain: true, memoryInPlace: inPlace };
      const whole = new RuleSet([compile(d1, false), compile(d2, false)]);
      const projected = new RuleSet([compile(d1, true), compile(d2, true)]);
      const split = Math.min(cut, events.length);
      const expected = run(whole, whole, events, split, engine);
      const actual = run(projected, projected, events, split, engine);
      const carried = run(whole, projected, events, split, engine, true);
      const oldWhole = run(whole, whole, events, split, engine, true);
      assert.deepEqual(actual.out, expected.out);
      assert.deepEqual(actual.attributes, expected.attributes);
      assert.deepEqual(carried.out, expected.out);
      assert.deepEqual(carried.attributes, expected.attributes);
      assert.deepEqual(oldWhole.out, expected.out);
      assert.ok(actual.memoryBytes <= expected.memoryBytes);
      runs++;
      if (actual.memoryBytes < expected.memoryBytes) smaller++;
    }), { numRuns: 300 });
    // The property is not vacuous: projection does shrink memories on these streams.
    assert.ok(smaller > runs / 10, `memory smaller in ${smaller} of ${runs} runs`);
    console.log(`# memory smaller in ${smaller} of ${runs} runs`);
  });

  it('works out the kept properties from conditions, dedupe key and templates', () => {
    const doc = (d: Record<string, unknown>) => { const c = validateRule(d); if (!c.ok) throw new Error(JSON.stringify(c.errors)); return ruleProjection(c.rule); };
    const names = (k: 'all' | ReadonlySet<string>) => (k === 'all' ? 'all' : [...k].sort());
    const p = doc({
      id: 'p', when: { event: 'b', after: [{ event: 'a', within: '1h' }, { event: 'c', within: '1h', where: 'steps[0].properties.q == event.properties.r' }], where: 'event.properties.s > 1',
        unless: { event: 'd', where: 'trigger.properties.t == event.properties.u', within: '1h' } },
      limits: { dedupe: { key: 'event.properties.v', within: '1h' } },
      then: [{ log: { message: '{{ event.properties.w }} {{ steps[1].properties.n.deep }} {{ event.id }} {{ steps[0].type }}' } }],
    });
    // `s` is read by a `where` that does not read `steps`: decided when the trigger arrived, never again.
    assert.deepEqual(names(p.trigger), ['t', 'v', 'w']);
    assert.deepEqual(p.steps.map(names), [['q'], ['n', 'r']]);
    assert.deepEqual(names(p.cancel), ['u']);
    const loop = doc({ id: 'l', when: { event: 'b', after: { event: 'a', within: '1h' } }, then: [{ log: { message: '{% for s in steps %}{{ s.properties.x }}{% endfor %}{{ event.properties.size }}' } }] });
    assert.deepEqual(loop.steps.map(names), ['all']);
    assert.equal(names(loop.trigger), 'all');
    const none = doc({ id: 'n', when: { event: 'b', wait: '1m' }, then: [{ log: { message: 'hello {{ subject.plan }}' } }] });
    assert.deepEqual(names(none.trigger), []);
  });
});
