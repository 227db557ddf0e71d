// "Test on one event": runs the real engine on an event (after the subject's earlier events, if given)
// without storing or sending anything, and shows the trace, what blocked the rule or what each action would
// do (rendered, with secrets masked), the window values, the timers waiting and the suppressions.
import { compileRule } from '../engine/rule/compile.ts';
import type { GlobalControl } from '../engine/holdout/assignment.ts';
import type { RuleDocument } from '../engine/rule/schema.ts';
import { RuleSet } from '../engine/ruleset.ts';
import { step } from '../engine/step.ts';
import { evaluateRule, celContext } from '../engine/evaluate.ts';
import { renderAction } from '../actions/render-action.ts';
import { DEFAULT_FIELD_SIZE_LIMITS } from '../actions/render.ts';
import { DEFAULT_RENDER_LIMITS, RenderBudget, type RenderLimits } from '../engine/render-limits.ts';
import type { LoggedEvent } from '../engine/event.ts';
import { validateEvent, type EventLimits } from '../ingest/validate-event.ts';
import type { ConditionLimits } from '../engine/condition-limits.ts';
import type { EngineOptions, MemoryLimits } from '../engine/types.ts';
import { explainReplay } from '../explain/explain-replay.ts';

/** The event given to test with is not a valid event; the message names the field. */
export class InvalidTestEventError extends Error {}

export interface TestRuleInput {
  readonly document: RuleDocument;
  readonly version: number;
  readonly event: unknown;
  /** The subject's earlier events, oldest first: replayed before the event (windows, sequences, timers, caps). */
  readonly events?: readonly unknown[];
  /** Other enabled rules of the rule's cap group: their firings count for the group. */
  readonly companions?: readonly { readonly document: RuleDocument; readonly version: number }[];
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly now: number;
  readonly limits: EventLimits;
  readonly secretNames: readonly string[];
  readonly maxEmitDepth: number;
  /** The same condition budget as the pipeline (IFTHEN_CONDITION_*); default DEFAULT_CONDITION_LIMITS. */
  readonly condition?: ConditionLimits;
  /** The same rendering budget as the pipeline and the dispatcher; DEFAULT_RENDER_LIMITS when absent. */
  readonly render?: RenderLimits;
  /** The bounds of rules with memory (lateness…), as the pipeline has them. */
  readonly memory?: MemoryLimits;
  /** The global control group (IFTHEN_GLOBAL_CONTROL_*), as the pipeline has it. */
  readonly globalControl?: GlobalControl;
}

/** A test event as if it arrived when it happened (its `time`, else now): a past event is not late. */
function testEvent(raw: unknown, input: TestRuleInput, path: string, seq: number): LoggedEvent {
  const checked = validateEvent(raw, input.limits, input.now, path);
  if ('error' in checked) throw new InvalidTestEventError(`${checked.error.path}: ${checked.error.message}`);
  return { ...checked.event, receivedAt: Math.min(checked.event.time, input.now), seq };
}

export function testRule(input: TestRuleInput) {
  const earlier = (input.events ?? []).map((raw, i) => testEvent(raw, input, `events[${i}]`, i + 1));
  const event = testEvent(input.event, input, 'event', earlier.length + 1);
  // Explained for one subject: an earlier event of another subject would change nothing.
  earlier.forEach((e, i) => {
    if (e.subject !== event.subject) throw new InvalidTestEventError(`events[${i}].subject: must be the event's subject "${event.subject}", not "${e.subject}"`);
  });
  const rule = compileRule(input.document, input.version);
  const attributes: Record<string, unknown> = Object.create(null);
  for (const key of Object.keys(input.attributes)) attributes[key] = input.attributes[key];
  const subject = { id: event.subject, attributes };
  const render = input.render ?? DEFAULT_RENDER_LIMITS;

  const options: EngineOptions = {
    maxEmitDepth: input.maxEmitDepth, condition: input.condition, render, wallClock: () => performance.now(), memory: input.memory,
    ...(input.globalControl ? { globalControl: input.globalControl } : {}),
    subject: { maxAttributes: input.limits.subjectAttributes, maxBytes: input.limits.subjectBytes },
  };
  const companions = (input.companions ?? []).map((c) => compileRule(c.document, c.version));
  const explained = explainReplay({ rule, companions, events: [...earlier, event], subject, engine: options });
  const decision = explained.decisions.find((d) => d.input.kind === 'event' && d.input.id === event.id);
  const history = explained.decisions.filter((d) => d !== decision);
  const explanation = {
    fired: decision?.outcome === 'fired',
    decision: decision && { outcome: decision.outcome, because: decision.because, ...(decision.window ? { window: decision.window } : {}), ...(decision.until ? { until: decision.until } : {}) },
    conditions: decision?.conditions ?? [],
    suppressions: decision?.suppressions ?? [],
    waiting: explained.waiting,
    ...(earlier.length ? { earlier: history.map(({ trace: _trace, ...d }) => d) } : {}),
  };
  const firing = explained.firings.find((f) => f.id === decision?.firingId);
  if (!firing) {
    const trace = decision?.trace ?? evaluateRule(rule, event, celContext(event, explained.beforeLast ?? subject, { now: event.receivedAt }), { valuesWhenFalse: true, limits: input.condition, wallClock: options.wallClock });
    return { matched: false, trace, ...explanation };
  }
  // The firing's step again, for what it emits and the profile after it (the step is pure: the same firing).
  const out = step(new RuleSet([rule]), explained.beforeLast ?? subject, { kind: 'event', event }, { now: event.receivedAt }, options);

  // Secrets are shown by name, never by value.
  const secrets: Record<string, string> = {};
  for (const name of input.secretNames) secrets[name] = `[secret:${name}]`;
  const actions = firing.trace.actions?.map((outcome) => {
    const delivery = firing.deliveries.find((d) => d.actionIndex === outcome.index);
    if (!delivery) return outcome;
    const context = { ...delivery.context, secrets };
    try {
      // A budget per action, as each delivery attempt has its own.
      return { ...outcome, preview: renderAction(delivery.kind, delivery.spec, context, DEFAULT_FIELD_SIZE_LIMITS, new RenderBudget(render)) };
    } catch (error) {
      return { ...outcome, outcome: 'failed', detail: `template error: ${(error as Error).message}` };
    }
  });
  return { matched: true, firingId: firing.id, group: firing.group, trace: { ...firing.trace, actions }, emits: out.emits, subjectAfter: { ...out.subject.attributes }, ...explanation };
}
