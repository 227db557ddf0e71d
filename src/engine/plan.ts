// Phase 2 of a step: a matched rule becomes a firing. External actions become delivery requests
// (rendered later, when secrets are at hand); `set` and `emit` are applied here, inside the same step.
import type { LoggedEvent, NewEvent } from './event.ts';
import type { CompiledRule } from './rule/compile.ts';
import type { Action, ActionSpec } from './rule/schema.ts';
import type { ActionOutcome, Clock, DeliveryContext, DeliveryRequest, EngineOptions, Exposure, Firing, Trace } from './types.ts';
import { assignGroup } from './holdout/assignment.ts';
import { deliveryId, emittedEventId, firingId } from './ids.ts';
import { DEFAULT_RENDER_LIMITS, RenderBudget } from './render-limits.ts';
import { renderedDestination } from './rendered-destination.ts';
import { renderText, renderValue } from './template.ts';

export interface PlannedFiring {
  readonly firing: Firing;
  readonly emits: readonly NewEvent[];
  /** Attribute changes from `set` actions; `null` removes an attribute. */
  readonly sets: ReadonlyArray<readonly [string, unknown]>;
}

/** What a rule with memory adds to a firing: its key, the events that made it, what templates see. */
export interface FiringExtra {
  /** The firing id's trigger key; default the event id. */
  readonly key?: string;
  /** Default `[event.id]`. */
  readonly eventIds?: readonly string[];
  readonly window?: DeliveryContext['window'];
  readonly steps?: DeliveryContext['steps'];
  readonly change?: DeliveryContext['change'];
  /** t_f; default the event's arrival. */
  readonly firingTime?: number;
}

export function planFiring(rule: CompiledRule, event: LoggedEvent, subject: Readonly<Record<string, unknown>>, trace: Trace, clock: Clock, options: EngineOptions, extra?: FiringExtra): PlannedFiring {
  const id = firingId(rule.id, extra?.key ?? event.id);
  const assigned = rule.experiment ? assignGroup(rule.experiment, event.subject, options.globalControl) : undefined;
  const exposure: Exposure | undefined = rule.experiment && assigned ? {
    salt: rule.experiment.salt, globalControl: assigned.globalControl, at: event.time,
    metrics: rule.experiment.metrics.map((m) => ({ name: m.name, withinMs: m.withinMs })),
  } : undefined;
  if (assigned?.group === 'holdout') {
    // The same path up to here (conditions, windows, caps, quiet hours, dedupe); then nothing is rendered, sent, emitted or set.
    const firing: Firing = {
      id, ruleId: rule.id, ruleVersion: rule.version, subject: event.subject, eventIds: extra?.eventIds ?? [event.id],
      group: 'holdout', time: clock.now, firingTime: extra?.firingTime ?? event.receivedAt,
      trace: { ...trace, actions: rule.actions.map((action, index) => heldOut(action, index, assigned.globalControl)) }, deliveries: [], exposure,
    };
    return { firing, emits: [], sets: [] };
  }
  const context: DeliveryContext = {
    event: { id: event.id, type: event.type, subject: event.subject, time: new Date(event.time).toISOString(), properties: event.properties },
    subject,
    firing: { id, rule: rule.id, version: rule.version },
    now: new Date(clock.now).toISOString(),
    ...(extra?.window ? { window: extra.window } : {}),
    ...(extra?.steps ? { steps: extra.steps } : {}),
    ...(extra?.change ? { change: extra.change } : {}),
  };
  const deliveries: DeliveryRequest[] = [];
  const emits: NewEvent[] = [];
  const sets: Array<readonly [string, unknown]> = [];
  const outcomes: ActionOutcome[] = [];
  // One budget for the whole firing: its actions (and their many leaves) share it.
  const budget = new RenderBudget(options.render ?? DEFAULT_RENDER_LIMITS);

  rule.actions.forEach((action, index) => {
    const [kind, spec] = Object.entries(action)[0] as [keyof Action & string, ActionSpec];
    budget.beginAction();
    try {
      // Everything an action sets or emits is rendered before any of it is kept: a failed render keeps nothing.
      if (kind === 'set') {
        const values = renderValue(spec, context, budget) as Record<string, unknown>;
        for (const key of Object.keys(values)) sets.push([key, values[key]]);
        outcomes.push({ index, kind, outcome: 'applied', detail: `set ${Object.keys(values).join(', ')}` });
      } else if (kind === 'emit') {
        const emit = spec as ActionSpec<'emit'>;
        if (event.depth + 1 > options.maxEmitDepth) {
          outcomes.push({ index, kind, outcome: 'skipped', detail: `chain depth limit ${options.maxEmitDepth} reached` });
          return;
        }
        const newEvent: NewEvent = {
          id: emittedEventId(id, index),
          type: emit.event,
          subject: emit.subject ? renderText(emit.subject, context, budget) : event.subject,
          time: clock.now,
          receivedAt: clock.now,
          properties: (renderValue(emit.properties ?? {}, context, budget) ?? {}) as Record<string, unknown>,
          causationId: event.id,
          depth: event.depth + 1,
        };
        emits.push(newEvent);
        outcomes.push({ index, kind, outcome: 'applied', detail: `emitted ${newEvent.type} ${newEvent.id}` });
      } else {
        const destination = renderedDestination(kind, spec as Record<string, unknown>, context, budget);
        deliveries.push({
          id: deliveryId(id, index), firingId: id, ruleId: rule.id, subject: event.subject, actionIndex: index,
          kind, spec: spec as Record<string, unknown>, context, policy: rule.policy, createdAt: clock.now,
          ...(destination === undefined ? {} : { destination }),
        });
        outcomes.push({ index, kind, outcome: 'queued' });
      }
    } catch (error) {
      outcomes.push({ index, kind, outcome: 'failed', detail: (error as Error).message });
    }
  });

  const firing: Firing = {
    id, ruleId: rule.id, ruleVersion: rule.version, subject: event.subject, eventIds: extra?.eventIds ?? [event.id],
    group: 'treatment', time: clock.now, firingTime: extra?.firingTime ?? event.receivedAt, trace: { ...trace, actions: outcomes }, deliveries,
    ...(exposure ? { exposure } : {}),
  };
  return { firing, emits, sets };
}

/** What a held-out subject's action would have done, in words: `held out (would have queued a webhook)`. */
function heldOut(action: Action, index: number, globalControl: boolean): ActionOutcome {
  const [kind, spec] = Object.entries(action)[0] as [keyof Action & string, ActionSpec];
  const would = kind === 'set' ? `set ${Object.keys(spec as Record<string, unknown>).join(', ')}`
    : kind === 'emit' ? `emitted ${(spec as ActionSpec<'emit'>).event}`
      : `queued ${kind === 'email' ? 'an email' : `a ${kind}`}`;
  return { index, kind, outcome: 'skipped', detail: `held out${globalControl ? ' (global control group)' : ''} (would have ${would})` };
}
