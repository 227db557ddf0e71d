// "Test on one event": runs the real engine on an event without storing or sending anything, and
// shows the trace and what each action would do, rendered, with secrets masked.
import { compileRule } from '../engine/rule/compile.ts';
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
import type { EngineOptions } from '../engine/types.ts';

/** The event given to test with is not a valid event; the message names the field. */
export class InvalidTestEventError extends Error {}

export interface TestRuleInput {
  readonly document: RuleDocument;
  readonly version: number;
  readonly event: unknown;
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly now: number;
  readonly limits: EventLimits;
  readonly secretNames: readonly string[];
  readonly maxEmitDepth: number;
  /** The same condition budget as the pipeline (IFTHEN_CONDITION_*); default DEFAULT_CONDITION_LIMITS. */
  readonly condition?: ConditionLimits;
  /** The same rendering budget as the pipeline and the dispatcher; DEFAULT_RENDER_LIMITS when absent. */
  readonly render?: RenderLimits;
}

export function testRule(input: TestRuleInput) {
  const checked = validateEvent(input.event, input.limits, input.now, 'event');
  if ('error' in checked) throw new InvalidTestEventError(`${checked.error.path}: ${checked.error.message}`);
  const event: LoggedEvent = { ...checked.event, seq: 0 };
  const rule = compileRule(input.document, input.version);
  const attributes: Record<string, unknown> = Object.create(null);
  for (const key of Object.keys(input.attributes)) attributes[key] = input.attributes[key];
  const subject = { id: event.subject, attributes };
  const clock = { now: input.now };
  const render = input.render ?? DEFAULT_RENDER_LIMITS;

  const options: EngineOptions = {
    maxEmitDepth: input.maxEmitDepth, condition: input.condition, render, wallClock: () => performance.now(),
    subject: { maxAttributes: input.limits.subjectAttributes, maxBytes: input.limits.subjectBytes },
  };
  const out = step(new RuleSet([rule]), subject, { kind: 'event', event }, clock, options);
  const firing = out.firings[0];
  if (!firing) return { matched: false, trace: evaluateRule(rule, event, celContext(event, subject, clock), { valuesWhenFalse: true, limits: input.condition, wallClock: options.wallClock }) };

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
  return { matched: true, firingId: firing.id, trace: { ...firing.trace, actions }, emits: out.emits, subjectAfter: { ...out.subject.attributes } };
}
